// cpu_ref Range: element i = start + i * delta, computed in double (not by
// repeated addition, so errors do not accumulate) and converted once.
#include <cmath>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/range.h"

namespace kiln {
namespace cpu_ref {
namespace {

class RangeKernel : public Kernel {
 public:
  explicit RangeKernel(RangeParams params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    const int64_t n = args.output_descs[0].volume();
    void* out = args.outputs[0];
    for (int64_t i = 0; i < n; ++i) {
      const double v = static_cast<double>(params_.start) + i * static_cast<double>(params_.delta);
      switch (params_.dtype) {
        case DataType::kFloat32: static_cast<float*>(out)[i] = static_cast<float>(v); break;
        case DataType::kFloat16:
          static_cast<uint16_t*>(out)[i] = FloatToHalf(static_cast<float>(v));
          break;
        case DataType::kInt32:
          static_cast<int32_t*>(out)[i] = static_cast<int32_t>(std::llround(v));
          break;
        case DataType::kInt64: static_cast<int64_t*>(out)[i] = std::llround(v); break;
        case DataType::kInt8:
          static_cast<int8_t*>(out)[i] = static_cast<int8_t>(std::llround(v));
          break;
        case DataType::kBool: break;  // refused by shape inference
      }
    }
    return absl::OkStatus();
  }

 private:
  RangeParams params_;
};

class RangeTactic : public Tactic {
 public:
  RangeTactic()
      : Tactic(TacticInfo{"cpu_ref.range.direct", kRangeOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<RangeParams> params = RangeParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<RangeKernel>(*params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<RangeTactic>());

}  // namespace cpu_ref
}  // namespace kiln
