// ONNX tensor-shaping ops: Constant, Shape, Size, ConstantOfShape, Reshape,
// Flatten, Transpose, Squeeze, Unsqueeze, Concat, Split, Slice, Gather,
// Identity, Cast, CastLike, Pad, Range (folded), Expand, Tile, DepthToSpace,
// SpaceToDepth.

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "ops/cast.h"
#include "ops/concatenation.h"
#include "ops/element_wise.h"
#include "ops/expand.h"
#include "ops/gather.h"
#include "ops/padding.h"
#include "ops/shuffle.h"
#include "ops/slice.h"
#include "ops/tile.h"

namespace kiln {
namespace onnx_import {
namespace {

Weights Int64Tensor(const std::vector<int64_t>& values, Dims dims) {
  Weights w(DataType::kInt64, std::move(dims));
  for (size_t i = 0; i < values.size(); ++i) w.mutable_as<int64_t>()[i] = values[i];
  return w;
}

absl::Status ConvertConstant(ImportContext& ctx) {
  Weights value;
  if (ctx.HasAttr("value")) {
    KILN_ASSIGN_OR_RETURN(value, ctx.AttrTensor("value"));
  } else if (ctx.HasAttr("value_float")) {
    KILN_ASSIGN_OR_RETURN(float f, ctx.AttrFloat("value_float", 0.0f));
    value = ScalarWeights(DataType::kFloat32, f);
  } else if (ctx.HasAttr("value_floats")) {
    KILN_ASSIGN_OR_RETURN(std::vector<float> f, ctx.AttrFloats("value_floats", {}));
    value = Weights::FromFloats({static_cast<int64_t>(f.size())}, f);
  } else if (ctx.HasAttr("value_int")) {
    KILN_ASSIGN_OR_RETURN(int64_t v, ctx.AttrInt("value_int", 0));
    value = ScalarWeights(DataType::kInt64, static_cast<double>(v));
  } else if (ctx.HasAttr("value_ints")) {
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> v, ctx.AttrInts("value_ints", {}));
    value = Int64Tensor(v, {static_cast<int64_t>(v.size())});
  } else {
    return ctx.Unsupported("needs a 'value', 'value_float(s)' or 'value_int(s)' attribute "
                           "(sparse and string constants are not supported)");
  }
  KILN_ASSIGN_OR_RETURN(TensorId t, ctx.AddConstant("", std::move(value)));
  return ctx.SetOutput(0, t);
}

// Shape is folded from the known dims (dim 0 of a batched tensor reads as
// the import batch; see onnx_importer.h).
absl::Status ConvertShape(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  const Dims& dims = ctx.DescOf(x).dims;
  const int64_t rank = static_cast<int64_t>(dims.size());
  KILN_ASSIGN_OR_RETURN(int64_t start, ctx.AttrInt("start", 0));
  KILN_ASSIGN_OR_RETURN(int64_t end, ctx.AttrInt("end", rank));
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::max<int64_t>(0, std::min(start, rank));
  end = std::max<int64_t>(start, std::min(end, rank));
  std::vector<int64_t> v(dims.begin() + start, dims.begin() + end);
  if (!ctx.IsConstant(x) && !ctx.dynamic()) {
    ctx.PinShapes(absl::StrCat("folded to ", DimsString(v)));
  }
  KILN_ASSIGN_OR_RETURN(TensorId t,
                        ctx.AddConstant("", Int64Tensor(v, {static_cast<int64_t>(v.size())})));
  return ctx.SetOutput(0, t);
}

absl::Status ConvertSize(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  if (!ctx.IsConstant(x) && !ctx.dynamic()) {
    ctx.PinShapes(absl::StrCat("folded to ", ctx.DescOf(x).volume()));
  }
  KILN_ASSIGN_OR_RETURN(TensorId t, ctx.AddConstant("", Int64Tensor({ctx.DescOf(x).volume()}, {})));
  return ctx.SetOutput(0, t);
}

absl::Status ConvertConstantOfShape(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ctx.ConstantInts(0));
  Weights value = ScalarWeights(DataType::kFloat32, 0.0);
  if (ctx.HasAttr("value")) {
    KILN_ASSIGN_OR_RETURN(value, ctx.AttrTensor("value"));
  }
  Weights out(value.dtype(), dims);
  const size_t es = DataTypeSize(value.dtype());
  for (int64_t i = 0; i < Volume(dims); ++i) {
    std::memcpy(static_cast<uint8_t*>(out.mutable_data()) + i * es, value.data(), es);
  }
  KILN_ASSIGN_OR_RETURN(TensorId t, ctx.AddConstant("", std::move(out)));
  return ctx.SetOutput(0, t);
}

// Reshape to a target computed from the input dims (dynamic shapes,
// onnx_importer.h): each entry that varies becomes 0 (copy) where it is the
// data's own dim, a reference to the graph input dim it equals, or the one -1.
absl::StatusOr<TensorId> DynamicReshape(ImportContext& ctx, TensorId x, bool zero_copies) {
  std::optional<std::vector<Dims>> data = ctx.PointDims(x);
  std::optional<std::vector<std::vector<double>>> target = ctx.PointValues(ctx.input(1));
  if (!data || !target) return ctx.Unsupported("the probe imports did not see this Reshape");
  std::vector<std::vector<int64_t>> points;
  for (const std::vector<double>& t : *target) points.emplace_back(t.begin(), t.end());
  auto copy = [&](size_t i, const std::vector<int64_t>& column) -> std::optional<int64_t> {
    if (!zero_copies) return std::nullopt;
    for (size_t p = 0; p < column.size(); ++p) {
      if (i >= (*data)[p].size() || (*data)[p][i] != column[p]) return std::nullopt;
    }
    return 0;
  };
  ctx.MarkDynamicHandled();
  return ctx.ReshapeToPoints(x, points, copy, zero_copies);
}

absl::Status ConvertReshape(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  std::vector<int64_t> shape;
  if (ctx.opset() < 5 || ctx.HasAttr("shape")) {
    KILN_ASSIGN_OR_RETURN(shape, ctx.AttrInts("shape", {}));
  } else {
    KILN_ASSIGN_OR_RETURN(shape, ctx.ConstantInts(1));
  }
  KILN_ASSIGN_OR_RETURN(int64_t allowzero, ctx.AttrInt("allowzero", 0));
  if (ctx.InputVaries(1) && !ctx.IsConstant(x)) {
    absl::StatusOr<TensorId> y = DynamicReshape(ctx, x, allowzero == 0);
    if (y.ok()) return ctx.SetOutput(0, *y);
    ctx.PinShapes(y.status().message());
  }
  const Dims& in = ctx.DescOf(x).dims;
  ShuffleParams params;
  params.has_reshape = true;
  params.reshape = shape;
  params.zero_is_placeholder = allowzero == 0;
  // Keep batch polymorphism: a target dim 0 equal to the (pinned) batch
  // becomes "copy dim 0" (onnx_importer.h).
  if (allowzero == 0 && ctx.any_batched() && !ctx.IsConstant(x) && !shape.empty() &&
      !in.empty() && shape[0] == ctx.import_batch() && in[0] == ctx.import_batch()) {
    params.reshape[0] = 0;
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kShuffleOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertFlatten(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  const Dims& in = ctx.DescOf(x).dims;
  const int64_t rank = static_cast<int64_t>(in.size());
  KILN_ASSIGN_OR_RETURN(int64_t axis, ctx.AttrInt("axis", 1));
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) return ctx.Error("axis is out of range for rank ", rank);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= in[d];
  Dims dims = {outer, inner};
  // A batched tensor flattened at another axis than 1 keeps the batch in one
  // of the two dims: leave that one to be inferred, so the reshape holds at
  // every batch size (axis 1 copies dim 0; ReshapeTo's placeholder).
  if (axis != 1 && rank > 0 && ctx.any_batched() && !ctx.IsConstant(x)) {
    dims = axis == 0 ? Dims{1, -1} : Dims{-1, inner};
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ReshapeTo(ctx, "", x, dims, axis == 1));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertTranspose(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  const int64_t rank = ctx.DescOf(x).rank();
  std::vector<int64_t> reverse;
  for (int64_t d = rank - 1; d >= 0; --d) reverse.push_back(d);
  KILN_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ctx.AttrInts("perm", reverse));
  ShuffleParams params;
  params.first_transpose = perm;
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kShuffleOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// Axes from the attribute (before `input_since`) or from input 1.
absl::StatusOr<std::vector<int64_t>> AxesAttrOrInput(ImportContext& ctx, int input_since,
                                                     int input_index, bool* given) {
  *given = false;
  if (ctx.opset() < input_since) {
    *given = ctx.HasAttr("axes");
    return ctx.AttrInts("axes", {});
  }
  if (!ctx.has_input(input_index)) return std::vector<int64_t>{};
  *given = true;
  return ctx.ConstantInts(input_index);
}

absl::Status ConvertSqueeze(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  const Dims& in = ctx.DescOf(x).dims;
  const int64_t rank = static_cast<int64_t>(in.size());
  bool given = false;
  KILN_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesAttrOrInput(ctx, 13, 1, &given));
  std::vector<bool> drop(rank, false);
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) drop[d] = in[d] == 1;
  }
  for (int64_t a : axes) {
    KILN_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, a, rank));
    if (in[axis] != 1) return ctx.Error("cannot squeeze axis ", a, " of size ", in[axis]);
    drop[axis] = true;
  }
  Dims out;
  for (int64_t d = 0; d < rank; ++d) {
    if (!drop[d]) out.push_back(in[d]);
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ReshapeTo(ctx, "", x, out, rank > 0 && !drop[0]));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertUnsqueeze(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  const Dims& in = ctx.DescOf(x).dims;
  bool given = false;
  KILN_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesAttrOrInput(ctx, 13, 1, &given));
  const int64_t out_rank = static_cast<int64_t>(in.size() + axes.size());
  std::vector<bool> added(out_rank, false);
  for (int64_t a : axes) {
    KILN_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, a, out_rank));
    if (added[axis]) return ctx.Error("axis ", a, " is repeated");
    added[axis] = true;
  }
  Dims out;
  size_t next = 0;
  for (int64_t d = 0; d < out_rank; ++d) out.push_back(added[d] ? 1 : in[next++]);
  KILN_ASSIGN_OR_RETURN(TensorId y, ReshapeTo(ctx, "", x, out, out_rank > 0 && !added[0]));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertConcat(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(int64_t axis, ctx.AttrInt("axis", 1));
  std::vector<TensorId> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    // Empty tensors add nothing (ONNX allows them, e.g. from shape subgraphs).
    if (ctx.has_input(i) && (ctx.desc(i).volume() > 0 || inputs.empty())) {
      inputs.push_back(ctx.input(i));
    }
  }
  ConcatenationParams params;
  params.axis = axis;
  KILN_ASSIGN_OR_RETURN(TensorId y,
                        ctx.AddLayer1("", kConcatenationOp, inputs, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::StatusOr<TensorId> SliceAxis(ImportContext& ctx, absl::string_view suffix, TensorId x,
                                   int64_t axis, int64_t start, int64_t end) {
  SliceParams params;
  params.starts = {start};
  params.ends = {end};
  params.axes = {axis};
  return ctx.AddLayer1(suffix, kSliceOp, {x}, params.ToAttrs());
}

absl::Status ConvertSplit(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  const Dims& in = ctx.DescOf(x).dims;
  KILN_ASSIGN_OR_RETURN(int64_t axis_attr, ctx.AttrInt("axis", 0));
  KILN_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, axis_attr, static_cast<int64_t>(in.size())));
  std::vector<int64_t> split;
  if (ctx.opset() < 2 && ctx.has_input(1)) {
    return ctx.Unsupported("opset-1 Split with the sizes as input 1 is not supported");
  }
  if (ctx.opset() < 13) {
    KILN_ASSIGN_OR_RETURN(split, ctx.AttrInts("split", {}));
  } else if (ctx.has_input(1)) {
    KILN_ASSIGN_OR_RETURN(split, ctx.ConstantInts(1));
  }
  const int64_t dim = in[axis];
  if (split.empty()) {
    int64_t n = ctx.num_outputs();
    if (ctx.opset() >= 18 && ctx.HasAttr("num_outputs")) {
      KILN_ASSIGN_OR_RETURN(n, ctx.AttrInt("num_outputs", n));
    }
    if (n < 1) return ctx.Error("needs at least one output");
    const int64_t chunk = (dim + n - 1) / n;  // opset 18: the last chunk may be smaller
    if (ctx.opset() < 18 && dim % n != 0) {
      return ctx.Error("axis ", axis, " of size ", dim, " does not split into ", n,
                       " equal parts");
    }
    for (int64_t i = 0; i < n; ++i) split.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
  }
  int64_t total = 0;
  for (int64_t s : split) total += s;
  if (total != dim) {
    return ctx.Error("split sizes add up to ", total, "; axis ", axis, " has ", dim);
  }
  if (static_cast<int>(split.size()) != ctx.num_outputs()) {
    return ctx.Error(split.size(), " split sizes for ", ctx.num_outputs(), " outputs");
  }
  int64_t start = 0;
  for (size_t i = 0; i < split.size(); ++i) {
    KILN_ASSIGN_OR_RETURN(TensorId y, SliceAxis(ctx, absl::StrCat("split", i), x, axis, start,
                                                start + split[i]));
    KILN_RETURN_IF_ERROR(ctx.SetOutput(static_cast<int>(i), y));
    start += split[i];
  }
  return absl::OkStatus();
}

absl::Status ConvertSlice(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  SliceParams params;
  if (ctx.opset() < 10) {
    KILN_ASSIGN_OR_RETURN(params.starts, ctx.AttrInts("starts", {}));
    KILN_ASSIGN_OR_RETURN(params.ends, ctx.AttrInts("ends", {}));
    KILN_ASSIGN_OR_RETURN(params.axes, ctx.AttrInts("axes", {}));
  } else {
    KILN_ASSIGN_OR_RETURN(params.starts, ctx.ConstantInts(1));
    KILN_ASSIGN_OR_RETURN(params.ends, ctx.ConstantInts(2));
    if (ctx.has_input(3)) {
      KILN_ASSIGN_OR_RETURN(params.axes, ctx.ConstantInts(3));
    }
    if (ctx.has_input(4)) {
      KILN_ASSIGN_OR_RETURN(params.steps, ctx.ConstantInts(4));
    }
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kSliceOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// Gather along axis 0 by indices computed from the input dims that are
// 0, 1, 2, ... over all of axis 0 at every probed shape (the flat index
// b * seq + k of transformers' padding mask): a reshape of the data to
// indices dims + data dims[1:], or nullopt when the indices are otherwise.
std::optional<absl::StatusOr<TensorId>> IdentityGather(ImportContext& ctx, TensorId data,
                                                       TensorId indices, int64_t axis) {
  if (axis != 0 || !ctx.Varies(indices) || ctx.IsConstant(data)) return std::nullopt;
  std::optional<std::vector<Dims>> data_dims = ctx.PointDims(data);
  std::optional<std::vector<Dims>> index_dims = ctx.PointDims(indices);
  std::optional<std::vector<std::vector<double>>> values = ctx.PointValues(indices);
  if (!data_dims || !index_dims || !values) return std::nullopt;
  std::vector<std::vector<int64_t>> points;
  for (size_t p = 0; p < values->size(); ++p) {
    const Dims& d = (*data_dims)[p];
    const std::vector<double>& v = (*values)[p];
    if (d.empty() || static_cast<int64_t>(v.size()) != d[0]) return std::nullopt;
    for (size_t k = 0; k < v.size(); ++k) {
      if (v[k] != static_cast<double>(k)) return std::nullopt;
    }
    std::vector<int64_t> out((*index_dims)[p].begin(), (*index_dims)[p].end());
    out.insert(out.end(), d.begin() + 1, d.end());
    points.push_back(out);
  }
  ctx.MarkDynamicHandled();
  return ctx.ReshapeToPoints(data, points);
}

absl::Status ConvertGather(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId data, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId indices, ctx.RequiredInput(1));
  KILN_ASSIGN_OR_RETURN(int64_t axis, ctx.AttrInt("axis", 0));
  if (std::optional<absl::StatusOr<TensorId>> y = IdentityGather(ctx, data, indices, axis)) {
    if (y->ok()) return ctx.SetOutput(0, **y);
    ctx.PinShapes(y->status().message());
  }
  GatherParams params;
  params.axis = axis;
  KILN_ASSIGN_OR_RETURN(TensorId y,
                        ctx.AddLayer1("", kGatherOp, {data, indices}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertIdentity(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  return ctx.SetOutput(0, x);
}

absl::Status ConvertCast(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(int64_t to, ctx.AttrInt("to", 0));
  absl::StatusOr<DataType> type = OnnxElemTypeToKiln(static_cast<int>(to));
  if (!type.ok()) return ctx.Unsupported("cast target: ", type.status().message());
  if (*type == ctx.DescOf(x).dtype) return ctx.SetOutput(0, x);
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kCastOp, {x}, CastParams{*type}.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertPad(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  const int64_t rank = ctx.DescOf(x).rank();
  PaddingParams params;
  KILN_ASSIGN_OR_RETURN(std::string mode, ctx.AttrString("mode", "constant"));
  if (mode == "constant") {
    params.mode = PaddingMode::kConstant;
  } else if (mode == "reflect") {
    params.mode = PaddingMode::kReflect;
  } else if (mode == "edge") {
    params.mode = PaddingMode::kEdge;
  } else {
    return ctx.Unsupported("mode '", mode, "' is not supported (constant, reflect, edge)");
  }
  if (ctx.opset() < 11) {
    KILN_ASSIGN_OR_RETURN(params.pads, ctx.AttrInts(ctx.opset() < 2 ? "paddings" : "pads", {}));
    KILN_ASSIGN_OR_RETURN(params.value, ctx.AttrFloat("value", 0.0f));
  } else {
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ctx.ConstantInts(1));
    if (ctx.has_input(2)) {
      KILN_ASSIGN_OR_RETURN(params.value, ctx.ConstantScalar(2));
    }
    if (ctx.has_input(3)) {  // opset 18: pads only for the listed axes
      KILN_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ctx.ConstantInts(3));
      if (pads.size() != 2 * axes.size()) {
        return ctx.Error(pads.size(), " pads for ", axes.size(), " axes; need twice as many");
      }
      params.pads.assign(2 * rank, 0);
      for (size_t i = 0; i < axes.size(); ++i) {
        KILN_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, axes[i], rank));
        params.pads[axis] = pads[i];
        params.pads[rank + axis] = pads[axes.size() + i];
      }
    } else {
      params.pads = pads;
    }
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kPaddingOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertCastLike(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId like, ctx.RequiredInput(1));
  const DataType type = ctx.DescOf(like).dtype;
  if (type == ctx.DescOf(x).dtype) return ctx.SetOutput(0, x);
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kCastOp, {x}, CastParams{type}.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// Range's output size depends on its values, so they must be known at
// import; the result is a constant.
absl::Status ConvertRange(ImportContext& ctx) {
  for (int i = 0; i < 3; ++i) {
    if (ctx.constant(i) == nullptr) {
      return ctx.Unsupported("input ", i, " ('", ctx.has_input(i) ? ctx.node().input(i) : "",
                             "') must be a constant (an initializer or computable at import) "
                             "for kiln");
    }
  }
  const DataType type = ctx.constant(0)->dtype();
  KILN_ASSIGN_OR_RETURN(float start_f, ctx.ConstantScalar(0));
  KILN_ASSIGN_OR_RETURN(float limit_f, ctx.ConstantScalar(1));
  KILN_ASSIGN_OR_RETURN(float delta_f, ctx.ConstantScalar(2));
  if (delta_f == 0) return ctx.Error("delta is 0");
  double start = start_f, limit = limit_f, delta = delta_f;
  if (!IsFloatType(type)) {  // exact integer arithmetic
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> s, ctx.ConstantInts(0));
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> l, ctx.ConstantInts(1));
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> d, ctx.ConstantInts(2));
    start = static_cast<double>(s[0]);
    limit = static_cast<double>(l[0]);
    delta = static_cast<double>(d[0]);
  }
  const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((limit - start) / delta)));
  Weights out(type, {n});
  for (int64_t i = 0; i < n; ++i) {
    Weights v = ScalarWeights(type, start + static_cast<double>(i) * delta);
    if (type == DataType::kFloat32) {  // accumulate as ONNX's reference does
      out.mutable_as<float>()[i] = start_f + static_cast<float>(i) * delta_f;
      continue;
    }
    std::memcpy(static_cast<uint8_t*>(out.mutable_data()) + i * DataTypeSize(type), v.data(),
                DataTypeSize(type));
  }
  KILN_ASSIGN_OR_RETURN(TensorId t, ctx.AddConstant("", std::move(out)));
  return ctx.SetOutput(0, t);
}

// Expand: x broadcast to `shape` (numpy rules, both ways); shape constant.
// Expand to a shape computed from the input dims: an entry that varies
// becomes 1 where it is the data's own (right-aligned) dim, else a reference
// to the graph input dim it equals.
absl::StatusOr<TensorId> DynamicExpand(ImportContext& ctx, TensorId x) {
  std::optional<std::vector<Dims>> data = ctx.PointDims(x);
  std::optional<std::vector<std::vector<double>>> target = ctx.PointValues(ctx.input(1));
  if (!data || !target) return ctx.Unsupported("the probe imports did not see this Expand");
  std::vector<std::vector<int64_t>> points;
  for (const std::vector<double>& t : *target) points.emplace_back(t.begin(), t.end());
  auto own = [&](size_t i, const std::vector<int64_t>& column) -> std::optional<int64_t> {
    for (size_t p = 0; p < column.size(); ++p) {
      const int64_t offset =
          static_cast<int64_t>(points[p].size()) - static_cast<int64_t>((*data)[p].size());
      const int64_t d = static_cast<int64_t>(i) - offset;
      if (d < 0 || (*data)[p][d] != column[p]) return std::nullopt;
    }
    return 1;
  };
  KILN_ASSIGN_OR_RETURN(ImportContext::SymbolicSizes sizes,
                        ctx.ResolveSizes(points, /*first_ref_input=*/1, own, false));
  // Every entry keeps the data's dim (a mask expanded to the shape it has):
  // no layer.
  bool identity = sizes.refs.empty() && sizes.values.size() <= (*data)[0].size();
  for (int64_t v : sizes.values) identity = identity && v == 1;
  ctx.MarkDynamicHandled();
  if (identity) return x;
  ExpandParams params;
  params.shape = sizes.values;
  params.shape_refs = sizes.refs;
  std::vector<TensorId> inputs = {x};
  inputs.insert(inputs.end(), sizes.ref_inputs.begin(), sizes.ref_inputs.end());
  ctx.MarkDynamicHandled();
  return ctx.AddLayer1("", kExpandOp, inputs, params.ToAttrs());
}

absl::Status ConvertExpand(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  if (ctx.InputVaries(1) && !ctx.IsConstant(x)) {
    absl::StatusOr<TensorId> y = DynamicExpand(ctx, x);
    if (y.ok()) return ctx.SetOutput(0, *y);
    ctx.PinShapes(y.status().message());
  }
  ExpandParams params;
  KILN_ASSIGN_OR_RETURN(params.shape, ctx.ConstantInts(1));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kExpandOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// Tile: each axis repeated `repeats[axis]` times; repeats constant.
absl::Status ConvertTile(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  if (ctx.opset() < 6) return ctx.Unsupported("the opset-1 form (tiles, axis) is not supported");
  TileParams params;
  KILN_ASSIGN_OR_RETURN(params.repeats, ctx.ConstantInts(1));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kTileOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// DepthToSpace / SpaceToDepth as reshape -> transpose -> reshape.
absl::StatusOr<TensorId> ReshapeTransposeReshape(ImportContext& ctx, TensorId x, Dims mid,
                                                 std::vector<int64_t> perm, Dims out) {
  KILN_ASSIGN_OR_RETURN(TensorId a, ReshapeTo(ctx, "split", x, mid, true));
  ShuffleParams params;
  params.first_transpose = std::move(perm);
  params.has_reshape = true;
  params.reshape = std::move(out);
  params.zero_is_placeholder = false;
  return ctx.AddLayer1("", kShuffleOp, {a}, params.ToAttrs());
}

absl::Status ConvertDepthToSpace(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  const Dims d = ctx.DescOf(x).dims;
  if (d.size() != 4) return ctx.Error("needs a 4-D input; got ", DimsString(d));
  KILN_ASSIGN_OR_RETURN(int64_t bs, ctx.AttrInt("blocksize", 0));
  KILN_ASSIGN_OR_RETURN(std::string mode, ctx.AttrString("mode", "DCR"));
  if (bs < 1 || d[1] % (bs * bs) != 0) {
    return ctx.Error("blocksize ", bs, " does not divide ", d[1], " channels into blocks");
  }
  const int64_t c = d[1] / (bs * bs);
  const Dims out = {d[0], c, d[2] * bs, d[3] * bs};
  absl::StatusOr<TensorId> y =
      mode == "CRD" ? ReshapeTransposeReshape(ctx, x, {d[0], c, bs, bs, d[2], d[3]},
                                              {0, 1, 4, 2, 5, 3}, out)
                    : ReshapeTransposeReshape(ctx, x, {d[0], bs, bs, c, d[2], d[3]},
                                              {0, 3, 4, 1, 5, 2}, out);
  if (!y.ok()) return y.status();
  return ctx.SetOutput(0, *y);
}

absl::Status ConvertSpaceToDepth(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  const Dims d = ctx.DescOf(x).dims;
  if (d.size() != 4) return ctx.Error("needs a 4-D input; got ", DimsString(d));
  KILN_ASSIGN_OR_RETURN(int64_t bs, ctx.AttrInt("blocksize", 0));
  if (bs < 1 || d[2] % bs != 0 || d[3] % bs != 0) {
    return ctx.Error("blocksize ", bs, " does not divide ", d[2], "x", d[3]);
  }
  KILN_ASSIGN_OR_RETURN(
      TensorId y, ReshapeTransposeReshape(ctx, x, {d[0], d[1], d[2] / bs, bs, d[3] / bs, bs},
                                          {0, 3, 5, 1, 2, 4},
                                          {d[0], d[1] * bs * bs, d[2] / bs, d[3] / bs}));
  return ctx.SetOutput(0, y);
}

}  // namespace

KILN_REGISTER_ONNX_CONVERTER("Constant", ConvertConstant);
KILN_REGISTER_ONNX_CONVERTER("Shape", ConvertShape);
KILN_REGISTER_ONNX_CONVERTER("Size", ConvertSize);
KILN_REGISTER_ONNX_CONVERTER("ConstantOfShape", ConvertConstantOfShape);
KILN_REGISTER_ONNX_CONVERTER("Reshape", ConvertReshape);
KILN_REGISTER_ONNX_CONVERTER("Flatten", ConvertFlatten);
KILN_REGISTER_ONNX_CONVERTER("Transpose", ConvertTranspose);
KILN_REGISTER_ONNX_CONVERTER("Squeeze", ConvertSqueeze);
KILN_REGISTER_ONNX_CONVERTER("Unsqueeze", ConvertUnsqueeze);
KILN_REGISTER_ONNX_CONVERTER("Concat", ConvertConcat);
KILN_REGISTER_ONNX_CONVERTER("Split", ConvertSplit);
KILN_REGISTER_ONNX_CONVERTER("Slice", ConvertSlice);
KILN_REGISTER_ONNX_CONVERTER("Gather", ConvertGather);
KILN_REGISTER_ONNX_CONVERTER("Identity", ConvertIdentity);
KILN_REGISTER_ONNX_CONVERTER("Cast", ConvertCast);
KILN_REGISTER_ONNX_CONVERTER("Pad", ConvertPad);
KILN_REGISTER_ONNX_CONVERTER("CastLike", ConvertCastLike);
KILN_REGISTER_ONNX_CONVERTER("Range", ConvertRange);
KILN_REGISTER_ONNX_CONVERTER("Expand", ConvertExpand);
KILN_REGISTER_ONNX_CONVERTER("Tile", ConvertTile);
KILN_REGISTER_ONNX_CONVERTER("DepthToSpace", ConvertDepthToSpace);
KILN_REGISTER_ONNX_CONVERTER("SpaceToDepth", ConvertSpaceToDepth);

}  // namespace onnx_import
}  // namespace kiln
