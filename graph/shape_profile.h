#ifndef KILN_GRAPH_SHAPE_PROFILE_H_
#define KILN_GRAPH_SHAPE_PROFILE_H_

// Optimization profiles (dynamic shapes): for each network input whose dims
// vary, the smallest, the typical (timed) and the largest shape it takes.
// The builder plans memory for each profile's max and keeps only tactics
// valid over the whole range; the runtime takes the actual input shapes at
// each call and infers every other shape from them.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "graph/types.h"

namespace kiln {

// The shapes one input takes within a profile: min <= opt <= max per dim.
struct InputShapeRange {
  std::string name;
  Dims min, opt, max;
};

struct ShapeProfile {
  std::vector<InputShapeRange> inputs;

  // nullptr when the profile does not name `name`.
  const InputShapeRange* Find(absl::string_view name) const;
  // "input_ids:1x16,8x128,128x384;mask:1x16,8x128,128x384", as
  // ParseShapeProfile reads it.
  std::string ToString() const;
};

// Reads "NAME:MIN,OPT,MAX" entries separated by ';' (dims as AxBxC), the
// form `kiln build --profile=` takes.
absl::StatusOr<ShapeProfile> ParseShapeProfile(absl::string_view text);

enum class ProfileCorner { kMin, kOpt, kMax };
absl::string_view ProfileCornerName(ProfileCorner corner);  // "min", "opt", "max"

// Checks `profiles` against the inputs of `graph` and completes them: every
// range has the input's rank and min <= opt <= max with min >= 1; every named
// input exists; an input a profile does not name keeps its graph dims
// (added as a fixed range), unless it is batched, which must be named. An
// error names the profile, the input and the dim.
absl::Status CompleteProfiles(const Graph& graph, std::vector<ShapeProfile>& profiles);

// Sets every graph input to the profile's `corner` shape.
absl::Status SetProfileShapes(Graph& graph, const ShapeProfile& profile, ProfileCorner corner);

// What shape inference gives at the corners of complete profiles, per graph
// tensor: the elementwise min over every profile's min and max, the first
// profile's opt, the elementwise max, and the most bytes the tensor takes
// at any corner (what memory is planned for).
struct ProfileShapes {
  std::vector<Dims> min, opt, max;
  std::vector<uint64_t> capacity;
};

// Runs shape inference at each corner of each profile (complete ones, see
// CompleteProfiles) and leaves `graph` at the first profile's max. An error
// names the profile, the corner and the layer that refused it.
absl::StatusOr<ProfileShapes> InferProfileShapes(Graph& graph,
                                                 const std::vector<ShapeProfile>& profiles);

// Whether `dims` lies within `range` (same rank, min <= dims <= max); when not,
// the error names the input, the dim and the range (with `profile` index).
absl::Status CheckInputShape(const InputShapeRange& range, const Dims& dims, int profile);

}  // namespace kiln

#endif  // KILN_GRAPH_SHAPE_PROFILE_H_
