#include "ops/embedding_layer_norm.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/op_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace {

bool IsIndexType(DataType t) { return t == DataType::kInt32 || t == DataType::kInt64; }

// "fp32[10x4]".
std::string TypeAndDims(const TensorDesc& t) {
  return absl::StrCat(DataTypeName(t.dtype), "[", DimsString(t.dims), "]");
}

absl::StatusOr<std::vector<TensorDesc>> InferEmbeddingLayerNorm(const InferenceContext& ctx) {
  absl::StatusOr<EmbeddingLayerNormParams> params = EmbeddingLayerNormParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  for (int i : {kEmbedIds, kEmbedTable, kEmbedScale}) {
    if (!ctx.has_input(i)) {
      return ctx.Error("input ", i, " (",
                       i == kEmbedIds     ? "Ids"
                       : i == kEmbedTable ? "Table"
                                          : "Scale",
                       ") is missing; it is required");
    }
  }
  const TensorDesc& ids = ctx.inputs[kEmbedIds];
  const TensorDesc& table = ctx.inputs[kEmbedTable];
  if (!IsIndexType(ids.dtype)) {
    return ctx.Error("Ids '", ids.name, "' is ", DataTypeName(ids.dtype),
                     "; expected int32 or int64");
  }
  if (!IsFloatType(table.dtype) || table.rank() != 2) {
    return ctx.Error("Table '", table.name, "' is ", TypeAndDims(table),
                     "; expected fp32 or fp16 [V, C]");
  }
  const int64_t c = table.dims[1];
  Dims out = ids.dims;
  out.push_back(c);
  if (ctx.has_input(kEmbedSegmentIds) != ctx.has_input(kEmbedSegmentTable)) {
    return ctx.Error("SegmentIds and SegmentTable come together; one of them is missing");
  }
  if (ctx.has_input(kEmbedSegmentIds)) {
    const TensorDesc& seg = ctx.inputs[kEmbedSegmentIds];
    const TensorDesc& seg_table = ctx.inputs[kEmbedSegmentTable];
    if (!IsIndexType(seg.dtype) || seg.dims != ids.dims) {
      return ctx.Error("SegmentIds '", seg.name, "' is ", TypeAndDims(seg),
                       "; expected int32 or int64 [", DimsString(ids.dims), "] like Ids");
    }
    if (seg_table.dtype != table.dtype || seg_table.rank() != 2 || seg_table.dims[1] != c) {
      return ctx.Error("SegmentTable '", seg_table.name, "' is ", TypeAndDims(seg_table),
                       "; expected ", DataTypeName(table.dtype), " [T, ", c, "] like Table");
    }
  }
  if (ctx.has_input(kEmbedAddend)) {
    const TensorDesc& addend = ctx.inputs[kEmbedAddend];
    // Right-aligned to `out`; its leading dims may be 1, then every dim equal.
    bool ok = addend.dtype == table.dtype && addend.rank() <= static_cast<int64_t>(out.size()) &&
              addend.rank() >= 1;
    bool ones = true;
    for (int64_t i = 0; ok && i < addend.rank(); ++i) {
      const int64_t d = addend.dims[i];
      const int64_t o = out[out.size() - addend.rank() + i];
      if (ones && d == 1 && o != 1) continue;
      ones = false;
      ok = d == o;
    }
    if (!ok) {
      return ctx.Error("Addend '", addend.name, "' is ", TypeAndDims(addend), "; expected ",
                       DataTypeName(table.dtype), " with dims that end like [", DimsString(out),
                       "], any leading ones broadcast");
    }
  }
  for (int i : {kEmbedScale, kEmbedBias}) {
    if (!ctx.has_input(i)) continue;
    const TensorDesc& t = ctx.inputs[i];
    if (t.dtype != table.dtype || t.dims != Dims{c}) {
      return ctx.Error(i == kEmbedScale ? "Scale '" : "B '", t.name, "' is ", TypeAndDims(t),
                       "; expected ", DataTypeName(table.dtype), " [", c, "]");
    }
  }
  return std::vector<TensorDesc>{TensorDesc{"", table.dtype, out, TensorFormat::kLinear}};
}

OpSchema MakeEmbeddingLayerNormSchema() {
  OpSchema schema;
  schema.name = kEmbeddingLayerNormOp;
  schema.min_inputs = 6;
  schema.max_inputs = 7;
  schema.infer = InferEmbeddingLayerNorm;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeEmbeddingLayerNormSchema());

AttrMap EmbeddingLayerNormParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("epsilon", epsilon);
  return attrs;
}

absl::StatusOr<EmbeddingLayerNormParams> EmbeddingLayerNormParams::FromAttrs(const AttrMap& attrs) {
  EmbeddingLayerNormParams params;
  KILN_ASSIGN_OR_RETURN(params.epsilon, attrs.GetFloat("epsilon", 1e-5f));
  if (!(params.epsilon >= 0.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'epsilon' is ", params.epsilon, "; expected >= 0"));
  }
  return params;
}

}  // namespace kiln
