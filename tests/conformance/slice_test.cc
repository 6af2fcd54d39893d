// Conformance of every Slice tactic against cpu_ref.slice.direct.
//
// Bound: bit-exact for every dtype (random bytes: NaN payloads must survive).

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/slice.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// A start or end for an axis of `dim`: inside, negative (from the end), past
// either end (clamped), or INT64_MIN / INT64_MAX ("to the beginning/end").
int64_t RandomBound(int64_t dim, std::mt19937& rng) {
  if (Chance(rng, 0.1)) return std::numeric_limits<int64_t>::max();
  if (Chance(rng, 0.1)) return std::numeric_limits<int64_t>::min();
  return UniformInt(rng, -dim - 2, dim + 2);
}

// Rank 1 to 4; a random set of axes (in any order, positive or negative, or
// left implicit as 0..k-1) sliced with steps of either sign, never empty.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 17));
  std::vector<int64_t> axes;
  for (int d = 0; d < rank; ++d) {
    if (Chance(rng, d == 0 ? 0.25 : 0.6)) axes.push_back(d);
  }
  if (axes.empty()) axes.push_back(rank - 1);
  const bool implicit_axes = Chance(rng, 0.2);
  if (implicit_axes) {
    axes.resize(axes.size());
    for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
  } else {
    std::shuffle(axes.begin(), axes.end(), rng);
  }
  SliceParams p;
  for (int64_t axis : axes) {
    const int64_t dim = dims[axis];
    static constexpr int64_t kSteps[] = {1, 1, 1, 2, 3, -1, -1, -2, -3};
    int64_t start = 0, end = std::numeric_limits<int64_t>::max(), step = 1;
    for (int attempt = 0; attempt < 20; ++attempt) {
      int64_t s = RandomBound(dim, rng), e = RandomBound(dim, rng);
      int64_t st = kSteps[UniformInt(rng, 0, std::size(kSteps) - 1)];
      if (axis == 0) {
        // On the batch dim only bounds whose slice never grows as the batch
        // shrinks: the runtime refuses a plan whose tensors are larger at a
        // smaller batch than at the max (runtime/engine.cc).
        s = std::max<int64_t>(s, 0);
        e = std::max<int64_t>(e, 0);
        st = std::abs(st);
      }
      if (ResolveSliceAxis(s, e, st, dim).size > 0) {
        start = s;
        end = e;
        step = st;
        break;
      }
    }
    p.starts.push_back(start);
    p.ends.push_back(end);
    p.steps.push_back(step);
    if (!implicit_axes) p.axes.push_back(Chance(rng, 0.3) ? axis - rank : axis);
  }
  if (std::all_of(p.steps.begin(), p.steps.end(), [](int64_t s) { return s == 1; }) &&
      Chance(rng, 0.5)) {
    p.steps.clear();  // the default
  }
  OpCase c;
  c.op = kSliceOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng))};
  c.tolerance = Tolerance::BitExact();
  // A slice of the batch dim may select nothing at batch 1.
  c.run_batch_one = std::find(axes.begin(), axes.end(), 0) == axes.end();
  return c;
}

class SliceConformanceTest : public ConformanceTest {};

TEST_P(SliceConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 20; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(SliceConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (int i = 0; i < 3; ++i) cases.push_back(RandomCase(dtype, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(SliceConformanceTest, kSliceOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
