#ifndef KILN_OPTIMIZER_FP16_RANGE_H_
#define KILN_OPTIMIZER_FP16_RANGE_H_

// The fp16 range check of a build (issue 10, "fp16 safety"): before
// precision assignment, the builder runs the graph once in fp32 with the
// reference tactics on sample inputs the user gives
// (BuildConfig::fp16_range_samples) and keeps in fp32 every layer whose float
// output leaves the range fp16 can carry on them, so that an fp16 plan does
// not overflow to inf where the fp32 network gives finite values.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/types.h"

namespace kiln {

// The largest magnitude a layer's output may reach on the samples and still
// run in fp16: a quarter of fp16's largest finite value (65504), leaving
// headroom for inputs beyond the samples (sums and products of such values
// grow) before a value rounds to inf.
inline constexpr float kFp16RangeLimit = 16384.0f;

// A layer the check keeps in fp32, and why.
struct Fp16RangePin {
  std::string layer;
  std::string tensor;            // its input or output that left the range
  float max_abs = 0.0f;          // of that tensor's finite values on the samples
  bool nonfinite = false;        // an output held inf or NaN where every input was finite
  std::string ToString() const;  // "'layer': |out| reached 1.2e+05 (fp16 range check limit 16384)"
};

// Runs `graph` (topologically sorted, its inputs named by `samples`; a
// sample's dims may differ from the input's in dim 0, the batch) layer by
// layer with each op's reference tactic in fp32 and returns the layers one of
// whose float inputs or outputs exceeds `limit` in magnitude (in fp16 the
// layer would read or write it as inf), or whose outputs hold inf or NaN
// from finite inputs. Every network input must have a
// sample of its type whose dims match apart from the batch; a layer the
// reference cannot run is an error naming it.
absl::StatusOr<std::vector<Fp16RangePin>> FindFp16RangePins(
    const Graph& graph, const std::map<std::string, Weights>& samples,
    float limit = kFp16RangeLimit);

}  // namespace kiln

#endif  // KILN_OPTIMIZER_FP16_RANGE_H_
