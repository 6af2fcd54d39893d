// cpu_ref Scale: y = (x * scale + shift) ^ power in one plain loop.
#include "backends/cpu_ref/scale.h"

#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

// x viewed as (outer, count, inner), where `count` is the number of
// shift/scale/power values and value m applies to x[o][m][i].
struct ScaleShape {
  int64_t outer = 1;
  int64_t count = 1;
  int64_t inner = 1;
};

ScaleShape ShapeOf(const ScaleParams& p, const Dims& dims) {
  const int64_t rank = static_cast<int64_t>(dims.size());
  ScaleShape s;
  switch (p.mode) {
    case ScaleMode::kUniform: s.inner = Volume(dims); break;
    case ScaleMode::kChannel: {
      const int64_t axis = p.channel_axis < 0 ? p.channel_axis + rank : p.channel_axis;
      for (int64_t d = 0; d < axis; ++d) s.outer *= dims[d];
      s.count = dims[axis];
      for (int64_t d = axis + 1; d < rank; ++d) s.inner *= dims[d];
      break;
    }
    case ScaleMode::kElementwise:
      s.outer = dims[0];
      for (int64_t d = 1; d < rank; ++d) s.count *= dims[d];
      break;
  }
  return s;
}

class DirectKernel : public Fp32Kernel {
 public:
  explicit DirectKernel(ScaleParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const ScaleShape s = ShapeOf(params_, args.input_descs[0].dims);
    const auto input = [&](size_t i) {
      return i < args.inputs.size() ? static_cast<const float*>(args.inputs[i]) : nullptr;
    };
    const float* x = input(0);
    const float* shift = input(1);  // nullptr: omitted
    const float* scale = input(2);
    const float* power = input(3);
    float* y = static_cast<float*>(args.outputs[0]);
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t m = 0; m < s.count; ++m) {
        const float scale_m = scale != nullptr ? scale[m] : 1.0f;
        const float shift_m = shift != nullptr ? shift[m] : 0.0f;
        const float* power_m = power != nullptr ? &power[m] : nullptr;
        const int64_t base = (o * s.count + m) * s.inner;
        for (int64_t i = 0; i < s.inner; ++i) {
          y[base + i] = ScaleOne(x[base + i], scale_m, shift_m, power_m);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  ScaleParams params_;
};

class DirectTactic : public Fp32Tactic {
 public:
  DirectTactic()
      : Fp32Tactic("cpu_ref.scale.direct", kScaleOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return ScaleParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ScaleParams params, ScaleParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<DirectKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DirectTactic>());

}  // namespace cpu_ref
}  // namespace kiln
