// A real exporter's transformer end to end on cpu_ref: a 2-layer BERT from
// transformers with random weights and padded inputs, exported to ONNX
// (tests/e2e/bert_tiny/make_bert_tiny.py), imported, built, serialized,
// loaded and run. The builder must recognise the exporter's attention, GELU
// and linear layers (fuse-attention, fuse-gelu, fuse-matmul-bias), the output
// must keep its ONNX name, and
// last_hidden_state must match PyTorch's fp32 result.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "importers/onnx/onnx_importer.h"
#include "ops/activation.h"
#include "ops/attention.h"
#include "ops/embedding_layer_norm.h"
#include "ops/fully_connected.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tools/npy.h"

namespace kiln {
namespace {

constexpr char kDir[] = "tests/e2e/bert_tiny/";

TEST(BertTinyTest, FusesAttentionAndGeluAndMatchesPyTorch) {
  std::map<std::string, Weights> inputs;
  for (const char* name : {"input_ids", "attention_mask", "token_type_ids"}) {
    auto w = ReadNpyFile(std::string(kDir) + name + ".npy");
    ASSERT_TRUE(w.ok()) << w.status();
    inputs[name] = std::move(*w);
  }
  auto reference = ReadNpyFile(std::string(kDir) + "last_hidden_state.npy");
  ASSERT_TRUE(reference.ok()) << reference.status();
  const Dims& dims = inputs["input_ids"].dims();  // [batch, sequence]
  ASSERT_EQ(dims.size(), 2u);

  OnnxImportOptions options;
  options.batch = static_cast<int>(dims[0]);
  for (const auto& [name, w] : inputs) options.input_shapes[name] = w.dims();
  auto network = ImportOnnxFile(std::string(kDir) + "bert_tiny.onnx", options);
  ASSERT_TRUE(network.ok()) << network.status();
  BuildConfig config;
  config.max_batch = static_cast<int>(dims[0]);
  config.timing_iterations = 1;
  auto plan = Builder::Build(*network, config);
  ASSERT_TRUE(plan.ok()) << plan.status();

  int attention = 0, gelu = 0, linear = 0, activations = 0, packed = 0, embedding = 0;
  for (const auto& node : plan->nodes) {
    if (node.op == kAttentionOp) {
      ++attention;
      auto p = AttentionParams::FromAttrs(node.attrs);
      ASSERT_TRUE(p.ok()) << p.status();
      packed += p->layout == AttentionLayout::kPackedQkv;
    }
    if (node.op == kActivationOp) ++activations;
    if (node.op == kEmbeddingLayerNormOp) ++embedding;
    if (node.op == kFullyConnectedOp) {
      ++linear;
      auto p = FullyConnectedParams::FromAttrs(node.attrs);
      ASSERT_TRUE(p.ok()) << p.status();
      gelu += p->activation == ActivationType::kGelu;
    }
  }
  EXPECT_EQ(attention, 2) << "one Attention layer per encoder layer";
  EXPECT_EQ(embedding, 1) << "the word and token-type lookups, the position embeddings and the "
                             "LayerNorm as one layer (fuse-embedding-layer-norm)";
  EXPECT_EQ(gelu, 2) << "per encoder layer, the FFN's GELU (fuse-gelu) fused into its first "
                        "FullyConnected (fuse-activation)";
  EXPECT_EQ(activations, 0);
  EXPECT_EQ(linear, 8) << "per encoder layer: Q, K and V as one (fuse-qkv), attention output, "
                          "FFN up and down; each MatMul + bias Add as one FullyConnected "
                          "(fuse-matmul-bias)";
  EXPECT_EQ(packed, 2) << "each Attention reads the packed projection with no head transposes "
                          "(fold-attention-transposes, fuse-qkv)";

  auto engine = Runtime::Deserialize(*PlanWriter::Write(*plan));
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto ctx = (*engine)->CreateExecutionContext();
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  const int out_index = (*engine)->binding_index("last_hidden_state");
  ASSERT_GE(out_index, 0) << "the output keeps its ONNX name";
  std::vector<float> out(static_cast<size_t>(Volume(reference->dims())), NAN);
  std::vector<void*> bindings(inputs.size() + 1, nullptr);
  for (auto& [name, w] : inputs) {
    const int index = (*engine)->binding_index(name);
    ASSERT_GE(index, 0) << name;
    bindings[index] = w.mutable_data();
  }
  bindings[out_index] = out.data();
  ASSERT_TRUE((*ctx)->Execute(static_cast<int>(dims[0]), bindings).ok());

  double diff = 0, norm = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const double d = static_cast<double>(out[i]) - reference->as<float>()[i];
    diff += d * d;
    norm += static_cast<double>(reference->as<float>()[i]) * reference->as<float>()[i];
  }
  const double rel_l2 = std::sqrt(diff / norm);
  std::printf("bert_tiny: %zu layers, rel-L2 against PyTorch fp32 %.3g\n", plan->nodes.size(),
              rel_l2);
  EXPECT_LE(rel_l2, 1e-5);
}

}  // namespace
}  // namespace kiln
