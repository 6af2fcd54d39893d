#include "ops/gru.h"

#include "graph/op_registry.h"

namespace kiln {
namespace {

OpSchema MakeGruSchema() {
  OpSchema schema;
  schema.name = kGruOp;
  schema.min_inputs = 3;
  schema.max_inputs = 6;
  schema.num_outputs = 2;
  schema.infer = [](const InferenceContext& ctx) {
    return InferRecurrent(ctx, RecurrentKind::kGru);
  };
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeGruSchema());

absl::StatusOr<std::vector<TensorId>> AddGru(NetworkDefinition& network, absl::string_view name,
                                             TensorId x, TensorId w, TensorId r, TensorId b,
                                             TensorId sequence_lens, TensorId initial_h,
                                             const RecurrentParams& params) {
  return network.AddLayer(name, kGruOp, {x, w, r, b, sequence_lens, initial_h},
                          params.ToAttrs(RecurrentKind::kGru));
}

}  // namespace kiln
