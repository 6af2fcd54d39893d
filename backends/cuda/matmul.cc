// cuda MatMul: row-major C = op(A) · op(B) [then a fused ReLU: the RELU
// epilogue] through cuBLASLt, one tactic per heuristic algorithm and dtype
// (cuda.matmul.cublaslt.<i>.<fp32|fp16>; fp16 accumulates in fp32, fp32 is
// strict unless the build allows TF32).
// Row-major matrices are column-major transposes, so cuBLAS computes
// Cᵀ = op(B)ᵀ · op(A)ᵀ with the operands swapped. Batch dims run as a strided
// batch; an operand whose batch dims are all 1 is reused (stride 0); other
// partial broadcasts are refused.
#include "ops/matmul.h"

#include "backends/cuda/gemm_tactic.h"
#include "backends/tactic_registry.h"

namespace kiln {
namespace cuda {
namespace {

class MatMulTactic : public GemmTactic {
 public:
  MatMulTactic(int index, DataType dtype)
      : GemmTactic(absl::StrCat("cuda.matmul.cublaslt.", index, ".", GemmDtypeSuffix(dtype)),
                   kMatMulOp, index, dtype) {}

  absl::StatusOr<GemmCall> MakeCall(const NodeContext& node, absl::Span<const TensorDesc> inputs,
                                    absl::Span<const TensorDesc> outputs) const override {
    KILN_ASSIGN_OR_RETURN(MatMulParams p, MatMulParams::FromAttrs(node.attrs));
    if (inputs.size() < 2 || outputs.empty()) return absl::InvalidArgumentError("needs 2 inputs");
    const Dims& a = inputs[0].dims;
    const Dims& b = inputs[1].dims;
    int64_t m = 1, k = 0, n = 1;
    if (a.size() == 1) {
      k = a[0];
    } else {
      m = p.transpose_a ? a[a.size() - 1] : a[a.size() - 2];
      k = p.transpose_a ? a[a.size() - 2] : a[a.size() - 1];
    }
    if (b.size() >= 2) n = p.transpose_b ? b[b.size() - 2] : b[b.size() - 1];
    // Views, not copies: Run calls this per launch and allocates nothing.
    using Span = absl::Span<const int64_t>;
    auto volume = [](Span dims) {
      int64_t v = 1;
      for (int64_t d : dims) v *= d;
      return v;
    };
    const Span a_batch = Span(a).first(a.size() - std::min<size_t>(a.size(), 2));
    const Span b_batch = Span(b).first(b.size() - std::min<size_t>(b.size(), 2));
    const Dims& out = outputs[0].dims;
    const size_t out_batch_rank = out.size() - (a.size() >= 2) - (b.size() >= 2);
    const Span out_batch = Span(out).first(out_batch_rank);
    const int64_t batch = volume(out_batch);
    // An operand's batch is either the output's (same dims, right-aligned,
    // leading 1s aside) or a single matrix.
    auto stride_of = [&](Span dims, int64_t matrix, absl::string_view which)
        -> absl::StatusOr<int64_t> {
      if (volume(dims) == 1) return int64_t{0};
      for (size_t i = 0; i < out_batch.size(); ++i) {
        const size_t from_end = out_batch.size() - 1 - i;
        const int64_t d = from_end < dims.size() ? dims[dims.size() - 1 - from_end] : 1;
        if (d != out_batch[i]) {
          return absl::UnimplementedError(absl::StrCat(
              "batch dims of ", which, " [", DimsString(Dims(dims.begin(), dims.end())),
              "] broadcast partially to [", DimsString(Dims(out_batch.begin(), out_batch.end())),
              "]; this tactic needs them equal to the output's or all 1"));
        }
      }
      return matrix;
    };
    GemmCall call;
    call.shape.m = n;
    call.shape.n = m;
    call.shape.k = k;
    call.shape.trans_a = p.transpose_b;
    call.shape.trans_b = p.transpose_a;
    call.shape.batch = batch;
    KILN_ASSIGN_OR_RETURN(call.shape.stride_a, stride_of(b_batch, k * n, "B"));
    KILN_ASSIGN_OR_RETURN(call.shape.stride_b, stride_of(a_batch, m * k, "A"));
    call.shape.stride_c = m * n;
    call.activation = p.activation;
    call.a_input = 1;
    call.b_input = 0;
    return call;
  }
};

// Tactics 0..kGemmTactics-1 in fp32 and in fp16.
bool RegisterMatMulTactics() {
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16}) {
    for (int index = 0; index < kGemmTactics; ++index) {
      internal::RegisterTacticOrDie(std::make_unique<MatMulTactic>(index, dtype));
    }
  }
  return true;
}

const bool kMatMulTacticsRegistered = RegisterMatMulTactics();

}  // namespace
}  // namespace cuda
}  // namespace kiln
