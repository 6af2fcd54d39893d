#ifndef KILN_BACKENDS_CUDA_GEMM_H_
#define KILN_BACKENDS_CUDA_GEMM_H_

// fp32 and fp16 GEMMs through cuBLASLt, shared by FullyConnected and MatMul.
// Shapes are in cuBLAS's column-major terms: D (m x n) = op(A) (m x k) ·
// op(B) (k x n) [+ bias (m)] [then ReLU], `batch` times with element strides between
// matrices (0 = the same matrix for every batch entry). A, B, D and the bias
// are all in the shape's dtype; products accumulate in fp32 either way
// (fp32: strict CUBLAS_COMPUTE_32F or TF32 tensor cores as the state says;
// fp16: tensor cores, CUBLAS_COMPUTE_32F with fp32 scaling, D rounded once).

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/cuda/backend.h"
#include "graph/types.h"

namespace kiln {
namespace cuda {

struct GemmShape {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  int64_t batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;
  bool bias = false;  // CUBLASLT_EPILOGUE_BIAS: D += bias[row]
  // CUBLASLT_EPILOGUE_RELU (RELU_BIAS with the bias): D = max(D, 0), after
  // the bias. Part of the matmul descriptor, so the heuristic only offers
  // algorithms that run it.
  bool relu = false;
  // CUBLASLT_EPILOGUE_GELU (GELU_BIAS with the bias): D = GELU(D) after the
  // bias, in cuBLASLt's tanh form 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))),
  // which is within 4.8e-4 of the erf form everywhere (GemmTactic uses it for
  // fp16 only).
  bool gelu = false;
  DataType dtype = DataType::kFloat32;  // kFloat32 or kFloat16
};

// What a GEMM tactic keeps in the plan: the algorithm the heuristic gave at
// build time (opaque, valid for the cuBLASLt and GPU it was made with; the
// plan's device check covers the GPU) and the math mode (fp32 GEMMs only:
// fp16 ones always accumulate in fp32).
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
                     const GemmState& state, const void* a, const void* b, void* d,
                     const void* bias, void* workspace, size_t workspace_size);

}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_GEMM_H_
