#include "ops/max_unpool.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

template <typename T>
void ExpectError(const absl::StatusOr<T>& s, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(s.ok()) << "expected an error containing '" << *parts.begin() << "'";
  for (const char* part : parts) {
    EXPECT_NE(s.status().message().find(part), std::string::npos)
        << "missing '" << part << "' in: " << s.status();
  }
}

OpInput Indices(Dims dims, std::vector<int64_t> values) {
  Weights w(DataType::kInt64, std::move(dims));
  for (size_t i = 0; i < values.size(); ++i) w.mutable_as<int64_t>()[i] = values[i];
  return {w, false};
}

MaxUnpoolParams Params2x2(std::vector<int64_t> output_shape = {}) {
  MaxUnpoolParams p;
  p.kernel_shape = {2, 2};
  p.strides = {2, 2};
  p.output_shape = std::move(output_shape);
  return p;
}

TEST(MaxUnpoolTest, ScattersToFlatIndices) {
  // ONNX's test_maxunpool_export_without_output_shape: 2x2 -> 4x4 (3*2-0+2),
  // flat indices 5, 7, 13, 15 = (1,1), (1,3), (3,1), (3,3).
  std::vector<OpInput> inputs;
  inputs.push_back(In({1, 1, 2, 2}, {1, 2, 3, 4}));
  inputs.push_back(Indices({1, 1, 2, 2}, {5, 7, 13, 15}));
  auto out = RunOp(kMaxUnpoolOp, Params2x2().ToAttrs(), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 1, 4, 4}));
  EXPECT_EQ(ToFloats((*out)[0]),
            (std::vector<float>{0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4}));
}

TEST(MaxUnpoolTest, OutputShapeKeepsTheInferredLayoutAtTheStart) {
  // ONNX's test_maxunpool_export_with_output_shape: the same indices in a
  // 5x5 output land at the 4x4 positions (1,1), (1,3), (3,1), (3,3).
  std::vector<OpInput> inputs;
  inputs.push_back(In({1, 1, 2, 2}, {5, 6, 7, 8}));
  inputs.push_back(Indices({1, 1, 2, 2}, {5, 7, 13, 15}));
  auto out = RunOp(kMaxUnpoolOp, Params2x2({1, 1, 5, 5}).ToAttrs(), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 1, 5, 5}));
  std::vector<float> want(25, 0.0f);
  want[1 * 5 + 1] = 5;
  want[1 * 5 + 3] = 6;
  want[3 * 5 + 1] = 7;
  want[3 * 5 + 3] = 8;
  EXPECT_EQ(ToFloats((*out)[0]), want);
}

TEST(MaxUnpoolTest, IndicesSpanBatchAndChannelsAndBadOnesAreSkipped) {
  // N=2, C=1, 1-D: 1 -> (1-1)*1+2 = 2 per plane; the inferred tensor has 4
  // elements: item 1's index 3 is its second element; index 9 is skipped.
  MaxUnpoolParams p;
  p.kernel_shape = {2};
  std::vector<OpInput> inputs;
  inputs.push_back(In({2, 1, 1}, {7, 9}));
  inputs.push_back(Indices({2, 1, 1}, {0, 3}));
  auto out = RunOp(kMaxUnpoolOp, p.ToAttrs(), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{7, 0, 0, 9}));
  inputs[1] = Indices({2, 1, 1}, {9, -1});
  out = RunOp(kMaxUnpoolOp, p.ToAttrs(), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 0, 0, 0}));
}

TEST(MaxUnpoolTest, Fp16BitExact) {
  Weights x(DataType::kFloat16, {1, 1, 1, 1});
  x.mutable_as<uint16_t>()[0] = 0x7e01;  // a NaN payload survives
  std::vector<OpInput> inputs;
  inputs.push_back({x, false});
  inputs.push_back(Indices({1, 1, 1, 1}, {3}));
  auto out = RunOp(kMaxUnpoolOp, Params2x2().ToAttrs(), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ((*out)[0].as<uint16_t>()[0], 0);
  EXPECT_EQ((*out)[0].as<uint16_t>()[3], 0x7e01);
}

TEST(MaxUnpoolTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 2, 3, 3});
  TensorId i = *net.AddInput("i", DataType::kInt64, {1, 2, 3, 3});
  TensorId i32 = *net.AddInput("i32", DataType::kInt32, {1, 2, 3, 3});
  TensorId ibad = *net.AddInput("ibad", DataType::kInt64, {1, 2, 3, 4});
  ExpectError(AddMaxUnpool(net, "u1", x, i32, Params2x2()), {"u1", "int32", "expected int64"});
  ExpectError(AddMaxUnpool(net, "u2", x, ibad, Params2x2()), {"u2", "1x2x3x4", "1x2x3x3"});
  MaxUnpoolParams p = Params2x2();
  p.kernel_shape = {2};
  ExpectError(AddMaxUnpool(net, "u3", x, i, p), {"u3", "input needs 3 dims"});
  p = Params2x2();
  p.strides = {0, 2};
  ExpectError(AddMaxUnpool(net, "u4", x, i, p), {"u4", "'strides'", ">= 1"});
  p = Params2x2();
  p.pads = {4, 0, 4, 0};
  ExpectError(AddMaxUnpool(net, "u5", x, i, p), {"u5", "spatial dim 0 would be -2"});
  ExpectError(AddMaxUnpool(net, "u6", x, i, Params2x2({1, 3, 6, 6})),
              {"u6", "output_shape [1,3,6,6]", "2 channels"});
  ExpectError(AddMaxUnpool(net, "u7", x, i, Params2x2({1, 2, 5, 6})),
              {"u7", "smaller than the unpooled size 6"});
  ExpectError(net.AddLayer1("u8", kMaxUnpoolOp, {x, i}, {}), {"u8", "'kernel_shape' is missing"});
  auto ok = AddMaxUnpool(net, "ok", x, i, Params2x2({1, 2, 7, 7}));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{1, 2, 7, 7}));
}

}  // namespace
}  // namespace kiln
