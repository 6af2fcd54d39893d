#include "ops/prelu.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferPRelu(const InferenceContext& ctx) {
  const TensorDesc& x = ctx.inputs[0];
  const TensorDesc& slope = ctx.inputs[1];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; PRelu takes fp32 or fp16");
  }
  if (slope.dtype != x.dtype) {
    return ctx.Error("slope '", slope.name, "' is ", DataTypeName(slope.dtype), " but x '", x.name,
                     "' is ", DataTypeName(x.dtype), "; they must have the same type");
  }
  // One-way broadcast: each slope dim, right-aligned, is 1 or equals x's.
  bool ok = slope.rank() <= x.rank();
  for (int64_t i = 1; ok && i <= slope.rank(); ++i) {
    const int64_t s = slope.dims[slope.rank() - i];
    ok = s == 1 || s == x.dims[x.rank() - i];
  }
  if (!ok) {
    return ctx.Error("slope '", slope.name, "' (", DimsString(slope.dims),
                     ") does not broadcast to x '", x.name, "' (", DimsString(x.dims),
                     "); right-aligned, each slope dim must be 1 or equal x's");
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims = x.dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakePReluSchema() {
  OpSchema schema;
  schema.name = kPReluOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferPRelu;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakePReluSchema());

absl::StatusOr<TensorId> AddPRelu(NetworkDefinition& network, absl::string_view name, TensorId x,
                                  TensorId slope) {
  return network.AddLayer1(name, kPReluOp, {x, slope}, AttrMap());
}

absl::StatusOr<TensorId> AddPRelu(NetworkDefinition& network, absl::string_view name, TensorId x,
                                  Weights slope) {
  KILN_ASSIGN_OR_RETURN(TensorId slope_id,
                        network.AddConstant(absl::StrCat(name, ".slope"), std::move(slope)));
  return AddPRelu(network, name, x, slope_id);
}

}  // namespace kiln
