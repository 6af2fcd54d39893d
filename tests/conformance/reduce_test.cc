// Conformance of every Reduce tactic against cpu_ref.reduce.direct (which
// accumulates in double).
//
// Bounds: max and min select an element, so they are bit-exact; every other
// op is fp32 arithmetic with relative L2 <= 1e-5 (kFp32RelL2), which leaves
// room for fp32 accumulation in any order over the at most kMaxReduced
// elements folded into each output; fp16 tensors <= 5e-3 (kFp16RelL2).
// Sum and mean inputs are uniform in [-0.5, 1.5): mostly positive, so a sum
// does not cancel to near zero, where any rounding difference is a large
// relative error (reductions to one value are common here).

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/reduce.h"
#include "tests/conformance/harness.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace conformance {
namespace {

constexpr int64_t kMaxReduced = 2048;

constexpr ReduceOp kAllOps[] = {ReduceOp::kSum,       ReduceOp::kMean, ReduceOp::kMax,
                                ReduceOp::kMin,       ReduceOp::kProd, ReduceOp::kSumSquare,
                                ReduceOp::kL1,        ReduceOp::kL2,   ReduceOp::kLogSum,
                                ReduceOp::kLogSumExp};

// Inputs that keep each op finite and meaningful: positive for log_sum,
// near 1 in magnitude for prod (no underflow over many elements).
Weights RandomInput(ReduceOp op, DataType dtype, const Dims& dims, std::mt19937& rng) {
  switch (op) {
    case ReduceOp::kLogSum: return RandomFloatTensor(dtype, dims, rng, 0.1f, 1.0f);
    case ReduceOp::kProd: return RandomFloatTensor(dtype, dims, rng, 0.8f, 1.25f);
    case ReduceOp::kLogSumExp: return RandomFloatTensor(dtype, dims, rng, -3.0f, 3.0f);
    case ReduceOp::kSum:
    case ReduceOp::kMean: return RandomFloatTensor(dtype, dims, rng, -0.5f, 1.5f);
    default: return RandomFloatTensor(dtype, dims, rng);
  }
}

// Input elements folded into each output value.
int64_t ReducedPerOutput(const OpCase& c) {
  absl::StatusOr<NodeContext> node = testutil::MakeNodeContext(c.op, c.attrs, c.inputs);
  if (!node.ok() || node->outputs[0].volume() == 0) return 0;
  return Volume(c.inputs[0].value.dims()) / node->outputs[0].volume();
}

// A Reduce of a random input of `dims`, with the file's bounds: max and min
// bit-exact, the other ops kFp32RelL2 / kFp16RelL2.
OpCase ReduceCase(const ReduceParams& p, DataType dtype, const Dims& dims, std::mt19937& rng) {
  OpCase c;
  c.op = kReduceOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomInput(p.op, dtype, dims, rng))};
  if (p.op == ReduceOp::kMax || p.op == ReduceOp::kMin) {
    c.tolerance = Tolerance::BitExact();
  } else {
    c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  }
  return c;
}

// Rank 1 to 4; the reduced axes are a random subset (given positive or
// negative, in any order, sometimes including the batch), or empty for all
// dims; keep_dims either way.
OpCase RandomCase(ReduceOp op, DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 17));
  ReduceParams p;
  p.op = op;
  p.keep_dims = Chance(rng, 0.5);
  if (!Chance(rng, 0.15)) {
    for (int d = 0; d < rank; ++d) {
      if (Chance(rng, d == 0 ? 0.2 : 0.5)) p.axes.push_back(Chance(rng, 0.3) ? d - rank : d);
    }
    if (p.axes.empty()) p.axes.push_back(rank - 1);
    std::shuffle(p.axes.begin(), p.axes.end(), rng);
  }
  return ReduceCase(p, dtype, dims, rng);
}

std::vector<OpCase> Cases(DataType dtype, int per_op, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (ReduceOp op : kAllOps) {
    for (int i = 0; i < per_op; ++i) {
      // Draw again while more than kMaxReduced elements fold into an output.
      OpCase c = RandomCase(op, dtype, rng);
      for (int attempt = 0; attempt < 1000 && ReducedPerOutput(c) > kMaxReduced; ++attempt) {
        c = RandomCase(op, dtype, rng);
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

class ReduceConformanceTest : public ConformanceTest {};

TEST_P(ReduceConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 2, rng));
}

TEST_P(ReduceConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 1, rng));
}

// Global pools of a CNN's head (rank 4, H and W reduced, sometimes C or the
// batch too): every op, keep_dims both ways, fp32 and fp16.
TEST_P(ReduceConformanceTest, GlobalPools) {
  std::mt19937 rng = Rng(3);
  const std::vector<int64_t> axes_choices[] = {{2, 3}, {-1, -2}, {1, 2, 3}, {0, 2, 3}};
  std::vector<OpCase> cases;
  int i = 0;
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16}) {
    for (ReduceOp op : kAllOps) {
      ReduceParams p;
      p.op = op;
      p.axes = axes_choices[i % 4];
      p.keep_dims = i % 3 != 0;
      const Dims dims = {UniformInt(rng, 1, 3), 8 * UniformInt(rng, 1, 6), UniformInt(rng, 1, 9),
                         UniformInt(rng, 1, 9)};
      cases.push_back(ReduceCase(p, dtype, dims, rng));
      ++i;
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ReduceConformanceTest, kReduceOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
