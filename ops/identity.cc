#include "ops/identity.h"

#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferIdentity(const InferenceContext& ctx) {
  if (!ctx.has_input(0)) return ctx.Error("input 0 is omitted; Identity needs its input");
  TensorDesc out = ctx.inputs[0];
  return std::vector<TensorDesc>{out};
}

OpSchema MakeIdentitySchema() {
  OpSchema schema;
  schema.name = kIdentityOp;
  schema.infer = InferIdentity;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeIdentitySchema());

absl::StatusOr<TensorId> AddIdentity(NetworkDefinition& network, absl::string_view name,
                                     TensorId input) {
  return network.AddLayer1(name, kIdentityOp, {input}, AttrMap());
}

}  // namespace kiln
