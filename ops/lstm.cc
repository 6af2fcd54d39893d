#include "ops/lstm.h"

#include "graph/op_registry.h"

namespace kiln {
namespace {

OpSchema MakeLstmSchema() {
  OpSchema schema;
  schema.name = kLstmOp;
  schema.min_inputs = 3;
  schema.max_inputs = 8;
  schema.num_outputs = 3;
  schema.infer = [](const InferenceContext& ctx) {
    return InferRecurrent(ctx, RecurrentKind::kLstm);
  };
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeLstmSchema());

absl::StatusOr<std::vector<TensorId>> AddLstm(NetworkDefinition& network, absl::string_view name,
                                              TensorId x, TensorId w, TensorId r, TensorId b,
                                              TensorId sequence_lens, TensorId initial_h,
                                              TensorId initial_c, TensorId p,
                                              const RecurrentParams& params) {
  return network.AddLayer(name, kLstmOp, {x, w, r, b, sequence_lens, initial_h, initial_c, p},
                          params.ToAttrs(RecurrentKind::kLstm));
}

}  // namespace kiln
