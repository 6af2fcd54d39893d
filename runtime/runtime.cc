#include "runtime/runtime.h"

#include "graph/status_macros.h"
#include "serialization/plan_io.h"

namespace kiln {

absl::StatusOr<std::unique_ptr<Engine>> Runtime::Deserialize(absl::Span<const uint8_t> bytes) {
  KILN_ASSIGN_OR_RETURN(Plan plan, PlanReader::Read(bytes));
  return Engine::Create(std::move(plan));
}

absl::StatusOr<std::unique_ptr<Engine>> Runtime::CreateEngine(Plan plan) {
  return Engine::Create(std::move(plan));
}

}  // namespace kiln
