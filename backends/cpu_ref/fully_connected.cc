// cpu_ref FullyConnected: a plain dot-product loop (the reference) and an
// Eigen GEMM over weights pre-packed at build time.
#include "ops/fully_connected.h"

#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "Eigen/Dense"
#include "backends/cpu_ref/activation.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// (rows, K_in) of the flattened input; `axis` is already validated.
struct FcShape {
  int64_t rows = 0;
  int64_t k_in = 0;
  int64_t k_out = 0;
};

FcShape ShapeOf(absl::Span<const TensorDesc> inputs, absl::Span<const TensorDesc> outputs) {
  FcShape s;
  s.k_out = inputs[1].dims[0];
  s.k_in = inputs[1].dims[1];
  s.rows = s.k_out == 0 ? 0 : outputs[0].volume() / s.k_out;
  return s;
}

absl::Status SupportsFloatFc(const NodeContext& node) {
  KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
  return FullyConnectedParams::FromAttrs(node.attrs).status();
}

// The fused activation, if any, over the whole output (after the bias).
void ApplyActivation(const std::optional<ActivationType>& activation, const KernelArgs& args) {
  if (!activation.has_value()) return;
  auto* output = static_cast<float*>(args.outputs[0]);
  Activate(ActivationParams{*activation}, output, output, args.output_descs[0].volume());
}

class DirectKernel : public Fp32Kernel {
 public:
  explicit DirectKernel(std::optional<ActivationType> activation) : activation_(activation) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const FcShape s = ShapeOf(args.input_descs, args.output_descs);
    const auto* input = static_cast<const float*>(args.inputs[0]);
    const auto* weight = static_cast<const float*>(args.inputs[1]);
    const auto* bias = args.inputs.size() > 2 ? static_cast<const float*>(args.inputs[2]) : nullptr;
    auto* output = static_cast<float*>(args.outputs[0]);
    for (int64_t row = 0; row < s.rows; ++row) {
      const float* in_row = input + row * s.k_in;
      for (int64_t out_c = 0; out_c < s.k_out; ++out_c) {
        const float* filter_row = weight + out_c * s.k_in;
        float acc = bias != nullptr ? bias[out_c] : 0.0f;
        for (int64_t in_c = 0; in_c < s.k_in; ++in_c) acc += in_row[in_c] * filter_row[in_c];
        output[row * s.k_out + out_c] = acc;
      }
    }
    ApplyActivation(activation_, args);
    return absl::OkStatus();
  }

 private:
  std::optional<ActivationType> activation_;
};

class DirectTactic : public Fp32Tactic {
 public:
  DirectTactic()
      : Fp32Tactic("cpu_ref.fully_connected.direct", kFullyConnectedOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override { return SupportsFloatFc(node); }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(FullyConnectedParams params, FullyConnectedParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<DirectKernel>(params.activation));
  }
};

// Weights packed at build as fp32, transposed to (K_in, K_out) row-major, so
// the run is one product of row-major matrices, Y = X · Wᵀ, with no fp16
// conversion or transpose left for run time.
class GemmKernel : public Fp32Kernel {
 public:
  GemmKernel(std::vector<float> packed, int64_t k_in, int64_t k_out,
             std::optional<ActivationType> activation)
      : packed_(std::move(packed)), k_in_(k_in), k_out_(k_out), activation_(activation) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const FcShape s = ShapeOf(args.input_descs, args.output_descs);
    Eigen::Map<const RowMajorMatrix> x(static_cast<const float*>(args.inputs[0]), s.rows, k_in_);
    Eigen::Map<const RowMajorMatrix> w_t(packed_.data(), k_in_, k_out_);
    Eigen::Map<RowMajorMatrix> y(static_cast<float*>(args.outputs[0]), s.rows, k_out_);
    y.noalias() = x * w_t;
    if (args.inputs.size() > 2 && args.inputs[2] != nullptr) {
      Eigen::Map<const Eigen::RowVectorXf> bias(static_cast<const float*>(args.inputs[2]), k_out_);
      y.rowwise() += bias;
    }
    ApplyActivation(activation_, args);
    return absl::OkStatus();
  }

 private:
  std::vector<float> packed_;
  int64_t k_in_;
  int64_t k_out_;
  std::optional<ActivationType> activation_;
};

class GemmTactic : public Fp32Tactic {
 public:
  GemmTactic()
      : Fp32Tactic("cpu_ref.fully_connected.gemm", kFullyConnectedOp, /*is_reference=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(SupportsFloatFc(node));
    if (node.constant(1) == nullptr) {
      return absl::UnimplementedError(
          "needs constant weights to pre-pack them; input 1 (weight) is not constant");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<uint8_t>> PrepareState(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(Supports(node));
    const Weights& w = *node.constant(1);
    const int64_t k_out = w.dims()[0];
    const int64_t k_in = w.dims()[1];
    std::vector<float> packed(k_in * k_out);
    for (int64_t out_c = 0; out_c < k_out; ++out_c) {
      for (int64_t in_c = 0; in_c < k_in; ++in_c) {
        const int64_t i = out_c * k_in + in_c;
        packed[in_c * k_out + out_c] =
            w.dtype() == DataType::kFloat16 ? HalfToFloat(w.as<uint16_t>()[i]) : w.as<float>()[i];
      }
    }
    std::vector<uint8_t> state(packed.size() * sizeof(float));
    if (!state.empty()) std::memcpy(state.data(), packed.data(), state.size());
    return state;
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(
      const NodeContext& node, absl::Span<const uint8_t> state) const override {
    const int64_t k_out = node.inputs[1].dims[0];
    const int64_t k_in = node.inputs[1].dims[1];
    if (state.size() != static_cast<size_t>(k_in * k_out) * sizeof(float)) {
      return node.Error("cpu_ref.fully_connected.gemm: state has ", state.size(),
                        " bytes, expected ", k_in * k_out * sizeof(float), " (fp32 ", k_in, "x",
                        k_out, " weights); rebuild the plan");
    }
    KILN_ASSIGN_OR_RETURN(FullyConnectedParams params, FullyConnectedParams::FromAttrs(node.attrs));
    // Copied because plan state carries no alignment guarantee for floats.
    std::vector<float> packed(k_in * k_out);
    if (!state.empty()) std::memcpy(packed.data(), state.data(), state.size());
    return std::unique_ptr<Kernel>(
        std::make_unique<GemmKernel>(std::move(packed), k_in, k_out, params.activation));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DirectTactic>());
KILN_REGISTER_TACTIC(std::make_unique<GemmTactic>());

}  // namespace cpu_ref
}  // namespace kiln
