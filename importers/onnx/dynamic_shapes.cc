// Dynamic shapes in the ONNX importer (onnx_importer.h): the probe records
// and what a converter asks of them. A value computed from the graph inputs'
// symbolic dims is folded at the import dims like any constant; the probe
// imports tell which folded values vary with the dims and how, and the
// converters that consume them (Reshape, Expand, Gather, and any layer that
// reads one as data) write sizes that follow the dims at run time instead.

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "ops/expand.h"
#include "ops/range.h"
#include "ops/shuffle.h"

namespace kiln {
namespace onnx_import {
namespace {

// Probe records keep the values of integer and bool constants up to this
// many elements (shape vectors, index tensors over batch x seq), and of float
// constants up to kMaxProbeFloats (weights are only hashed).
constexpr int64_t kMaxProbeInts = int64_t{1} << 20;
constexpr int64_t kMaxProbeFloats = 4096;

std::optional<std::vector<double>> NumericValues(const Weights& w) {
  const int64_t n = Volume(w.dims());
  if (n > (IsFloatType(w.dtype()) ? kMaxProbeFloats : kMaxProbeInts)) return std::nullopt;
  std::vector<double> v(n);
  for (int64_t k = 0; k < n; ++k) {
    switch (w.dtype()) {
      case DataType::kInt64: v[k] = static_cast<double>(w.as<int64_t>()[k]); break;
      case DataType::kInt32: v[k] = w.as<int32_t>()[k]; break;
      case DataType::kInt8: v[k] = w.as<int8_t>()[k]; break;
      case DataType::kBool: v[k] = w.as<uint8_t>()[k]; break;
      case DataType::kFloat32: v[k] = w.as<float>()[k]; break;
      case DataType::kFloat16: v[k] = HalfToFloat(w.as<uint16_t>()[k]); break;
    }
  }
  return v;
}

bool AllEqual(const std::vector<int64_t>& column) {
  for (int64_t v : column) {
    if (v != column[0]) return false;
  }
  return true;
}

}  // namespace

ProbeValue ProbeValueOf(const Tensor& tensor) {
  ProbeValue value;
  value.dims = tensor.desc.dims;
  if (!tensor.is_constant()) return value;
  value.constant = true;
  const Weights& w = *tensor.constant;
  value.hash = absl::Hash<absl::string_view>{}(absl::string_view(
      static_cast<const char*>(w.data()), Volume(w.dims()) * DataTypeSize(w.dtype())));
  if (std::optional<std::vector<double>> v = NumericValues(w)) {
    value.has_values = true;
    value.values = *std::move(v);
  }
  return value;
}

bool ImportContext::Varies(TensorId t) const {
  if (!dynamic() || !IsConstant(t)) return false;
  // Cached, or (for a constant no ONNX value names) folded from varying
  // values by a converter's own layers: varying, without probe values.
  if (auto known = state_.varies.find(t); known != state_.varies.end()) return known->second;
  auto name = state_.onnx_names.find(t);
  if (name == state_.onnx_names.end()) return false;
  const ProbeValue base = ProbeValueOf(state_.network.graph().tensor(t));
  bool varies = false;
  for (const ProbeRecord& probe : state_.probes) {
    auto seen = probe.find(name->second);
    // A probe import that went another way (no such value) counts as varying.
    varies = varies || seen == probe.end() || !seen->second.constant ||
             seen->second.dims != base.dims || seen->second.hash != base.hash;
  }
  state_.varies[t] = varies;
  return varies;
}

std::optional<std::vector<Dims>> ImportContext::PointDims(TensorId t) const {
  std::vector<Dims> points = {DescOf(t).dims};
  auto name = state_.onnx_names.find(t);
  if (name == state_.onnx_names.end()) return std::nullopt;
  for (const ProbeRecord& probe : state_.probes) {
    auto seen = probe.find(name->second);
    if (seen == probe.end()) return std::nullopt;
    points.push_back(seen->second.dims);
  }
  return points;
}

std::optional<std::vector<std::vector<double>>> ImportContext::PointValues(TensorId t) const {
  const Weights* w = ConstantOf(t);
  auto name = state_.onnx_names.find(t);
  if (w == nullptr || name == state_.onnx_names.end()) return std::nullopt;
  std::optional<std::vector<double>> base = NumericValues(*w);
  if (!base) return std::nullopt;
  std::vector<std::vector<double>> points = {*std::move(base)};
  for (const ProbeRecord& probe : state_.probes) {
    auto seen = probe.find(name->second);
    if (seen == probe.end() || !seen->second.has_values) return std::nullopt;
    points.push_back(seen->second.values);
  }
  return points;
}

std::optional<ImportContext::DimSource> ImportContext::FindDimSource(
    const std::vector<int64_t>& per_point) const {
  for (TensorId input : state_.graph_inputs) {
    std::optional<std::vector<Dims>> dims = PointDims(input);
    if (!dims || dims->size() != per_point.size()) continue;
    for (size_t d = 0; d < (*dims)[0].size(); ++d) {
      bool same = true;
      for (size_t p = 0; p < per_point.size() && same; ++p) {
        same = d < (*dims)[p].size() && (*dims)[p][d] == per_point[p];
      }
      if (same) return DimSource{input, static_cast<int64_t>(d)};
    }
  }
  return std::nullopt;
}

absl::StatusOr<ImportContext::SymbolicSizes> ImportContext::ResolveSizes(
    const std::vector<std::vector<int64_t>>& points, int64_t first_ref_input,
    const std::function<std::optional<int64_t>(size_t, const std::vector<int64_t>&)>& keep,
    bool minus_one_ok) const {
  SymbolicSizes sizes;
  const size_t n = points[0].size();
  for (const std::vector<int64_t>& point : points) {
    if (point.size() != n) {
      return absl::UnimplementedError(absl::StrCat("a size list computed from the input dims has ",
                                                   n, " entries at the import dims but ",
                                                   point.size(), " at other dims"));
    }
  }
  std::vector<DimRef> refs(n);
  bool any_ref = false, has_minus_one = false;
  std::vector<size_t> unresolved;
  for (size_t i = 0; i < n; ++i) {
    std::vector<int64_t> column;
    for (const std::vector<int64_t>& point : points) column.push_back(point[i]);
    sizes.values.push_back(column[0]);
    if (AllEqual(column)) {
      has_minus_one = has_minus_one || column[0] == -1;
      continue;
    }
    if (std::optional<int64_t> literal = keep ? keep(i, column) : std::nullopt) {
      sizes.values[i] = *literal;
      continue;
    }
    if (std::optional<DimSource> source = FindDimSource(column)) {
      int64_t slot = -1;
      for (size_t r = 0; r < sizes.ref_inputs.size(); ++r) {
        if (sizes.ref_inputs[r] == source->input) slot = static_cast<int64_t>(r);
      }
      if (slot < 0) {
        slot = static_cast<int64_t>(sizes.ref_inputs.size());
        sizes.ref_inputs.push_back(source->input);
      }
      refs[i] = DimRef{first_ref_input + slot, source->dim};
      sizes.values[i] = 1;
      any_ref = true;
      continue;
    }
    unresolved.push_back(i);
  }
  if (unresolved.size() == 1 && minus_one_ok && !has_minus_one) {
    sizes.values[unresolved[0]] = -1;
  } else if (!unresolved.empty()) {
    std::vector<std::string> what;
    for (size_t i : unresolved) {
      std::vector<int64_t> column;
      for (const std::vector<int64_t>& point : points) column.push_back(point[i]);
      what.push_back(absl::StrCat("entry ", i, " (", absl::StrJoin(column, "/"), ")"));
    }
    return absl::UnimplementedError(
        absl::StrCat("sizes computed from the input dims: ", absl::StrJoin(what, ", "),
                     " equal no input dim at the probed dims"));
  }
  if (any_ref) sizes.refs = std::move(refs);
  return sizes;
}

absl::StatusOr<TensorId> ImportContext::ReshapeToPoints(
    TensorId x, const std::vector<std::vector<int64_t>>& points,
    const std::function<std::optional<int64_t>(size_t, const std::vector<int64_t>&)>& keep,
    bool zero_is_placeholder, absl::string_view suffix) {
  KILN_ASSIGN_OR_RETURN(SymbolicSizes sizes,
                        ResolveSizes(points, /*first_ref_input=*/1, keep, true));
  ShuffleParams params;
  params.has_reshape = true;
  params.reshape = sizes.values;
  params.zero_is_placeholder = zero_is_placeholder;
  params.reshape_refs = sizes.refs;
  std::vector<TensorId> inputs = {x};
  inputs.insert(inputs.end(), sizes.ref_inputs.begin(), sizes.ref_inputs.end());
  return AddLayer1(suffix, kShuffleOp, inputs, params.ToAttrs());
}

absl::StatusOr<TensorId> ImportContext::Materialize(TensorId t) {
  if (auto done = state_.materialized.find(t); done != state_.materialized.end()) {
    return done->second;
  }
  const std::string name = state_.onnx_names.count(t) ? state_.onnx_names.at(t) : "";
  std::optional<std::vector<Dims>> dims = PointDims(t);
  std::optional<std::vector<std::vector<double>>> values = PointValues(t);
  if (!dims || !values) {
    return absl::UnimplementedError(
        absl::StrCat("'", name,
                     "' is computed from the input dims and read as data, but the "
                     "probe imports did not see its values"));
  }
  const DataType dtype = DescOf(t).dtype;
  const int64_t rank = static_cast<int64_t>((*dims)[0].size());
  std::vector<std::vector<int64_t>> dim_points;
  for (const Dims& d : *dims) {
    if (static_cast<int64_t>(d.size()) != rank) {
      return absl::UnimplementedError(
          absl::StrCat("'", name, "' changes rank with the input dims"));
    }
    dim_points.push_back(d);
  }
  bool splat = true, iota = true;
  for (const std::vector<double>& point : *values) {
    for (size_t k = 0; k < point.size(); ++k) {
      splat = splat && point[k] == (*values)[0][0];
      iota = iota && point[k] == static_cast<double>(k);
    }
    splat = splat && !point.empty();
  }
  const std::string layer = state_.UniqueName(absl::StrCat(name, "/dynamic"));
  TensorId made = -1;
  if (splat) {
    // One value everywhere: an Expand of that value to the varying dims.
    KILN_ASSIGN_OR_RETURN(SymbolicSizes sizes,
                          ResolveSizes(dim_points, /*first_ref_input=*/1, nullptr, false));
    KILN_ASSIGN_OR_RETURN(
        TensorId scalar,
        AddConstant("dynamic_value", ScalarWeights(dtype, (*values)[0][0], Dims(rank, 1))));
    ExpandParams params;
    params.shape = sizes.values;
    params.shape_refs = sizes.refs;
    std::vector<TensorId> inputs = {scalar};
    inputs.insert(inputs.end(), sizes.ref_inputs.begin(), sizes.ref_inputs.end());
    absl::StatusOr<TensorId> y =
        state_.network.AddLayer1(layer, kExpandOp, inputs, params.ToAttrs());
    if (!y.ok()) return Wrap(y.status());
    made = *y;
  } else if (iota) {
    // 0, 1, 2, ... over its volume: a Range to a graph input dim, reshaped.
    std::vector<int64_t> volumes;
    for (const Dims& d : *dims) volumes.push_back(Volume(d));
    std::optional<DimSource> count = FindDimSource(volumes);
    if (!count) {
      return absl::UnimplementedError(
          absl::StrCat("'", name, "' (0, 1, 2, ... over ", absl::StrJoin(volumes, "/"),
                       " elements) has a length that equals no input dim"));
    }
    RangeParams range;
    range.dtype = dtype;
    range.limit_refs = {DimRef{0, count->dim}};
    absl::StatusOr<TensorId> flat =
        state_.network.AddLayer1(state_.UniqueName(absl::StrCat(layer, "/range")), kRangeOp,
                                 {count->input}, range.ToAttrs());
    if (!flat.ok()) return Wrap(flat.status());
    made = *flat;
    if (rank != 1) {
      KILN_ASSIGN_OR_RETURN(made, ReshapeToPoints(*flat, dim_points, nullptr, false, "dynamic"));
    }
  } else {
    return absl::UnimplementedError(
        absl::StrCat("'", name,
                     "' is computed from the input dims and read as data; kiln "
                     "makes such values at run time only when they are one value repeated "
                     "or 0, 1, 2, ..."));
  }
  state_.materialized[t] = made;
  return made;
}

}  // namespace onnx_import
}  // namespace kiln
