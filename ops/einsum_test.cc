#include "ops/einsum.h"

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

std::vector<float> Einsum(const std::string& eq, std::vector<OpInput> inputs, Dims expected) {
  auto out = RunOp(kEinsumOp, EinsumParams{eq}.ToAttrs(), inputs);
  EXPECT_TRUE(out.ok()) << eq << ": " << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dims(), expected) << eq;
  return ToFloats((*out)[0]);
}

template <typename... T>
std::vector<OpInput> Inputs(T... in) {
  std::vector<OpInput> v;
  (v.push_back(std::move(in)), ...);
  return v;
}

TEST(EinsumTest, MatmulTransposeAndOuterProduct) {
  // [[1,2],[3,4]] x [[5,6],[7,8]] = [[19,22],[43,50]].
  EXPECT_EQ(Einsum("ij,jk->ik", Inputs(In({2, 2}, {1, 2, 3, 4}), In({2, 2}, {5, 6, 7, 8})),
                   {2, 2}),
            (std::vector<float>{19, 22, 43, 50}));
  // Implicit output in ASCII order: "ba" is a transpose of a 2x3.
  EXPECT_EQ(Einsum("ba", Inputs(In({2, 3}, {0, 1, 2, 3, 4, 5})), {3, 2}),
            (std::vector<float>{0, 3, 1, 4, 2, 5}));
  // Three inputs: outer product [1,2] x [3] x [1,10].
  EXPECT_EQ(Einsum("i, j, k -> ijk", Inputs(In({2}, {1, 2}), In({1}, {3}), In({2}, {1, 10})),
                   {2, 1, 2}),
            (std::vector<float>{3, 30, 6, 60}));
}

TEST(EinsumTest, ReductionsTraceAndDiagonal) {
  std::vector<float> m = {1, 2, 3, 4};
  EXPECT_EQ(Einsum("ii", Inputs(In({2, 2}, m)), {}), (std::vector<float>{5}));  // trace
  EXPECT_EQ(Einsum("ii->i", Inputs(In({2, 2}, m)), {2}), (std::vector<float>{1, 4}));
  EXPECT_EQ(Einsum("ij->", Inputs(In({2, 2}, m)), {}), (std::vector<float>{10}));
  EXPECT_EQ(Einsum("ij->j", Inputs(In({2, 2}, m)), {2}), (std::vector<float>{4, 6}));
  // Inner product, implicit scalar output: 4 + 10 + 18.
  EXPECT_EQ(Einsum("i,i", Inputs(In({3}, {1, 2, 3}), In({3}, {4, 5, 6})), {}),
            (std::vector<float>{32}));
}

TEST(EinsumTest, EllipsisBatchesAndBroadcasts) {
  // Batch matmul: [1,2].[1,1] = 3; [3,4].[2,0] = 6.
  EXPECT_EQ(Einsum("...ij,...jk->...ik",
                   Inputs(In({2, 1, 2}, {1, 2, 3, 4}), In({2, 2, 1}, {1, 1, 2, 0})), {2, 1, 1}),
            (std::vector<float>{3, 6}));
  // The batch diagonal of two 2x2 matrices.
  EXPECT_EQ(Einsum("...ii->...i", Inputs(In({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})), {2, 2}),
            (std::vector<float>{1, 4, 5, 8}));
  // "..." covering no dims in one input and one dim in the other: rows of a
  // 2x3 dotted with [1,0,-1].
  EXPECT_EQ(Einsum("...i,...i->...", Inputs(In({2, 3}, {1, 2, 3, 4, 5, 6}), In({3}, {1, 0, -1})),
                   {2}),
            (std::vector<float>{-2, -2}));
  // A lettered dim of size 1 broadcasts across inputs, as in numpy.
  EXPECT_EQ(Einsum("ij,ij->ij", Inputs(In({1, 2}, {1, 2}), In({2, 2}, {1, 1, 3, 3})), {2, 2}),
            (std::vector<float>{1, 2, 3, 6}));
}

TEST(EinsumTest, Fp16) {
  Weights a(DataType::kFloat16, {2});
  a.mutable_as<uint16_t>()[0] = FloatToHalf(1.5f);
  a.mutable_as<uint16_t>()[1] = FloatToHalf(-2.0f);
  Weights b = a;
  auto out = RunOp(kEinsumOp, EinsumParams{"i,i->"}.ToAttrs(), {{a, false}, {b, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{6.25f}));
}

TEST(EinsumTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId m = *net.AddInput("m", DataType::kFloat32, {2, 3});
  TensorId v = *net.AddInput("v", DataType::kFloat32, {4});
  TensorId i = *net.AddInput("i", DataType::kInt32, {2, 3});
  TensorId h = *net.AddInput("h", DataType::kFloat16, {3});
  const auto eq = [](const char* e) { return EinsumParams{e}; };
  ExpectError(AddEinsum(net, "e1", {i}, eq("ij")), {"e1", "int32"});
  ExpectError(AddEinsum(net, "e2", {m, h}, eq("ij,j")), {"e2", "input 1", "fp16", "one type"});
  ExpectError(AddEinsum(net, "e3", {m}, eq("ij,j")), {"e3", "2 input terms for 1 inputs"});
  ExpectError(AddEinsum(net, "e4", {m}, eq("ijk")), {"e4", "names 3 dims but input 0 has 2"});
  ExpectError(AddEinsum(net, "e5", {m}, eq("i1")), {"e5", "has '1'"});
  ExpectError(AddEinsum(net, "e6", {m}, eq("...i...")), {"e6", "two '...'"});
  ExpectError(AddEinsum(net, "e7", {m}, eq("ij->k")), {"e7", "output letter 'k' is in no input"});
  ExpectError(AddEinsum(net, "e8", {m}, eq("ij->ii")), {"e8", "output letter 'i' appears twice"});
  ExpectError(AddEinsum(net, "e9", {m}, eq("...j->j")), {"e9", "output has no '...'"});
  ExpectError(AddEinsum(net, "e10", {m, v}, eq("ij,j->i")),
              {"e10", "input 1 dim 0 has size 4 where another input has 3"});
  ExpectError(AddEinsum(net, "e11", {m}, eq("ii->i")), {"e11", "diagonal", "2x3"});
  ExpectError(net.AddLayer1("e12", kEinsumOp, {m}, {}), {"e12", "'equation' is missing"});
  auto ok = AddEinsum(net, "ok", {m, m}, eq("ij,kj->ik"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{2, 2}));
}

}  // namespace
}  // namespace kiln
