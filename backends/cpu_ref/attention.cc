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

AttentionDims DimsOf(const KernelArgs& args, AttentionLayout layout) {
  const Dims q = AttentionBhsdDims(args.input_descs[0].dims, layout);
  const Dims k = AttentionBhsdDims(args.input_descs[1].dims, layout);
  const Dims v = AttentionBhsdDims(args.input_descs[2].dims, layout);
  return AttentionDims{q[0], q[1], q[2], k[2], q[3], v[3], layout == AttentionLayout::kBshd};
}

bool HasMask(const KernelArgs& args) {
  return args.inputs.size() > 3 && args.inputs[3] != nullptr;
}

class AttentionKernel : public Fp32Kernel {
 public:
  explicit AttentionKernel(AttentionParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const AttentionDims dims = DimsOf(args, params_.layout);
    const float* mask = nullptr;
    SmallDims mask_strides;
    if (HasMask(args)) {
      mask = static_cast<const float*>(args.inputs[3]);
      mask_strides = BroadcastStrides(args.input_descs[3].dims,
                                      Dims{dims.batch, dims.heads, dims.sq, dims.sk});
    }
    AttentionFp32(params_, dims, static_cast<const float*>(args.inputs[0]),
                  static_cast<const float*>(args.inputs[1]),
                  static_cast<const float*>(args.inputs[2]), mask, mask_strides,
                  static_cast<float*>(args.workspace), static_cast<float*>(args.outputs[0]));
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
    const AttentionLayout layout = params.ok() ? params->layout : AttentionLayout::kBhsd;
    return Align64(AttentionBhsdDims(node.inputs[1].dims, layout)[2] * sizeof(float));
  }
};

}  // namespace

void AttentionFp32(const AttentionParams& params, const AttentionDims& dims, const float* q,
                   const float* k, const float* v, const float* mask,
                   const SmallDims& mask_strides, float* logits, float* out) {
  // Query i sees keys j <= i + (Sk - Sq) under causal.
  const int64_t causal_offset = dims.sk - dims.sq;
  // The offset of row s of head h of batch item b in a tensor of `seq` rows
  // of `width` elements per head.
  auto row = [&dims](int64_t b, int64_t h, int64_t s, int64_t seq, int64_t width) {
    return dims.bshd ? ((b * seq + s) * dims.heads + h) * width
                     : ((b * dims.heads + h) * seq + s) * width;
  };
  for (int64_t b = 0; b < dims.batch; ++b) {
    for (int64_t h = 0; h < dims.heads; ++h) {
      for (int64_t i = 0; i < dims.sq; ++i) {
        const float* q_row = q + row(b, h, i, dims.sq, dims.d);
        for (int64_t j = 0; j < dims.sk; ++j) {
          const float* k_row = k + row(b, h, j, dims.sk, dims.d);
          float dot = 0.0f;
          for (int64_t e = 0; e < dims.d; ++e) dot += q_row[e] * k_row[e];
          float logit = dot * params.scale;
          if (mask != nullptr) {
            logit += mask[b * mask_strides[0] + h * mask_strides[1] + i * mask_strides[2] +
                          j * mask_strides[3]];
          }
          if (params.causal && j > i + causal_offset) logit = kMinusInf;
          logits[j] = logit;
        }
        SoftMaxRow(logits, dims.sk);
        float* out_row = out + row(b, h, i, dims.sq, dims.dv);
        std::fill(out_row, out_row + dims.dv, 0.0f);
        for (int64_t j = 0; j < dims.sk; ++j) {
          const float p = logits[j];
          const float* v_row = v + row(b, h, j, dims.sk, dims.dv);
          for (int64_t e = 0; e < dims.dv; ++e) out_row[e] += p * v_row[e];
        }
      }
    }
  }
}

KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>());

}  // namespace cpu_ref
}  // namespace kiln
