#include "ops/stft.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferStft(const InferenceContext& ctx) {
  absl::StatusOr<StftParams> params = StftParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("signal '", x.name, "' is ", DataTypeName(x.dtype),
                     "; STFT takes fp32 or fp16");
  }
  if (x.rank() != 3 || (x.dims[2] != 1 && x.dims[2] != 2)) {
    return ctx.Error("signal '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected [batch, length, 1] (real) or [batch, length, 2] (complex)");
  }
  const int64_t length = x.dims[1];
  int64_t frame_length = params->frame_length;
  if (ctx.has_input(1)) {
    const TensorDesc& w = ctx.inputs[1];
    if (w.dtype != x.dtype || w.rank() != 1) {
      return ctx.Error("window '", w.name, "' is ", DataTypeName(w.dtype), " ",
                       DimsString(w.dims), "; expected a 1-D ", DataTypeName(x.dtype),
                       " tensor like the signal");
    }
    if (frame_length == 0) frame_length = w.dims[0];
    if (w.dims[0] != frame_length) {
      return ctx.Error("window '", w.name, "' has ", w.dims[0], " samples; frame_length is ",
                       frame_length);
    }
  }
  if (frame_length == 0) frame_length = length;
  if (frame_length < 1 || frame_length > length) {
    return ctx.Error("frame_length ", frame_length, " does not fit signal '", x.name,
                     "' of length ", length, " (dims ", DimsString(x.dims), ")");
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims = {x.dims[0], (length - frame_length) / params->frame_step + 1,
              params->onesided ? frame_length / 2 + 1 : frame_length, 2};
  return std::vector<TensorDesc>{out};
}

OpSchema MakeStftSchema() {
  OpSchema schema;
  schema.name = kStftOp;
  schema.min_inputs = 1;
  schema.max_inputs = 2;
  schema.infer = InferStft;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeStftSchema());

AttrMap StftParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("frame_step", frame_step);
  attrs.Set("frame_length", frame_length);
  attrs.Set("onesided", onesided);
  return attrs;
}

absl::StatusOr<StftParams> StftParams::FromAttrs(const AttrMap& attrs) {
  StftParams params;
  KILN_ASSIGN_OR_RETURN(params.frame_step, attrs.GetInt("frame_step", 1));
  KILN_ASSIGN_OR_RETURN(params.frame_length, attrs.GetInt("frame_length", 0));
  KILN_ASSIGN_OR_RETURN(int64_t onesided, attrs.GetInt("onesided", 1));
  if (params.frame_step < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("frame_step is ", params.frame_step, "; expected >= 1"));
  }
  if (params.frame_length < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "frame_length is ", params.frame_length, "; expected >= 1 (or 0: from the window)"));
  }
  if (onesided != 0 && onesided != 1) {
    return absl::InvalidArgumentError(absl::StrCat("onesided is ", onesided, "; expected 0 or 1"));
  }
  params.onesided = onesided == 1;
  return params;
}

absl::StatusOr<TensorId> AddStft(NetworkDefinition& network, absl::string_view name,
                                 TensorId signal, TensorId window, const StftParams& params) {
  std::vector<TensorId> inputs = {signal};
  if (window >= 0) inputs.push_back(window);
  return network.AddLayer1(name, kStftOp, inputs, params.ToAttrs());
}

}  // namespace kiln
