#include "ops/shuffle.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/backend.h"
#include "backends/tactic_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;
using testutil::In;
using testutil::Iota;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;
using testutil::Typed;

ShuffleParams Transpose(std::vector<int64_t> perm) {
  ShuffleParams p;
  p.first_transpose = std::move(perm);
  return p;
}

ShuffleParams Reshape(Dims dims) {
  ShuffleParams p;
  p.has_reshape = true;
  p.reshape = std::move(dims);
  return p;
}

// Runs the reference tactic; checks the output dims and returns the values.
std::vector<float> Shuffle(const ShuffleParams& params, const OpInput& input, Dims expected_dims) {
  auto out = RunOp(kShuffleOp, params.ToAttrs(), {input});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dims(), expected_dims);
  return ToFloats((*out)[0]);
}

std::string ErrorOf(NetworkDefinition& net, absl::string_view layer, TensorId input,
                    const AttrMap& attrs) {
  auto s = net.AddLayer1(layer, kShuffleOp, {input}, attrs);
  EXPECT_FALSE(s.ok()) << layer << " was accepted";
  const std::string message(s.status().message());
  EXPECT_THAT(message, HasSubstr(absl::StrCat("layer '", layer, "' (Shuffle)")));
  return message;
}

TEST(ShuffleTest, TransposesA2x3Matrix) {
  // [[1,2,3],[4,5,6]] transposed is [[1,4],[2,5],[3,6]].
  EXPECT_EQ(Shuffle(Transpose({1, 0}), In({2, 3}, {1, 2, 3, 4, 5, 6}), {3, 2}),
            (std::vector<float>{1, 4, 2, 5, 3, 6}));
  // The identity permutation is a copy.
  EXPECT_EQ(Shuffle(Transpose({0, 1}), In({2, 3}, {1, 2, 3, 4, 5, 6}), {2, 3}),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  // As the second transpose, after no reshape: the same.
  ShuffleParams second;
  second.second_transpose = {1, 0};
  EXPECT_EQ(Shuffle(second, In({2, 3}, {1, 2, 3, 4, 5, 6}), {3, 2}),
            (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(ShuffleTest, TransposesNchwToNhwc) {
  // in[0][c][h][w] = c*6 + h*3 + w for a 1x2x2x3 tensor; NHWC lists the two
  // channels of each pixel together: (0,6), (1,7), ..., (5,11).
  EXPECT_EQ(Shuffle(Transpose({0, 2, 3, 1}), In({1, 2, 2, 3}, Iota(12)), {1, 2, 3, 2}),
            (std::vector<float>{0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11}));
}

TEST(ShuffleTest, ReshapesWithPlaceholdersAndInference) {
  // 0 copies the batch, -1 takes the rest: 2x3x4 -> 2x12, data unchanged.
  EXPECT_EQ(Shuffle(Reshape({0, -1}), In({2, 3, 4}, Iota(24)), {2, 12}), Iota(24));
  EXPECT_EQ(Shuffle(Reshape({-1, 0, 2}), In({2, 3, 4}, Iota(24)), {4, 3, 2}), Iota(24));
  // has_reshape with an empty list is a reshape to a scalar...
  EXPECT_EQ(Shuffle(Reshape({}), In({1, 1}, {5}), {}), (std::vector<float>{5}));
  // ...and without it, no reshape at all.
  EXPECT_EQ(Shuffle(ShuffleParams{}, In({1, 2}, {5, 6}), {1, 2}), (std::vector<float>{5, 6}));
  // With zero_is_placeholder=0 a 0 is a real size: 2x0 -> 0x5.
  ShuffleParams literal = Reshape({0, 5});
  literal.zero_is_placeholder = false;
  EXPECT_EQ(Shuffle(literal, In({2, 0}, {}), {0, 5}), std::vector<float>{});
}

TEST(ShuffleTest, TransposeReshapeTranspose) {
  // in (1x2x3) = [[0,1,2],[3,4,5]]; first {0,2,1} gives 1x3x2
  // [[0,3],[1,4],[2,5]]; reshape {0,2,3} regroups it as [[0,3,1],[4,2,5]];
  // second {0,2,1} transposes that: [[0,4],[3,2],[1,5]].
  ShuffleParams p;
  p.first_transpose = {0, 2, 1};
  p.has_reshape = true;
  p.reshape = {0, 2, 3};
  p.second_transpose = {0, 2, 1};
  EXPECT_EQ(Shuffle(p, In({1, 2, 3}, Iota(6)), {1, 3, 2}),
            (std::vector<float>{0, 4, 3, 2, 1, 5}));

  // Only the second transpose, after a reshape: 1x6 -> 2x3 -> 3x2.
  ShuffleParams q = Reshape({2, 3});
  q.second_transpose = {1, 0};
  EXPECT_EQ(Shuffle(q, In({1, 6}, Iota(6)), {3, 2}), (std::vector<float>{0, 3, 1, 4, 2, 5}));

  // Two transposes with no reshape between them compose: {2,0,1} then
  // {1,0,2} is {0,2,1} of the input, 1x2x3 -> 1x3x2.
  ShuffleParams r;
  r.first_transpose = {2, 0, 1};
  r.second_transpose = {1, 0, 2};
  EXPECT_EQ(Shuffle(r, In({1, 2, 3}, Iota(6)), {1, 3, 2}),
            (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(ShuffleTest, RunsBelowTheMaxBatchFromTheArgsDescs) {
  // Built for batch 3, run at batch 2: the kernel must take dims from the
  // args, and the workspace (sized at batch 3) must suffice.
  ShuffleParams p;
  p.first_transpose = {0, 2, 1};
  p.has_reshape = true;
  p.reshape = {0, 2, 3};
  p.second_transpose = {0, 2, 1};
  auto max_node = testutil::MakeNodeContext(kShuffleOp, p.ToAttrs(), {In({3, 2, 3}, Iota(18))});
  ASSERT_TRUE(max_node.ok()) << max_node.status();
  const OpInput batch2 = In({2, 2, 3}, Iota(12));
  auto node = testutil::MakeNodeContext(kShuffleOp, p.ToAttrs(), {batch2});
  ASSERT_TRUE(node.ok()) << node.status();

  const Tactic* tactic = TacticRegistry::Global().Reference(kShuffleOp);
  ASSERT_NE(tactic, nullptr);
  EXPECT_EQ(tactic->name(), "cpu_ref.shuffle.direct");
  EXPECT_EQ(tactic->WorkspaceSize(*max_node), 18 * sizeof(float));
  auto kernel = tactic->CreateKernel(*max_node, {});
  ASSERT_TRUE(kernel.ok()) << kernel.status();

  HostBuffer workspace(tactic->WorkspaceSize(*max_node));
  std::vector<float> out(12, -1.0f);
  const void* in_ptr = batch2.value.data();
  void* out_ptr = out.data();
  KernelArgs args;
  args.input_descs = node->inputs;
  args.output_descs = node->outputs;
  args.inputs = absl::MakeConstSpan(&in_ptr, 1);
  args.outputs = absl::MakeConstSpan(&out_ptr, 1);
  args.workspace = workspace.data();
  args.workspace_size = workspace.size();
  ASSERT_TRUE((*kernel)->Run(args).ok());
  // Each batch item is shuffled as in TransposeReshapeTranspose, item 1
  // offset by 6.
  EXPECT_EQ(out, (std::vector<float>{0, 4, 3, 2, 1, 5, 6, 10, 9, 8, 7, 11}));
}

TEST(ShuffleTest, MovesBitsExactlyForEveryElementSize) {
  const std::vector<uint32_t> f32 = {0x7fc12345u, 0x80000000u, 0xff800001u,
                                     0x00000001u, 0x3f800000u, 0x7f800000u};
  const AttrMap transpose = Transpose({1, 0}).ToAttrs();
  auto out = RunOp(kShuffleOp, transpose, {Typed(DataType::kFloat32, {2, 3}, f32)});
  ASSERT_TRUE(out.ok()) << out.status();
  const uint32_t expected[] = {0x7fc12345u, 0x00000001u, 0x80000000u,
                               0x3f800000u, 0xff800001u, 0x7f800000u};
  EXPECT_EQ(std::memcmp((*out)[0].data(), expected, sizeof(expected)), 0);

  const std::vector<uint16_t> f16 = {0x7e01, 0x8000, 0x3c00, 0xfc01};
  out = RunOp(kShuffleOp, transpose, {Typed(DataType::kFloat16, {2, 2}, f16)});
  ASSERT_TRUE(out.ok()) << out.status();
  const uint16_t expected16[] = {0x7e01, 0x3c00, 0x8000, 0xfc01};
  EXPECT_EQ(std::memcmp((*out)[0].data(), expected16, sizeof(expected16)), 0);

  const std::vector<int64_t> i64 = {INT64_MIN, 1, -2, INT64_MAX};
  out = RunOp(kShuffleOp, transpose, {Typed(DataType::kInt64, {2, 2}, i64)});
  ASSERT_TRUE(out.ok()) << out.status();
  const int64_t expected64[] = {INT64_MIN, -2, 1, INT64_MAX};
  EXPECT_EQ(std::memcmp((*out)[0].data(), expected64, sizeof(expected64)), 0);

  const std::vector<uint8_t> flags = {1, 0, 0, 1, 1, 0};
  out = RunOp(kShuffleOp, transpose, {Typed(DataType::kBool, {3, 2}, flags)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 0, 1, 0, 1, 0}));
}

TEST(ShuffleTest, HelpersBuildLayers) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {4, 3, 8, 8});
  auto flat = AddReshape(net, "flatten", x, {0, -1});
  ASSERT_TRUE(flat.ok()) << flat.status();
  EXPECT_EQ(net.desc(*flat).dims, (Dims{4, 192}));
  auto nhwc = AddTranspose(net, "to_nhwc", x, {0, 2, 3, 1});
  ASSERT_TRUE(nhwc.ok()) << nhwc.status();
  EXPECT_EQ(net.desc(*nhwc).dims, (Dims{4, 8, 8, 3}));
  EXPECT_EQ(net.desc(*nhwc).dtype, DataType::kFloat32);
}

TEST(ShuffleTest, RejectsBadPermutations) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4});
  std::string s = ErrorOf(net, "short_perm", x, Transpose({1, 0}).ToAttrs());
  EXPECT_THAT(s, HasSubstr("first_transpose [1,0] has 2 entries"));
  EXPECT_THAT(s, HasSubstr("rank 3"));
  s = ErrorOf(net, "perm_range", x, Transpose({0, 1, 3}).ToAttrs());
  EXPECT_THAT(s, HasSubstr("has entry 3, outside 0..2"));
  s = ErrorOf(net, "perm_negative", x, Transpose({0, -1, 2}).ToAttrs());
  EXPECT_THAT(s, HasSubstr("has entry -1"));
  s = ErrorOf(net, "perm_repeat", x, Transpose({0, 1, 1}).ToAttrs());
  EXPECT_THAT(s, HasSubstr("repeats 1"));
  // The second transpose permutes the reshaped tensor (rank 2 here).
  ShuffleParams p = Reshape({0, -1});
  p.second_transpose = {2, 1, 0};
  s = ErrorOf(net, "second_perm", x, p.ToAttrs());
  EXPECT_THAT(s, HasSubstr("second_transpose [2,1,0] has 3 entries"));
  EXPECT_THAT(s, HasSubstr("2x12"));
}

TEST(ShuffleTest, RejectsBadReshapes) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4});
  std::string s = ErrorOf(net, "two_infer", x, Reshape({-1, -1}).ToAttrs());
  EXPECT_THAT(s, HasSubstr("more than one -1"));
  s = ErrorOf(net, "minus_two", x, Reshape({0, -2, 12}).ToAttrs());
  EXPECT_THAT(s, HasSubstr("entry 1 is -2"));
  s = ErrorOf(net, "volume", x, Reshape({0, 5}).ToAttrs());
  EXPECT_THAT(s, HasSubstr("volume 10"));
  EXPECT_THAT(s, HasSubstr("volume 24"));
  s = ErrorOf(net, "indivisible", x, Reshape({5, -1}).ToAttrs());
  EXPECT_THAT(s, HasSubstr("not a multiple of 5"));
  s = ErrorOf(net, "placeholder_rank", x, Reshape({1, 1, 1, 0, -1}).ToAttrs());
  EXPECT_THAT(s, HasSubstr("entry 3 is 0 (copy input dim 3)"));
  ShuffleParams zero_infer = Reshape({0, -1});
  zero_infer.zero_is_placeholder = false;
  s = ErrorOf(net, "zero_infer", x, zero_infer.ToAttrs());
  EXPECT_THAT(s, HasSubstr("cannot infer its -1"));
  s = ErrorOf(net, "overflow", x, Reshape({INT64_MAX, 4, -1}).ToAttrs());
  EXPECT_THAT(s, HasSubstr("overflows"));
}

TEST(ShuffleTest, RejectsBadFlags) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  AttrMap attrs;
  attrs.Set("has_reshape", 2);
  EXPECT_THAT(ErrorOf(net, "has_reshape_2", x, attrs),
              HasSubstr("'has_reshape' is 2; expected 0 or 1"));
  ShuffleParams contradiction;
  contradiction.reshape = {6};  // has_reshape left false
  EXPECT_THAT(ErrorOf(net, "contradiction", x, contradiction.ToAttrs()),
              HasSubstr("'has_reshape' is 0 but 'reshape' is [6]"));
  AttrMap placeholder;
  placeholder.Set("zero_is_placeholder", 5);
  EXPECT_THAT(ErrorOf(net, "placeholder_5", x, placeholder), HasSubstr("zero_is_placeholder"));
  AttrMap wrong_type;
  wrong_type.Set("first_transpose", 1);
  EXPECT_THAT(ErrorOf(net, "perm_type", x, wrong_type), HasSubstr("first_transpose"));
}

// reshape_refs: entries read from another input's dims at shape inference
// (what the ONNX importer writes for a dynamic-shape export); that input's
// data is never read.
TEST(ShuffleTest, ReshapeRefsReadOtherInputsDims) {
  ShuffleParams params = Reshape({1, 1, 1});
  params.reshape_refs = {DimRef{1, 0}, DimRef{-1, 0}, DimRef{1, 1}};
  const OpInput shape_of = Typed<int64_t>(DataType::kInt64, {2, 3}, {9, 9, 9, 9, 9, 9});
  auto out = RunOp(kShuffleOp, params.ToAttrs(), {In({6, 1}, Iota(6)), shape_of});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{2, 1, 3}));
  EXPECT_EQ(ToFloats((*out)[0]), Iota(6));
  EXPECT_EQ(ShuffleParams::FromAttrs(params.ToAttrs())->reshape_refs.size(), 3u);
}

TEST(ShuffleTest, RejectsBadReshapeRefs) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {6});
  TensorId r = *net.AddInput("r", DataType::kInt64, {2, 3});
  ShuffleParams self = Reshape({1, 1});
  self.reshape_refs = {DimRef{0, 0}, DimRef{-1, 0}};
  auto s = net.AddLayer1("self", kShuffleOp, {x, r}, self.ToAttrs());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("may not reference"));
  ShuffleParams far = Reshape({1, 6});
  far.reshape_refs = {DimRef{1, 5}, DimRef{-1, 0}};
  s = net.AddLayer1("far", kShuffleOp, {x, r}, far.ToAttrs());
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("reads dim 5 of input 'r', which is 2x3"));
  ShuffleParams missing = far;
  missing.reshape_refs = {DimRef{2, 0}, DimRef{-1, 0}};
  s = net.AddLayer1("missing", kShuffleOp, {x, r}, missing.ToAttrs());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("does not have"));
  AttrMap short_refs = Reshape({2, 3}).ToAttrs();
  short_refs.Set("reshape_refs", std::vector<int64_t>{1, 0});
  EXPECT_THAT(ErrorOf(net, "short", x, short_refs), HasSubstr("needs an (input, dim) pair"));
}

}  // namespace
}  // namespace kiln
