#include "ops/attention.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/op_registry.h"
#include "graph/status_macros.h"
#include "ops/broadcast.h"

namespace kiln {
namespace {

constexpr const char* kInputNames[] = {"Q", "K", "V", "mask"};

// "Q 'q' (fp32 2x4x8x16)", for messages.
std::string Describe(int input, const TensorDesc& t) {
  return absl::StrCat(kInputNames[input], " '", t.name, "' (", DataTypeName(t.dtype), " ",
                      DimsString(t.dims), ")");
}

// Q, K and V: rank 4, one float type, B and H equal, K's D = Q's D, V's Sk =
// K's Sk (dims named in bhsd order whatever the layout).
absl::Status CheckQkv(const InferenceContext& ctx, AttentionLayout layout) {
  const bool bshd = layout == AttentionLayout::kBshd;
  for (int i = 0; i < 3; ++i) {
    const TensorDesc& t = ctx.inputs[i];
    if (!ctx.has_input(i)) return ctx.Error(kInputNames[i], " (input ", i, ") is omitted");
    if (!IsFloatType(t.dtype)) {
      return ctx.Error(Describe(i, t), " is not fp32 or fp16");
    }
    if (t.rank() != 4) {
      static constexpr const char* kExpected[2][3] = {
          {"[B, H, Sq, D]", "[B, H, Sk, D]", "[B, H, Sk, Dv]"},
          {"[B, Sq, H, D] (layout bshd)", "[B, Sk, H, D] (layout bshd)",
           "[B, Sk, H, Dv] (layout bshd)"}};
      return ctx.Error(Describe(i, t), " has rank ", t.rank(), "; expected rank 4 ",
                       kExpected[bshd ? 1 : 0][i]);
    }
    if (t.dtype != ctx.inputs[0].dtype) {
      return ctx.Error(Describe(i, t), " is ", DataTypeName(t.dtype), " but ",
                       Describe(0, ctx.inputs[0]), " is ", DataTypeName(ctx.inputs[0].dtype),
                       "; Q, K and V must have one type");
    }
  }
  // In bhsd order from here on.
  TensorDesc q = ctx.inputs[0], k = ctx.inputs[1], v = ctx.inputs[2];
  q.dims = AttentionBhsdDims(q.dims, layout);
  k.dims = AttentionBhsdDims(k.dims, layout);
  v.dims = AttentionBhsdDims(v.dims, layout);
  const char* heads_dim = bshd ? " (dims 0 and 2 in layout bshd)" : " (dims 0 and 1)";
  const char* keys_dim = bshd ? " keys (dim 1)" : " keys (dim 2)";
  for (int i = 1; i < 3; ++i) {
    const TensorDesc& t = i == 1 ? k : v;
    if (t.dims[0] != q.dims[0] || t.dims[1] != q.dims[1]) {
      return ctx.Error(Describe(i, ctx.inputs[i]), " and ", Describe(0, ctx.inputs[0]),
                       " differ in batch or heads", heads_dim, "; they must match");
    }
  }
  if (k.dims[3] != q.dims[3]) {
    return ctx.Error(Describe(1, ctx.inputs[1]), " has head size D = ", k.dims[3], " but ",
                     Describe(0, ctx.inputs[0]), " has D = ", q.dims[3]);
  }
  if (v.dims[2] != k.dims[2]) {
    return ctx.Error(Describe(2, ctx.inputs[2]), " has ", v.dims[2], keys_dim, " but ",
                     Describe(1, ctx.inputs[1]), " has Sk = ", k.dims[2]);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TensorDesc>> InferAttention(const InferenceContext& ctx) {
  absl::StatusOr<AttentionParams> params = AttentionParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  KILN_RETURN_IF_ERROR(CheckQkv(ctx, params->layout));
  const Dims q = AttentionBhsdDims(ctx.inputs[0].dims, params->layout);
  const Dims k = AttentionBhsdDims(ctx.inputs[1].dims, params->layout);
  const Dims v = AttentionBhsdDims(ctx.inputs[2].dims, params->layout);
  const Dims scores = {q[0], q[1], q[2], k[2]};
  if (ctx.has_input(3)) {
    const TensorDesc& mask = ctx.inputs[3];
    if (!IsFloatType(mask.dtype)) {
      return ctx.Error(Describe(3, mask), " is not fp32 or fp16; the mask is added to the logits");
    }
    absl::StatusOr<Dims> dims = BroadcastDims(mask.dims, scores);
    if (!dims.ok() || *dims != scores) {
      return ctx.Error(Describe(3, mask), " does not broadcast to the scores [B, H, Sq, Sk] = ",
                       DimsString(scores),
                       "; each of its dims (right-aligned) must be 1 or the scores' dim");
    }
  }
  TensorDesc out;
  out.dtype = ctx.inputs[0].dtype;
  out.dims = params->layout == AttentionLayout::kBshd ? Dims{q[0], q[2], q[1], v[3]}
                                                      : Dims{q[0], q[1], q[2], v[3]};
  return std::vector<TensorDesc>{out};
}

OpSchema MakeAttentionSchema() {
  OpSchema schema;
  schema.name = kAttentionOp;
  schema.min_inputs = 3;
  schema.max_inputs = 4;
  schema.infer = InferAttention;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeAttentionSchema());

absl::string_view AttentionLayoutName(AttentionLayout layout) {
  return layout == AttentionLayout::kBshd ? "bshd" : "bhsd";
}

Dims AttentionBhsdDims(const Dims& dims, AttentionLayout layout) {
  if (layout != AttentionLayout::kBshd || dims.size() != 4) return dims;
  return Dims{dims[0], dims[2], dims[1], dims[3]};
}

AttrMap AttentionParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("scale", scale);
  attrs.Set("causal", causal);
  // Absent means bhsd, so plans written before the attribute read the same.
  if (layout != AttentionLayout::kBhsd) attrs.Set("layout", std::string(AttentionLayoutName(layout)));
  return attrs;
}

absl::StatusOr<AttentionParams> AttentionParams::FromAttrs(const AttrMap& attrs) {
  AttentionParams params;
  if (!attrs.Has("scale")) {
    return absl::InvalidArgumentError(
        "attribute 'scale' is required (the factor of Q K^T, usually 1/sqrt(D))");
  }
  KILN_ASSIGN_OR_RETURN(params.scale, attrs.GetFloat("scale", 1.0f));
  if (!(params.scale > 0.0f) || !std::isfinite(params.scale)) {
    return absl::InvalidArgumentError(
        absl::StrCat("scale is ", params.scale, "; expected a finite value > 0"));
  }
  KILN_ASSIGN_OR_RETURN(int64_t causal, attrs.GetInt("causal", 0));
  if (causal != 0 && causal != 1) {
    return absl::InvalidArgumentError(absl::StrCat("causal must be 0 or 1, got ", causal));
  }
  params.causal = causal == 1;
  KILN_ASSIGN_OR_RETURN(std::string layout, attrs.GetString("layout", "bhsd"));
  if (layout == "bshd") {
    params.layout = AttentionLayout::kBshd;
  } else if (layout != "bhsd") {
    return absl::InvalidArgumentError(
        absl::StrCat("layout is '", layout, "'; expected 'bhsd' (the default) or 'bshd'"));
  }
  return params;
}

absl::StatusOr<TensorId> AddAttention(NetworkDefinition& network, absl::string_view name,
                                      TensorId q, TensorId k, TensorId v, TensorId mask,
                                      const AttentionParams& params) {
  std::vector<TensorId> inputs = {q, k, v};
  if (mask >= 0) inputs.push_back(mask);
  return network.AddLayer1(name, kAttentionOp, inputs, params.ToAttrs());
}

}  // namespace kiln
