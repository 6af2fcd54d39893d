// cpu_ref OneHot: the output is [outer, depth, inner] where outer x inner
// are the indices' dims split at the axis; every element is off except
// out[o, index[o, i], i].
#include <cmath>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/one_hot.h"

namespace kiln {
namespace cpu_ref {
namespace {

int64_t ReadOneHotIndex(const void* indices, DataType dtype, int64_t i) {
  switch (dtype) {
    case DataType::kInt64: return static_cast<const int64_t*>(indices)[i];
    case DataType::kInt32: return static_cast<const int32_t*>(indices)[i];
    default: {
      const float v = static_cast<const float*>(indices)[i];
      // NaN and huge values select nothing, like any out-of-range index.
      return std::isfinite(v) && std::fabs(v) < 9e18f ? static_cast<int64_t>(v) : INT64_MAX;
    }
  }
}

template <typename T>
void Fill(const KernelArgs& args, int64_t axis, int64_t depth, T off, T on) {
  const TensorDesc& in = args.input_descs[0];
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= in.dims[d];
  int64_t inner = 1;
  for (int64_t d = axis; d < in.rank(); ++d) inner *= in.dims[d];
  auto* out = static_cast<T*>(args.outputs[0]);
  const int64_t total = args.output_descs[0].volume();
  for (int64_t i = 0; i < total; ++i) out[i] = off;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      int64_t index = ReadOneHotIndex(args.inputs[0], in.dtype, o * inner + i);
      if (index < -depth || index >= depth) continue;
      if (index < 0) index += depth;
      out[(o * depth + index) * inner + i] = on;
    }
  }
}

class OneHotKernel : public Kernel {
 public:
  OneHotKernel(OneHotParams params, int64_t axis) : params_(params), axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    const float off = params_.values[0];
    const float on = params_.values[1];
    const int64_t depth = params_.depth;
    switch (params_.dtype) {
      case DataType::kFloat32: Fill<float>(args, axis_, depth, off, on); break;
      case DataType::kFloat16:
        Fill<uint16_t>(args, axis_, depth, FloatToHalf(off), FloatToHalf(on));
        break;
      case DataType::kInt32:
        Fill<int32_t>(args, axis_, depth, static_cast<int32_t>(off), static_cast<int32_t>(on));
        break;
      case DataType::kInt64:
        Fill<int64_t>(args, axis_, depth, static_cast<int64_t>(off), static_cast<int64_t>(on));
        break;
      case DataType::kInt8:
        Fill<int8_t>(args, axis_, depth, static_cast<int8_t>(off), static_cast<int8_t>(on));
        break;
      case DataType::kBool: Fill<uint8_t>(args, axis_, depth, off != 0.0f, on != 0.0f); break;
    }
    return absl::OkStatus();
  }

 private:
  OneHotParams params_;
  int64_t axis_;  // of the output, non-negative
};

class OneHotTactic : public Tactic {
 public:
  OneHotTactic()
      : Tactic(TacticInfo{"cpu_ref.one_hot.direct", kOneHotOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<OneHotParams> params = OneHotParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t out_rank = node.inputs[0].rank() + 1;
    if (params->axis < -out_rank || params->axis >= out_rank) {
      return node.Error("axis ", params->axis, " is out of range for output rank ", out_rank);
    }
    const int64_t axis = params->axis < 0 ? params->axis + out_rank : params->axis;
    return std::unique_ptr<Kernel>(std::make_unique<OneHotKernel>(*params, axis));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<OneHotTactic>());

}  // namespace cpu_ref
}  // namespace kiln
