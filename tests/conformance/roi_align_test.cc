// Conformance of every RoiAlign tactic against cpu_ref.roi_align.direct.
//
// Bound: fp32 arithmetic (bilinear samples summed in double): relative L2
// <= 1e-5 (kFp32RelL2), fp16 tensors <= 5e-3 (kFp16RelL2). Cases have at
// least kMinElementsPerItem outputs per roi.
//
// rois and batch_indices are constants (the harness makes every network
// input share dim 0 with X, and R need not be N); cases run at max batch only,
// since batch indices name images beyond the first.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/roi_align.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Both modes and coordinate transforms, fixed and adaptive sampling ratios,
// spatial scales; rois partly outside the image, some smaller than a pixel.
OpCase RandomCase(DataType dtype, DataType index_type, std::mt19937& rng) {
  RoiAlignParams p;
  p.mode = Chance(rng, 0.5) ? "max" : "avg";
  p.coordinate_transformation_mode = Chance(rng, 0.5) ? "half_pixel" : "output_half_pixel";
  p.output_height = SmallDim(rng, 5);
  p.output_width = SmallDim(rng, 5);
  p.sampling_ratio = Chance(rng, 0.5) ? 0 : UniformInt(rng, 1, 3);
  static const float kScales[] = {1.0f, 0.5f, 0.25f};
  p.spatial_scale = kScales[UniformInt(rng, 0, 2)];
  const int64_t batch = SmallDim(rng, 3), height = SmallDim(rng, 13), width = SmallDim(rng, 13);
  const int64_t num_rois = SmallDim(rng, 5);
  std::vector<float> rois(num_rois * 4);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (int64_t r = 0; r < num_rois; ++r) {
    const float x1 = (unit(rng) * (width + 2) - 1) / p.spatial_scale;
    const float y1 = (unit(rng) * (height + 2) - 1) / p.spatial_scale;
    rois[r * 4 + 0] = x1;
    rois[r * 4 + 1] = y1;
    rois[r * 4 + 2] = x1 + unit(rng) * width / p.spatial_scale;
    rois[r * 4 + 3] = y1 + unit(rng) * height / p.spatial_scale;
  }
  Weights roi_weights = Weights::FromFloats({num_rois, 4}, rois);
  if (dtype == DataType::kFloat16) {
    roi_weights = Weights(dtype, {num_rois, 4});
    uint16_t* half = roi_weights.mutable_as<uint16_t>();
    for (int64_t i = 0; i < num_rois * 4; ++i) half[i] = FloatToHalf(rois[i]);
  }
  OpCase c;
  c.op = kRoiAlignOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, {batch, SmallDim(rng, 4), height, width}, rng)),
              Constant(std::move(roi_weights)),
              Constant(RandomTensor(index_type, {num_rois}, rng, 0, batch - 1))};
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  c.run_batch_one = false;
  return c;
}

class RoiAlignConformanceTest : public ConformanceTest {};

TEST_P(RoiAlignConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) {
    cases.push_back(DrawWithOutputs([&] {
      return RandomCase(DataType::kFloat32, i % 2 ? DataType::kInt32 : DataType::kInt64, rng);
    }));
  }
  CheckCases(cases);
}

TEST_P(RoiAlignConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (int i = 0; i < 8; ++i) {
    cases.push_back(DrawWithOutputs([&] {
      return RandomCase(DataType::kFloat16, i % 2 ? DataType::kInt32 : DataType::kInt64, rng);
    }));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(RoiAlignConformanceTest, kRoiAlignOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
