#ifndef KILN_OPS_SLICE_H_
#define KILN_OPS_SLICE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"

namespace kiln {

inline constexpr char kSliceOp[] = "Slice";

// ONNX Slice (opset 13) with the ranges as attributes. For each listed axis,
// takes indices start, start+step, ... up to but excluding end; the other
// axes are kept whole. Negative starts/ends count from the end of the axis;
// both are then clamped as ONNX does (to [0, dim] for a positive step, start
// to [0, dim-1] and end to [-1, dim-1] for a negative one), so INT64_MAX /
// INT64_MIN mean "to the end" / "to the beginning". Any dtype.
// Attributes: "starts", "ends" (required, same length), "axes" (optional,
// default 0..len(starts)-1; negative counts from the end; no repeats),
// "steps" (optional, default all 1; negative walks backwards; 0 is refused).
struct SliceParams {
  std::vector<int64_t> starts;
  std::vector<int64_t> ends;
  std::vector<int64_t> axes;   // empty: 0..starts.size()-1
  std::vector<int64_t> steps;  // empty: all 1

  AttrMap ToAttrs() const;
  static absl::StatusOr<SliceParams> FromAttrs(const AttrMap& attrs);
};

// One axis of a slice after ONNX's clamping.
struct SliceAxisRange {
  int64_t start = 0;  // first index read, in [0, dim) when size > 0
  int64_t size = 0;   // number of indices read
};

// Resolves (start, end, step) on an axis of `dim` elements; step != 0.
SliceAxisRange ResolveSliceAxis(int64_t start, int64_t end, int64_t step, int64_t dim);

// Per dimension of a rank-`rank` tensor: the start, end and step the params
// give it (0, INT64_MAX, 1 for a dimension they leave whole); an error when
// the params do not fit the rank (bad or repeated axis, step 0, lengths).
struct SliceSpec {
  std::vector<int64_t> starts, ends, steps;
};
absl::StatusOr<SliceSpec> MakeSliceSpec(const SliceParams& params, int64_t rank);

absl::StatusOr<TensorId> AddSlice(NetworkDefinition& network, absl::string_view name,
                                  TensorId input, const SliceParams& params);

}  // namespace kiln

#endif  // KILN_OPS_SLICE_H_
