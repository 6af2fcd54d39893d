#include "ops/gather_nd.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectError;
using testutil::RunOp;
using testutil::ToFloats;
using testutil::Typed;

std::vector<float> Gather(int64_t batch_dims, testutil::OpInput data, testutil::OpInput indices,
                          Dims* out_dims = nullptr) {
  GatherNDParams p;
  p.batch_dims = batch_dims;
  auto out = RunOp(kGatherNDOp, p.ToAttrs(), {std::move(data), std::move(indices)});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  if (out_dims != nullptr) *out_dims = (*out)[0].dims();
  return ToFloats((*out)[0]);
}

TEST(GatherNDTest, OnnxExamples) {
  Dims dims;
  // test_gathernd_example_int32: data [[0,1],[2,3]], tuples (0,0) and (1,1)
  // select single elements: [0, 3].
  auto v = Gather(0, Typed<int32_t>(DataType::kInt32, {2, 2}, {0, 1, 2, 3}),
                  Typed<int64_t>(DataType::kInt64, {2, 2}, {0, 0, 1, 1}), &dims);
  EXPECT_EQ(v, (std::vector<float>{0, 3}));
  EXPECT_EQ(dims, (Dims{2}));
  // test_gathernd_example_float32: data 2x2x2 = 0..7, indices [[[0,1]],[[1,0]]]
  // select rows data[0][1] = [2,3] and data[1][0] = [4,5]; out dims 2x1x2.
  v = Gather(0, testutil::In({2, 2, 2}, testutil::Iota(8)),
             Typed<int64_t>(DataType::kInt64, {2, 1, 2}, {0, 1, 1, 0}), &dims);
  EXPECT_EQ(v, (std::vector<float>{2, 3, 4, 5}));
  EXPECT_EQ(dims, (Dims{2, 1, 2}));
  // test_gathernd_example_int32_batch_dim1: batch 0 takes row 1 = [2,3],
  // batch 1 takes row 0 of its 2x2 block = [4,5]; out 2x2.
  v = Gather(1, testutil::In({2, 2, 2}, testutil::Iota(8)),
             Typed<int32_t>(DataType::kInt32, {2, 1}, {1, 0}), &dims);
  EXPECT_EQ(v, (std::vector<float>{2, 3, 4, 5}));
  EXPECT_EQ(dims, (Dims{2, 2}));
}

TEST(GatherNDTest, NegativeIndicesAndOutOfRange) {
  // -1 is the last row: data 3x2 = 0..5, tuple (-1) -> [4, 5]; (-3, 1) -> 1.
  auto v = Gather(0, testutil::In({3, 2}, testutil::Iota(6)),
                  Typed<int64_t>(DataType::kInt64, {1, 1}, {-1}));
  EXPECT_EQ(v, (std::vector<float>{4, 5}));
  v = Gather(0, testutil::In({3, 2}, testutil::Iota(6)),
             Typed<int64_t>(DataType::kInt64, {2}, {-3, 1}));
  EXPECT_EQ(v, (std::vector<float>{1}));
  auto out = RunOp(
      kGatherNDOp, GatherNDParams{}.ToAttrs(),
      {testutil::In({3, 2}, testutil::Iota(6)), Typed<int64_t>(DataType::kInt64, {1, 1}, {3})});
  ExpectError(out, {"index 3", "-3..2"});
}

TEST(GatherNDTest, Fp16IsCopiedBitExactly) {
  std::vector<uint16_t> bits = {FloatToHalf(1.5f), FloatToHalf(-2.0f), FloatToHalf(0.25f),
                                FloatToHalf(8.0f)};
  auto v = Gather(0, Typed<uint16_t>(DataType::kFloat16, {2, 2}, bits),
                  Typed<int64_t>(DataType::kInt64, {1, 1}, {1}));
  EXPECT_EQ(v, (std::vector<float>{0.25f, 8.0f}));
}

TEST(GatherNDTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId fi = *net.AddInput("fi", DataType::kFloat32, {2, 1});
  TensorId scalar = *net.AddConstant("scalar", Weights(DataType::kInt64, Dims{}));
  TensorId wide = *net.AddInput("wide", DataType::kInt64, {2, 3});
  TensorId batch = *net.AddInput("batch", DataType::kInt64, {3, 1});
  TensorId ok = *net.AddInput("ok", DataType::kInt64, {2, 1});
  ExpectError(AddGatherND(net, "g1", x, fi, {}), {"'g1'", "int32 or int64"});
  ExpectError(AddGatherND(net, "g2", x, scalar, {}), {"'g2'", "rank >= 1"});
  ExpectError(AddGatherND(net, "g3", x, wide, {}), {"'g3'", "last dim 3", "1..2"});
  GatherNDParams b1;
  b1.batch_dims = 1;
  ExpectError(AddGatherND(net, "g4", x, batch, b1), {"'g4'", "batch dim 0", "differ"});
  GatherNDParams b2;
  b2.batch_dims = 2;
  ExpectError(AddGatherND(net, "g5", x, ok, b2), {"'g5'", "batch_dims 2", "out of range"});
  GatherNDParams neg;
  neg.batch_dims = -1;
  ExpectError(AddGatherND(net, "g6", x, ok, neg), {"'g6'", "batch_dims is -1"});
  EXPECT_TRUE(AddGatherND(net, "g7", x, ok, b1).ok());
}

}  // namespace
}  // namespace kiln
