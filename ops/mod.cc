#include "ops/mod.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/broadcast.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferMod(const InferenceContext& ctx) {
  absl::StatusOr<ModParams> params = ModParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& a = ctx.inputs[0];
  const TensorDesc& b = ctx.inputs[1];
  if (!IsFloatType(a.dtype) && a.dtype != DataType::kInt32 && a.dtype != DataType::kInt64 &&
      a.dtype != DataType::kInt8) {
    return ctx.Error("input '", a.name, "' is ", DataTypeName(a.dtype),
                     "; Mod takes fp32, fp16, int32, int64 or int8");
  }
  absl::StatusOr<Dims> dims = SameTypeBroadcastDims(a, b);
  if (!dims.ok()) return ctx.Error(dims.status().message());
  if (IsFloatType(a.dtype) && !params->fmod) {
    return ctx.Error("inputs are ", DataTypeName(a.dtype),
                     " but fmod is 0; ONNX requires fmod = 1 for floating-point Mod");
  }

  TensorDesc out;
  out.dtype = a.dtype;
  out.dims = *dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeModSchema() {
  OpSchema schema;
  schema.name = kModOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferMod;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeModSchema());

AttrMap ModParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("fmod", fmod);
  return attrs;
}

absl::StatusOr<ModParams> ModParams::FromAttrs(const AttrMap& attrs) {
  KILN_ASSIGN_OR_RETURN(int64_t fmod, attrs.GetInt("fmod", 0));
  if (fmod != 0 && fmod != 1) {
    return absl::InvalidArgumentError(absl::StrCat("fmod is ", fmod, "; expected 0 or 1"));
  }
  return ModParams{fmod == 1};
}

absl::StatusOr<TensorId> AddMod(NetworkDefinition& network, absl::string_view name, TensorId a,
                                TensorId b, const ModParams& params) {
  return network.AddLayer1(name, kModOp, {a, b}, params.ToAttrs());
}

}  // namespace kiln
