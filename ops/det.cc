#include "ops/det.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferDet(const InferenceContext& ctx) {
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype), "; Det takes fp32 or fp16");
  }
  if (x.rank() < 2 || x.dims[x.rank() - 1] != x.dims[x.rank() - 2]) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected square matrices (*, M, M)");
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims.assign(x.dims.begin(), x.dims.end() - 2);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeDetSchema() {
  OpSchema schema;
  schema.name = kDetOp;
  schema.min_inputs = 1;
  schema.max_inputs = 1;
  schema.infer = InferDet;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeDetSchema());

absl::StatusOr<TensorId> AddDet(NetworkDefinition& network, absl::string_view name,
                                TensorId input) {
  return network.AddLayer1(name, kDetOp, {input}, AttrMap());
}

}  // namespace kiln
