#include "backends/cuda/gemm.h"

#include <mutex>

#include "absl/strings/str_cat.h"
#include "backends/cuda/status.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// Stack storage of the descriptors of one GEMM.
struct GemmDescs {
  cublasLtMatmulDescOpaque_t op_storage;
  cublasLtMatrixLayoutOpaque_t a_storage, b_storage, d_storage;
  cublasLtMatmulDesc_t op = &op_storage;
  cublasLtMatrixLayout_t a = &a_storage, b = &b_storage, d = &d_storage;
};

absl::Status SetBatch(cublasLtMatrixLayout_t layout, int64_t batch, int64_t stride) {
  if (batch == 1) return absl::OkStatus();
  const int32_t count = static_cast<int32_t>(batch);
  KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutSetAttribute(
      layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count)));
  KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutSetAttribute(
      layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)));
  return absl::OkStatus();
}

// The bias is added before the ReLU or GELU (cuBLASLt: "apply bias and then
// ReLU").
cublasLtEpilogue_t EpilogueOf(const GemmShape& s) {
  if (s.gelu) return s.bias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
  if (s.relu) return s.bias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU;
  return s.bias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
}

absl::Status InitDescs(const GemmShape& s, bool allow_tf32, GemmDescs& descs) {
  const bool half = s.dtype == DataType::kFloat16;
  // fp16 takes tensor cores with fp32 accumulation and fp32 alpha/beta;
  // TF32 only ever applies to fp32 data.
  const cublasComputeType_t compute =
      !half && allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  const cudaDataType_t data = half ? CUDA_R_16F : CUDA_R_32F;
  KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescInit(descs.op, compute, CUDA_R_32F));
  const cublasOperation_t ta = s.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t tb = s.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  KILN_CUBLAS_RETURN_IF_ERROR(
      cublasLtMatmulDescSetAttribute(descs.op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)));
  KILN_CUBLAS_RETURN_IF_ERROR(
      cublasLtMatmulDescSetAttribute(descs.op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)));
  if (s.bias || s.relu || s.gelu) {
    const cublasLtEpilogue_t epilogue = EpilogueOf(s);
    KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(
        descs.op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue)));
    // CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE is left at its default: the bias
    // is in D's type (fp16 bias for fp16 D), which is what kiln stores.
  }
  const uint64_t a_rows = s.trans_a ? s.k : s.m, a_cols = s.trans_a ? s.m : s.k;
  const uint64_t b_rows = s.trans_b ? s.n : s.k, b_cols = s.trans_b ? s.k : s.n;
  KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutInit(
      descs.a, data, a_rows, a_cols, static_cast<int64_t>(std::max<uint64_t>(a_rows, 1))));
  KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutInit(
      descs.b, data, b_rows, b_cols, static_cast<int64_t>(std::max<uint64_t>(b_rows, 1))));
  KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutInit(
      descs.d, data, s.m, s.n, std::max<int64_t>(s.m, 1)));
  KILN_RETURN_IF_ERROR(SetBatch(descs.a, s.batch, s.stride_a));
  KILN_RETURN_IF_ERROR(SetBatch(descs.b, s.batch, s.stride_b));
  KILN_RETURN_IF_ERROR(SetBatch(descs.d, s.batch, s.stride_c));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<cublasLtMatmulHeuristicResult_t>> GemmHeuristics(
    const GemmShape& shape, bool allow_tf32, uint64_t max_workspace, int count) {
  GemmDescs descs;
  KILN_RETURN_IF_ERROR(InitDescs(shape, allow_tf32, descs));
  cublasLtMatmulPreferenceOpaque_t pref_storage;
  cublasLtMatmulPreference_t pref = &pref_storage;
  KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulPreferenceInit(pref));
  KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &max_workspace, sizeof(max_workspace)));
  for (auto attr : {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
                    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
                    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES}) {
    KILN_CUBLAS_RETURN_IF_ERROR(
        cublasLtMatmulPreferenceSetAttribute(pref, attr, &kGemmAlignment, sizeof(kGemmAlignment)));
  }
  std::vector<cublasLtMatmulHeuristicResult_t> results(count);
  int returned = 0;
  {
    std::lock_guard<std::mutex> lock(QueryMutex());
    KILN_ASSIGN_OR_RETURN(cublasLtHandle_t handle, QueryCublasLtHandle());
    const cublasStatus_t code = cublasLtMatmulAlgoGetHeuristic(
        handle, descs.op, descs.a, descs.b, descs.d, descs.d, pref, count, results.data(),
        &returned);
    if (code == CUBLAS_STATUS_NOT_SUPPORTED) returned = 0;
    else KILN_RETURN_IF_ERROR(CublasStatus(code, "cublasLtMatmulAlgoGetHeuristic"));
  }
  results.resize(returned);
  return results;
}

absl::Status GemmAlgoCheck(const GemmShape& shape, bool allow_tf32,
                           const cublasLtMatmulAlgo_t& algo, uint64_t max_workspace) {
  GemmDescs descs;
  KILN_RETURN_IF_ERROR(InitDescs(shape, allow_tf32, descs));
  cublasLtMatmulHeuristicResult_t result;
  std::lock_guard<std::mutex> lock(QueryMutex());
  KILN_ASSIGN_OR_RETURN(cublasLtHandle_t handle, QueryCublasLtHandle());
  KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulAlgoCheck(handle, descs.op, descs.a, descs.b, descs.d,
                                                      descs.d, &algo, &result));
  if (result.workspaceSize > max_workspace) {
    return absl::ResourceExhaustedError(absl::StrCat("needs ", result.workspaceSize,
                                                     " bytes of workspace"));
  }
  return absl::OkStatus();
}

absl::Status RunGemm(cublasLtHandle_t handle, cudaStream_t stream, const GemmShape& shape,
                     const GemmState& state, const void* a, const void* b, void* d,
                     const void* bias, void* workspace, size_t workspace_size) {
  GemmDescs descs;
  KILN_RETURN_IF_ERROR(InitDescs(shape, state.allow_tf32 != 0, descs));
  if (shape.bias) {
    KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(
        descs.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)));
  }
  const float one = 1.0f, zero = 0.0f;
  KILN_CUBLAS_RETURN_IF_ERROR(cublasLtMatmul(handle, descs.op, &one, a, descs.a, b, descs.b,
                                             &zero, d, descs.d, d, descs.d, &state.algo,
                                             workspace, workspace_size, stream));
  return absl::OkStatus();
}

}  // namespace cuda
}  // namespace kiln
