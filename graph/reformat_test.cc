#include "graph/reformat.h"

#include <cmath>
#include <cstring>
#include <random>

#include "gtest/gtest.h"

namespace kiln {
namespace {

TensorDesc Desc(DataType type, Dims dims, TensorFormat format) {
  TensorDesc d;
  d.name = "t";
  d.dtype = type;
  d.dims = std::move(dims);
  d.format = format;
  return d;
}

// [1, 2, 2, 3] NCHW holds 0..11; NHWC element (h, w, c) is c*6 + h*3 + w.
TEST(ReformatTest, NchwToNhwcHandChecked) {
  std::vector<float> in(12);
  for (int i = 0; i < 12; ++i) in[i] = static_cast<float>(i);
  std::vector<float> out(12, -1.0f);
  ReformatHost(Desc(DataType::kFloat32, {1, 2, 2, 3}, TensorFormat::kLinear), in.data(),
               Desc(DataType::kFloat32, {1, 2, 2, 3}, TensorFormat::kNHWC), out.data());
  const std::vector<float> want = {0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11};
  EXPECT_EQ(out, want);
}

TEST(ReformatTest, RoundTripsEveryLayoutBitExactly) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  const Dims dims = {2, 5, 3, 7};
  std::vector<uint32_t> in(Volume(dims)), mid(in.size()), back(in.size());
  for (uint32_t& v : in) v = rng();  // NaN payloads and all
  const TensorDesc linear = Desc(DataType::kInt32, dims, TensorFormat::kLinear);
  const TensorDesc nhwc = Desc(DataType::kInt32, dims, TensorFormat::kNHWC);
  ReformatHost(linear, in.data(), nhwc, mid.data());
  ReformatHost(nhwc, mid.data(), linear, back.data());
  EXPECT_EQ(in, back);
  // Spot check one element: (n, c, h, w) = (1, 4, 2, 6).
  EXPECT_EQ(mid[((1 * 3 + 2) * 7 + 6) * 5 + 4], in[((1 * 5 + 4) * 3 + 2) * 7 + 6]);
}

TEST(ReformatTest, Fp32ToFp16RoundsToNearestEven) {
  // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties to 1.
  // 1 + 3 * 2^-11 is halfway between 1 + 2^-10 and 1 + 2^-9: ties to 1 + 2^-9.
  const std::vector<float> in = {1.0f + std::ldexp(1.0f, -11), 1.0f + 3 * std::ldexp(1.0f, -11),
                                 65520.0f, -0.0f};
  std::vector<uint16_t> out(in.size());
  ReformatHost(Desc(DataType::kFloat32, {4}, TensorFormat::kLinear), in.data(),
               Desc(DataType::kFloat16, {4}, TensorFormat::kLinear), out.data());
  EXPECT_EQ(out[0], 0x3c00);  // 1.0
  EXPECT_EQ(out[1], 0x3c02);  // 1 + 2^-9
  EXPECT_EQ(out[2], 0x7c00);  // overflows to +inf
  EXPECT_EQ(out[3], 0x8000);  // -0.0 kept
}

TEST(ReformatTest, WeightsConvertPrecisionAndLayoutTogether) {
  Weights w = Weights::FromFloats({2, 3, 1, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  absl::StatusOr<Weights> r =
      ReformatWeights(w, TensorFormat::kLinear, DataType::kFloat16, TensorFormat::kNHWC);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->dtype(), DataType::kFloat16);
  ASSERT_EQ(r->dims(), w.dims());
  // KCRS -> KRSC: filter 1, (r, s) = (0, 1), c = 2 is KCRS element 6 + 2*2 + 1 = 11.
  EXPECT_EQ(HalfToFloat(r->as<uint16_t>()[((1 * 1 + 0) * 2 + 1) * 3 + 2]), 11.0f);
  EXPECT_EQ(HalfToFloat(r->as<uint16_t>()[0 * 3 + 1]), 2.0f);  // k0 r0 s0 c1 = KCRS 2
}

TEST(ReformatTest, RefusesWhatItCannotConvert) {
  absl::Status s = CheckReformat(Desc(DataType::kInt32, {2, 3}, TensorFormat::kLinear),
                                 DataType::kFloat16, TensorFormat::kLinear);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("use Cast"), std::string::npos) << s;
  s = CheckReformat(Desc(DataType::kFloat32, {2, 3, 4}, TensorFormat::kLinear),
                    DataType::kFloat32, TensorFormat::kNHWC);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("rank 3"), std::string::npos) << s;
  EXPECT_TRUE(CheckReformat(Desc(DataType::kInt8, {1, 2, 3, 4}, TensorFormat::kLinear),
                            DataType::kInt8, TensorFormat::kNHWC).ok());
}

}  // namespace
}  // namespace kiln
