#include "ops/concatenation.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferConcatenation(const InferenceContext& ctx) {
  absl::StatusOr<ConcatenationParams> params = ConcatenationParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (!ctx.has_input(i)) return ctx.Error("input ", i, " is omitted; every input is required");
  }
  const TensorDesc& first = ctx.inputs[0];
  if (first.rank() == 0) {
    return ctx.Error("input 0 '", first.name, "' is a scalar; concatenation needs rank >= 1");
  }
  absl::StatusOr<int64_t> axis = NormalizeConcatenationAxis(params->axis, first.rank());
  if (!axis.ok()) return ctx.Error(axis.status().message());

  TensorDesc out;
  out.dtype = first.dtype;
  out.dims = first.dims;
  out.dims[*axis] = 0;
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    const TensorDesc& in = ctx.inputs[i];
    if (in.dtype != first.dtype) {
      return ctx.Error("input ", i, " '", in.name, "' is ", DataTypeName(in.dtype), ", input 0 '",
                       first.name, "' is ", DataTypeName(first.dtype),
                       "; all inputs must have the same type (add a Cast)");
    }
    if (in.rank() != first.rank()) {
      return ctx.Error("input ", i, " '", in.name, "' has rank ", in.rank(), " (",
                       DimsString(in.dims), "), input 0 '", first.name, "' has rank ",
                       first.rank(), " (", DimsString(first.dims), "); all inputs need one rank");
    }
    for (int64_t d = 0; d < first.rank(); ++d) {
      if (d != *axis && in.dims[d] != first.dims[d]) {
        return ctx.Error("input ", i, " '", in.name, "' (", DimsString(in.dims),
                         ") differs from input 0 '", first.name, "' (", DimsString(first.dims),
                         ") in dim ", d, "; only the concatenation axis ", *axis, " may differ");
      }
    }
    out.dims[*axis] += in.dims[*axis];
  }
  return std::vector<TensorDesc>{out};
}

OpSchema MakeConcatenationSchema() {
  OpSchema schema;
  schema.name = kConcatenationOp;
  schema.min_inputs = 1;
  schema.max_inputs = kMaxConcatenationInputs;
  schema.infer = InferConcatenation;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeConcatenationSchema());

AttrMap ConcatenationParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axis", axis);
  return attrs;
}

absl::StatusOr<ConcatenationParams> ConcatenationParams::FromAttrs(const AttrMap& attrs) {
  ConcatenationParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", 1));
  return params;
}

absl::StatusOr<int64_t> NormalizeConcatenationAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    return absl::InvalidArgumentError(absl::StrCat("axis ", axis, " is out of range for rank ",
                                                   rank, " inputs; expected ", -rank, "..",
                                                   rank - 1));
  }
  return axis < 0 ? axis + rank : axis;
}

absl::StatusOr<TensorId> AddConcatenation(NetworkDefinition& network, absl::string_view name,
                                          std::vector<TensorId> inputs, int axis) {
  return network.AddLayer1(name, kConcatenationOp, std::move(inputs),
                           ConcatenationParams{axis}.ToAttrs());
}

}  // namespace kiln
