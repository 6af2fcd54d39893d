// Conformance of every Resize tactic against cpu_ref.resize.direct.
//
// Bounds: nearest mode selects input values, so it is bit-exact in fp32 and
// fp16. Linear and cubic are fp32 arithmetic (double inside): relative L2
// <= 1e-5 (kFp32RelL2), fp16 tensors <= 5e-3 (kFp16RelL2). Cases have at
// least kMinElementsPerItem outputs per batch item.

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/resize.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

const char* const kTransforms[] = {"half_pixel",       "half_pixel_symmetric",
                                   "pytorch_half_pixel", "align_corners",
                                   "asymmetric",       "tf_crop_and_resize",
                                   "tf_half_pixel_for_nn"};
const char* const kNearestModes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
const char* const kPolicies[] = {"stretch", "not_larger", "not_smaller"};
const float kScales[] = {0.25f, 0.4f, 0.5f, 0.6f, 0.75f, 1.0f, 1.3f, 1.5f, 2.0f, 2.5f, 3.0f};

// Rank 2 to 4 (dim 0 the batch, never resized); 1 to 3 resized axes named by
// "axes" (now and then negative), by scales or by sizes with each aspect
// policy; every transform and nearest rounding, exclude_outside, antialias,
// cubic_coeff_a, roi and extrapolation for tf_crop_and_resize.
OpCase RandomCase(const std::string& mode, DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 2, 4));
  Dims dims = {SmallDim(rng, 3)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, rank == 4 ? 8 : 13));
  ResizeParams p;
  p.mode = mode;
  p.coordinate_transformation_mode = kTransforms[UniformInt(rng, 0, 6)];
  p.nearest_mode = kNearestModes[UniformInt(rng, 0, 3)];
  p.exclude_outside = Chance(rng, 0.3);
  p.antialias = mode != "nearest" && Chance(rng, 0.3);
  if (mode == "cubic" && Chance(rng, 0.5)) p.cubic_coeff_a = -0.5f;
  for (int d = 1; d < rank; ++d) {
    if (d == 1 || Chance(rng, 0.7)) p.axes.push_back(Chance(rng, 0.3) ? d - rank : d);
  }
  const bool use_sizes = Chance(rng, 0.4);
  for (size_t i = 0; i < p.axes.size(); ++i) {
    if (use_sizes) {
      p.sizes.push_back(SmallDim(rng, 13));
    } else {
      p.scales.push_back(kScales[UniformInt(rng, 0, 10)]);
    }
  }
  if (use_sizes) p.keep_aspect_ratio_policy = kPolicies[UniformInt(rng, 0, 2)];
  if (p.coordinate_transformation_mode == "tf_crop_and_resize") {
    const size_t n = p.axes.size();
    p.roi.resize(2 * n);
    for (size_t i = 0; i < n; ++i) {
      p.roi[i] = static_cast<float>(UniformInt(rng, -2, 5)) / 10.0f;
      p.roi[n + i] = static_cast<float>(UniformInt(rng, 5, 12)) / 10.0f;
    }
    p.extrapolation_value = Chance(rng, 0.5) ? 0.0f : 0.25f;
  }
  OpCase c;
  c.op = kResizeOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng))};
  c.tolerance = mode == "nearest"
                    ? Tolerance::BitExact()
                    : Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int per_mode, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (const char* mode : {"nearest", "linear", "cubic"}) {
    for (int i = 0; i < per_mode; ++i) {
      cases.push_back(DrawWithOutputs([&] { return RandomCase(mode, dtype, rng); }));
    }
  }
  return cases;
}

class ResizeConformanceTest : public ConformanceTest {};

TEST_P(ResizeConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 14, rng));
}

TEST_P(ResizeConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 6, rng));
}

// Every transform with every nearest rounding on one small upsampling and
// one downsampling: the cases where a tap choice flips on a tie.
TEST_P(ResizeConformanceTest, NearestEveryTransformAndRounding) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases;
  for (const char* transform : kTransforms) {
    for (const char* rounding : kNearestModes) {
      for (float scale : {2.0f, 0.5f, 1.5f}) {
        ResizeParams p;
        p.coordinate_transformation_mode = transform;
        p.nearest_mode = rounding;
        p.axes = {2, 3};
        p.scales = {scale, scale};
        if (std::string(transform) == "tf_crop_and_resize") p.roi = {0.1f, 0.0f, 0.9f, 1.0f};
        OpCase c;
        c.op = kResizeOp;
        c.attrs = p.ToAttrs();
        c.inputs = {Input(RandomFloatTensor(DataType::kFloat32, {2, 3, 6, 5}, rng))};
        c.tolerance = Tolerance::BitExact();
        cases.push_back(std::move(c));
      }
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ResizeConformanceTest, kResizeOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
