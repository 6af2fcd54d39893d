#ifndef KILN_OPS_BIT_SHIFT_H_
#define KILN_OPS_BIT_SHIFT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kBitShiftOp[] = "BitShift";

// ONNX BitShift on unsigned integers. kiln has no unsigned types: the ONNX
// importer widens uint8/uint16 to int32 and uint32/uint64 to int64, so the
// op takes X and Y (numpy-broadcast) of one type, int32 or int64, and
// `width`, the original unsigned width. Each value is read as an unsigned
// `width`-bit number (X masked to its low `width` bits; a negative Y is a
// huge shift), shifted, and masked again, so a left shift wraps like the
// unsigned type and a shift by >= width gives 0. Output: X's type, the
// broadcast dims.
struct BitShiftParams {
  bool left = true;    // "direction": "left" | "right"
  int64_t width = 32;  // "width": 8, 16, 32 or 64 (at most X's bits, or 64 for int64)

  AttrMap ToAttrs() const;
  static absl::StatusOr<BitShiftParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddBitShift(NetworkDefinition& network, absl::string_view name,
                                     TensorId x, TensorId y, const BitShiftParams& params);

}  // namespace kiln

#endif  // KILN_OPS_BIT_SHIFT_H_
