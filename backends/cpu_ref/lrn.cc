// cpu_ref LRN: cpu_ref.lrn.direct, the oracle.
#include "ops/lrn.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

class DirectLrnKernel : public Fp32Kernel {
 public:
  explicit DirectLrnKernel(LrnParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    const int64_t batches = dims[0], channels = dims[1];
    const int64_t plane = Volume(dims) / std::max<int64_t>(batches * channels, 1);
    const int64_t before = (params_.size - 1) / 2;    // floor((size - 1) / 2)
    const int64_t after = params_.size - 1 - before;  // ceil((size - 1) / 2)
    const float scale = params_.alpha / static_cast<float>(params_.size);
    const auto* input = static_cast<const float*>(args.inputs[0]);
    auto* output = static_cast<float*>(args.outputs[0]);

    for (int64_t batch = 0; batch < batches; ++batch) {
      const float* in = input + batch * channels * plane;
      float* out = output + batch * channels * plane;
      for (int64_t c = 0; c < channels; ++c) {
        // The output plane first holds the sum of squares over the window,
        // accumulated one whole channel plane at a time (contiguous reads).
        float* sum_sq = out + c * plane;
        std::fill(sum_sq, sum_sq + plane, 0.0f);
        const int64_t first = std::max<int64_t>(c - before, 0);
        const int64_t last = std::min(c + after, channels - 1);
        for (int64_t j = first; j <= last; ++j) {
          const float* in_plane = in + j * plane;
          for (int64_t i = 0; i < plane; ++i) sum_sq[i] += in_plane[i] * in_plane[i];
        }
        const float* x = in + c * plane;
        for (int64_t i = 0; i < plane; ++i) {
          sum_sq[i] = x[i] / std::pow(params_.bias + scale * sum_sq[i], params_.beta);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  LrnParams params_;
};

class DirectLrnTactic : public Fp32Tactic {
 public:
  DirectLrnTactic()
      : Fp32Tactic("cpu_ref.lrn.direct", kLrnOp, /*is_reference=*/true, /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(LrnParams params, LrnParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<DirectLrnKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DirectLrnTactic>());

}  // namespace cpu_ref
}  // namespace kiln
