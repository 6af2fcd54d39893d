// cpu_ref Attention: one query row at a time, logits in the workspace.
#include "backends/cpu_ref/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// Softmax of `row` (n logits) in place; zeros when every logit is -inf.
void SoftMaxRow(float* row, int64_t n) {
  float max = kMinusInf;
  for (int64_t j = 0; j < n; ++j) max = std::max(max, row[j]);
  if (max == kMinusInf) {
    std::fill(row, row + n, 0.0f);
    return;
  }
  float sum = 0.0f;
  for (int64_t j = 0; j < n; ++j) {
    row[j] = std::exp(row[j] - max);
    sum += row[j];
  }
  for (int64_t j = 0; j < n; ++j) row[j] /= sum;
}

AttentionGeometry GeometryOf(const KernelArgs& args, AttentionLayout layout) {
  const bool packed = layout == AttentionLayout::kPackedQkv;
  return AttentionGeometryOf(layout, args.input_descs[0].dims,
                             packed ? Dims{} : args.input_descs[1].dims,
                             packed ? Dims{} : args.input_descs[2].dims);
}

bool HasMask(const KernelArgs& args) {
  return args.inputs.size() > 3 && args.inputs[3] != nullptr;
}

class AttentionKernel : public Fp32Kernel {
 public:
  explicit AttentionKernel(AttentionParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const AttentionGeometry g = GeometryOf(args, params_.layout);
    const float* mask = nullptr;
    SmallDims mask_strides;
    if (HasMask(args)) {
      mask = static_cast<const float*>(args.inputs[3]);
      mask_strides = BroadcastStrides(args.input_descs[3].dims, Dims{g.batch, g.heads, g.sq, g.sk});
    }
    const float* q = static_cast<const float*>(args.inputs[0]);
    const bool packed = params_.layout == AttentionLayout::kPackedQkv;
    const float* k = packed ? q + g.k_offset : static_cast<const float*>(args.inputs[1]);
    const float* v = packed ? q + g.v_offset : static_cast<const float*>(args.inputs[2]);
    AttentionFp32(params_, g, q, k, v, mask, mask_strides, static_cast<float*>(args.workspace),
                  static_cast<float*>(args.outputs[0]));
    return absl::OkStatus();
  }

 private:
  AttentionParams params_;
};

class AttentionTactic : public Fp32Tactic {
 public:
  AttentionTactic()
      : Fp32Tactic("cpu_ref.attention", kAttentionOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return AttentionParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(AttentionParams params, AttentionParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<AttentionKernel>(params));
  }

 protected:
  size_t KernelWorkspaceSize(const NodeContext& node) const override {
    // One row of logits: Sk of them.
    absl::StatusOr<AttentionParams> params = AttentionParams::FromAttrs(node.attrs);
    if (!params.ok()) return 0;
    const bool packed = params->layout == AttentionLayout::kPackedQkv;
    const AttentionGeometry g = AttentionGeometryOf(params->layout, node.inputs[0].dims,
                                                    packed ? Dims{} : node.inputs[1].dims,
                                                    packed ? Dims{} : node.inputs[2].dims);
    return Align64(g.sk * sizeof(float));
  }
};

}  // namespace

void AttentionFp32(const AttentionParams& params, const AttentionGeometry& g, const float* q,
                   const float* k, const float* v, const float* mask, const SmallDims& mask_strides,
                   float* logits, float* out) {
  // Query i sees keys j <= i + (Sk - Sq) under causal.
  const int64_t causal_offset = g.sk - g.sq;
  // Row s of head h of batch item b.
  auto row = [](const AttentionGeometry::Strides& st, int64_t b, int64_t h, int64_t s) {
    return b * st.batch + h * st.head + s * st.seq;
  };
  for (int64_t b = 0; b < g.batch; ++b) {
    for (int64_t h = 0; h < g.heads; ++h) {
      for (int64_t i = 0; i < g.sq; ++i) {
        const float* q_row = q + row(g.q, b, h, i);
        for (int64_t j = 0; j < g.sk; ++j) {
          const float* k_row = k + row(g.k, b, h, j);
          float dot = 0.0f;
          for (int64_t e = 0; e < g.d; ++e) dot += q_row[e] * k_row[e];
          float logit = dot * params.scale;
          if (mask != nullptr) {
            logit += mask[b * mask_strides[0] + h * mask_strides[1] + i * mask_strides[2] +
                          j * mask_strides[3]];
          }
          if (params.causal && j > i + causal_offset) logit = kMinusInf;
          logits[j] = logit;
        }
        SoftMaxRow(logits, g.sk);
        float* out_row = out + row(g.out, b, h, i);
        std::fill(out_row, out_row + g.dv, 0.0f);
        for (int64_t j = 0; j < g.sk; ++j) {
          const float p = logits[j];
          const float* v_row = v + row(g.v, b, h, j);
          for (int64_t e = 0; e < g.dv; ++e) out_row[e] += p * v_row[e];
        }
      }
    }
  }
}

KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>());

}  // namespace cpu_ref
}  // namespace kiln
