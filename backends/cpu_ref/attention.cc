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

AttentionDims DimsOf(const KernelArgs& args) {
  const Dims& q = args.input_descs[0].dims;
  const Dims& k = args.input_descs[1].dims;
  const Dims& v = args.input_descs[2].dims;
  return AttentionDims{q[0], q[1], q[2], k[2], q[3], v[3]};
}

bool HasMask(const KernelArgs& args) {
  return args.inputs.size() > 3 && args.inputs[3] != nullptr;
}

class AttentionKernel : public Fp32Kernel {
 public:
  explicit AttentionKernel(AttentionParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const AttentionDims dims = DimsOf(args);
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
    return Align64(node.inputs[1].dims[2] * sizeof(float));  // one row of logits
  }
};

}  // namespace

void AttentionFp32(const AttentionParams& params, const AttentionDims& dims, const float* q,
                   const float* k, const float* v, const float* mask,
                   const SmallDims& mask_strides, float* logits, float* out) {
  // Query i sees keys j <= i + (Sk - Sq) under causal.
  const int64_t causal_offset = dims.sk - dims.sq;
  for (int64_t b = 0; b < dims.batch; ++b) {
    for (int64_t h = 0; h < dims.heads; ++h) {
      const int64_t bh = b * dims.heads + h;
      const float* q_bh = q + bh * dims.sq * dims.d;
      const float* k_bh = k + bh * dims.sk * dims.d;
      const float* v_bh = v + bh * dims.sk * dims.dv;
      for (int64_t i = 0; i < dims.sq; ++i) {
        const float* q_row = q_bh + i * dims.d;
        for (int64_t j = 0; j < dims.sk; ++j) {
          const float* k_row = k_bh + j * dims.d;
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
        float* out_row = out + (bh * dims.sq + i) * dims.dv;
        std::fill(out_row, out_row + dims.dv, 0.0f);
        for (int64_t j = 0; j < dims.sk; ++j) {
          const float p = logits[j];
          const float* v_row = v_bh + j * dims.dv;
          for (int64_t e = 0; e < dims.dv; ++e) out_row[e] += p * v_row[e];
        }
      }
    }
  }
}

KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>());

}  // namespace cpu_ref
}  // namespace kiln
