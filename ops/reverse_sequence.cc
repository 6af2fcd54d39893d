#include "ops/reverse_sequence.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferReverseSequence(const InferenceContext& ctx) {
  absl::StatusOr<ReverseSequenceParams> params = ReverseSequenceParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (x.rank() < 2) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected at least 2 dims (batch and time)");
  }
  if (!ctx.has_input(1)) return ctx.Error("input 1 (sequence_lens) is missing");
  const TensorDesc& lens = ctx.inputs[1];
  if (lens.dtype != DataType::kInt64 && lens.dtype != DataType::kInt32) {
    return ctx.Error("sequence_lens '", lens.name, "' is ", DataTypeName(lens.dtype),
                     "; expected int64 or int32");
  }
  const int64_t batch = x.dims[params->batch_axis];
  if (lens.rank() != 1 || lens.dims[0] != batch) {
    return ctx.Error("sequence_lens '", lens.name, "' has dims ", DimsString(lens.dims),
                     "; expected ", batch, " values, one per entry of batch axis ",
                     params->batch_axis, " of input dims ", DimsString(x.dims));
  }
  return std::vector<TensorDesc>{TensorDesc{"", x.dtype, x.dims, TensorFormat::kLinear}};
}

OpSchema MakeReverseSequenceSchema() {
  OpSchema schema;
  schema.name = kReverseSequenceOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferReverseSequence;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeReverseSequenceSchema());

AttrMap ReverseSequenceParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("batch_axis", batch_axis);
  attrs.Set("time_axis", time_axis);
  return attrs;
}

absl::StatusOr<ReverseSequenceParams> ReverseSequenceParams::FromAttrs(const AttrMap& attrs) {
  ReverseSequenceParams params;
  KILN_ASSIGN_OR_RETURN(params.batch_axis, attrs.GetInt("batch_axis", 1));
  KILN_ASSIGN_OR_RETURN(params.time_axis, attrs.GetInt("time_axis", 0));
  const bool valid = (params.batch_axis == 0 && params.time_axis == 1) ||
                     (params.batch_axis == 1 && params.time_axis == 0);
  if (!valid) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attributes batch_axis ", params.batch_axis, " and time_axis ", params.time_axis,
        "; expected one to be 0 and the other 1"));
  }
  return params;
}

absl::StatusOr<TensorId> AddReverseSequence(NetworkDefinition& network, absl::string_view name,
                                            TensorId input, TensorId sequence_lens,
                                            const ReverseSequenceParams& params) {
  return network.AddLayer1(name, kReverseSequenceOp, {input, sequence_lens}, params.ToAttrs());
}

}  // namespace kiln
