#include "ops/reduce.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

constexpr ReduceOp kAllOps[] = {
    ReduceOp::kSum,       ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin,    ReduceOp::kProd,
    ReduceOp::kSumSquare, ReduceOp::kL1,   ReduceOp::kL2,  ReduceOp::kLogSum, ReduceOp::kLogSumExp,
};

absl::StatusOr<std::vector<TensorDesc>> InferReduce(const InferenceContext& ctx) {
  absl::StatusOr<ReduceParams> params = ReduceParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; Reduce takes fp32 or fp16");
  }
  absl::StatusOr<std::vector<bool>> reduced = ReducedDims(params->axes, x.rank());
  if (!reduced.ok()) {
    return ctx.Error(reduced.status().message(), " (input '", x.name, "' is ", DimsString(x.dims),
                     ")");
  }
  TensorDesc out;
  out.dtype = x.dtype;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (!(*reduced)[d]) {
      out.dims.push_back(x.dims[d]);
    } else if (params->keep_dims) {
      out.dims.push_back(1);
    }
  }
  return std::vector<TensorDesc>{out};
}

OpSchema MakeReduceSchema() {
  OpSchema schema;
  schema.name = kReduceOp;
  schema.infer = InferReduce;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeReduceSchema());

absl::string_view ReduceOpName(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return "sum";
    case ReduceOp::kMean: return "mean";
    case ReduceOp::kMax: return "max";
    case ReduceOp::kMin: return "min";
    case ReduceOp::kProd: return "prod";
    case ReduceOp::kSumSquare: return "sum_square";
    case ReduceOp::kL1: return "l1";
    case ReduceOp::kL2: return "l2";
    case ReduceOp::kLogSum: return "log_sum";
    case ReduceOp::kLogSumExp: return "log_sum_exp";
  }
  return "unknown";
}

absl::StatusOr<std::vector<bool>> ReducedDims(const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t axis : axes) {
    const int64_t d = axis < 0 ? axis + rank : axis;
    if (d < 0 || d >= rank) {
      return absl::InvalidArgumentError(absl::StrCat("axis ", axis, " is out of range for rank ",
                                                     rank, "; expected [", -rank, ", ", rank - 1,
                                                     "]"));
    }
    if (reduced[d]) {
      return absl::InvalidArgumentError(
          absl::StrCat("axes [", absl::StrJoin(axes, ","), "] name dim ", d, " more than once"));
    }
    reduced[d] = true;
  }
  return reduced;
}

AttrMap ReduceParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("op", std::string(ReduceOpName(op)));
  attrs.Set("axes", axes);
  attrs.Set("keep_dims", keep_dims);
  return attrs;
}

absl::StatusOr<ReduceParams> ReduceParams::FromAttrs(const AttrMap& attrs) {
  ReduceParams params;
  KILN_ASSIGN_OR_RETURN(std::string name, attrs.GetString("op", "sum"));
  bool found = false;
  for (ReduceOp op : kAllOps) {
    if (ReduceOpName(op) == name) {
      params.op = op;
      found = true;
    }
  }
  if (!found) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown reduce op '", name,
                     "'; expected sum, mean, max, min, prod, sum_square, l1, l2, log_sum or "
                     "log_sum_exp"));
  }
  KILN_ASSIGN_OR_RETURN(params.axes, attrs.GetInts("axes", {}));
  KILN_ASSIGN_OR_RETURN(int64_t keep_dims, attrs.GetInt("keep_dims", 1));
  if (keep_dims != 0 && keep_dims != 1) {
    return absl::InvalidArgumentError(absl::StrCat("keep_dims must be 0 or 1, got ", keep_dims));
  }
  params.keep_dims = keep_dims == 1;
  return params;
}

absl::StatusOr<TensorId> AddReduce(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const ReduceParams& params) {
  return network.AddLayer1(name, kReduceOp, {input}, params.ToAttrs());
}

}  // namespace kiln
