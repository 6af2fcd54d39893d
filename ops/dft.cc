#include "ops/dft.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferDft(const InferenceContext& ctx) {
  absl::StatusOr<DftParams> params = DftParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype), "; DFT takes fp32 or fp16");
  }
  const int64_t rank = x.rank();
  if (rank < 2 || (x.dims.back() != 1 && x.dims.back() != 2)) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected a real [..., 1] or complex [..., 2] signal of rank >= 2");
  }
  int64_t axis = params->axis;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank - 1) {
    return ctx.Error("axis ", params->axis, " is out of range for input '", x.name, "' of dims ",
                     DimsString(x.dims), "; expected a signal dim, ", -rank, "..", rank - 2,
                     " (the last dim holds the real/imaginary parts)");
  }
  const int64_t n = params->dft_length > 0 ? params->dft_length : x.dims[axis];
  if (n < 1) {
    return ctx.Error("the transform length is 0 (input '", x.name, "' has dims ",
                     DimsString(x.dims), ", axis ", axis, ")");
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims = x.dims;
  out.dims[axis] = params->onesided ? n / 2 + 1 : n;
  out.dims.back() = 2;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeDftSchema() {
  OpSchema schema;
  schema.name = kDftOp;
  schema.min_inputs = 1;
  schema.max_inputs = 1;
  schema.infer = InferDft;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeDftSchema());

AttrMap DftParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axis", axis);
  attrs.Set("dft_length", dft_length);
  attrs.Set("inverse", inverse);
  attrs.Set("onesided", onesided);
  return attrs;
}

absl::StatusOr<DftParams> DftParams::FromAttrs(const AttrMap& attrs) {
  DftParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", 1));
  KILN_ASSIGN_OR_RETURN(params.dft_length, attrs.GetInt("dft_length", 0));
  KILN_ASSIGN_OR_RETURN(int64_t inverse, attrs.GetInt("inverse", 0));
  KILN_ASSIGN_OR_RETURN(int64_t onesided, attrs.GetInt("onesided", 0));
  if ((inverse != 0 && inverse != 1) || (onesided != 0 && onesided != 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("inverse (", inverse, ") and onesided (", onesided, ") must be 0 or 1"));
  }
  if (params.dft_length < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("dft_length is ", params.dft_length, "; expected >= 1 (or 0: the axis size)"));
  }
  params.inverse = inverse == 1;
  params.onesided = onesided == 1;
  if (params.inverse && params.onesided) {
    return absl::InvalidArgumentError(
        "inverse with onesided (a one-sided inverse, irfft) is not supported");
  }
  return params;
}

absl::StatusOr<TensorId> AddDft(NetworkDefinition& network, absl::string_view name,
                                TensorId input, const DftParams& params) {
  return network.AddLayer1(name, kDftOp, {input}, params.ToAttrs());
}

}  // namespace kiln
