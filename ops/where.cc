#include "ops/where.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/broadcast.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferWhere(const InferenceContext& ctx) {
  const TensorDesc& cond = ctx.inputs[0];
  const TensorDesc& x = ctx.inputs[1];
  const TensorDesc& y = ctx.inputs[2];
  if (cond.dtype != DataType::kBool) {
    return ctx.Error("condition '", cond.name, "' is ", DataTypeName(cond.dtype),
                     "; it must be bool (compare or Cast first)");
  }
  if (x.dtype != y.dtype) {
    return ctx.Error("x '", x.name, "' is ", DataTypeName(x.dtype), " but y '", y.name, "' is ",
                     DataTypeName(y.dtype), "; they must have the same type");
  }
  absl::StatusOr<Dims> xy = BroadcastDims(x.dims, y.dims);
  if (!xy.ok()) {
    return ctx.Error("x '", x.name, "' and y '", y.name,
                     "' do not broadcast: ", xy.status().message());
  }
  absl::StatusOr<Dims> dims = BroadcastDims(cond.dims, *xy);
  if (!dims.ok()) {
    return ctx.Error("condition '", cond.name,
                     "' does not broadcast with x and y: ", dims.status().message());
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims = *dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeWhereSchema() {
  OpSchema schema;
  schema.name = kWhereOp;
  schema.min_inputs = 3;
  schema.max_inputs = 3;
  schema.infer = InferWhere;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeWhereSchema());

absl::StatusOr<TensorId> AddWhere(NetworkDefinition& network, absl::string_view name,
                                  TensorId condition, TensorId x, TensorId y) {
  return network.AddLayer1(name, kWhereOp, {condition, x, y}, AttrMap());
}

}  // namespace kiln
