#ifndef KILN_RUNTIME_RUNTIME_H_
#define KILN_RUNTIME_RUNTIME_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "runtime/engine.h"

namespace kiln {

class Runtime {
 public:
  // Verifies a plan file (PlanReader) and loads it.
  static absl::StatusOr<std::unique_ptr<Engine>> Deserialize(absl::Span<const uint8_t> bytes);
  // Loads a plan straight from the builder.
  static absl::StatusOr<std::unique_ptr<Engine>> CreateEngine(Plan plan);
};

}  // namespace kiln

#endif  // KILN_RUNTIME_RUNTIME_H_
