// Conformance of every Pooling tactic against cpu_ref.pooling.direct.
//
// Bounds: max pooling selects an input value, so it is bit-exact in fp32 and
// fp16. Average pooling is fp32 arithmetic: relative L2 <= 1e-5
// (kFp32RelL2), fp16 tensors <= 5e-3 (kFp16RelL2). Cases have at least
// kMinElementsPerItem outputs per batch item.

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/pooling.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// The case for `p` on a random input of `dims`, with the bound of its type.
OpCase MakeCase(const PoolingParams& p, DataType dtype, const Dims& dims, std::mt19937& rng) {
  OpCase c;
  c.op = kPoolingOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng))};
  if (p.type == PoolingType::kMax) {
    c.tolerance = Tolerance::BitExact();
  } else {
    c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  }
  return c;
}

// One random pooling: max or average, odd kernels and strides, pads (each
// smaller than the kernel), ceil mode, count_include_pad, and now and then a
// global pool (the kernel covers the whole plane).
OpCase RandomCase(PoolingType type, DataType dtype, std::mt19937& rng) {
  PoolingParams p;
  p.type = type;
  p.ceil_mode = Chance(rng, 0.4);
  p.count_include_pad = Chance(rng, 0.5);
  const int64_t n = SmallDim(rng, 3), channels = SmallDim(rng, 8);
  int64_t size[2];
  if (Chance(rng, 0.15)) {
    size[0] = SmallDim(rng, 13);
    size[1] = SmallDim(rng, 13);
    p.kernel = {size[0], size[1]};
  } else {
    for (int axis = 0; axis < 2; ++axis) {
      p.kernel[axis] = SmallDim(rng, 5);
      p.strides[axis] = UniformInt(rng, 1, 3);
      p.pads[axis] = Chance(rng, 0.4) ? UniformInt(rng, 0, p.kernel[axis] - 1) : 0;
      p.pads[axis + 2] = Chance(rng, 0.4) ? UniformInt(rng, 0, p.kernel[axis] - 1) : 0;
      const int64_t min_size =
          std::max<int64_t>(1, p.kernel[axis] - p.pads[axis] - p.pads[axis + 2]);
      size[axis] = min_size + SmallDim(rng, 13) - 1;
    }
  }
  return MakeCase(p, dtype, {n, channels, size[0], size[1]}, rng);
}

// Dilated windows (taps 1 to 3 apart), with pads below the dilated extent.
OpCase RandomDilatedCase(PoolingType type, DataType dtype, std::mt19937& rng) {
  PoolingParams p;
  p.type = type;
  p.ceil_mode = Chance(rng, 0.4);
  p.count_include_pad = Chance(rng, 0.5);
  const int64_t n = SmallDim(rng, 3), channels = SmallDim(rng, 6);
  int64_t size[2];
  for (int axis = 0; axis < 2; ++axis) {
    p.kernel[axis] = UniformInt(rng, 1, 4);
    p.dilations[axis] = UniformInt(rng, 1, 3);
    p.strides[axis] = UniformInt(rng, 1, 3);
    const int64_t extent = (p.kernel[axis] - 1) * p.dilations[axis] + 1;
    p.pads[axis] = Chance(rng, 0.5) ? UniformInt(rng, 0, extent - 1) : 0;
    p.pads[axis + 2] = Chance(rng, 0.5) ? UniformInt(rng, 0, extent - 1) : 0;
    const int64_t min_size = std::max<int64_t>(1, extent - p.pads[axis] - p.pads[axis + 2]);
    size[axis] = min_size + SmallDim(rng, 11) - 1;
  }
  return MakeCase(p, dtype, {n, channels, size[0], size[1]}, rng);
}

std::vector<OpCase> Cases(DataType dtype, int per_type, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (PoolingType type : {PoolingType::kMax, PoolingType::kAverage}) {
    for (int i = 0; i < per_type; ++i) {
      cases.push_back(DrawWithOutputs([&] { return RandomCase(type, dtype, rng); }));
    }
  }
  return cases;
}

class PoolingConformanceTest : public ConformanceTest {};

TEST_P(PoolingConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 10, rng));
}

TEST_P(PoolingConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 5, rng));
}

// Channel counts that are multiples of 8 (every real CNN's), which NHWC
// tactics pool 16 bytes at a time: the shapes of GoogLeNet's and ResNet's
// pools (3x3, stride 1 or 2, pad 1, ceil mode) and random ones, both types.
TEST_P(PoolingConformanceTest, VectorChannelShapes) {
  std::mt19937 rng = Rng(4);
  std::vector<OpCase> cases;
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16}) {
    for (PoolingType type : {PoolingType::kMax, PoolingType::kAverage}) {
      for (int64_t stride : {1, 2}) {
        PoolingParams p;
        p.type = type;
        p.kernel = {3, 3};
        p.strides = {stride, stride};
        p.pads = {1, 1, 1, 1};
        p.ceil_mode = true;
        cases.push_back(MakeCase(p, dtype, {2, 8 * UniformInt(rng, 1, 6), 13, 11}, rng));
      }
      for (int i = 0; i < 3; ++i) {
        OpCase c = DrawWithOutputs([&] { return RandomCase(type, dtype, rng); });
        Dims dims = c.inputs[0].value.dims();
        dims[1] = 8 * UniformInt(rng, 1, 4);
        c.inputs[0] = Input(RandomFloatTensor(dtype, dims, rng));
        cases.push_back(std::move(c));
      }
    }
  }
  CheckCases(cases);
}

TEST_P(PoolingConformanceTest, DilatedRandomShapes) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases;
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16}) {
    for (PoolingType type : {PoolingType::kMax, PoolingType::kAverage}) {
      for (int i = 0; i < 6; ++i) {
        cases.push_back(DrawWithOutputs([&] { return RandomDilatedCase(type, dtype, rng); }));
      }
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(PoolingConformanceTest, kPoolingOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
