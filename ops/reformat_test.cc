#include "ops/reformat.h"

#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectError;
using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

TEST(ReformatOpTest, InfersTypeAndLayoutKeepingDims) {
  NetworkDefinition network;
  absl::StatusOr<TensorId> x = network.AddInput("x", DataType::kFloat32, {2, 3, 4, 5});
  ASSERT_TRUE(x.ok());
  absl::StatusOr<TensorId> y =
      AddReformat(network, "to_nhwc", *x, DataType::kFloat16, TensorFormat::kNHWC);
  ASSERT_TRUE(y.ok()) << y.status();
  const TensorDesc& d = network.graph().tensor(*y).desc;
  EXPECT_EQ(d.dtype, DataType::kFloat16);
  EXPECT_EQ(d.format, TensorFormat::kNHWC);
  EXPECT_EQ(d.dims, (Dims{2, 3, 4, 5}));
}

TEST(ReformatOpTest, RefusesBadConversionsNamingTheLayer) {
  NetworkDefinition network;
  TensorId x = *network.AddInput("x", DataType::kFloat32, {2, 3, 4});
  ExpectError(AddReformat(network, "r", x, DataType::kFloat32, TensorFormat::kNHWC).status(),
              {"layer 'r'", "rank 3"});
  TensorId i = *network.AddInput("i", DataType::kInt32, {2, 3});
  ExpectError(AddReformat(network, "r2", i, DataType::kFloat16, TensorFormat::kLinear).status(),
              {"layer 'r2'", "use Cast"});
  AttrMap missing;
  ExpectError(network.AddLayer("r3", kReformatOp, {x}, missing).status(),
              {"layer 'r3'", "'format'"});
}

TEST(ReformatOpTest, CpuRefConvertsHandCheckedValues) {
  // [1, 2, 1, 2] NCHW 1, 2, 3, 4 -> NHWC 1, 3, 2, 4; 1/3 rounds in fp16.
  absl::StatusOr<std::vector<Weights>> out =
      RunOp(kReformatOp, ReformatParams{DataType::kFloat16, TensorFormat::kNHWC}.ToAttrs(),
            {In({1, 2, 1, 2}, {1.0f, 2.0f, 3.0f, 1.0f / 3.0f})});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ((*out)[0].dtype(), DataType::kFloat16);
  const std::vector<float> got = ToFloats((*out)[0]);
  EXPECT_EQ(got, (std::vector<float>{1.0f, 3.0f, 2.0f, HalfToFloat(FloatToHalf(1.0f / 3.0f))}));
}

}  // namespace
}  // namespace kiln
