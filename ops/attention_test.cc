#include "ops/attention.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectError;
using testutil::In;
using testutil::Omitted;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

constexpr float kInf = std::numeric_limits<float>::infinity();

AttrMap Attrs(float scale, bool causal = false) {
  AttentionParams p;
  p.scale = scale;
  p.causal = causal;
  return p.ToAttrs();
}

std::vector<float> RunAttention(const AttrMap& attrs, const std::vector<OpInput>& inputs) {
  auto out = RunOp(kAttentionOp, attrs, inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

TEST(AttentionTest, AttributesRoundTrip) {
  auto back = AttentionParams::FromAttrs(Attrs(0.125f, true));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->scale, 0.125f);
  EXPECT_TRUE(back->causal);
  AttrMap no_causal;
  no_causal.Set("scale", 2.0f);
  back = AttentionParams::FromAttrs(no_causal);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->causal);
}

TEST(AttentionTest, HandCheckedValues) {
  // One head, Sq = 2, Sk = 2, D = 1, Dv = 2; scale 0.5.
  // q = [2, 0]: row 0 logits 0.5 * 2 * [ln 3, 0] = [ln 3, 0] -> p = [3/4, 1/4];
  // row 1 logits [0, 0] -> p = [1/2, 1/2]. v rows [4, 8] and [0, -4].
  const std::vector<OpInput> inputs = {In({1, 1, 2, 1}, {2.0f, 0.0f}),
                                       In({1, 1, 2, 1}, {std::log(3.0f), 0.0f}),
                                       In({1, 1, 2, 2}, {4.0f, 8.0f, 0.0f, -4.0f})};
  const std::vector<float> y = RunAttention(Attrs(0.5f), inputs);
  const std::vector<float> want = {3.0f, 5.0f, 2.0f, 2.0f};
  ASSERT_EQ(y.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-6f) << i;

  // The mask [1, 1, 1, 2] adds ln 3 to key 1 of every row: row 0 logits
  // [ln 3, ln 3] -> [1/2, 1/2]; row 1 [0, ln 3] -> [1/4, 3/4].
  std::vector<OpInput> masked = inputs;
  masked.push_back(In({1, 1, 1, 2}, {0.0f, std::log(3.0f)}));
  const std::vector<float> ym = RunAttention(Attrs(0.5f), masked);
  const std::vector<float> want_m = {2.0f, 2.0f, 1.0f, -1.0f};
  ASSERT_EQ(ym.size(), want_m.size());
  for (size_t i = 0; i < want_m.size(); ++i) EXPECT_NEAR(ym[i], want_m[i], 1e-6f) << i;
}

TEST(AttentionTest, CausalSeesKeysUpToTheQuerysPosition) {
  // Sq = 2, Sk = 3, all logits 0: the queries are positions 1 and 2, so
  // row 0 averages keys 0..1 and row 1 keys 0..2. v = [3, 6, 12] (Dv = 1).
  const std::vector<OpInput> inputs = {In({1, 1, 2, 1}, {0.0f, 0.0f}),
                                       In({1, 1, 3, 1}, {1.0f, 2.0f, 3.0f}),
                                       In({1, 1, 3, 1}, {3.0f, 6.0f, 12.0f})};
  EXPECT_EQ(RunAttention(Attrs(1.0f, /*causal=*/true), inputs), (std::vector<float>{4.5f, 7.0f}));
  EXPECT_EQ(RunAttention(Attrs(1.0f, /*causal=*/false), inputs), (std::vector<float>{7.0f, 7.0f}));
}

TEST(AttentionTest, RowWithEveryKeyMaskedIsZero) {
  // Causal with Sq = 3 > Sk = 1: queries 0 and 1 come before the one key and
  // see nothing (the unfused softmax would give NaN); query 2 sees key 0.
  const std::vector<OpInput> causal = {In({1, 1, 3, 1}, {1.0f, 2.0f, 3.0f}), In({1, 1, 1, 1}, {1}),
                                       In({1, 1, 1, 2}, {5.0f, -7.0f})};
  EXPECT_EQ(RunAttention(Attrs(1.0f, true), causal),
            (std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f, 5.0f, -7.0f}));
  // A -inf mask over a whole row (a padded query), the other row masked on
  // one key only.
  const std::vector<OpInput> masked = {In({1, 1, 2, 1}, {1.0f, 1.0f}),
                                       In({1, 1, 2, 1}, {1.0f, 1.0f}),
                                       In({1, 1, 2, 1}, {5.0f, -7.0f}),
                                       In({1, 1, 2, 2}, {-kInf, -kInf, 0.0f, -kInf})};
  EXPECT_EQ(RunAttention(Attrs(1.0f), masked), (std::vector<float>{0.0f, 5.0f}));
}

TEST(AttentionTest, Fp16InputsGiveAnFp16Output) {
  // Equal logits: y = (3 + 0.5) / 2 = 1.75, an exact fp16.
  auto half = [](Dims dims, std::vector<float> values) {
    Weights w(DataType::kFloat16, dims);
    for (size_t i = 0; i < values.size(); ++i) w.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
    return OpInput{w, false};
  };
  auto out = RunOp(kAttentionOp, Attrs(1.0f),
                   {half({1, 1, 1, 1}, {0.0f}), half({1, 1, 2, 1}, {1.0f, 2.0f}),
                    half({1, 1, 2, 1}, {3.0f, 0.5f})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1.75f}));
}

TEST(AttentionTest, OutputIsQsBatchHeadsAndQueriesByVsHeadSize) {
  NetworkDefinition net;
  TensorId q = *net.AddInput("q", DataType::kFloat16, {2, 4, 5, 8});
  TensorId k = *net.AddInput("k", DataType::kFloat16, {2, 4, 7, 8});
  TensorId v = *net.AddInput("v", DataType::kFloat16, {2, 4, 7, 3});
  TensorId mask = *net.AddInput("mask", DataType::kFloat32, {2, 1, 1, 7});
  auto y = AddAttention(net, "attn", q, k, v, mask, AttentionParams{0.35f, false});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.graph().tensor(*y).desc.dtype, DataType::kFloat16);
  EXPECT_EQ(net.graph().tensor(*y).desc.dims, (Dims{2, 4, 5, 3}));
  auto no_mask = AddAttention(net, "attn2", q, k, v, -1, AttentionParams{0.35f, true});
  ASSERT_TRUE(no_mask.ok()) << no_mask.status();
  EXPECT_EQ(net.graph().tensor(*no_mask).desc.dims, (Dims{2, 4, 5, 3}));
}

// Adds layer "attn" of q, k, v (and mask when given) with `attrs` to a fresh
// network and expects it refused with a message containing every part.
void ExpectRejected(Dims q, Dims k, Dims v, std::optional<Dims> mask, const AttrMap& attrs,
                    std::initializer_list<const char*> parts, DataType k_type = DataType::kFloat32,
                    DataType mask_type = DataType::kFloat32) {
  NetworkDefinition net;
  std::vector<TensorId> inputs = {*net.AddInput("q", DataType::kFloat32, q),
                                  *net.AddInput("k", k_type, k),
                                  *net.AddInput("v", DataType::kFloat32, v)};
  if (mask.has_value()) inputs.push_back(*net.AddInput("mask", mask_type, *mask));
  auto y = net.AddLayer1("attn", kAttentionOp, inputs, attrs);
  ExpectError(y, {"layer 'attn' (Attention)"});
  ExpectError(y, parts);
}

TEST(AttentionTest, ValidationNamesTheLayerAndWhatIsWrong) {
  const Dims q = {2, 4, 5, 8}, k = {2, 4, 7, 8}, v = {2, 4, 7, 3};
  const AttrMap ok = Attrs(0.5f);
  ExpectRejected(q, k, v, std::nullopt, AttrMap{}, {"attribute 'scale' is required"});
  ExpectRejected(q, k, v, std::nullopt, Attrs(0.0f), {"scale is 0; expected a finite value > 0"});
  ExpectRejected(q, k, v, std::nullopt, Attrs(-1.0f), {"scale is -1"});
  ExpectRejected(q, k, v, std::nullopt, Attrs(kInf), {"scale is inf"});
  AttrMap bad_causal = ok;
  bad_causal.Set("causal", 2);
  ExpectRejected(q, k, v, std::nullopt, bad_causal, {"causal must be 0 or 1, got 2"});
  ExpectRejected({4, 5, 8}, k, v, std::nullopt, ok,
                 {"Q 'q' (fp32 4x5x8) has rank 3; expected rank 4 [B, H, Sq, D]"});
  ExpectRejected(q, {2, 4, 7, 8, 1}, v, std::nullopt, ok, {"K 'k'", "has rank 5"});
  ExpectRejected(q, {2, 3, 7, 8}, v, std::nullopt, ok,
                 {"K 'k' (fp32 2x3x7x8) and Q 'q'", "differ in batch or heads"});
  ExpectRejected(q, k, {1, 4, 7, 3}, std::nullopt, ok, {"V 'v'", "differ in batch or heads"});
  ExpectRejected(q, {2, 4, 7, 6}, v, std::nullopt, ok, {"has head size D = 6", "has D = 8"});
  ExpectRejected(q, k, {2, 4, 6, 3}, std::nullopt, ok, {"V 'v'", "has 6 keys", "has Sk = 7"});
  ExpectRejected(q, k, v, std::nullopt, ok,
                 {"K 'k' (fp16 2x4x7x8) is fp16 but Q 'q'", "must have one type"},
                 DataType::kFloat16);
  ExpectRejected(q, k, v, std::nullopt, ok, {"K 'k'", "is not fp32 or fp16"}, DataType::kInt32);
  ExpectRejected(q, k, v, Dims{2, 1, 1, 6}, ok,
                 {"mask 'mask' (fp32 2x1x1x6) does not broadcast to the scores [B, H, Sq, Sk] = "
                  "2x4x5x7"});
  ExpectRejected(q, k, v, Dims{1, 2, 4, 5, 7}, ok, {"mask 'mask'", "does not broadcast"});
  ExpectRejected(q, k, v, Dims{5, 7}, ok, {"mask 'mask'", "is not fp32 or fp16"},
                 DataType::kFloat32, DataType::kInt32);
}

TEST(AttentionTest, MaskOfAnyBroadcastableShapeIsAccepted) {
  for (const Dims& mask : {Dims{2, 4, 5, 7}, Dims{2, 1, 1, 7}, Dims{1, 1, 5, 7}, Dims{5, 7},
                           Dims{7}, Dims{1}, Dims{}}) {
    NetworkDefinition net;
    TensorId q = *net.AddInput("q", DataType::kFloat32, {2, 4, 5, 8});
    TensorId k = *net.AddInput("k", DataType::kFloat32, {2, 4, 7, 8});
    TensorId v = *net.AddInput("v", DataType::kFloat32, {2, 4, 7, 3});
    TensorId m = *net.AddConstant("mask", Weights(DataType::kFloat32, mask));
    auto y = AddAttention(net, "attn", q, k, v, m, AttentionParams{1.0f, false});
    EXPECT_TRUE(y.ok()) << DimsString(mask) << ": " << y.status();
  }
}

}  // namespace
}  // namespace kiln
