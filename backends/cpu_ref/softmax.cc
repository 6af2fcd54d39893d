// cpu_ref SoftMax: three passes over each slab, all inner loops contiguous.
#include "ops/softmax.h"

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

// x viewed as (outer, axis_size, inner): softmax runs along the middle dim
// for each (outer, inner) pair.
struct SoftMaxShape {
  int64_t outer = 1;
  int64_t axis_size = 1;
  int64_t inner = 1;
};

SoftMaxShape ShapeOf(const Dims& dims, int64_t axis) {
  const int64_t rank = static_cast<int64_t>(dims.size());
  if (axis < 0) axis += rank;
  SoftMaxShape s;
  for (int64_t d = 0; d < axis; ++d) s.outer *= dims[d];
  s.axis_size = dims[axis];
  for (int64_t d = axis + 1; d < rank; ++d) s.inner *= dims[d];
  return s;
}

class DirectKernel : public Fp32Kernel {
 public:
  explicit DirectKernel(SoftMaxParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const SoftMaxShape s = ShapeOf(args.input_descs[0].dims, params_.axis);
    // Per inner position: the running max, then the sum of exponentials.
    // Kept in the workspace so that the loops below walk x row by row.
    float* max = static_cast<float*>(args.workspace);
    float* sum = max + s.inner;
    for (int64_t o = 0; o < s.outer; ++o) {
      const float* in = static_cast<const float*>(args.inputs[0]) + o * s.axis_size * s.inner;
      float* out = static_cast<float*>(args.outputs[0]) + o * s.axis_size * s.inner;
      std::fill(max, max + s.inner, -std::numeric_limits<float>::infinity());
      std::fill(sum, sum + s.inner, 0.0f);
      for (int64_t c = 0; c < s.axis_size; ++c) {
        for (int64_t i = 0; i < s.inner; ++i) max[i] = std::max(max[i], in[c * s.inner + i]);
      }
      for (int64_t c = 0; c < s.axis_size; ++c) {
        for (int64_t i = 0; i < s.inner; ++i) {
          const float e = std::exp(in[c * s.inner + i] - max[i]);
          out[c * s.inner + i] = e;
          sum[i] += e;
        }
      }
      for (int64_t c = 0; c < s.axis_size; ++c) {
        for (int64_t i = 0; i < s.inner; ++i) {
          float& y = out[c * s.inner + i];
          y = params_.log ? in[c * s.inner + i] - max[i] - std::log(sum[i]) : y / sum[i];
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  SoftMaxParams params_;
};

class DirectTactic : public Fp32Tactic {
 public:
  DirectTactic()
      : Fp32Tactic("cpu_ref.softmax.direct", kSoftMaxOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return SoftMaxParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(SoftMaxParams params, SoftMaxParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<DirectKernel>(params));
  }

 protected:
  size_t KernelWorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<SoftMaxParams> params = SoftMaxParams::FromAttrs(node.attrs);
    if (!params.ok()) return 0;  // Supports rejects the node
    return 2 * ShapeOf(node.inputs[0].dims, params->axis).inner * sizeof(float);
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DirectTactic>());

}  // namespace cpu_ref
}  // namespace kiln
