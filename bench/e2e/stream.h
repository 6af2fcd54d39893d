#ifndef KILN_BENCH_E2E_STREAM_H_
#define KILN_BENCH_E2E_STREAM_H_

// The stream that a backend's TimeMs records its events on, for
// ExecutionContext::Enqueue: the benchmark enqueues the network on the very
// stream it times, as a CUDA user enqueues on their own stream and records
// their own events around it. Built from stream_cuda.cc when the toolkit is
// present, else from stream_host.cc.

#include "backends/backend.h"
#include "backends/tactic.h"

namespace kiln {
namespace bench {

// A cudaStream_t (as void*) for the cuda backend's resources; nullptr for a
// host backend, which takes no stream.
void* StreamOf(const Backend& backend, ExecutionResources* resources);

}  // namespace bench
}  // namespace kiln

#endif  // KILN_BENCH_E2E_STREAM_H_
