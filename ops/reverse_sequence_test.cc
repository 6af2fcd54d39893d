#include "ops/reverse_sequence.h"

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

OpInput Lens(std::vector<int64_t> lens) {
  Weights w(DataType::kInt64, {static_cast<int64_t>(lens.size())});
  for (size_t i = 0; i < lens.size(); ++i) w.mutable_as<int64_t>()[i] = lens[i];
  return {w, false};
}

TEST(ReverseSequenceTest, TimeMajor) {
  // ONNX's test_reversesequence_time: 4 steps x 4 batch entries, lens
  // [4,3,2,1]; column b reverses its first lens[b] steps.
  std::vector<OpInput> inputs;
  inputs.push_back(In({4, 4}, {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15}));
  inputs.push_back(Lens({4, 3, 2, 1}));
  auto out = RunOp(kReverseSequenceOp, ReverseSequenceParams{1, 0}.ToAttrs(), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]),
            (std::vector<float>{3, 6, 9, 12, 2, 5, 8, 13, 1, 4, 10, 14, 0, 7, 11, 15}));
}

TEST(ReverseSequenceTest, BatchMajorWithInnerDimsAndClampedLengths) {
  // 2 entries x 3 steps x 2 features. Entry 0 reverses 2 steps, entry 1 has
  // length 7, clamped to 3 (all steps reversed); rows move whole.
  std::vector<OpInput> inputs;
  inputs.push_back(In({2, 3, 2}, {1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16}));
  inputs.push_back(Lens({2, 7}));
  auto out = RunOp(kReverseSequenceOp, ReverseSequenceParams{0, 1}.ToAttrs(), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]),
            (std::vector<float>{3, 4, 1, 2, 5, 6, 15, 16, 13, 14, 11, 12}));
}

TEST(ReverseSequenceTest, Fp16AndInt32LengthsBitExact) {
  Weights x(DataType::kFloat16, {1, 3});
  const uint16_t bits[] = {0x7e01, 0x3c00, 0x8000};
  for (int i = 0; i < 3; ++i) x.mutable_as<uint16_t>()[i] = bits[i];
  Weights lens(DataType::kInt32, {1});
  lens.mutable_as<int32_t>()[0] = 3;
  auto out = RunOp(kReverseSequenceOp, ReverseSequenceParams{0, 1}.ToAttrs(),
                   {{x, false}, {lens, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ((*out)[0].as<uint16_t>()[0], 0x8000);
  EXPECT_EQ((*out)[0].as<uint16_t>()[1], 0x3c00);
  EXPECT_EQ((*out)[0].as<uint16_t>()[2], 0x7e01);
}

TEST(ReverseSequenceTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {4, 3, 2});
  TensorId v = *net.AddInput("v", DataType::kFloat32, {4});
  TensorId lens3 = *net.AddConstant("lens3", Weights(DataType::kInt64, {3}));
  TensorId lens4 = *net.AddConstant("lens4", Weights(DataType::kInt64, {4}));
  TensorId flens = *net.AddConstant("flens", Weights(DataType::kFloat32, {3}));
  ExpectError(AddReverseSequence(net, "r1", v, lens4, {}), {"r1", "at least 2 dims"});
  ExpectError(AddReverseSequence(net, "r2", x, lens4, {}),
              {"r2", "sequence_lens 'lens4' has dims 4", "expected 3 values", "batch axis 1"});
  ExpectError(AddReverseSequence(net, "r3", x, flens, {}), {"r3", "fp32", "int64 or int32"});
  ExpectError(AddReverseSequence(net, "r4", x, lens3, {1, 1}),
              {"r4", "batch_axis 1 and time_axis 1"});
  ExpectError(AddReverseSequence(net, "r5", x, lens3, {0, 2}), {"r5", "time_axis 2"});
  EXPECT_TRUE(AddReverseSequence(net, "ok1", x, lens3, {1, 0}).ok());
  EXPECT_TRUE(AddReverseSequence(net, "ok2", x, lens4, {0, 1}).ok());
}

}  // namespace
}  // namespace kiln
