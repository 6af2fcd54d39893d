// cpu_ref Unary: one <cmath> call per element.
#include "backends/cpu_ref/unary.h"

#include <cmath>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

class DirectKernel : public Fp32Kernel {
 public:
  explicit DirectKernel(UnaryOp op) : op_(op) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const auto* in = static_cast<const float*>(args.inputs[0]);
    auto* out = static_cast<float*>(args.outputs[0]);
    const int64_t n = args.output_descs[0].volume();
    for (int64_t i = 0; i < n; ++i) out[i] = ApplyUnary(op_, in[i]);
    return absl::OkStatus();
  }

 private:
  UnaryOp op_;
};

class DirectTactic : public Fp32Tactic {
 public:
  DirectTactic()
      : Fp32Tactic("cpu_ref.unary.direct", kUnaryOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return UnaryParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(UnaryParams params, UnaryParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<DirectKernel>(params.op));
  }
};

}  // namespace

float ApplyUnary(UnaryOp op, float x) {
  switch (op) {
    case UnaryOp::kExp: return std::exp(x);
    case UnaryOp::kLog: return std::log(x);
    case UnaryOp::kSqrt: return std::sqrt(x);
    case UnaryOp::kRecip: return 1.0f / x;
    case UnaryOp::kAbs: return std::fabs(x);
    case UnaryOp::kNeg: return -x;
    case UnaryOp::kSin: return std::sin(x);
    case UnaryOp::kCos: return std::cos(x);
    case UnaryOp::kTan: return std::tan(x);
    case UnaryOp::kAsin: return std::asin(x);
    case UnaryOp::kAcos: return std::acos(x);
    case UnaryOp::kAtan: return std::atan(x);
    case UnaryOp::kSinh: return std::sinh(x);
    case UnaryOp::kCosh: return std::cosh(x);
    case UnaryOp::kAsinh: return std::asinh(x);
    case UnaryOp::kAcosh: return std::acosh(x);
    case UnaryOp::kAtanh: return std::atanh(x);
    case UnaryOp::kCeil: return std::ceil(x);
    case UnaryOp::kFloor: return std::floor(x);
    // nearbyint rounds halves to even in the default rounding mode, which
    // nothing in kiln changes; std::round would round them away from zero.
    case UnaryOp::kRound: return std::nearbyint(x);
    case UnaryOp::kErf: return std::erf(x);
    case UnaryOp::kSign: return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x;  // keeps 0, -0, NaN
  }
  return x;
}

KILN_REGISTER_TACTIC(std::make_unique<DirectTactic>());

}  // namespace cpu_ref
}  // namespace kiln
