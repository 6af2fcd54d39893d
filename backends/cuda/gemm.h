#ifndef KILN_BACKENDS_CUDA_GEMM_H_
#define KILN_BACKENDS_CUDA_GEMM_H_

// fp32 GEMMs through cuBLASLt, shared by FullyConnected and MatMul. Shapes are
// in cuBLAS's column-major terms: D (m x n) = op(A) (m x k) · op(B) (k x n)
// [+ bias (m)], `batch` times with element strides between matrices (0 =
// the same matrix for every batch entry).

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/cuda/backend.h"

namespace kiln {
namespace cuda {

struct GemmShape {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  int64_t batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;
  bool bias = false;  // CUBLASLT_EPILOGUE_BIAS: D += bias[row]
};

// What a GEMM tactic keeps in the plan: the algorithm the heuristic gave at
// build time (opaque, valid for the cuBLASLt and GPU it was made with; the
// plan's device check covers the GPU) and the math mode.
struct GemmState {
  cublasLtMatmulAlgo_t algo;
  uint64_t workspace = 0;
  int32_t allow_tf32 = 0;
};

// Pointers are at least this aligned: cudaMalloc gives 256, the activation
// arena 64.
inline constexpr uint32_t kGemmAlignment = 64;

// The heuristic's best algorithms for `shape`, best first, at most `count`,
// each needing at most `max_workspace` bytes.
absl::StatusOr<std::vector<cublasLtMatmulHeuristicResult_t>> GemmHeuristics(
    const GemmShape& shape, bool allow_tf32, uint64_t max_workspace, int count);

// OK when `algo` can run `shape` (cublasLtMatmulAlgoCheck) within
// `max_workspace` bytes.
absl::Status GemmAlgoCheck(const GemmShape& shape, bool allow_tf32,
                           const cublasLtMatmulAlgo_t& algo, uint64_t max_workspace);

// Enqueues one GEMM on `stream`. Creates no heap objects (descriptors live on
// the stack), so kernels may call it concurrently from several contexts.
absl::Status RunGemm(cublasLtHandle_t handle, cudaStream_t stream, const GemmShape& shape,
                     const GemmState& state, const float* a, const float* b, float* d,
                     const float* bias, void* workspace, size_t workspace_size);

}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_GEMM_H_
