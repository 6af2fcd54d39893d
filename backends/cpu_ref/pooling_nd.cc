// cpu_ref PoolingNd and MaxPoolWithIndices: one plain N-D loop. Output and
// kernel positions are walked with odometers, so any spatial rank works.
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/pooling_nd.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Advances `index` (within `limits`) in row-major order; false after the last.
bool Next(SmallDims& index, const SmallDims& limits) {
  for (int64_t d = static_cast<int64_t>(index.size()) - 1; d >= 0; --d) {
    if (++index[d] < limits[d]) return true;
    index[d] = 0;
  }
  return false;
}

// Pools every (n, c) plane; `indices` (nullable) receives max pooling's
// flattened source positions.
void PoolNd(const PoolingNdParams& params, const KernelArgs& args, int64_t* indices) {
  const Dims& x = args.input_descs[0].dims;
  const Dims& y = args.output_descs[0].dims;
  const int64_t k = static_cast<int64_t>(params.kernel.size());
  const int64_t planes = x[0] * x[1];
  SmallDims in_size(k), out_size(k), kernel(k), row_stride(k), col_stride(k);
  int64_t in_volume = 1, out_volume = 1;
  for (int64_t d = 0; d < k; ++d) {
    in_size[d] = x[2 + d];
    out_size[d] = y[2 + d];
    kernel[d] = params.kernel[d];
    in_volume *= in_size[d];
    out_volume *= out_size[d];
  }
  for (int64_t d = k - 1, s = 1; d >= 0; --d) {
    row_stride[d] = s;
    s *= in_size[d];
  }
  for (int64_t d = 0, s = 1; d < k; ++d) {
    col_stride[d] = s;
    s *= in_size[d];
  }
  const SmallDims& index_stride = params.column_major_indices ? col_stride : row_stride;
  const auto* input = static_cast<const float*>(args.inputs[0]);
  auto* output = static_cast<float*>(args.outputs[0]);

  for (int64_t plane = 0; plane < planes; ++plane) {
    const float* in = input + plane * in_volume;
    SmallDims out_pos(k, 0);
    int64_t out_index = plane * out_volume;
    do {
      SmallDims tap(k, 0);
      float best = -std::numeric_limits<float>::infinity();
      int64_t best_index = -1;
      float sum = 0.0f;
      int64_t inside = 0, padded = 0;
      do {
        bool on_input = true, on_padding = true;
        int64_t offset = 0, flat = 0;
        for (int64_t d = 0; d < k; ++d) {
          const int64_t in_pos = out_pos[d] * params.strides[d] - params.pads[d] +
                                 tap[d] * params.dilations[d];
          // A ceil-mode window can pass the end padding; those taps never count.
          if (in_pos >= in_size[d] + params.pads[k + d]) on_padding = false;
          if (in_pos < 0 || in_pos >= in_size[d]) {
            on_input = false;
            continue;
          }
          offset += in_pos * row_stride[d];
          flat += in_pos * index_stride[d];
        }
        if (on_padding) ++padded;
        if (!on_input) continue;
        const float v = in[offset];
        sum += v;
        ++inside;
        // NaN propagates, as in ONNX Runtime and PyTorch.
        if (best_index < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
          best = v;
          best_index = plane * in_volume + flat;
        }
      } while (Next(tap, kernel));
      if (params.average) {
        const int64_t count = params.count_include_pad ? padded : inside;
        output[out_index] = count == 0 ? 0.0f : sum / static_cast<float>(count);
      } else {
        output[out_index] = best;
        if (indices != nullptr) indices[out_index] = best_index;
      }
      ++out_index;
    } while (Next(out_pos, out_size));
  }
}

class PoolingNdKernel : public Fp32Kernel {
 public:
  explicit PoolingNdKernel(PoolingNdParams params) : params_(std::move(params)) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    PoolNd(params_, args, nullptr);
    return absl::OkStatus();
  }

 private:
  PoolingNdParams params_;
};

class PoolingNdTactic : public Fp32Tactic {
 public:
  PoolingNdTactic()
      : Fp32Tactic("cpu_ref.pooling_nd.direct", kPoolingNdOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<PoolingNdParams> params = PoolingNdParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<PoolingNdKernel>(*std::move(params)));
  }
};

class MaxPoolWithIndicesKernel : public Kernel {
 public:
  explicit MaxPoolWithIndicesKernel(PoolingNdParams params) : params_(std::move(params)) {}

  absl::Status Run(const KernelArgs& args) const override {
    PoolNd(params_, args, static_cast<int64_t*>(args.outputs[1]));
    return absl::OkStatus();
  }

 private:
  PoolingNdParams params_;
};

class MaxPoolWithIndicesTactic : public Tactic {
 public:
  MaxPoolWithIndicesTactic()
      : Tactic(TacticInfo{"cpu_ref.max_pool_with_indices.direct", kMaxPoolWithIndicesOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<PoolingNdParams> params = PoolingNdParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<MaxPoolWithIndicesKernel>(*std::move(params)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<PoolingNdTactic>());
KILN_REGISTER_TACTIC(std::make_unique<MaxPoolWithIndicesTactic>());

}  // namespace cpu_ref
}  // namespace kiln
