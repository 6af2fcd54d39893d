#include "bench/e2e/stream.h"

#include "backends/cuda/backend.h"

namespace kiln {
namespace bench {

void* StreamOf(const Backend& backend, ExecutionResources* resources) {
  if (backend.name() != cuda::kBackend || resources == nullptr) return nullptr;
  return static_cast<cuda::CudaResources*>(resources)->stream();
}

}  // namespace bench
}  // namespace kiln
