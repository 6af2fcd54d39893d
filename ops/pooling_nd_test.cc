#include "ops/pooling_nd.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

OpInput Floats(DataType dtype, Dims dims, const std::vector<float>& values) {
  Weights w(dtype, std::move(dims));
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DataType::kFloat16) {
      w.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
    } else {
      w.mutable_as<float>()[i] = values[i];
    }
  }
  return {std::move(w), false};
}

std::vector<float> Iota(int n) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

void ExpectError(const absl::Status& status, std::vector<std::string> parts) {
  ASSERT_FALSE(status.ok());
  for (const std::string& part : parts) {
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "'" << part << "' not in: " << status;
  }
}

TEST(PoolingNdTest, MaxAndAverage3d) {
  // x = 0..26 as a 3x3x3 cube; a 2x2x2 window at (z, y, x) covers
  // base = 9z + 3y + x plus {0, 1, 3, 4, 9, 10, 12, 13}: max = base + 13,
  // mean = base + 6.5.
  PoolingNdParams params;
  params.kernel = {2, 2, 2};
  auto out = RunOp(kPoolingNdOp, params.ToAttrs(), {Floats(DataType::kFloat32, {1, 1, 3, 3, 3}, Iota(27))});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 1, 2, 2, 2}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{13, 14, 16, 17, 22, 23, 25, 26}));
  params.average = true;
  out = RunOp(kPoolingNdOp, params.ToAttrs(), {Floats(DataType::kFloat16, {1, 1, 3, 3, 3}, Iota(27))});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{6.5, 7.5, 9.5, 10.5, 15.5, 16.5, 18.5, 19.5}));
}

TEST(PoolingNdTest, AveragePaddingCounts) {
  // 1-D [1, 2, 3], kernel 2, stride 2, pads 1/1: windows start at -1 and 1,
  // covering [pad, 1] and [2, 3].
  // Excluding padding: 1 and 2.5; including it: 0.5 and 2.5.
  PoolingNdParams params;
  params.average = true;
  params.kernel = {2};
  params.strides = {2};
  params.pads = {1, 1};
  auto out = RunOp(kPoolingNdOp, params.ToAttrs(), {Floats(DataType::kFloat32, {1, 1, 3}, {1, 2, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 2.5}));
  params.count_include_pad = true;
  out = RunOp(kPoolingNdOp, params.ToAttrs(), {Floats(DataType::kFloat32, {1, 1, 3}, {1, 2, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0.5, 2.5}));
}

TEST(PoolingNdTest, IndicesIncludeBatchAndChannelOffsets) {
  // Two (n, c) planes of 2x3: plane 0 = 0..5, plane 1 = 5..0 (reversed).
  // A 2x2 window, stride 1: plane 0 maxima at (1,1)=4 and (1,2)=5 -> row-major
  // 4, 5; plane 1 maxima at (0,0)=5, (0,1)=4 -> 6 + 0, 6 + 1. Column-major
  // (storage_order 1) flattens (y, x) as x * 2 + y: 3, 5 and 6 + 0, 6 + 2.
  PoolingNdParams params;
  params.kernel = {2, 2};
  std::vector<float> x = {0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0};
  auto out = RunOp(kMaxPoolWithIndicesOp, params.ToAttrs(), {Floats(DataType::kFloat32, {2, 1, 2, 3}, x)});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{4, 5, 5, 4}));
  EXPECT_EQ((*out)[1].dtype(), DataType::kInt64);
  EXPECT_EQ(ToFloats((*out)[1]), (std::vector<float>{4, 5, 6, 7}));
  params.column_major_indices = true;
  out = RunOp(kMaxPoolWithIndicesOp, params.ToAttrs(), {Floats(DataType::kFloat32, {2, 1, 2, 3}, x)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[1]), (std::vector<float>{3, 5, 6, 8}));
}

TEST(PoolingNdTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 1, 4, 4, 4});
  TensorId h = *net.AddInput("h", DataType::kFloat16, {1, 1, 4, 4, 4});
  TensorId i = *net.AddInput("i", DataType::kInt32, {1, 1, 4, 4, 4});
  PoolingNdParams params;
  params.kernel = {2, 2, 2};
  ExpectError(AddPoolingNd(net, "p1", i, params).status(), {"p1", "int32", "fp32 or fp16"});
  ExpectError(AddMaxPoolWithIndices(net, "p2", h, params).status(), {"p2", "fp16", "takes fp32"});
  PoolingNdParams two_d;
  two_d.kernel = {2, 2};
  ExpectError(AddPoolingNd(net, "p3", x, two_d).status(), {"p3", "expected 4 dims"});
  PoolingNdParams big = params;
  big.kernel = {5, 2, 2};
  ExpectError(AddPoolingNd(net, "p4", x, big).status(), {"p4", "would be empty"});
  PoolingNdParams pads = params;
  pads.pads = {2, 0, 0, 0, 0, 0};
  ExpectError(AddPoolingNd(net, "p5", x, pads).status(), {"p5", "each pad must be smaller"});
  PoolingNdParams strides = params;
  strides.strides = {1, 1};
  ExpectError(AddPoolingNd(net, "p6", x, strides).status(), {"p6", "'strides' has 2 values"});
  PoolingNdParams avg = params;
  avg.average = true;
  ExpectError(AddMaxPoolWithIndices(net, "p7", x, avg).status(), {"p7", "max pooling only"});
  ExpectError(net.AddLayer1("p8", kPoolingNdOp, {x}, AttrMap()).status(), {"p8", "'kernel' is missing"});
  EXPECT_TRUE(AddPoolingNd(net, "p9", h, params).ok());
}

}  // namespace
}  // namespace kiln
