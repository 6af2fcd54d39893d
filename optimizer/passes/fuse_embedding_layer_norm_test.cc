// FuseEmbeddingLayerNorm: BERT's embedding layer (word and token-type
// lookups, the position embeddings, LayerNorm) becomes one layer; the cases
// it must leave alone; and that a built network computes the same with and
// without the fusion (which also checks cpu_ref's EmbeddingLayerNorm against
// the unfused Gather, Add and LayerNormalization).
#include "optimizer/passes/fuse_embedding_layer_norm.h"

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "ops/element_wise.h"
#include "ops/embedding_layer_norm.h"
#include "ops/gather.h"
#include "ops/layer_normalization.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "optimizer/precision_assignment.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Names;

constexpr int64_t kB = 2, kS = 5, kC = 16, kVocab = 11, kTypes = 2;

struct Options {
  bool segments = true;           // the token-type lookup
  bool positions = true;          // the position embeddings [1, S, C] (a constant)
  bool sum_is_output = false;     // word + type is a network output too
  bool mean_is_output = false;    // the LN's Mean is a network output
  bool third_lookup = false;      // a third table lookup is added in
  bool word_table_input = false;  // the word table is a network input, not a constant
};

// ids, type_ids [B, S] (int64) -> (word[ids] + type[type_ids]) + pos -> LN -> "y".
NetworkDefinition Embeddings(const Options& o, std::mt19937& rng) {
  NetworkDefinition net;
  const TensorId ids = *net.AddInput("ids", DataType::kInt64, {kB, kS});
  const TensorId type_ids = *net.AddInput("type_ids", DataType::kInt64, {kB, kS});
  const TensorId word_table =
      o.word_table_input
          ? *net.AddInput("word_table", DataType::kFloat32, {kVocab, kC}, /*batched=*/false)
          : *net.AddConstant("word_table",
                             testutil::RandomFloats({kVocab, kC}, rng));
  TensorId sum = *AddGather(net, "word", word_table, ids);
  if (o.segments) {
    const TensorId table =
        *net.AddConstant("type_table", testutil::RandomFloats({kTypes, kC}, rng));
    const TensorId type = *AddGather(net, "type", table, type_ids);
    sum = *AddElementWise(net, "word_plus_type", sum, type, ElementWiseOp::kSum);
    if (o.sum_is_output) EXPECT_TRUE(net.MarkOutput(sum).ok());
  }
  if (o.third_lookup) {
    const TensorId table = *net.AddConstant(
        "third_table", testutil::RandomFloats({kTypes, kC}, rng));
    const TensorId third = *AddGather(net, "third", table, type_ids);
    sum = *AddElementWise(net, "plus_third", sum, third, ElementWiseOp::kSum);
  }
  if (o.positions) {
    const TensorId pos =
        *net.AddConstant("positions", testutil::RandomFloats({1, kS, kC}, rng));
    sum = *AddElementWise(net, "plus_positions", sum, pos, ElementWiseOp::kSum);
  }
  LayerNormalizationParams p;
  p.epsilon = 1e-12f;
  const TensorId y = *AddLayerNormalization(net, "ln", sum, p,
                                            testutil::RandomFloats({kC}, rng, 0.5f, 2.0f),
                                            testutil::RandomFloats({kC}, rng));
  EXPECT_TRUE(net.RenameTensor(y, "y").ok());
  EXPECT_TRUE(net.MarkOutput(y).ok());
  if (o.mean_is_output) {
    const Graph& g = net.graph();
    EXPECT_TRUE(net.MarkOutput(g.node(g.tensor(y).producer).outputs[1]).ok());
  }
  return net;
}

TEST(FuseEmbeddingLayerNormTest, BertsEmbeddingLayerBecomesOneLayer) {
  std::mt19937 rng(testutil::TestSeed());
  Graph g = Embeddings({}, rng).graph();
  FuseEmbeddingLayerNorm pass;
  auto changed = pass.Run(g, nullptr);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  ASSERT_EQ(Names(g), (std::vector<std::string>{"ln"}));
  const Node& node = g.node(0);
  EXPECT_EQ(node.op, kEmbeddingLayerNormOp);
  ASSERT_EQ(node.inputs.size(), 7u);
  auto name = [&](int i) { return node.inputs[i] < 0 ? "" : g.tensor(node.inputs[i]).desc.name; };
  EXPECT_EQ(name(kEmbedIds), "ids");
  EXPECT_EQ(name(kEmbedTable), "word_table");
  EXPECT_EQ(name(kEmbedSegmentIds), "type_ids");
  EXPECT_EQ(name(kEmbedSegmentTable), "type_table");
  EXPECT_EQ(name(kEmbedAddend), "positions");
  EXPECT_EQ(name(kEmbedScale), "ln.scale");
  EXPECT_EQ(name(kEmbedBias), "ln.bias");
  ASSERT_EQ(node.outputs.size(), 1u);
  EXPECT_EQ(g.tensor(node.outputs[0]).desc.name, "y");
  EXPECT_EQ(g.tensor(node.outputs[0]).producer, 0);
  auto params = EmbeddingLayerNormParams::FromAttrs(node.attrs);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_FLOAT_EQ(params->epsilon, 1e-12f);
  auto again = pass.Run(g, nullptr);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(*again);
}

TEST(FuseEmbeddingLayerNormTest, OneLookupAloneOrWithoutPositions) {
  std::mt19937 rng(testutil::TestSeed());
  for (const Options& o : {Options{.segments = false, .positions = false},
                           Options{.segments = false}, Options{.positions = false}}) {
    Graph g = Embeddings(o, rng).graph();
    FuseEmbeddingLayerNorm pass;
    auto changed = pass.Run(g, nullptr);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_TRUE(*changed);
    EXPECT_EQ(Names(g), (std::vector<std::string>{"ln"}));
  }
}

TEST(FuseEmbeddingLayerNormTest, LeavesWhatItCannotTake) {
  std::mt19937 rng(testutil::TestSeed());
  FuseEmbeddingLayerNorm pass;
  testutil::ExpectNotFused(pass, Embeddings({.mean_is_output = true}, rng),
                           {"word", "type", "word_plus_type", "plus_positions", "ln"},
                           {"not fusing at 'ln'", "Mean or InvStdDev is read"});
  testutil::ExpectNotFused(
      pass, Embeddings({.third_lookup = true}, rng),
      {"word", "type", "word_plus_type", "third", "plus_third", "plus_positions", "ln"},
      {"not fusing at 'ln'", "3 table lookups and 1 other tensors"});
  // word + type is an output: it stays a term of its own, so the LN's terms
  // are it and the positions, no lookup: nothing to fuse.
  Graph g = Embeddings({.sum_is_output = true}, rng).graph();
  auto changed = pass.Run(g, nullptr);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_EQ(Names(g),
            (std::vector<std::string>{"word", "type", "word_plus_type", "plus_positions", "ln"}));
}

// A dynamic-sequence export computes the position embeddings at run time (a
// Gather of the position table at 0..seq-1): with no constant addend, the
// third lookup stays a layer of its own and its result is the addend.
TEST(FuseEmbeddingLayerNormTest, AThirdLookupWithoutAddendBecomesTheAddend) {
  std::mt19937 rng(testutil::TestSeed());
  Graph g = Embeddings({.positions = false, .third_lookup = true}, rng).graph();
  FuseEmbeddingLayerNorm pass;
  auto changed = pass.Run(g, nullptr);
  ASSERT_TRUE(changed.ok()) << changed.status();
  ASSERT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"third", "ln"}));
  const Node& fused = g.node(*g.FindNode("ln"));
  EXPECT_EQ(fused.op, kEmbeddingLayerNormOp);
  EXPECT_EQ(fused.inputs[kEmbedAddend], g.node(*g.FindNode("third")).outputs[0]);
}

TEST(FuseEmbeddingLayerNormTest, ATableThatIsNotAConstantIsATermOfItsOwn) {
  // The word lookup of a non-constant table is not fused: it, the type
  // lookup and the positions would be two lookups' worth of dense terms.
  std::mt19937 rng(testutil::TestSeed());
  FuseEmbeddingLayerNorm pass;
  testutil::ExpectNotFused(pass, Embeddings({.word_table_input = true}, rng),
                           {"word", "type", "word_plus_type", "plus_positions", "ln"},
                           {"not fusing at 'ln'", "1 table lookups and 2 other tensors"});
}

TEST(FuseEmbeddingLayerNormTest, FusesOnlyWhereATacticRunsIt) {
  std::mt19937 rng(testutil::TestSeed());
  Graph g = Embeddings({}, rng).graph();
  FuseEmbeddingLayerNorm gated({"no_such_backend"});
  testutil::RecordingLogger logger;
  EXPECT_FALSE(*gated.Run(g, &logger));
  EXPECT_TRUE(logger.Said({"no tactic on backends [no_such_backend]", "an EmbeddingLayerNorm"}))
      << logger.All();
  FuseEmbeddingLayerNorm open({"cpu_ref"});
  EXPECT_TRUE(*open.Run(g, nullptr));
}

// Builds `net` on cpu_ref (expecting `layers` layers), runs it at batch kB
// on `ids` and `type_ids`, and returns "y".
std::vector<float> BuildAndRun(const NetworkDefinition& net, int layers, std::vector<int64_t> ids,
                               std::vector<int64_t> type_ids) {
  BuildConfig config;
  config.max_batch = kB;
  auto plan = Builder::Build(net, config);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return {};
  EXPECT_EQ(static_cast<int>(plan->nodes.size()), layers);
  auto bytes = PlanWriter::Write(*plan);
  auto engine = Runtime::Deserialize(*bytes);
  EXPECT_TRUE(engine.ok()) << engine.status();
  if (!engine.ok()) return {};
  auto ctx = (*engine)->CreateExecutionContext();
  std::vector<std::vector<float>> outputs;
  std::vector<void*> bindings = {ids.data(), type_ids.data()};
  for (int i = 2; i < (*engine)->num_bindings(); ++i) {
    outputs.emplace_back((*engine)->binding_desc(i, kB)->volume(), NAN);
    bindings.push_back(outputs.back().data());
  }
  absl::Status run = (*ctx)->Execute(kB, bindings);
  EXPECT_TRUE(run.ok()) << run;
  const int y = (*engine)->binding_index("y");
  EXPECT_GE(y, 2);
  return y >= 2 ? outputs[y - 2] : std::vector<float>{};
}

TEST(FuseEmbeddingLayerNormTest, BuiltNetworkComputesTheSameAsUnfused) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::vector<int64_t> ids(kB * kS), type_ids(kB * kS);
  // Negative ids count from the end, as Gather's.
  for (int64_t& id : ids) id = std::uniform_int_distribution<int64_t>(-kVocab, kVocab - 1)(rng);
  for (int64_t& id : type_ids) id = std::uniform_int_distribution<int64_t>(0, kTypes - 1)(rng);
  std::mt19937 weights_a(seed), weights_b(seed);
  const std::vector<float> fused = BuildAndRun(Embeddings({}, weights_a), 1, ids, type_ids);
  // With word + type an output nothing fuses: Gather, Gather, Add, Add, LN.
  const std::vector<float> unfused =
      BuildAndRun(Embeddings({.sum_is_output = true}, weights_b), 5, ids, type_ids);
  ASSERT_EQ(fused.size(), static_cast<size_t>(kB * kS * kC));
  const double rel = testutil::RelativeL2(fused, unfused);
  std::printf("fused vs unfused embedding LayerNorm: rel L2 %.3g\n", rel);
  EXPECT_LE(rel, 1e-6);
}

TEST(FuseEmbeddingLayerNormTest, TheFusedLayerMayRunInFp16) {
  // With allow_fp16 the builder may give the layer fp16 tables and output
  // (its first BERT plan ran it in fp32 with a Reformat to fp16 after it,
  // 0.07 ms at batch 128, more than the fusion saved).
  EXPECT_TRUE(PrecisionFlexibleOp(kEmbeddingLayerNormOp));
}

TEST(FuseEmbeddingLayerNormTest, AnIdOutOfRangeIsAnErrorNamingTheLayer) {
  std::mt19937 rng(testutil::TestSeed());
  BuildConfig config;
  config.max_batch = kB;
  auto plan = Builder::Build(Embeddings({}, rng), config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto engine = Runtime::Deserialize(*PlanWriter::Write(*plan));
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto ctx = (*engine)->CreateExecutionContext();
  ASSERT_TRUE(ctx.ok());
  std::vector<int64_t> ids(kB * kS, 0), type_ids(kB * kS, 0);
  ids[3] = kVocab;  // one past the end
  std::vector<float> y(kB * kS * kC);
  std::vector<void*> bindings = {ids.data(), type_ids.data(), y.data()};
  absl::Status run = (*ctx)->Execute(kB, bindings);
  EXPECT_EQ(run.code(), absl::StatusCode::kOutOfRange) << run;
  EXPECT_NE(run.message().find("layer 'ln' (EmbeddingLayerNorm): id 11 at position 3 of 'ids'"),
            std::string::npos)
      << run;
}

}  // namespace
}  // namespace kiln
