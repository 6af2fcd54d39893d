#include "ops/gather.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;
using testutil::In;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;
using testutil::Typed;

OpInput Indices64(Dims dims, const std::vector<int64_t>& values) {
  return Typed(DataType::kInt64, std::move(dims), values);
}
OpInput Indices32(Dims dims, const std::vector<int32_t>& values) {
  return Typed(DataType::kInt32, std::move(dims), values);
}

// data = [[1,2],[3,4],[5,6]]
OpInput Data() { return In({3, 2}, {1, 2, 3, 4, 5, 6}); }

std::vector<float> Gather(int axis, const OpInput& data, const OpInput& indices,
                          Dims expected_dims) {
  auto out = RunOp(kGatherOp, GatherParams{axis}.ToAttrs(), {data, indices});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dims(), expected_dims);
  return ToFloats((*out)[0]);
}

TEST(GatherTest, HandCheckedRowsAndColumns) {
  using V = std::vector<float>;
  // Rows 2 and 0.
  EXPECT_EQ(Gather(0, Data(), Indices64({2}, {2, 0}), {2, 2}), (V{5, 6, 1, 2}));
  // -1 is the last row; int32 indices work the same.
  EXPECT_EQ(Gather(0, Data(), Indices32({2}, {-1, -3}), {2, 2}), (V{5, 6, 1, 2}));
  // 2x2 indices [[0,1],[1,2]] make a 2x2x2 output of rows.
  EXPECT_EQ(Gather(0, Data(), Indices64({2, 2}, {0, 1, 1, 2}), {2, 2, 2}),
            (V{1, 2, 3, 4, 3, 4, 5, 6}));
  // Column 1 of each row (axis 1, and -1 for the same axis).
  EXPECT_EQ(Gather(1, Data(), Indices32({1}, {1}), {3, 1}), (V{2, 4, 6}));
  EXPECT_EQ(Gather(-1, Data(), Indices32({1}, {1}), {3, 1}), (V{2, 4, 6}));
  // A scalar index drops the axis: column 0 as a vector of 3.
  EXPECT_EQ(Gather(1, Data(), Indices64({}, {0}), {3}), (V{1, 3, 5}));
  // Repeats are allowed; no indices give an empty output.
  EXPECT_EQ(Gather(1, Data(), Indices64({3}, {0, 0, 1}), {3, 3}), (V{1, 1, 2, 3, 3, 4, 5, 5, 6}));
  EXPECT_EQ(Gather(0, Data(), Indices64({0}, {}), {0, 2}), V{});
}

TEST(GatherTest, OutOfRangeIndexFailsTheRun) {
  auto high = RunOp(kGatherOp, GatherParams{0}.ToAttrs(), {Data(), Indices64({3}, {0, 3, 1})});
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.status().code(), absl::StatusCode::kOutOfRange);
  const std::string message(high.status().message());
  EXPECT_THAT(message, HasSubstr("(Gather)"));
  EXPECT_THAT(message, HasSubstr("index 3 at position 1"));
  EXPECT_THAT(message, HasSubstr("axis 0 of size 3"));
  EXPECT_THAT(message, HasSubstr("-3..2"));

  auto low = RunOp(kGatherOp, GatherParams{1}.ToAttrs(), {Data(), Indices32({1}, {-3})});
  ASSERT_FALSE(low.ok());
  EXPECT_EQ(low.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(low.status().message()), HasSubstr("index -3 at position 0"));
}

TEST(GatherTest, MovesBitsExactly) {
  const std::vector<uint32_t> rows = {0x7fc12345u, 0x80000000u, 0xff800001u, 0x00000001u};
  auto out = RunOp(kGatherOp, GatherParams{0}.ToAttrs(),
                   {Typed(DataType::kFloat32, {2, 2}, rows), Indices64({3}, {1, 0, 1})});
  ASSERT_TRUE(out.ok()) << out.status();
  const uint32_t expected[] = {0xff800001u, 0x00000001u, 0x7fc12345u,
                               0x80000000u, 0xff800001u, 0x00000001u};
  EXPECT_EQ(std::memcmp((*out)[0].data(), expected, sizeof(expected)), 0);

  const std::vector<uint16_t> half = {0x7e01, 0x8000};
  out = RunOp(kGatherOp, GatherParams{1}.ToAttrs(),
              {Typed(DataType::kFloat16, {1, 2}, half), Indices32({2}, {1, 0})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  const uint16_t swapped[] = {0x8000, 0x7e01};
  EXPECT_EQ(std::memcmp((*out)[0].data(), swapped, sizeof(swapped)), 0);

  const std::vector<int64_t> big = {INT64_MIN, INT64_MAX};
  out = RunOp(kGatherOp, GatherParams{0}.ToAttrs(),
              {Typed(DataType::kInt64, {2}, big), Indices64({1}, {-1})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].as<int64_t>()[0], INT64_MAX);
}

TEST(GatherTest, EmbeddingLookupTakesTheBatchFromTheIndices) {
  NetworkDefinition net;
  auto table = net.AddConstant("table", Weights::FromFloats({5, 3}, std::vector<float>(15, 0.5f)));
  ASSERT_TRUE(table.ok());
  TensorId tokens = *net.AddInput("tokens", DataType::kInt32, {4, 7});
  auto embedded = AddGather(net, "embed", *table, tokens, 0);
  ASSERT_TRUE(embedded.ok()) << embedded.status();
  EXPECT_EQ(net.desc(*embedded).dims, (Dims{4, 7, 3}));
  EXPECT_EQ(net.desc(*embedded).dtype, DataType::kFloat32);
}

TEST(GatherTest, RejectsBadInputsAndAxis) {
  NetworkDefinition net;
  TensorId data = *net.AddInput("data", DataType::kFloat32, {2, 3});
  TensorId idx = *net.AddInput("idx", DataType::kInt64, {1, 2});
  TensorId float_idx = *net.AddInput("fidx", DataType::kFloat32, {1, 2});

  auto check = [](const absl::StatusOr<TensorId>& s, absl::string_view layer,
                  absl::string_view problem) {
    ASSERT_FALSE(s.ok()) << layer << " was accepted";
    const std::string message(s.status().message());
    EXPECT_THAT(message, HasSubstr(std::string("layer '") + std::string(layer) + "'"));
    EXPECT_THAT(message, HasSubstr(std::string(problem)));
  };
  check(AddGather(net, "float_indices", data, float_idx, 0), "float_indices",
        "indices 'fidx' are fp32; expected int32 or int64");
  check(AddGather(net, "axis_high", data, idx, 2), "axis_high", "axis 2 is out of range");
  check(AddGather(net, "axis_low", data, idx, -3), "axis_low", "expected -2..1");
  check(net.AddLayer1("one_input", kGatherOp, {data}, GatherParams{}.ToAttrs()), "one_input",
        "takes 2 inputs, got 1");
  check(net.AddLayer1("omitted", kGatherOp, {data, -1}, GatherParams{}.ToAttrs()), "omitted",
        "both required");
  AttrMap bad_axis;
  bad_axis.Set("axis", 1.5f);
  check(net.AddLayer1("float_axis", kGatherOp, {data, idx}, bad_axis), "float_axis", "'axis'");

  auto scalar = RunOp(kGatherOp, GatherParams{}.ToAttrs(), {In({}, {1}), Indices64({1}, {0})});
  ASSERT_FALSE(scalar.ok());
  EXPECT_THAT(std::string(scalar.status().message()), HasSubstr("scalar"));
}

}  // namespace
}  // namespace kiln
