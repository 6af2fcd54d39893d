// ONNX index and selection ops: ArgMax, ArgMin, Hardmax, TopK, Where,
// GatherElements, ScatterElements, Scatter (opset 9-10), OneHot, Trilu, CumSum,
// ReverseSequence, GatherND, ScatterND.
//
// ONNX inputs that kiln takes as attributes (TopK's k, CumSum's axis,
// OneHot's depth and values, Trilu's k) must be constants at import.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "ops/arg_reduce.h"
#include "ops/cum_sum.h"
#include "ops/gather_elements.h"
#include "ops/gather_nd.h"
#include "ops/hardmax.h"
#include "ops/one_hot.h"
#include "ops/reverse_sequence.h"
#include "ops/scatter_elements.h"
#include "ops/scatter_nd.h"
#include "ops/top_k.h"
#include "ops/trilu.h"
#include "ops/where.h"

namespace kiln {
namespace onnx_import {
namespace {

OnnxConverter ArgReduceConverter(ArgReduceOp op) {
  return [op](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
    ArgReduceParams params;
    params.op = op;
    KILN_ASSIGN_OR_RETURN(params.axis, ctx.AttrInt("axis", 0));
    KILN_ASSIGN_OR_RETURN(int64_t keepdims, ctx.AttrInt("keepdims", 1));
    KILN_ASSIGN_OR_RETURN(int64_t last, ctx.AttrInt("select_last_index", 0));
    params.keepdims = keepdims != 0;
    params.select_last_index = last != 0;
    KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kArgReduceOp, {x}, params.ToAttrs()));
    return ctx.SetOutput(0, y);
  };
}

// From opset 13 Hardmax works along `axis` (default -1); before, the input
// is flattened to 2-D at `axis` (default 1) and each row gets one 1.
absl::Status ConvertHardmax(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  HardmaxParams params;
  if (ctx.opset() >= 13) {
    KILN_ASSIGN_OR_RETURN(params.axis, ctx.AttrInt("axis", -1));
    KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kHardmaxOp, {x}, params.ToAttrs()));
    return ctx.SetOutput(0, y);
  }
  const Dims dims = ctx.DescOf(x).dims;
  const int64_t rank = static_cast<int64_t>(dims.size());
  KILN_ASSIGN_OR_RETURN(int64_t axis_attr, ctx.AttrInt("axis", 1));
  const int64_t axis = axis_attr < 0 ? axis_attr + rank : axis_attr;
  if (axis < 0 || axis > rank) return ctx.Error("axis ", axis_attr, " is out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= dims[d];
  KILN_ASSIGN_OR_RETURN(TensorId flat, ReshapeTo(ctx, "2d", x, {outer, inner}, axis == 1));
  params.axis = 1;
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("hardmax", kHardmaxOp, {flat}, params.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(y, ReshapeTo(ctx, "", y, dims, axis == 1));
  return ctx.SetOutput(0, y);
}

// TopK: k is an attribute before opset 10 and a (constant) input from 10.
absl::Status ConvertTopK(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  TopKParams params;
  if (ctx.opset() < 10) {
    KILN_ASSIGN_OR_RETURN(params.k, ctx.AttrInt("k", 1));
  } else {
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> k, ctx.ConstantInts(1));
    if (k.size() != 1) return ctx.Error("input 1 (k) must hold one value; it has ", k.size());
    params.k = k[0];
  }
  KILN_ASSIGN_OR_RETURN(params.axis, ctx.AttrInt("axis", -1));
  KILN_ASSIGN_OR_RETURN(int64_t largest, ctx.AttrInt("largest", 1));
  KILN_ASSIGN_OR_RETURN(int64_t sorted, ctx.AttrInt("sorted", 1));
  params.largest = largest != 0;
  params.sorted = sorted != 0;
  KILN_ASSIGN_OR_RETURN(std::vector<TensorId> outs,
                        ctx.AddLayer("", kTopKOp, {x}, params.ToAttrs()));
  for (int i = 0; i < 2 && i < static_cast<int>(outs.size()); ++i) {
    if (ctx.has_output(i)) KILN_RETURN_IF_ERROR(ctx.SetOutput(i, outs[i]));
  }
  return absl::OkStatus();
}

absl::Status ConvertWhere(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId cond, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(1));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.RequiredInput(2));
  KILN_ASSIGN_OR_RETURN(TensorId out, ctx.AddLayer1("", kWhereOp, {cond, x, y}, AttrMap()));
  return ctx.SetOutput(0, out);
}

absl::Status ConvertGatherElements(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId data, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId indices, ctx.RequiredInput(1));
  GatherElementsParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, ctx.AttrInt("axis", 0));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kGatherElementsOp, {data, indices},
                                                  params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// ScatterElements (and the deprecated Scatter of opsets 9-10, the same op
// without `reduction`).
absl::Status ConvertScatterElements(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId data, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId indices, ctx.RequiredInput(1));
  KILN_ASSIGN_OR_RETURN(TensorId updates, ctx.RequiredInput(2));
  ScatterElementsParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, ctx.AttrInt("axis", 0));
  KILN_ASSIGN_OR_RETURN(std::string reduction, ctx.AttrString("reduction", "none"));
  if (reduction == "none") {
    params.reduction = ScatterReduction::kNone;
  } else if (reduction == "add") {
    params.reduction = ScatterReduction::kAdd;
  } else if (reduction == "mul") {
    params.reduction = ScatterReduction::kMul;
  } else if (reduction == "max") {
    params.reduction = ScatterReduction::kMax;
  } else if (reduction == "min") {
    params.reduction = ScatterReduction::kMin;
  } else {
    return ctx.Error("reduction '", reduction, "' is unknown (none, add, mul, max, min)");
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kScatterElementsOp,
                                                  {data, indices, updates}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// OneHot: depth and values ([off, on]) must be constants; the output has
// the values' type.
absl::Status ConvertOneHot(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId indices, ctx.RequiredInput(0));
  OneHotParams params;
  KILN_ASSIGN_OR_RETURN(float depth, ctx.ConstantScalar(1));
  params.depth = static_cast<int64_t>(depth);
  KILN_ASSIGN_OR_RETURN(params.values, ctx.ConstantFloats(2));
  if (params.values.size() != 2) {
    return ctx.Error("values must hold 2 elements [off, on]; got ", params.values.size());
  }
  params.dtype = ctx.constant(2)->dtype();
  KILN_ASSIGN_OR_RETURN(params.axis, ctx.AttrInt("axis", -1));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kOneHotOp, {indices}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertTrilu(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  TriluParams params;
  KILN_ASSIGN_OR_RETURN(int64_t upper, ctx.AttrInt("upper", 1));
  params.upper = upper != 0;
  if (ctx.has_input(1)) {
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> k, ctx.ConstantInts(1));
    if (k.size() != 1) return ctx.Error("input 1 (k) must hold one value; it has ", k.size());
    params.k = k[0];
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kTriluOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertCumSum(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  CumSumParams params;
  KILN_ASSIGN_OR_RETURN(std::vector<int64_t> axis, ctx.ConstantInts(1));
  if (axis.size() != 1) return ctx.Error("input 1 (axis) must hold one value; it has ", axis.size());
  params.axis = axis[0];
  KILN_ASSIGN_OR_RETURN(int64_t exclusive, ctx.AttrInt("exclusive", 0));
  KILN_ASSIGN_OR_RETURN(int64_t reverse, ctx.AttrInt("reverse", 0));
  params.exclusive = exclusive != 0;
  params.reverse = reverse != 0;
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kCumSumOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertReverseSequence(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId lens, ctx.RequiredInput(1));
  ReverseSequenceParams params;
  KILN_ASSIGN_OR_RETURN(params.batch_axis, ctx.AttrInt("batch_axis", 1));
  KILN_ASSIGN_OR_RETURN(params.time_axis, ctx.AttrInt("time_axis", 0));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kReverseSequenceOp, {x, lens},
                                                  params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// GatherND (batch_dims 0) by indices computed from the input dims that list
// every index tuple of the data's leading dims in row-major order at every
// probed shape (torch's dynamo export of mask[batch_idx, kv_idx]): a reshape
// of the data to indices dims[:-1] + data dims[r:]; nullopt otherwise.
std::optional<absl::StatusOr<TensorId>> IdentityGatherND(ImportContext& ctx, TensorId data,
                                                         TensorId indices) {
  if (!ctx.Varies(indices) || ctx.IsConstant(data)) return std::nullopt;
  std::optional<std::vector<Dims>> data_dims = ctx.PointDims(data);
  std::optional<std::vector<Dims>> index_dims = ctx.PointDims(indices);
  std::optional<std::vector<std::vector<double>>> values = ctx.PointValues(indices);
  if (!data_dims || !index_dims || !values) return std::nullopt;
  std::vector<std::vector<int64_t>> points;
  for (size_t p = 0; p < values->size(); ++p) {
    const Dims& d = (*data_dims)[p];
    const Dims& i = (*index_dims)[p];
    if (i.empty() || i.back() < 1 || i.back() > static_cast<int64_t>(d.size())) return std::nullopt;
    const size_t r = static_cast<size_t>(i.back());
    int64_t leading = 1;
    for (size_t j = 0; j < r; ++j) leading *= d[j];
    const std::vector<double>& v = (*values)[p];
    if (static_cast<int64_t>(v.size()) != leading * static_cast<int64_t>(r)) return std::nullopt;
    for (int64_t q = 0; q < leading; ++q) {
      int64_t flat = 0;
      for (size_t j = 0; j < r; ++j) {
        const double at = v[q * r + j];
        if (at < 0 || at >= static_cast<double>(d[j])) return std::nullopt;
        flat = flat * d[j] + static_cast<int64_t>(at);
      }
      if (flat != q) return std::nullopt;
    }
    std::vector<int64_t> out(i.begin(), i.end() - 1);
    out.insert(out.end(), d.begin() + r, d.end());
    points.push_back(out);
  }
  ctx.MarkDynamicHandled();
  return ctx.ReshapeToPoints(data, points);
}

absl::Status ConvertGatherND(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId data, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId indices, ctx.RequiredInput(1));
  GatherNDParams params;
  KILN_ASSIGN_OR_RETURN(params.batch_dims, ctx.AttrInt("batch_dims", 0));
  if (params.batch_dims == 0) {
    if (std::optional<absl::StatusOr<TensorId>> y = IdentityGatherND(ctx, data, indices)) {
      if (y->ok()) return ctx.SetOutput(0, **y);
      ctx.PinShapes(y->status().message());
    }
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kGatherNDOp, {data, indices},
                                                  params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertScatterND(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId data, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId indices, ctx.RequiredInput(1));
  KILN_ASSIGN_OR_RETURN(TensorId updates, ctx.RequiredInput(2));
  ScatterNDParams params;
  KILN_ASSIGN_OR_RETURN(params.reduction, ctx.AttrString("reduction", "none"));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kScatterNDOp, {data, indices, updates},
                                                  params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

}  // namespace

KILN_REGISTER_ONNX_CONVERTER("GatherND", ConvertGatherND);
KILN_REGISTER_ONNX_CONVERTER("ScatterND", ConvertScatterND);

KILN_REGISTER_ONNX_CONVERTER("ReverseSequence", ConvertReverseSequence);

KILN_REGISTER_ONNX_CONVERTER("ArgMax", ArgReduceConverter(ArgReduceOp::kMax));
KILN_REGISTER_ONNX_CONVERTER("ArgMin", ArgReduceConverter(ArgReduceOp::kMin));
KILN_REGISTER_ONNX_CONVERTER("Hardmax", ConvertHardmax);
KILN_REGISTER_ONNX_CONVERTER("TopK", ConvertTopK);
KILN_REGISTER_ONNX_CONVERTER("Where", ConvertWhere);
KILN_REGISTER_ONNX_CONVERTER("GatherElements", ConvertGatherElements);
KILN_REGISTER_ONNX_CONVERTER("ScatterElements", ConvertScatterElements);
KILN_REGISTER_ONNX_CONVERTER("Scatter", ConvertScatterElements);
KILN_REGISTER_ONNX_CONVERTER("OneHot", ConvertOneHot);
KILN_REGISTER_ONNX_CONVERTER("Trilu", ConvertTrilu);
KILN_REGISTER_ONNX_CONVERTER("CumSum", ConvertCumSum);

}  // namespace onnx_import
}  // namespace kiln
