#include "ops/matmul.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<bool> GetFlag(const AttrMap& attrs, absl::string_view name) {
  KILN_ASSIGN_OR_RETURN(int64_t value, attrs.GetInt(name, 0));
  if (value != 0 && value != 1) {
    return absl::InvalidArgumentError(absl::StrCat(name, " must be 0 or 1, got ", value));
  }
  return value == 1;
}

absl::StatusOr<std::vector<TensorDesc>> InferMatMul(const InferenceContext& ctx) {
  absl::StatusOr<MatMulParams> params = MatMulParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& a = ctx.inputs[0];
  const TensorDesc& b = ctx.inputs[1];
  for (const TensorDesc* t : {&a, &b}) {
    if (!IsFloatType(t->dtype)) {
      return ctx.Error("input '", t->name, "' is ", DataTypeName(t->dtype),
                       "; MatMul takes fp32 or fp16");
    }
    if (t->rank() == 0)
      return ctx.Error("input '", t->name, "' is a scalar; MatMul needs rank >= 1");
  }
  if (a.rank() == 1 && params->transpose_a) {
    return ctx.Error("transpose_a is set but a '", a.name, "' is 1-D (", DimsString(a.dims),
                     "); transposes apply to rank >= 2 operands only");
  }
  if (b.rank() == 1 && params->transpose_b) {
    return ctx.Error("transpose_b is set but b '", b.name, "' is 1-D (", DimsString(b.dims),
                     "); transposes apply to rank >= 2 operands only");
  }
  // Matrix dims after promotion and transposition: a is (m, k_a), b is (k_b, n).
  int64_t m = 1, k_a, k_b, n = 1;
  if (a.rank() == 1) {
    k_a = a.dims[0];
  } else {
    m = a.dims[a.rank() - 2];
    k_a = a.dims[a.rank() - 1];
    if (params->transpose_a) std::swap(m, k_a);
  }
  if (b.rank() == 1) {
    k_b = b.dims[0];
  } else {
    k_b = b.dims[b.rank() - 2];
    n = b.dims[b.rank() - 1];
    if (params->transpose_b) std::swap(k_b, n);
  }
  if (k_a != k_b) {
    return ctx.Error("inner dims differ: a '", a.name, "' ", DimsString(a.dims),
                     params->transpose_a ? " (transposed)" : "", " has K = ", k_a, ", b '", b.name,
                     "' ", DimsString(b.dims), params->transpose_b ? " (transposed)" : "",
                     " has K = ", k_b);
  }
  // Batch dims: everything before the last two, broadcast right-aligned.
  const Dims a_batch(a.dims.begin(), a.dims.end() - std::min<int64_t>(a.rank(), 2));
  const Dims b_batch(b.dims.begin(), b.dims.end() - std::min<int64_t>(b.rank(), 2));
  const size_t batch_rank = std::max(a_batch.size(), b_batch.size());
  Dims out_dims(batch_rank);
  for (size_t i = 0; i < batch_rank; ++i) {
    const size_t from_end = batch_rank - 1 - i;
    const int64_t da = from_end < a_batch.size() ? a_batch[a_batch.size() - 1 - from_end] : 1;
    const int64_t db = from_end < b_batch.size() ? b_batch[b_batch.size() - 1 - from_end] : 1;
    if (da != db && da != 1 && db != 1) {
      return ctx.Error("batch dims do not broadcast: a '", a.name, "' ", DimsString(a.dims),
                       " has ", da, " where b '", b.name, "' ", DimsString(b.dims), " has ", db);
    }
    out_dims[i] = da == 1 ? db : da;
  }
  if (a.rank() >= 2) out_dims.push_back(m);
  if (b.rank() >= 2) out_dims.push_back(n);
  TensorDesc out;
  out.dtype = a.dtype;
  out.dims = out_dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeMatMulSchema() {
  OpSchema schema;
  schema.name = kMatMulOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferMatMul;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeMatMulSchema());

AttrMap MatMulParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("transpose_a", transpose_a);
  attrs.Set("transpose_b", transpose_b);
  SetFusedActivation(activation, attrs);
  return attrs;
}

absl::StatusOr<MatMulParams> MatMulParams::FromAttrs(const AttrMap& attrs) {
  MatMulParams params;
  KILN_ASSIGN_OR_RETURN(params.transpose_a, GetFlag(attrs, "transpose_a"));
  KILN_ASSIGN_OR_RETURN(params.transpose_b, GetFlag(attrs, "transpose_b"));
  KILN_ASSIGN_OR_RETURN(params.activation, GetFusedActivation(attrs));
  return params;
}

absl::StatusOr<TensorId> AddMatMul(NetworkDefinition& network, absl::string_view name, TensorId a,
                                   TensorId b, const MatMulParams& params) {
  return network.AddLayer1(name, kMatMulOp, {a, b}, params.ToAttrs());
}

}  // namespace kiln
