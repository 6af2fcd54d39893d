// cpu_ref EmbeddingLayerNorm: the unfused math of ops/embedding_layer_norm.h
// row by row: gather, sum in fp32 (as the Adds of the unfused network would
// in fp32), then LayerNormalization's two passes accumulated in double.
#include "ops/embedding_layer_norm.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

int64_t ReadId(const void* ids, DataType dtype, int64_t i) {
  return dtype == DataType::kInt64 ? static_cast<const int64_t*>(ids)[i]
                                   : static_cast<const int32_t*>(ids)[i];
}

class EmbeddingLayerNormKernel : public Fp32Kernel {
 public:
  EmbeddingLayerNormKernel(std::string layer, EmbeddingLayerNormParams params)
      : layer_(std::move(layer)), params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    auto present = [&](int i) {
      return static_cast<int>(args.inputs.size()) > i && args.inputs[i] != nullptr;
    };
    const TensorDesc& ids_desc = args.input_descs[kEmbedIds];
    const int64_t rows = ids_desc.volume();
    const int64_t c = args.input_descs[kEmbedTable].dims[1];
    // The row of table `t` (input `table`) for flat id position `i`.
    auto row_of = [&](int ids, int table, int64_t i) -> absl::StatusOr<const float*> {
      const int64_t size = args.input_descs[table].dims[0];
      int64_t id = ReadId(args.inputs[ids], args.input_descs[ids].dtype, i);
      if (id < -size || id >= size) {
        return absl::OutOfRangeError(
            absl::StrCat("layer '", layer_, "' (", kEmbeddingLayerNormOp, "): id ", id,
                         " at position ", i, " of '", args.input_descs[ids].name,
                         "' is out of range for table '", args.input_descs[table].name, "' of ",
                         size, " rows; expected ", -size, "..", size - 1));
      }
      if (id < 0) id += size;
      return static_cast<const float*>(args.inputs[table]) + id * c;
    };
    const bool segments = present(kEmbedSegmentIds);
    const auto* addend =
        present(kEmbedAddend) ? static_cast<const float*>(args.inputs[kEmbedAddend]) : nullptr;
    const int64_t addend_rows = addend != nullptr ? args.input_descs[kEmbedAddend].volume() / c : 1;
    const auto* scale = static_cast<const float*>(args.inputs[kEmbedScale]);
    const auto* bias =
        present(kEmbedBias) ? static_cast<const float*>(args.inputs[kEmbedBias]) : nullptr;
    auto* y = static_cast<float*>(args.outputs[0]);
    std::vector<float> e(c);
    for (int64_t r = 0; r < rows; ++r) {
      KILN_ASSIGN_OR_RETURN(const float* word, row_of(kEmbedIds, kEmbedTable, r));
      for (int64_t j = 0; j < c; ++j) e[j] = word[j];
      if (segments) {
        KILN_ASSIGN_OR_RETURN(const float* seg, row_of(kEmbedSegmentIds, kEmbedSegmentTable, r));
        for (int64_t j = 0; j < c; ++j) e[j] += seg[j];
      }
      if (addend != nullptr) {
        const float* a = addend + (r % addend_rows) * c;
        for (int64_t j = 0; j < c; ++j) e[j] += a[j];
      }
      double sum = 0.0;
      for (int64_t j = 0; j < c; ++j) sum += e[j];
      const double mean = c > 0 ? sum / c : 0.0;
      double sq = 0.0;
      for (int64_t j = 0; j < c; ++j) sq += (e[j] - mean) * (e[j] - mean);
      const double inv_std = 1.0 / std::sqrt((c > 0 ? sq / c : 0.0) + params_.epsilon);
      float* out = y + r * c;
      for (int64_t j = 0; j < c; ++j) {
        double v = (e[j] - mean) * inv_std * scale[j];
        if (bias != nullptr) v += bias[j];
        out[j] = static_cast<float>(v);
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string layer_;
  EmbeddingLayerNormParams params_;
};

class EmbeddingLayerNormTactic : public Fp32Tactic {
 public:
  EmbeddingLayerNormTactic()
      : Fp32Tactic("cpu_ref.embedding_layer_norm.direct", kEmbeddingLayerNormOp,
                   /*is_reference=*/true, /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(EmbeddingLayerNormParams params,
                          EmbeddingLayerNormParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(
        std::make_unique<EmbeddingLayerNormKernel>(std::string(node.name), params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<EmbeddingLayerNormTactic>());

}  // namespace cpu_ref
}  // namespace kiln
