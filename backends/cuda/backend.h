#ifndef KILN_BACKENDS_CUDA_BACKEND_H_
#define KILN_BACKENDS_CUDA_BACKEND_H_

// The cuda backend: device memory, one stream and one cuDNN / cuBLASLt handle
// per execution context, CUDA-event timing. Tactics (backends/cuda/<op>.cc)
// get their context's handles through CudaResources.

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <mutex>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/tactic.h"

namespace kiln {
namespace cuda {

inline constexpr char kBackend[] = "cuda";

// Per-execution-context resources. The handles are bound to `stream()`, which
// is the context's own stream unless Enqueue was given the user's.
class CudaResources : public ExecutionResources {
 public:
  static absl::StatusOr<std::unique_ptr<CudaResources>> Create();
  ~CudaResources() override;
  CudaResources(const CudaResources&) = delete;
  CudaResources& operator=(const CudaResources&) = delete;

  cudaStream_t stream() const { return stream_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  cublasLtHandle_t cublas_lt() const { return cublas_lt_; }
  int device() const { return device_; }
  cudaEvent_t start_event() const { return start_; }
  cudaEvent_t stop_event() const { return stop_; }

  // nullptr = the own stream.
  absl::Status SetStream(cudaStream_t stream);

  // A non-blocking stream of this context's own on which CUDA graphs are
  // captured (made on first use). Capture cannot happen on the legacy
  // default stream, a user's stream may be either, and a blocking stream
  // under capture would make any use of the legacy stream (the backend's
  // synchronous copies, from any thread) invalidate the capture.
  absl::StatusOr<cudaStream_t> CaptureStream();

 private:
  CudaResources() = default;
  int device_ = 0;
  cudaStream_t own_stream_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaStream_t capture_stream_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  cublasLtHandle_t cublas_lt_ = nullptr;
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
};

// The resources a kernel runs with (the cuda backend always passes these).
inline CudaResources& ResourcesOf(const KernelArgs& args) {
  return *static_cast<CudaResources*>(args.resources);
}

// OK when a CUDA device can be used; else why not (no driver, no device).
// Computed once per process.
absl::Status DeviceAvailable();

// Process-wide handles for build-time questions (workspace sizes, algorithm
// heuristics) asked by Supports/WorkspaceSize/PrepareState, which have no
// execution context. Hold QueryMutex() while using them.
std::mutex& QueryMutex();
absl::StatusOr<cudnnHandle_t> QueryCudnnHandle();
absl::StatusOr<cublasLtHandle_t> QueryCublasLtHandle();

}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_BACKEND_H_
