// cpu_ref Pooling: cpu_ref.pooling.direct, the oracle. One loop over each
// window's taps per output element; float tensors through Fp32Kernel (fp16
// staged), integer max pooling (int32, int8) on the stored type.
#include "ops/pooling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Max or average pooling of `T` (float, int32_t or int8_t; average only for
// float), NCHW.
template <typename T>
void PoolPlanes(const PoolingParams& params, const KernelArgs& args) {
  const Dims& x = args.input_descs[0].dims;
  const Dims& y = args.output_descs[0].dims;
  const int64_t planes = x[0] * x[1], height = x[2], width = x[3];
  const int64_t out_h = y[2], out_w = y[3];
  const int64_t kernel_h = params.kernel[0], kernel_w = params.kernel[1];
  const int64_t dilation_h = params.dilations[0], dilation_w = params.dilations[1];
  const int64_t pad_top = params.pads[0], pad_left = params.pads[1];
  const int64_t pad_bottom = params.pads[2], pad_right = params.pads[3];
  const auto* input = static_cast<const T*>(args.inputs[0]);
  auto* output = static_cast<T*>(args.outputs[0]);

  for (int64_t plane = 0; plane < planes; ++plane) {
    const T* in = input + plane * height * width;
    T* out = output + plane * out_h * out_w;
    for (int64_t out_y = 0; out_y < out_h; ++out_y) {
      // The window's first tap in padded coordinates.
      const int64_t window_y = out_y * params.strides[0] - pad_top;
      for (int64_t out_x = 0; out_x < out_w; ++out_x) {
        const int64_t window_x = out_x * params.strides[1] - pad_left;
        if (params.type == PoolingType::kMax) {
          T result = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                          : std::numeric_limits<T>::lowest();
          for (int64_t ky = 0; ky < kernel_h; ++ky) {
            const int64_t in_y = window_y + ky * dilation_h;
            if (in_y < 0 || in_y >= height) continue;
            for (int64_t kx = 0; kx < kernel_w; ++kx) {
              const int64_t in_x = window_x + kx * dilation_w;
              if (in_x < 0 || in_x >= width) continue;
              const T v = in[in_y * width + in_x];
              // NaN propagates, as in ONNX Runtime and PyTorch.
              if (v > result || std::isnan(static_cast<float>(v))) result = v;
            }
          }
          out[out_y * out_w + out_x] = result;
          continue;
        }
        // Average: `inside` counts the taps on the input; `padded` those on
        // the input or its padding (a ceil-mode window can pass the end of
        // the bottom/right padding, and those taps never count).
        float sum = 0.0f;
        int64_t inside = 0, padded = 0;
        for (int64_t ky = 0; ky < kernel_h; ++ky) {
          const int64_t in_y = window_y + ky * dilation_h;
          if (in_y >= height + pad_bottom) break;
          for (int64_t kx = 0; kx < kernel_w; ++kx) {
            const int64_t in_x = window_x + kx * dilation_w;
            if (in_x >= width + pad_right) break;
            ++padded;
            if (in_y < 0 || in_y >= height || in_x < 0 || in_x >= width) continue;
            sum += static_cast<float>(in[in_y * width + in_x]);
            ++inside;
          }
        }
        const int64_t count = params.count_include_pad ? padded : inside;
        out[out_y * out_w + out_x] = count == 0 ? T(0) : static_cast<T>(sum / static_cast<float>(count));
      }
    }
  }
}

class DirectPoolingKernel : public Fp32Kernel {
 public:
  explicit DirectPoolingKernel(PoolingParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    PoolPlanes<float>(params_, args);
    return absl::OkStatus();
  }

 private:
  PoolingParams params_;
};

// Max pooling of int32 or int8 tensors (shape inference allows nothing else).
class IntegerMaxPoolingKernel : public Kernel {
 public:
  explicit IntegerMaxPoolingKernel(PoolingParams params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    if (args.input_descs[0].dtype == DataType::kInt8) {
      PoolPlanes<int8_t>(params_, args);
    } else {
      PoolPlanes<int32_t>(params_, args);
    }
    return absl::OkStatus();
  }

 private:
  PoolingParams params_;
};

bool IsIntegerMax(const NodeContext& node, const PoolingParams& params) {
  const DataType dtype = node.inputs[0].dtype;
  return params.type == PoolingType::kMax &&
         (dtype == DataType::kInt32 || dtype == DataType::kInt8);
}

// Not an Fp32Tactic: the same reference tactic also runs integer max
// pooling, so it adds the fp16 staging bytes itself.
class DirectPoolingTactic : public Tactic {
 public:
  DirectPoolingTactic()
      : Tactic(TacticInfo{"cpu_ref.pooling.direct", kPoolingOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_ASSIGN_OR_RETURN(PoolingParams params, PoolingParams::FromAttrs(node.attrs));
    if (!IsIntegerMax(node, params)) KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  size_t WorkspaceSize(const NodeContext& node) const override {
    return Fp16StagingBytes(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(PoolingParams params, PoolingParams::FromAttrs(node.attrs));
    if (IsIntegerMax(node, params)) {
      return std::unique_ptr<Kernel>(std::make_unique<IntegerMaxPoolingKernel>(params));
    }
    return std::unique_ptr<Kernel>(std::make_unique<DirectPoolingKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DirectPoolingTactic>());

}  // namespace cpu_ref
}  // namespace kiln
