// EmbeddingLayerNorm: hand-checked values on cpu_ref, and shape inference
// refusing bad inputs with the layer's name and what to give instead.
#include "ops/embedding_layer_norm.h"

#include <string>
#include <vector>

#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Const;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

Weights Ids(Dims dims, std::vector<int64_t> values) {
  Weights w(DataType::kInt64, std::move(dims));
  for (size_t i = 0; i < values.size(); ++i) w.mutable_as<int64_t>()[i] = values[i];
  return w;
}

TEST(EmbeddingLayerNormTest, HandCheckedRows) {
  // Table rows [1,3], [2,6], [0,0]; ids [0, -2] (-2 is row 1); segment rows
  // [1,1], [0,2] at ids [1, 0]; addend [0,0] per row. Sums: [1,5] and [3,7];
  // each row of 2 normalizes to [-1, 1] (epsilon 0); times Scale [2,3] plus
  // B [1,-1]: [-1, 2].
  std::vector<OpInput> inputs;
  inputs.push_back({Ids({1, 2}, {0, -2}), false});
  inputs.push_back(Const({3, 2}, {1, 3, 2, 6, 0, 0}));
  inputs.push_back({Ids({1, 2}, {1, 0}), false});
  inputs.push_back(Const({2, 2}, {1, 1, 0, 2}));
  inputs.push_back(Const({1, 2, 2}, {0, 0, 1, -1}));
  inputs.push_back(Const({2}, {2, 3}));
  inputs.push_back(Const({2}, {1, -1}));
  EmbeddingLayerNormParams p;
  p.epsilon = 0.0f;
  auto out = RunOp(kEmbeddingLayerNormOp, p.ToAttrs(), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 2, 2}));
  // Row 1 with its addend [1,-1]: [3,7] + [1,-1] = [4,6] -> [-1, 1] as well.
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-1, 2, -1, 2}));
}

// A network with ids int64 [2, 3] and the given constants (nullopt: omitted).
absl::Status AddWith(DataType ids_type, Dims table, std::optional<Dims> segment_ids,
                     std::optional<Dims> segment_table, std::optional<Dims> addend, Dims scale) {
  NetworkDefinition net;
  std::vector<TensorId> in = {*net.AddInput("ids", ids_type, {2, 3})};
  auto constant = [&](const std::string& name, std::optional<Dims> dims) -> TensorId {
    return dims.has_value() ? *net.AddConstant(name, Weights(DataType::kFloat32, *dims)) : -1;
  };
  in.push_back(constant("table", table));
  in.push_back(
      segment_ids.has_value() ? *net.AddInput("segment_ids", DataType::kInt64, *segment_ids) : -1);
  in.push_back(constant("segment_table", segment_table));
  in.push_back(constant("addend", addend));
  in.push_back(constant("scale", scale));
  return net.AddLayer1("emb", kEmbeddingLayerNormOp, in, EmbeddingLayerNormParams{}.ToAttrs())
      .status();
}

void ExpectRefused(const absl::Status& s, const std::string& part) {
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("layer 'emb' (EmbeddingLayerNorm)"), std::string::npos) << s;
  EXPECT_NE(s.message().find(part), std::string::npos) << s;
}

TEST(EmbeddingLayerNormTest, RefusesBadInputsByName) {
  EXPECT_TRUE(AddWith(DataType::kInt64, {10, 4}, Dims{2, 3}, Dims{2, 4}, Dims{1, 3, 4}, {4}).ok());
  ExpectRefused(AddWith(DataType::kFloat32, {10, 4}, {}, {}, {}, {4}),
                "Ids 'ids' is fp32; expected int32 or int64");
  ExpectRefused(AddWith(DataType::kInt64, {10, 4, 1}, {}, {}, {}, {4}),
                "Table 'table' is fp32[10x4x1]; expected fp32 or fp16 [V, C]");
  ExpectRefused(AddWith(DataType::kInt64, {10, 4}, Dims{2, 3}, {}, {}, {4}),
                "SegmentIds and SegmentTable come together");
  ExpectRefused(AddWith(DataType::kInt64, {10, 4}, Dims{2, 3}, Dims{2, 5}, {}, {4}),
                "SegmentTable 'segment_table'");
  // The addend may broadcast over leading dims only.
  ExpectRefused(AddWith(DataType::kInt64, {10, 4}, {}, {}, Dims{2, 1, 4}, {4}),
                "Addend 'addend' is fp32[2x1x4]; expected fp32 with dims that end like [2x3x4]");
  ExpectRefused(AddWith(DataType::kInt64, {10, 4}, {}, {}, {}, {5}),
                "Scale 'scale' is fp32[5]; expected fp32 [4]");
}

}  // namespace
}  // namespace kiln
