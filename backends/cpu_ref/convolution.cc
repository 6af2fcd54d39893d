// cpu_ref Convolution tactics:
//   cpu_ref.convolution.direct  the oracle: plain loops over NCHW.
//   cpu_ref.convolution.im2col  per image and group, unfolds the input into a
//                               (C/group*R*S) x (OH*OW) matrix in the workspace
//                               and multiplies it by the weights with Eigen.
// Both add the fused residual (input 3) and apply the fused activation after
// the bias, in that order, with the Activation op's formulas: a fused layer
// computes what the separate Convolution, ElementWise sum and Activation did.
#include "ops/convolution.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "Eigen/Dense"
#include "backends/cpu_ref/activation.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Sizes of one run, from the descs of the batch being run.
struct ConvShape {
  int64_t batch, channels, height, width;    // input
  int64_t out_channels, kernel_h, kernel_w;  // weight (K, C/group, R, S)
  int64_t out_h, out_w;                      // output
  int64_t group;
  int64_t group_in_channels() const { return channels / group; }
  int64_t group_out_channels() const { return out_channels / group; }
};

ConvShape MakeShape(absl::Span<const TensorDesc> inputs, absl::Span<const TensorDesc> outputs,
                    const ConvolutionParams& params) {
  const Dims& x = inputs[0].dims;
  const Dims& w = inputs[1].dims;
  const Dims& y = outputs[0].dims;
  return ConvShape{x[0], x[1], x[2], x[3], w[0], w[2], w[3], y[2], y[3], params.group};
}

// y += residual, then y = activation(y), when the layer has them.
void ApplyEpilogue(const ConvolutionParams& params, const KernelArgs& args) {
  auto* output = static_cast<float*>(args.outputs[0]);
  const int64_t n = args.output_descs[0].volume();
  if (args.inputs.size() > 3 && args.inputs[3] != nullptr) {
    const auto* residual = static_cast<const float*>(args.inputs[3]);
    for (int64_t i = 0; i < n; ++i) output[i] += residual[i];
  }
  if (params.activation.has_value()) Activate(*params.activation, output, output, n);
}

// ---------------------------------------------------------------------------
// cpu_ref.convolution.direct

class DirectConvolutionKernel : public Fp32Kernel {
 public:
  explicit DirectConvolutionKernel(ConvolutionParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const ConvShape s = MakeShape(args.input_descs, args.output_descs, params_);
    const auto* input = static_cast<const float*>(args.inputs[0]);
    const auto* filter = static_cast<const float*>(args.inputs[1]);
    const auto* bias = args.inputs.size() > 2 ? static_cast<const float*>(args.inputs[2]) : nullptr;
    auto* output = static_cast<float*>(args.outputs[0]);
    const int64_t stride_h = params_.strides[0], stride_w = params_.strides[1];
    const int64_t dilation_h = params_.dilations[0], dilation_w = params_.dilations[1];
    const int64_t pad_top = params_.pads[0], pad_left = params_.pads[1];
    const int64_t in_channels = s.group_in_channels();
    const int64_t out_plane = s.out_h * s.out_w;

    // Loop order: one output plane at a time, accumulating one (input
    // channel, filter tap) pair over the whole plane, so the innermost loop
    // walks an output row and an input row.
    for (int64_t batch = 0; batch < s.batch; ++batch) {
      for (int64_t out_c = 0; out_c < s.out_channels; ++out_c) {
        const int64_t g = out_c / s.group_out_channels();
        float* out = output + (batch * s.out_channels + out_c) * out_plane;
        std::fill(out, out + out_plane, bias != nullptr ? bias[out_c] : 0.0f);
        for (int64_t c = 0; c < in_channels; ++c) {
          const int64_t in_c = g * in_channels + c;
          const float* in = input + (batch * s.channels + in_c) * s.height * s.width;
          for (int64_t filter_y = 0; filter_y < s.kernel_h; ++filter_y) {
            const TapRange rows =
                ValidTapRange(s.out_h, s.height, stride_h, pad_top, filter_y * dilation_h);
            for (int64_t filter_x = 0; filter_x < s.kernel_w; ++filter_x) {
              const TapRange cols =
                  ValidTapRange(s.out_w, s.width, stride_w, pad_left, filter_x * dilation_w);
              const float w =
                  filter[((out_c * in_channels + c) * s.kernel_h + filter_y) * s.kernel_w +
                         filter_x];
              for (int64_t out_y = rows.begin; out_y < rows.end; ++out_y) {
                const int64_t in_y = out_y * stride_h - pad_top + filter_y * dilation_h;
                const float* in_row = in + in_y * s.width;
                float* out_row = out + out_y * s.out_w;
                for (int64_t out_x = cols.begin; out_x < cols.end; ++out_x) {
                  const int64_t in_x = out_x * stride_w - pad_left + filter_x * dilation_w;
                  out_row[out_x] += w * in_row[in_x];
                }
              }
            }
          }
        }
      }
    }
    ApplyEpilogue(params_, args);
    return absl::OkStatus();
  }

 private:
  ConvolutionParams params_;
};

class DirectConvolutionTactic : public Fp32Tactic {
 public:
  DirectConvolutionTactic()
      : Fp32Tactic("cpu_ref.convolution.direct", kConvolutionOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ConvolutionParams params, ConvolutionParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<DirectConvolutionKernel>(params));
  }
};

// ---------------------------------------------------------------------------
// cpu_ref.convolution.im2col

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A 1x1 kernel with unit stride and no padding reads the input plane as it
// is: the unfolded matrix is the input itself.
bool IsPointwise(const ConvolutionParams& p, int64_t kernel_h, int64_t kernel_w) {
  return kernel_h == 1 && kernel_w == 1 && p.strides[0] == 1 && p.strides[1] == 1 &&
         p.pads[0] == 0 && p.pads[1] == 0 && p.pads[2] == 0 && p.pads[3] == 0;
}

// Unfolds the `s.group_in_channels()` channels starting at `in` into `col`:
// row (c, filter_y, filter_x), column (out_y, out_x); zero where the tap
// falls in the padding.
void Im2Col(const ConvShape& s, const ConvolutionParams& p, const float* in, float* col) {
  const int64_t out_plane = s.out_h * s.out_w;
  for (int64_t c = 0; c < s.group_in_channels(); ++c) {
    const float* in_plane = in + c * s.height * s.width;
    for (int64_t filter_y = 0; filter_y < s.kernel_h; ++filter_y) {
      const TapRange rows =
          ValidTapRange(s.out_h, s.height, p.strides[0], p.pads[0], filter_y * p.dilations[0]);
      for (int64_t filter_x = 0; filter_x < s.kernel_w; ++filter_x) {
        const TapRange cols =
            ValidTapRange(s.out_w, s.width, p.strides[1], p.pads[1], filter_x * p.dilations[1]);
        float* dst = col + ((c * s.kernel_h + filter_y) * s.kernel_w + filter_x) * out_plane;
        std::fill(dst, dst + rows.begin * s.out_w, 0.0f);
        for (int64_t out_y = rows.begin; out_y < rows.end; ++out_y) {
          const int64_t in_y = out_y * p.strides[0] - p.pads[0] + filter_y * p.dilations[0];
          const float* in_row = in_plane + in_y * s.width;
          float* dst_row = dst + out_y * s.out_w;
          std::fill(dst_row, dst_row + cols.begin, 0.0f);
          for (int64_t out_x = cols.begin; out_x < cols.end; ++out_x) {
            dst_row[out_x] = in_row[out_x * p.strides[1] - p.pads[1] + filter_x * p.dilations[1]];
          }
          std::fill(dst_row + cols.end, dst_row + s.out_w, 0.0f);
        }
        std::fill(dst + rows.end * s.out_w, dst + out_plane, 0.0f);
      }
    }
  }
}

class Im2ColConvolutionKernel : public Fp32Kernel {
 public:
  Im2ColConvolutionKernel(ConvolutionParams params, std::vector<float> weights)
      : params_(params), weights_(std::move(weights)) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const ConvShape s = MakeShape(args.input_descs, args.output_descs, params_);
    const auto* input = static_cast<const float*>(args.inputs[0]);
    const auto* bias = args.inputs.size() > 2 ? static_cast<const float*>(args.inputs[2]) : nullptr;
    auto* output = static_cast<float*>(args.outputs[0]);
    const int64_t rows = s.group_in_channels() * s.kernel_h * s.kernel_w;
    const int64_t out_plane = s.out_h * s.out_w;
    const int64_t k_per_group = s.group_out_channels();
    const bool pointwise = IsPointwise(params_, s.kernel_h, s.kernel_w);
    auto* col = static_cast<float*>(args.workspace);

    for (int64_t batch = 0; batch < s.batch; ++batch) {
      for (int64_t g = 0; g < s.group; ++g) {
        const float* in =
            input + (batch * s.channels + g * s.group_in_channels()) * s.height * s.width;
        const float* unfolded = in;
        if (!pointwise) {
          Im2Col(s, params_, in, col);
          unfolded = col;
        }
        Eigen::Map<const RowMajorMatrix> w(weights_.data() + g * k_per_group * rows, k_per_group,
                                           rows);
        Eigen::Map<const RowMajorMatrix> x(unfolded, rows, out_plane);
        Eigen::Map<RowMajorMatrix> y(
            output + (batch * s.out_channels + g * k_per_group) * out_plane, k_per_group,
            out_plane);
        y.noalias() = w * x;
        if (bias != nullptr) {
          y.colwise() += Eigen::Map<const Eigen::VectorXf>(bias + g * k_per_group, k_per_group);
        }
      }
    }
    ApplyEpilogue(params_, args);
    return absl::OkStatus();
  }

 private:
  ConvolutionParams params_;
  std::vector<float> weights_;  // (K, C/group * R * S), row-major fp32
};

class Im2ColConvolutionTactic : public Fp32Tactic {
 public:
  Im2ColConvolutionTactic()
      : Fp32Tactic("cpu_ref.convolution.im2col", kConvolutionOp, /*is_reference=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    if (node.constant(1) == nullptr) {
      return absl::UnimplementedError(
          "needs constant weights to pre-pack them; input 1 is not constant");
    }
    return absl::OkStatus();
  }

  // Packs the weights as fp32 (K, C/group*R*S) so fp16 weights are converted
  // once at build rather than on every run.
  absl::StatusOr<std::vector<uint8_t>> PrepareState(const NodeContext& node) const override {
    const Weights* w = node.constant(1);
    if (w == nullptr) return node.Error("cpu_ref.convolution.im2col needs constant weights");
    const int64_t count = Volume(w->dims());
    std::vector<uint8_t> state(count * sizeof(float));
    auto* packed = reinterpret_cast<float*>(state.data());
    for (int64_t i = 0; i < count; ++i) {
      packed[i] =
          w->dtype() == DataType::kFloat16 ? HalfToFloat(w->as<uint16_t>()[i]) : w->as<float>()[i];
    }
    return state;
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(
      const NodeContext& node, absl::Span<const uint8_t> state) const override {
    KILN_ASSIGN_OR_RETURN(ConvolutionParams params, ConvolutionParams::FromAttrs(node.attrs));
    const size_t expected = Volume(node.inputs[1].dims) * sizeof(float);
    if (state.size() != expected) {
      return node.Error("cpu_ref.convolution.im2col state has ", state.size(), " bytes; expected ",
                        expected, " (fp32 weights ", DimsString(node.inputs[1].dims), ")");
    }
    // Copied so the kernel does not depend on the alignment of the plan's bytes.
    std::vector<float> weights(expected / sizeof(float));
    std::memcpy(weights.data(), state.data(), expected);
    return std::unique_ptr<Kernel>(
        std::make_unique<Im2ColConvolutionKernel>(params, std::move(weights)));
  }

 protected:
  size_t KernelWorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<ConvolutionParams> params = ConvolutionParams::FromAttrs(node.attrs);
    if (!params.ok()) return 0;
    const ConvShape s = MakeShape(node.inputs, node.outputs, *params);
    if (IsPointwise(*params, s.kernel_h, s.kernel_w)) return 0;
    return Align64(s.group_in_channels() * s.kernel_h * s.kernel_w * s.out_h * s.out_w *
                   sizeof(float));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DirectConvolutionTactic>());
KILN_REGISTER_TACTIC(std::make_unique<Im2ColConvolutionTactic>());

}  // namespace cpu_ref
}  // namespace kiln
