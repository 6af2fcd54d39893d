// Conformance of every EyeLike tactic against cpu_ref.eye_like.direct.
//
// Bound: bit-exact for every output dtype (the 1s and 0s are exact).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/eye_like.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// ONNX TensorProto.DataType codes EyeLike takes (0: the input's type).
constexpr int64_t kDtypeCodes[] = {0, 1, 10, 3, 6, 7, 9};

// A rows x cols input (rows is the batch) of `dtype`, diagonal k from -4 to
// 4 (beyond the matrix too), the output type `code`.
OpCase RandomCase(DataType dtype, int64_t code, std::mt19937& rng) {
  EyeLikeParams p;
  p.dtype = code;
  p.k = UniformInt(rng, -4, 4);
  OpCase c;
  c.op = kEyeLikeOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, {SmallDim(rng, 8), SmallDim(rng, 17)}, rng))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class EyeLikeConformanceTest : public ConformanceTest {};

TEST_P(EyeLikeConformanceTest, EveryOutputType) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int64_t code : kDtypeCodes) {
    for (int i = 0; i < 2; ++i) cases.push_back(RandomCase(DataType::kFloat32, code, rng));
  }
  CheckCases(cases);
}

TEST_P(EyeLikeConformanceTest, EveryInputType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) cases.push_back(RandomCase(dtype, 0, rng));
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(EyeLikeConformanceTest, kEyeLikeOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
