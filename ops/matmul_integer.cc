#include "ops/matmul_integer.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferMatMulInteger(const InferenceContext& ctx) {
  const TensorDesc& a = ctx.inputs[0];
  const TensorDesc& b = ctx.inputs[1];
  for (const TensorDesc* t : {&a, &b}) {
    if (t->dtype != DataType::kInt32) {
      return ctx.Error("input '", t->name, "' is ", DataTypeName(t->dtype),
                       "; MatMulInteger takes int32 (cast uint8/int8 first)");
    }
    if (t->rank() < 2) {
      return ctx.Error("input '", t->name, "' is ", DimsString(t->dims),
                       "; MatMulInteger needs rank >= 2 (reshape 1-D operands first)");
    }
  }
  const int64_t m = a.dims[a.rank() - 2], k_a = a.dims[a.rank() - 1];
  const int64_t k_b = b.dims[b.rank() - 2], n = b.dims[b.rank() - 1];
  if (k_a != k_b) {
    return ctx.Error("inner dims differ: a '", a.name, "' ", DimsString(a.dims), " has K = ", k_a,
                     ", b '", b.name, "' ", DimsString(b.dims), " has K = ", k_b);
  }
  const Dims a_batch(a.dims.begin(), a.dims.end() - 2);
  const Dims b_batch(b.dims.begin(), b.dims.end() - 2);
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
  out_dims.push_back(m);
  out_dims.push_back(n);
  TensorDesc out;
  out.dtype = DataType::kInt32;
  out.dims = out_dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeMatMulIntegerSchema() {
  OpSchema schema;
  schema.name = kMatMulIntegerOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferMatMulInteger;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeMatMulIntegerSchema());

absl::StatusOr<TensorId> AddMatMulInteger(NetworkDefinition& network, absl::string_view name,
                                          TensorId a, TensorId b) {
  return network.AddLayer1(name, kMatMulIntegerOp, {a, b}, AttrMap());
}

}  // namespace kiln
