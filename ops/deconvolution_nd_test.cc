#include "ops/deconvolution_nd.h"

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

void ExpectError(const absl::Status& status, std::vector<std::string> parts) {
  ASSERT_FALSE(status.ok());
  for (const std::string& part : parts) {
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "'" << part << "' not in: " << status;
  }
}

TEST(DeconvolutionNdTest, HandChecked3d) {
  // x = [1, 2] along the last of three spatial dims, w = [1, 10]:
  // stride 1 scatters 1*[1, 10] at 0 and 2*[1, 10] at 1 -> [1, 12, 20];
  // stride 2 puts them apart -> [1, 10, 2, 20]; an end pad of 1 drops the last.
  DeconvolutionNdParams params;
  auto out = RunOp(kDeconvolutionNdOp, params.ToAttrs(),
                   {Floats(DataType::kFloat32, {1, 1, 1, 1, 2}, {1, 2}),
                    Floats(DataType::kFloat32, {1, 1, 1, 1, 2}, {1, 10})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 1, 1, 1, 3}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 12, 20}));
  params.strides = {1, 1, 2};
  out = RunOp(kDeconvolutionNdOp, params.ToAttrs(),
              {Floats(DataType::kFloat32, {1, 1, 1, 1, 2}, {1, 2}),
               Floats(DataType::kFloat32, {1, 1, 1, 1, 2}, {1, 10})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 10, 2, 20}));
  params.pads = {0, 0, 0, 0, 0, 1};
  out = RunOp(kDeconvolutionNdOp, params.ToAttrs(),
              {Floats(DataType::kFloat32, {1, 1, 1, 1, 2}, {1, 2}),
               Floats(DataType::kFloat32, {1, 1, 1, 1, 2}, {1, 10})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 10, 2}));
}

TEST(DeconvolutionNdTest, BiasGroupsAndFp16) {
  // Two groups of one channel, 1x1x1 kernels 2 and 3, bias [0.5, -1]:
  // channel 0 = 2 * x0 + 0.5, channel 1 = 3 * x1 - 1.
  DeconvolutionNdParams params;
  params.group = 2;
  auto out = RunOp(kDeconvolutionNdOp, params.ToAttrs(),
                   {Floats(DataType::kFloat16, {1, 2, 1, 1, 2}, {1, 2, 3, 4}),
                    Floats(DataType::kFloat16, {2, 1, 1, 1, 1}, {2, 3}),
                    Floats(DataType::kFloat16, {2}, {0.5, -1})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{2.5, 4.5, 8, 11}));
}

TEST(DeconvolutionNdTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 2, 3, 3, 3});
  TensorId xi = *net.AddInput("xi", DataType::kInt32, {1, 2, 3, 3, 3});
  TensorId w = *net.AddInput("w", DataType::kFloat32, {2, 4, 2, 2, 2});
  TensorId w3 = *net.AddInput("w3", DataType::kFloat32, {3, 4, 2, 2, 2});
  TensorId w4d = *net.AddInput("w4d", DataType::kFloat32, {2, 4, 2, 2});
  TensorId b = *net.AddInput("b", DataType::kFloat32, {3});
  DeconvolutionNdParams params;
  ExpectError(AddDeconvolutionNd(net, "d1", xi, w, -1, params).status(), {"d1", "int32"});
  ExpectError(AddDeconvolutionNd(net, "d2", x, w4d, -1, params).status(), {"d2", "same rank"});
  ExpectError(AddDeconvolutionNd(net, "d3", x, w3, -1, params).status(), {"d3", "expects 3"});
  ExpectError(AddDeconvolutionNd(net, "d4", x, w, b, params).status(), {"d4", "bias", "[4]"});
  params.strides = {1, 1};
  ExpectError(AddDeconvolutionNd(net, "d5", x, w, -1, params).status(), {"d5", "'strides' has 2"});
  params.strides = {};
  params.pads = {3, 3, 3, 3, 3, 3};
  ExpectError(AddDeconvolutionNd(net, "d6", x, w, -1, params).status(), {"d6", "would be empty"});
  params.pads = {};
  params.group = 4;
  ExpectError(AddDeconvolutionNd(net, "d7", x, w, -1, params).status(), {"d7", "group=4"});
  EXPECT_TRUE(AddDeconvolutionNd(net, "d8", x, w, -1, DeconvolutionNdParams{}).ok());
}

}  // namespace
}  // namespace kiln
