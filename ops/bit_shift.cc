#include "ops/bit_shift.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/broadcast.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferBitShift(const InferenceContext& ctx) {
  absl::StatusOr<BitShiftParams> params = BitShiftParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  const TensorDesc& y = ctx.inputs[1];
  if (x.dtype != DataType::kInt32 && x.dtype != DataType::kInt64) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; expected int32 or int64 (unsigned ONNX types as imported)");
  }
  if (y.dtype != x.dtype) {
    return ctx.Error("shift amounts '", y.name, "' are ", DataTypeName(y.dtype), " but input '",
                     x.name, "' is ", DataTypeName(x.dtype), "; they must have the same type");
  }
  const int64_t bits = x.dtype == DataType::kInt32 ? 32 : 64;
  if (params->width > bits) {
    return ctx.Error("width ", params->width, " does not fit input '", x.name, "' (",
                     DataTypeName(x.dtype), ")");
  }
  absl::StatusOr<Dims> dims = BroadcastDims(x.dims, y.dims);
  if (!dims.ok()) return ctx.Error(dims.status().message());
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims = *std::move(dims);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeBitShiftSchema() {
  OpSchema schema;
  schema.name = kBitShiftOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferBitShift;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeBitShiftSchema());

AttrMap BitShiftParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("direction", left ? "left" : "right");
  attrs.Set("width", width);
  return attrs;
}

absl::StatusOr<BitShiftParams> BitShiftParams::FromAttrs(const AttrMap& attrs) {
  BitShiftParams params;
  KILN_ASSIGN_OR_RETURN(std::string direction, attrs.GetString("direction", "left"));
  if (direction != "left" && direction != "right") {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'direction' is '", direction, "'; expected left or right"));
  }
  params.left = direction == "left";
  KILN_ASSIGN_OR_RETURN(params.width, attrs.GetInt("width", 32));
  if (params.width != 8 && params.width != 16 && params.width != 32 && params.width != 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'width' is ", params.width, "; expected 8, 16, 32 or 64"));
  }
  return params;
}

absl::StatusOr<TensorId> AddBitShift(NetworkDefinition& network, absl::string_view name,
                                     TensorId x, TensorId y, const BitShiftParams& params) {
  return network.AddLayer1(name, kBitShiftOp, {x, y}, params.ToAttrs());
}

}  // namespace kiln
