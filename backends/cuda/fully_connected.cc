// cuda FullyConnected: Y = X · Wᵀ + b [then a fused ReLU or GELU] through
// cuBLASLt with the BIAS, RELU(_BIAS) or, in fp16, GELU(_BIAS) epilogue (an
// fp32 GELU runs as kiln's kernel after the GEMM: GemmTactic::TypedCall), one tactic per heuristic
// algorithm and dtype (cuda.fully_connected.cublaslt.<i>.<fp32|fp16>; fp16
// accumulates in fp32, fp32 is strict unless the build allows TF32).
// W (K_out x K_in, row-major) is read as stored: in column-major terms it is
// Wᵀ, so no pre-formatting is needed. Row-major (linear) tensors only: an
// NHWC input would flatten in another order.
#include "ops/fully_connected.h"

#include "backends/cuda/gemm_tactic.h"
#include "backends/tactic_registry.h"

namespace kiln {
namespace cuda {
namespace {

class FcTactic : public GemmTactic {
 public:
  FcTactic(int index, DataType dtype)
      : GemmTactic(
            absl::StrCat("cuda.fully_connected.cublaslt.", index, ".", GemmDtypeSuffix(dtype)),
            kFullyConnectedOp, index, dtype) {}

  absl::StatusOr<GemmCall> MakeCall(const NodeContext& node, absl::Span<const TensorDesc> inputs,
                                    absl::Span<const TensorDesc> outputs) const override {
    KILN_ASSIGN_OR_RETURN(FullyConnectedParams p, FullyConnectedParams::FromAttrs(node.attrs));
    if (inputs.size() < 2 || inputs[1].rank() != 2 || outputs.empty()) {
      return absl::InvalidArgumentError("FullyConnected needs 2-D weights");
    }
    const int64_t k_out = inputs[1].dims[0], k_in = inputs[1].dims[1];
    // Column-major D (K_out x rows) = Wᵀ-as-stored (op T) · X-as-stored.
    GemmCall call;
    call.shape.m = k_out;
    call.shape.k = k_in;
    call.shape.n = k_out == 0 ? 0 : outputs[0].volume() / k_out;
    call.shape.trans_a = true;
    call.shape.bias = inputs.size() > 2 && !inputs[2].name.empty();
    call.activation = p.activation;
    call.a_input = 1;
    call.b_input = 0;
    call.bias_input = call.shape.bias ? 2 : -1;
    return call;
  }
};

// Tactics 0..kGemmTactics-1 in fp32 and in fp16.
bool RegisterFcTactics() {
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16}) {
    for (int index = 0; index < kGemmTactics; ++index) {
      internal::RegisterTacticOrDie(std::make_unique<FcTactic>(index, dtype));
    }
  }
  return true;
}

const bool kFcTacticsRegistered = RegisterFcTactics();

}  // namespace
}  // namespace cuda
}  // namespace kiln
