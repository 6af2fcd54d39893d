#ifndef KILN_SERIALIZATION_PLAN_IO_H_
#define KILN_SERIALIZATION_PLAN_IO_H_

// A plan file is a 64-byte header followed by a flatbuffer (plan.fbs):
//   0  "KILNPLAN"                magic
//   8  uint32 format version     kPlanFormatVersion
//   12 uint32 header size        64
//   16 uint64 payload size       bytes of flatbuffer after the header
//   24 uint64 payload checksum   FNV-1a 64 of the payload
//   32 zero padding to 64
// Little-endian. The header lets a reader reject truncated, corrupted and
// wrong-version files before it parses anything.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "serialization/plan.h"

namespace kiln {

inline constexpr size_t kPlanHeaderSize = 64;

class PlanWriter {
 public:
  static absl::StatusOr<std::vector<uint8_t>> Write(const Plan& plan);
};

class PlanReader {
 public:
  // Parses and verifies `bytes`: header, checksum, flatbuffers verifier,
  // versions, every index and size, that each op and tactic exists in this
  // build, and that the plan's backend is present and on the same device.
  static absl::StatusOr<Plan> Read(absl::Span<const uint8_t> bytes);
  // Same without the backend/device check (for `kiln inspect` on any machine).
  static absl::StatusOr<Plan> ReadForInspection(absl::Span<const uint8_t> bytes);
};

uint64_t Fnv1a64(absl::Span<const uint8_t> bytes);

}  // namespace kiln

#endif  // KILN_SERIALIZATION_PLAN_IO_H_
