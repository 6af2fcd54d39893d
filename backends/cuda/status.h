#ifndef KILN_BACKENDS_CUDA_STATUS_H_
#define KILN_BACKENDS_CUDA_STATUS_H_

// CUDA, cuDNN and cuBLAS(Lt) return codes as absl::Status, with the text of
// the call that failed and the library's own description. Out-of-memory codes
// become ResourceExhausted so callers (the builder, users) can tell a full
// device from a bug and keep the engine.

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kiln {
namespace cuda {

inline absl::Status CudaStatus(cudaError_t code, absl::string_view expr) {
  if (code == cudaSuccess) return absl::OkStatus();
  // cudaMalloc's failure is not sticky, but it is left as the "last error";
  // clear it so the next unrelated check does not report it again.
  if (code == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    return absl::ResourceExhaustedError(
        absl::StrCat(expr, ": out of device memory (", cudaGetErrorName(code), ": ",
                     cudaGetErrorString(code), ")"));
  }
  return absl::InternalError(absl::StrCat(expr, ": ", cudaGetErrorName(code), ": ",
                                          cudaGetErrorString(code)));
}

inline absl::Status CudnnStatus(cudnnStatus_t code, absl::string_view expr) {
  if (code == CUDNN_STATUS_SUCCESS) return absl::OkStatus();
  const std::string text = absl::StrCat(expr, ": ", cudnnGetErrorString(code));
  if (code == CUDNN_STATUS_ALLOC_FAILED) return absl::ResourceExhaustedError(text);
  if (code == CUDNN_STATUS_NOT_SUPPORTED) return absl::UnimplementedError(text);
  if (code == CUDNN_STATUS_BAD_PARAM) return absl::InvalidArgumentError(text);
  return absl::InternalError(text);
}

inline absl::Status CublasStatus(cublasStatus_t code, absl::string_view expr) {
  if (code == CUBLAS_STATUS_SUCCESS) return absl::OkStatus();
  const std::string text =
      absl::StrCat(expr, ": ", cublasLtGetStatusName(code), ": ", cublasLtGetStatusString(code));
  if (code == CUBLAS_STATUS_ALLOC_FAILED) return absl::ResourceExhaustedError(text);
  if (code == CUBLAS_STATUS_NOT_SUPPORTED) return absl::UnimplementedError(text);
  if (code == CUBLAS_STATUS_INVALID_VALUE) return absl::InvalidArgumentError(text);
  return absl::InternalError(text);
}

}  // namespace cuda
}  // namespace kiln

#define KILN_CUDA_RETURN_IF_ERROR(expr)                                              \
  do {                                                                               \
    const ::absl::Status kiln_cuda_status_ = ::kiln::cuda::CudaStatus((expr), #expr); \
    if (!kiln_cuda_status_.ok()) return kiln_cuda_status_;                           \
  } while (0)

#define KILN_CUDNN_RETURN_IF_ERROR(expr)                                               \
  do {                                                                                 \
    const ::absl::Status kiln_cudnn_status_ = ::kiln::cuda::CudnnStatus((expr), #expr); \
    if (!kiln_cudnn_status_.ok()) return kiln_cudnn_status_;                           \
  } while (0)

#define KILN_CUBLAS_RETURN_IF_ERROR(expr)                                                \
  do {                                                                                   \
    const ::absl::Status kiln_cublas_status_ = ::kiln::cuda::CublasStatus((expr), #expr); \
    if (!kiln_cublas_status_.ok()) return kiln_cublas_status_;                           \
  } while (0)

#endif  // KILN_BACKENDS_CUDA_STATUS_H_
