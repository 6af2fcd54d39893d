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

// Q, K and V: one float type, rank 4 (Q rank 5 [B, S, 3, H, D] and K, V
// omitted for packed_qkv), B and H equal, K's D = Q's D, V's Sk = K's Sk.
absl::Status CheckQkv(const InferenceContext& ctx, AttentionLayout layout) {
  const bool bshd = layout == AttentionLayout::kBshd;
  const bool packed = layout == AttentionLayout::kPackedQkv;
  if (packed) {
    for (int i = 1; i < 3; ++i) {
      if (ctx.has_input(i)) {
        return ctx.Error(Describe(i, ctx.inputs[i]),
                         " is given, but with layout packed_qkv input 0 holds Q, K and V; "
                         "omit inputs 1 and 2");
      }
    }
  }
  for (int i = 0; i < (packed ? 1 : 3); ++i) {
    const TensorDesc& t = ctx.inputs[i];
    if (!ctx.has_input(i)) return ctx.Error(kInputNames[i], " (input ", i, ") is omitted");
    if (!IsFloatType(t.dtype)) {
      return ctx.Error(Describe(i, t), " is not fp32 or fp16");
    }
    if (packed && (t.rank() != 5 || t.dims[2] != 3)) {
      return ctx.Error(Describe(i, t), "; expected [B, S, 3, H, D] (layout packed_qkv)");
    }
    if (!packed && t.rank() != 4) {
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
  if (packed) return absl::OkStatus();
  // Each tensor's own sizes: its batch, heads, length (as sq) and width (as d).
  const AttentionGeometry q =
      AttentionGeometryOf(layout, ctx.inputs[0].dims, ctx.inputs[0].dims, ctx.inputs[0].dims);
  const AttentionGeometry k =
      AttentionGeometryOf(layout, ctx.inputs[1].dims, ctx.inputs[1].dims, ctx.inputs[1].dims);
  const AttentionGeometry v =
      AttentionGeometryOf(layout, ctx.inputs[2].dims, ctx.inputs[2].dims, ctx.inputs[2].dims);
  const char* heads_dim = bshd ? " (dims 0 and 2 in layout bshd)" : " (dims 0 and 1)";
  const char* keys_dim = bshd ? " keys (dim 1)" : " keys (dim 2)";
  for (int i = 1; i < 3; ++i) {
    const AttentionGeometry& t = i == 1 ? k : v;
    if (t.batch != q.batch || t.heads != q.heads) {
      return ctx.Error(Describe(i, ctx.inputs[i]), " and ", Describe(0, ctx.inputs[0]),
                       " differ in batch or heads", heads_dim, "; they must match");
    }
  }
  if (k.d != q.d) {
    return ctx.Error(Describe(1, ctx.inputs[1]), " has head size D = ", k.d, " but ",
                     Describe(0, ctx.inputs[0]), " has D = ", q.d);
  }
  if (v.sq != k.sq) {
    return ctx.Error(Describe(2, ctx.inputs[2]), " has ", v.sq, keys_dim, " but ",
                     Describe(1, ctx.inputs[1]), " has Sk = ", k.sq);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TensorDesc>> InferAttention(const InferenceContext& ctx) {
  absl::StatusOr<AttentionParams> params = AttentionParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  KILN_RETURN_IF_ERROR(CheckQkv(ctx, params->layout));
  const AttentionGeometry g = AttentionGeometryOf(params->layout, ctx.inputs[0].dims,
                                                  ctx.inputs[1].dims, ctx.inputs[2].dims);
  const Dims scores = {g.batch, g.heads, g.sq, g.sk};
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
  out.dims = params->layout == AttentionLayout::kBhsd ? Dims{g.batch, g.heads, g.sq, g.dv}
                                                      : Dims{g.batch, g.sq, g.heads, g.dv};
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
  switch (layout) {
    case AttentionLayout::kBshd: return "bshd";
    case AttentionLayout::kPackedQkv: return "packed_qkv";
    default: return "bhsd";
  }
}

AttentionGeometry AttentionGeometryOf(AttentionLayout layout, const Dims& q, const Dims& k,
                                      const Dims& v) {
  AttentionGeometry g;
  auto at = [](const Dims& d, size_t i) { return i < d.size() ? d[i] : int64_t{0}; };
  if (layout == AttentionLayout::kPackedQkv) {  // [B, S, 3, H, D]
    g = {at(q, 0), at(q, 3), at(q, 1), at(q, 1), at(q, 4), at(q, 4)};
    g.q = {g.sq * 3 * g.heads * g.d, g.d, 3 * g.heads * g.d};
    g.k = g.v = g.q;
    g.k_offset = g.heads * g.d;
    g.v_offset = 2 * g.heads * g.d;
    g.out = {g.sq * g.heads * g.dv, g.dv, g.heads * g.dv};
    return g;
  }
  // bhsd and bshd: dims 1 and 2 swap roles.
  const bool bhsd = layout == AttentionLayout::kBhsd;
  const size_t heads = bhsd ? 1 : 2, seq = bhsd ? 2 : 1;
  g = {at(q, 0), at(q, heads), at(q, seq), at(k, seq), at(q, 3), at(v, 3)};
  // A dense tensor of `length` positions of `width` elements per head.
  auto dense = [&g, bhsd](int64_t length, int64_t width) {
    const int64_t item = g.heads * length * width;
    return bhsd ? AttentionGeometry::Strides{item, length * width, width}
                : AttentionGeometry::Strides{item, width, g.heads * width};
  };
  g.q = dense(g.sq, g.d);
  g.k = dense(g.sk, g.d);
  g.v = dense(g.sk, g.dv);
  g.out = dense(g.sq, g.dv);
  return g;
}

AttrMap AttentionParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("scale", scale);
  attrs.Set("causal", causal);
  // Absent means bhsd, so plans written before the attribute read the same.
  if (layout != AttentionLayout::kBhsd) {
    attrs.Set("layout", std::string(AttentionLayoutName(layout)));
  }
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
  } else if (layout == "packed_qkv") {
    params.layout = AttentionLayout::kPackedQkv;
  } else if (layout != "bhsd") {
    return absl::InvalidArgumentError(absl::StrCat(
        "layout is '", layout, "'; expected 'bhsd' (the default), 'bshd' or 'packed_qkv'"));
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
