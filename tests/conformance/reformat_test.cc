// Conformance of every Reformat tactic against cpu_ref.reformat.direct.
//
// Bound: bit-exact. A layout change moves bits; fp32 -> fp16 rounds to
// nearest even and fp16 -> fp32 is exact, so every tactic must produce the
// same bits (a converted NaN may carry another payload). Network inputs are
// linear, so cases convert from linear; NHWC -> linear is covered by the
// NHWC variants of the other conformance tests, whose outputs pass through
// a Reformat back to the linear bindings.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/reformat.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

OpCase RandomCase(std::mt19937& rng) {
  const bool nhwc = Chance(rng, 0.7);
  Dims dims = {SmallDim(rng, 4)};
  const int rank = nhwc ? 4 : static_cast<int>(UniformInt(rng, 1, 5));
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 17));
  const std::vector<DataType> all = AllDataTypes();
  DataType from = all[UniformInt(rng, 0, static_cast<int64_t>(all.size()) - 1)];
  DataType to = from;
  if (IsFloatType(from) && Chance(rng, 0.6)) {
    to = from == DataType::kFloat32 ? DataType::kFloat16 : DataType::kFloat32;
  }
  OpCase c;
  c.op = kReformatOp;
  c.attrs = ReformatParams{to, nhwc ? TensorFormat::kNHWC : TensorFormat::kLinear}.ToAttrs();
  c.inputs = {Input(RandomBits(from, dims, rng))};
  c.tolerance = from == to ? Tolerance::BitExact() : Tolerance::BitExactAnyNaN();
  return c;
}

class ReformatConformanceTest : public ConformanceTest {};

TEST_P(ReformatConformanceTest, RandomTypesLayoutsAndShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 30; ++i) cases.push_back(RandomCase(rng));
  CheckCases(cases);
}

// A network's image input: NCHW with 1 to 8 channels to NHWC, kept in fp32
// or rounded to fp16 (cuda moves such a tensor a pixel per thread).
TEST_P(ReformatConformanceTest, ImageInputsToNhwc) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (int64_t channels : {1, 3, 4, 8}) {
    for (DataType to : {DataType::kFloat32, DataType::kFloat16}) {
      OpCase c;
      c.op = kReformatOp;
      c.attrs = ReformatParams{to, TensorFormat::kNHWC}.ToAttrs();
      const Dims dims = {UniformInt(rng, 1, 3), channels, UniformInt(rng, 20, 60),
                         UniformInt(rng, 20, 60)};
      c.inputs = {Input(RandomBits(DataType::kFloat32, dims, rng))};
      c.tolerance = to == DataType::kFloat32 ? Tolerance::BitExact() : Tolerance::BitExactAnyNaN();
      cases.push_back(std::move(c));
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ReformatConformanceTest, kReformatOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
