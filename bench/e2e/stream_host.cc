// Without the CUDA toolkit every backend runs on the host: no streams.
#include "bench/e2e/stream.h"

namespace kiln {
namespace bench {

void* StreamOf(const Backend&, ExecutionResources*) { return nullptr; }

}  // namespace bench
}  // namespace kiln
