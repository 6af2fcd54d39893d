#include "ops/slice.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

std::string ListString(const std::vector<int64_t>& values) {
  return absl::StrCat("[", absl::StrJoin(values, ","), "]");
}

absl::StatusOr<std::vector<TensorDesc>> InferSlice(const InferenceContext& ctx) {
  absl::StatusOr<SliceParams> params = SliceParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  if (!ctx.has_input(0)) return ctx.Error("input 0 is omitted; Slice needs its input");
  const TensorDesc& in = ctx.inputs[0];
  absl::StatusOr<SliceSpec> spec = MakeSliceSpec(*params, in.rank());
  if (!spec.ok()) {
    return ctx.Error("input '", in.name, "' (", DimsString(in.dims), "): ",
                     spec.status().message());
  }
  TensorDesc out;
  out.dtype = in.dtype;
  out.dims = in.dims;
  for (int64_t d = 0; d < in.rank(); ++d) {
    out.dims[d] = ResolveSliceAxis(spec->starts[d], spec->ends[d], spec->steps[d], in.dims[d]).size;
  }
  return std::vector<TensorDesc>{out};
}

OpSchema MakeSliceSchema() {
  OpSchema schema;
  schema.name = kSliceOp;
  schema.infer = InferSlice;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeSliceSchema());

SliceAxisRange ResolveSliceAxis(int64_t start, int64_t end, int64_t step, int64_t dim) {
  if (dim == 0) return {0, 0};
  // Adding dim to a negative value cannot overflow (dim >= 0), even for
  // INT64_MIN.
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    if (end <= start) return {start, 0};
    return {start, 1 + (end - start - 1) / step};
  }
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  if (start <= end) return {start, 0};
  // |step| in unsigned arithmetic: -INT64_MIN does not fit in int64_t.
  const uint64_t stride = uint64_t{0} - static_cast<uint64_t>(step);
  return {start, static_cast<int64_t>(1 + static_cast<uint64_t>(start - end - 1) / stride)};
}

absl::StatusOr<SliceSpec> MakeSliceSpec(const SliceParams& params, int64_t rank) {
  const size_t n = params.starts.size();
  std::vector<int64_t> axes = params.axes;
  if (axes.empty()) {
    for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
  }
  std::vector<int64_t> steps = params.steps.empty() ? std::vector<int64_t>(n, 1) : params.steps;

  SliceSpec spec;
  spec.starts.assign(rank, 0);
  spec.ends.assign(rank, std::numeric_limits<int64_t>::max());
  spec.steps.assign(rank, 1);
  std::vector<bool> sliced(rank, false);
  for (size_t i = 0; i < n; ++i) {
    int64_t axis = axes[i];
    if (axis < -rank || axis >= rank) {
      return absl::InvalidArgumentError(absl::StrCat("axes ", ListString(axes), " entry ", i,
                                                     " is ", axis, ", outside ", -rank, "..",
                                                     rank - 1, " for a rank ", rank, " input"));
    }
    if (axis < 0) axis += rank;
    if (sliced[axis]) {
      return absl::InvalidArgumentError(
          absl::StrCat("axes ", ListString(axes), " names axis ", axis, " twice"));
    }
    if (steps[i] == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("steps ", ListString(steps), " entry ", i, " is 0; steps must be nonzero"));
    }
    sliced[axis] = true;
    spec.starts[axis] = params.starts[i];
    spec.ends[axis] = params.ends[i];
    spec.steps[axis] = steps[i];
  }
  return spec;
}

AttrMap SliceParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("starts", starts);
  attrs.Set("ends", ends);
  if (!axes.empty()) attrs.Set("axes", axes);
  if (!steps.empty()) attrs.Set("steps", steps);
  return attrs;
}

absl::StatusOr<SliceParams> SliceParams::FromAttrs(const AttrMap& attrs) {
  if (!attrs.Has("starts") || !attrs.Has("ends")) {
    return absl::InvalidArgumentError(
        "attributes 'starts' and 'ends' are required (one entry per sliced axis)");
  }
  SliceParams params;
  KILN_ASSIGN_OR_RETURN(params.starts, attrs.GetInts("starts", {}));
  KILN_ASSIGN_OR_RETURN(params.ends, attrs.GetInts("ends", {}));
  KILN_ASSIGN_OR_RETURN(params.axes, attrs.GetInts("axes", {}));
  KILN_ASSIGN_OR_RETURN(params.steps, attrs.GetInts("steps", {}));
  const size_t n = params.starts.size();
  if (params.ends.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat("starts ", ListString(params.starts), " has ",
                                                   n, " entries but ends ",
                                                   ListString(params.ends), " has ",
                                                   params.ends.size(), "; they must match"));
  }
  if (!params.axes.empty() && params.axes.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat("axes ", ListString(params.axes), " has ",
                                                   params.axes.size(), " entries, starts has ", n,
                                                   "; give one axis per start or none"));
  }
  if (!params.steps.empty() && params.steps.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat("steps ", ListString(params.steps), " has ",
                                                   params.steps.size(), " entries, starts has ",
                                                   n, "; give one step per start or none"));
  }
  return params;
}

absl::StatusOr<TensorId> AddSlice(NetworkDefinition& network, absl::string_view name,
                                  TensorId input, const SliceParams& params) {
  return network.AddLayer1(name, kSliceOp, {input}, params.ToAttrs());
}

}  // namespace kiln
