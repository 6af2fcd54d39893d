// ONNX importer tests on small models built here with onnx's protobuf
// classes: opset-18 forms, external data, symbolic batch and constant
// folding, and every malformed-input error path.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importers/onnx/onnx_importer.h"
#include "ops/fully_connected.h"
#include "ops/layer_normalization.h"
#include "ops/matmul.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

onnx::ModelProto NewModel(int opset = 13) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  auto* op = model.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  model.mutable_graph()->set_name("test");
  return model;
}

// dims: a value > 0 is fixed, 0 is symbolic ("N").
void AddValue(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list,
              const std::string& name, std::vector<int64_t> dims,
              int elem = onnx::TensorProto::FLOAT) {
  onnx::ValueInfoProto* v = list->Add();
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem);
  auto* shape = t->mutable_shape();
  for (int64_t d : dims) {
    if (d > 0) {
      shape->add_dim()->set_dim_value(d);
    } else {
      shape->add_dim()->set_dim_param("N");
    }
  }
}

onnx::NodeProto* AddNode(onnx::ModelProto& model, const std::string& op,
                         std::vector<std::string> inputs, std::vector<std::string> outputs) {
  onnx::NodeProto* n = model.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(outputs.empty() ? op : outputs[0] + "_node");
  for (auto& i : inputs) n->add_input(i);
  for (auto& o : outputs) n->add_output(o);
  return n;
}

void AddInts(onnx::ModelProto& model, const std::string& name, std::vector<int64_t> values) {
  onnx::TensorProto* t = model.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
}

void SetIntAttr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

// Builds on cpu_ref, runs once at batch `batch` with `inputs` (fp32), returns
// the fp32 outputs.
std::vector<std::vector<float>> BuildAndRun(const NetworkDefinition& network,
                                    std::vector<std::vector<float>> inputs, int batch = 1) {
  BuildConfig config;
  config.max_batch = batch;
  config.timing_iterations = 1;
  auto plan = Builder::Build(network, config);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return {};
  auto bytes = PlanWriter::Write(*plan);
  auto engine = Runtime::Deserialize(*bytes);
  EXPECT_TRUE(engine.ok()) << engine.status();
  auto context = (*engine)->CreateExecutionContext();
  std::vector<std::vector<float>> outputs;
  std::vector<void*> bindings;
  for (auto& in : inputs) bindings.push_back(in.data());
  for (int b = (*engine)->num_inputs(); b < (*engine)->num_bindings(); ++b) {
    outputs.emplace_back((*engine)->binding_desc(b, batch)->volume());
  }
  for (auto& out : outputs) bindings.push_back(out.data());
  auto status = (*context)->Execute(batch, bindings);
  EXPECT_TRUE(status.ok()) << status;
  return outputs;
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(OnnxImporterTest, Opset18ReduceAxesAsInput) {
  onnx::ModelProto model = NewModel(18);
  AddValue(model.mutable_graph()->mutable_input(), "x", {2, 3});
  AddInts(model, "axes", {1});
  AddNode(model, "ReduceMean", {"x", "axes"}, {"y"});
  AddNode(model, "ReduceSum", {"x", "axes"}, {"z"});
  SetIntAttr(AddNode(model, "ReduceMax", {"x"}, {"w"}), "noop_with_empty_axes", 1);
  AddValue(model.mutable_graph()->mutable_output(), "y", {2, 1});
  AddValue(model.mutable_graph()->mutable_output(), "z", {2, 1});
  AddValue(model.mutable_graph()->mutable_output(), "w", {2, 3});
  auto network = ImportOnnxModel(model, "", {});
  ASSERT_TRUE(network.ok()) << network.status();
  auto out = BuildAndRun(*network, {{1, 2, 3, 4, 5, 6}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (std::vector<float>{2, 5}));   // row means
  EXPECT_EQ(out[1], (std::vector<float>{6, 15}));  // row sums
  EXPECT_EQ(out[2], (std::vector<float>{1, 2, 3, 4, 5, 6}));  // empty axes + noop: identity
}

void AddFloats(onnx::ModelProto& model, const std::string& name, std::vector<int64_t> dims,
               std::vector<float> values) {
  onnx::TensorProto* t = model.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
}

void SetFloatAttr(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

// A classifier head's Gemm (constant B, per-column C) becomes one
// FullyConnected with alpha folded into the weights and beta into the bias;
// a Gemm whose C is a full matrix stays MatMul + ElementWise. Values checked
// by hand: x = [[1, 2], [3, 4]], B^T rows [1, 0], [0, 1], [1, 1].
TEST(OnnxImporterTest, GemmWithConstantWeightsIsFullyConnected) {
  for (int trans_b : {1, 0}) {
    SCOPED_TRACE(testing::Message() << "transB=" << trans_b);
    onnx::ModelProto model = NewModel(13);
    AddValue(model.mutable_graph()->mutable_input(), "x", {0, 2});
    if (trans_b) {
      AddFloats(model, "b", {3, 2}, {1, 0, 0, 1, 1, 1});
    } else {
      AddFloats(model, "b", {2, 3}, {1, 0, 1, 0, 1, 1});
    }
    AddFloats(model, "c", {3}, {10, 20, 30});
    AddFloats(model, "full_c", {2, 3}, {1, 2, 3, 4, 5, 6});
    onnx::NodeProto* gemm = AddNode(model, "Gemm", {"x", "b", "c"}, {"y"});
    SetIntAttr(gemm, "transB", trans_b);
    SetFloatAttr(gemm, "alpha", 2.0f);
    SetFloatAttr(gemm, "beta", 0.5f);
    onnx::NodeProto* full = AddNode(model, "Gemm", {"x", "b", "full_c"}, {"z"});
    SetIntAttr(full, "transB", trans_b);
    AddValue(model.mutable_graph()->mutable_output(), "y", {0, 3});
    AddValue(model.mutable_graph()->mutable_output(), "z", {0, 3});
    auto network = ImportOnnxModel(model, "", {});
    ASSERT_TRUE(network.ok()) << network.status();
    int fully_connected = 0, matmul = 0;
    for (const Node& n : network->graph().nodes()) {
      fully_connected += n.op == kFullyConnectedOp;
      matmul += n.op == kMatMulOp;
    }
    EXPECT_EQ(fully_connected, 1);
    EXPECT_EQ(matmul, 1);
    auto out = BuildAndRun(*network, {{1, 2, 3, 4}}, 2);
    ASSERT_EQ(out.size(), 2u);
    // y = 2 * x B + 0.5 * c
    EXPECT_EQ(out[0], (std::vector<float>{2 + 5, 4 + 10, 6 + 15, 6 + 5, 8 + 10, 14 + 15}));
    EXPECT_EQ(out[1], (std::vector<float>{2, 4, 6, 7, 9, 13}));
  }
}

void SetIntsAttr(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> values) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

// The LayerNormalization that exporters before opset 17 write as nine nodes
// (as torch.onnx writes it at opset 13: scalar initializers for the exponent
// and epsilon, gamma and beta per channel) builds into one LayerNormalization
// layer (the fuse-layer-norm pass) that computes the formula.
TEST(OnnxImporterTest, DecomposedLayerNormBuildsIntoOneLayer) {
  onnx::ModelProto model = NewModel(13);
  AddValue(model.mutable_graph()->mutable_input(), "x", {0, 3, 4});
  AddFloats(model, "two", {}, {2.0f});
  AddFloats(model, "eps", {}, {1e-5f});
  AddFloats(model, "gamma", {4}, {1.0f, 2.0f, 0.5f, -1.0f});
  AddFloats(model, "beta", {4}, {0.5f, -0.5f, 1.0f, 0.0f});
  SetIntsAttr(AddNode(model, "ReduceMean", {"x"}, {"mean"}), "axes", {-1});
  AddNode(model, "Sub", {"x", "mean"}, {"d"});
  AddNode(model, "Pow", {"d", "two"}, {"sq"});
  SetIntsAttr(AddNode(model, "ReduceMean", {"sq"}, {"var"}), "axes", {-1});
  AddNode(model, "Add", {"var", "eps"}, {"var_eps"});
  AddNode(model, "Sqrt", {"var_eps"}, {"std"});
  AddNode(model, "Div", {"d", "std"}, {"norm"});
  AddNode(model, "Mul", {"norm", "gamma"}, {"scaled"});
  AddNode(model, "Add", {"scaled", "beta"}, {"y"});
  AddValue(model.mutable_graph()->mutable_output(), "y", {0, 3, 4});
  auto network = ImportOnnxModel(model, "", {});
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_EQ(network->num_layers(), 9);
  BuildConfig config;
  config.max_batch = 2;
  config.timing_iterations = 1;
  auto plan = Builder::Build(*network, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].op, kLayerNormalizationOp);

  std::vector<float> x(2 * 3 * 4);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7) % 11) * 0.5f - 2.0f;
  auto out = BuildAndRun(*network, {x}, 2);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].size(), x.size());
  const double gamma[4] = {1, 2, 0.5, -1}, beta[4] = {0.5, -0.5, 1, 0};
  for (size_t row = 0; row < 6; ++row) {
    double mean = 0.0, var = 0.0;
    for (int c = 0; c < 4; ++c) mean += x[row * 4 + c] / 4.0;
    for (int c = 0; c < 4; ++c) var += (x[row * 4 + c] - mean) * (x[row * 4 + c] - mean) / 4.0;
    for (int c = 0; c < 4; ++c) {
      const double want = (x[row * 4 + c] - mean) / std::sqrt(var + 1e-5) * gamma[c] + beta[c];
      EXPECT_NEAR(out[0][row * 4 + c], want, 1e-5 * (1.0 + std::fabs(want)))
          << "row " << row << " channel " << c;
    }
  }
}

// ONNX Gelu (opset 20) in both forms: approximate="none" is the erf GELU,
// "tanh" the tanh one (values by hand in double); another form is refused by
// name.
TEST(OnnxImporterTest, GeluBothForms) {
  for (const std::string approximate : {"none", "tanh", "sigmoid"}) {
    SCOPED_TRACE(approximate);
    onnx::ModelProto model = NewModel(20);
    AddValue(model.mutable_graph()->mutable_input(), "x", {1, 4});
    onnx::NodeProto* gelu = AddNode(model, "Gelu", {"x"}, {"y"});
    auto* a = gelu->add_attribute();
    a->set_name("approximate");
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(approximate);
    AddValue(model.mutable_graph()->mutable_output(), "y", {1, 4});
    auto network = ImportOnnxModel(model, "", {});
    if (approximate == "sigmoid") {
      ASSERT_FALSE(network.ok());
      EXPECT_THAT(network.status().message(), HasSubstr("approximate='sigmoid'"));
      continue;
    }
    ASSERT_TRUE(network.ok()) << network.status();
    auto out = BuildAndRun(*network, {{-3.0f, -1.0f, 1.0f, 3.0f}});
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].size(), 4u);
    const double erf_form[] = {-0.00404969409489031, -0.15865525393145707, 0.8413447460685429,
                               2.99595030590511};
    const double tanh_form[] = {-0.0036373920817729943, -0.15880800939172324, 0.8411919906082768,
                                2.996362607918227};
    for (int i = 0; i < 4; ++i) {
      EXPECT_NEAR(out[0][i], approximate == "tanh" ? tanh_form[i] : erf_form[i], 1e-6) << i;
    }
  }
}

// A graph output made by a node that kiln imports as a multi-output layer
// (LayerNormalization: y, mean, inv_std_dev) keeps its ONNX name, so callers
// bind it by that name, and costs no Identity copy (BERT's last_hidden_state
// came out as "last_hidden_state_1" behind an Identity layer).
TEST(OnnxImporterTest, MultiOutputNodeGraphOutputKeepsItsName) {
  onnx::ModelProto model = NewModel(17);
  AddValue(model.mutable_graph()->mutable_input(), "x", {0, 3, 4});
  AddFloats(model, "gamma", {4}, {1.0f, 2.0f, 0.5f, -1.0f});
  AddNode(model, "LayerNormalization", {"x", "gamma"}, {"last_hidden_state"});
  AddValue(model.mutable_graph()->mutable_output(), "last_hidden_state", {0, 3, 4});
  auto network = ImportOnnxModel(model, "", {});
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_EQ(network->num_layers(), 1);
  const Graph& g = network->graph();
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.tensor(g.outputs()[0]).desc.name, "last_hidden_state");
  // Two graph outputs naming one tensor: the second is an Identity copy.
  onnx::ModelProto twice = model;
  AddValue(twice.mutable_graph()->mutable_output(), "last_hidden_state", {0, 3, 4});
  auto network2 = ImportOnnxModel(twice, "", {});
  ASSERT_TRUE(network2.ok()) << network2.status();
  EXPECT_EQ(network2->num_layers(), 2);
}

TEST(OnnxImporterTest, Opset18SplitNumOutputsAndPadInputs) {
  onnx::ModelProto model = NewModel(18);
  AddValue(model.mutable_graph()->mutable_input(), "x", {1, 5});
  // Split 5 into 3 outputs: ceil(5/3) = 2, 2, 1.
  SetIntAttr(AddNode(model, "Split", {"x"}, {"a", "b", "c"}), "axis", 1);
  model.mutable_graph()->mutable_node(0)->mutable_attribute(0)->set_name("axis");
  SetIntAttr(model.mutable_graph()->mutable_node(0), "num_outputs", 3);
  AddInts(model, "pads", {1, 2});  // axis 1: one before, two after
  AddInts(model, "pad_axes", {1});
  onnx::TensorProto* value = model.mutable_graph()->add_initializer();
  value->set_name("value");
  value->set_data_type(onnx::TensorProto::FLOAT);
  value->add_float_data(9.0f);
  AddNode(model, "Pad", {"c", "pads", "value", "pad_axes"}, {"p"});
  for (const char* o : {"a", "b"}) AddValue(model.mutable_graph()->mutable_output(), o, {1, 2});
  AddValue(model.mutable_graph()->mutable_output(), "p", {1, 4});
  auto network = ImportOnnxModel(model, "", {});
  ASSERT_TRUE(network.ok()) << network.status();
  auto out = BuildAndRun(*network, {{1, 2, 3, 4, 5}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (std::vector<float>{1, 2}));
  EXPECT_EQ(out[1], (std::vector<float>{3, 4}));
  EXPECT_EQ(out[2], (std::vector<float>{9, 5, 9, 9}));
}

TEST(OnnxImporterTest, ExternalDataBesideTheModel) {
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {3});
  onnx::TensorProto* w = model.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(3);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add_kv = [&](const char* k, const std::string& v) {
    auto* e = w->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add_kv("location", "weights.bin");
  add_kv("offset", "8");  // after 8 bytes of something else
  add_kv("length", "12");
  AddNode(model, "Add", {"x", "w"}, {"y"});
  AddValue(model.mutable_graph()->mutable_output(), "y", {3});
  const float data[5] = {-1, -1, 10, 20, 30};
  WriteFile(TempPath("weights.bin"), std::string(reinterpret_cast<const char*>(data), 20));
  std::string bytes;
  model.SerializeToString(&bytes);
  WriteFile(TempPath("external.onnx"), bytes);
  auto network = ImportOnnxFile(TempPath("external.onnx"), {});
  ASSERT_TRUE(network.ok()) << network.status();
  auto out = BuildAndRun(*network, {{1, 2, 3}});
  EXPECT_EQ(out[0], (std::vector<float>{11, 22, 33}));

  // The same model where the data file is missing: a NotFound naming it.
  w->mutable_external_data(0)->set_value("missing.bin");
  model.SerializeToString(&bytes);
  WriteFile(TempPath("external_missing.onnx"), bytes);
  auto missing = ImportOnnxFile(TempPath("external_missing.onnx"), {});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("missing.bin"));
}

// x: (N, 2, 3) -> Reshape to [Shape(x)[0], 6] through a shape subgraph that
// folds at import; the batch stays polymorphic.
TEST(OnnxImporterTest, SymbolicBatchAndFoldedShapeSubgraph) {
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {0, 2, 3});
  AddNode(model, "Shape", {"x"}, {"shape"});
  AddInts(model, "zero", {0});
  AddNode(model, "Gather", {"shape", "zero"}, {"batch"});
  AddInts(model, "six", {6});
  SetIntAttr(AddNode(model, "Concat", {"batch", "six"}, {"target"}), "axis", 0);
  AddNode(model, "Reshape", {"x", "target"}, {"y"});
  AddValue(model.mutable_graph()->mutable_output(), "y", {0, 6});
  OnnxImportOptions options;
  options.batch = 2;
  auto network = ImportOnnxModel(model, "", options);
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_EQ(network->num_layers(), 1) << "Shape, Gather and Concat should have folded";
  EXPECT_TRUE(network->graph().tensor(network->graph().inputs()[0]).batched);
  EXPECT_EQ(network->desc(network->graph().outputs()[0]).dims, (Dims{2, 6}));
  // Built and run at batch 3, not the import batch: the Reshape copies dim 0.
  std::vector<float> x(3 * 6);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  auto out = BuildAndRun(*network, {x}, 3);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], x);
}

// Flatten at axis 2 of a batched (N, 2, 3) input gives (N * 2, 3): imported
// at batch 2, it must still flatten at batch 3 (BERT's exporter flattens the
// mask this way; a folded [4, 3] reshape made the plan serve only its max
// batch). Axis 0 flattens everything into one row.
TEST(OnnxImporterTest, FlattenOfABatchedInputServesEveryBatch) {
  for (int64_t axis : {0, 1, 2}) {
    SCOPED_TRACE(testing::Message() << "axis " << axis);
    onnx::ModelProto model = NewModel();
    AddValue(model.mutable_graph()->mutable_input(), "x", {0, 2, 3});
    SetIntAttr(AddNode(model, "Flatten", {"x"}, {"y"}), "axis", axis);
    AddValue(model.mutable_graph()->mutable_output(), "y", {0, 0});
    OnnxImportOptions options;
    options.batch = 2;
    auto network = ImportOnnxModel(model, "", options);
    ASSERT_TRUE(network.ok()) << network.status();
    const Dims at_import = axis == 0 ? Dims{1, 12} : axis == 1 ? Dims{2, 6} : Dims{4, 3};
    EXPECT_EQ(network->desc(network->graph().outputs()[0]).dims, at_import);
    std::vector<float> x(3 * 6);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
    auto out = BuildAndRun(*network, {x}, 3);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], x) << "Flatten keeps the elements in order";
  }
}

TEST(OnnxImporterTest, SymbolicInnerDimNeedsShapes) {
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {1, 0});
  AddNode(model, "Relu", {"x"}, {"y"});
  AddValue(model.mutable_graph()->mutable_output(), "y", {1, 0});
  auto network = ImportOnnxModel(model, "", {});
  EXPECT_EQ(network.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(network.status().message()), HasSubstr("--shapes=x:"));
  OnnxImportOptions options;
  options.input_shapes["x"] = {1, 7};
  network = ImportOnnxModel(model, "", options);
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_EQ(network->desc(network->graph().inputs()[0]).dims, (Dims{1, 7}));
  EXPECT_FALSE(network->graph().tensor(network->graph().inputs()[0]).batched);
}

// x[N, S, 8] -> MatMul -> Reshape [0, 0, 2, 4] (copy N and S) -> Transpose
// -> Softmax: nothing is computed from the input dims at import, so one plan
// built for a profile over N and S runs every shape in it, equal to a plan
// imported and built for exactly that shape.
onnx::ModelProto SequenceModel() {
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {0, 0, 8});
  std::vector<float> w(64);
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(static_cast<float>(i));
  AddFloats(model, "w", {8, 8}, w);
  AddNode(model, "MatMul", {"x", "w"}, {"q"});
  AddInts(model, "heads", {0, 0, 2, 4});
  AddNode(model, "Reshape", {"q", "heads"}, {"split"});
  auto* t = AddNode(model, "Transpose", {"split"}, {"t"});
  auto* perm = t->add_attribute();
  perm->set_name("perm");
  perm->set_type(onnx::AttributeProto::INTS);
  for (int64_t p : {0, 2, 1, 3}) perm->add_ints(p);
  SetIntAttr(AddNode(model, "Softmax", {"t"}, {"y"}), "axis", -1);
  AddValue(model.mutable_graph()->mutable_output(), "y", {0, 2, 0, 4});
  return model;
}

std::vector<float> RunAt(const NetworkDefinition& network, const BuildConfig& config,
                         const Dims& dims, std::vector<float> x) {
  auto plan = Builder::Build(network, config);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return {};
  auto engine = Runtime::Deserialize(*PlanWriter::Write(*plan));
  auto context = (*engine)->CreateExecutionContext();
  EXPECT_TRUE((*context)->SetInputShape("x", dims).ok());
  std::vector<float> y((*context)->binding_desc(1)->volume(), NAN);
  std::vector<void*> bindings = {x.data(), y.data()};
  EXPECT_TRUE((*context)->Execute(bindings).ok());
  return y;
}

// Imports `make()` once at x:4x24x8 and checks that one plan built with
// `dynamic` (a profile over x) gives, at each of `shapes`, what a plan
// imported and built for exactly that shape gives.
void ExpectOnePlanMatchesFixedShapes(const std::function<onnx::ModelProto()>& make,
                                     const BuildConfig& dynamic, std::vector<Dims> shapes) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  OnnxImportOptions options;
  options.batch = 4;
  options.input_shapes["x"] = {4, 24, 8};
  auto network = ImportOnnxModel(make(), "", options);
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_TRUE(network->pinned_shapes().empty());
  for (const Dims& dims : shapes) {
    SCOPED_TRACE(DimsString(dims));
    std::vector<float> x(Volume(dims));
    for (float& v : x) v = std::uniform_real_distribution<float>(-1, 1)(rng);
    OnnxImportOptions exact;
    exact.batch = static_cast<int>(dims[0]);
    exact.input_shapes["x"] = dims;
    auto fixed = ImportOnnxModel(make(), "", exact);
    ASSERT_TRUE(fixed.ok()) << fixed.status();
    BuildConfig config = dynamic;
    config.profiles.clear();
    config.max_batch = static_cast<int>(dims[0]);
    const std::vector<float> want = RunAt(*fixed, config, dims, x);
    ASSERT_EQ(want.size(), static_cast<size_t>(Volume(dims)));
    EXPECT_EQ(RunAt(*network, dynamic, dims, x), want);
  }
}

TEST(OnnxImporterTest, SymbolicDimsVaryWithinAProfile) {
  BuildConfig dynamic;
  dynamic.timing_iterations = 1;
  dynamic.tactic_filter = [](const NodeContext&, const Tactic& t) { return t.is_reference(); };
  dynamic.profiles = {ShapeProfile{{InputShapeRange{"x", {1, 2, 8}, {2, 8, 8}, {4, 24, 8}}}}};
  ExpectOnePlanMatchesFixedShapes(SequenceModel, dynamic,
                                  {Dims{3, 17, 8}, Dims{1, 2, 8}, Dims{4, 24, 8}});
}

// x [B, S, 8] -> Reshape(x, Concat(-1, Gather(Shape(x), 1), 8)): a target
// computed from the input dims, as exporters write them.
onnx::ModelProto ShapeArithmeticModel() {
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {0, 0, 8});
  AddNode(model, "Shape", {"x"}, {"shape"});
  AddInts(model, "one", {1});
  AddNode(model, "Gather", {"shape", "one"}, {"seq"});
  AddInts(model, "minus_one", {-1});
  AddInts(model, "eight", {8});
  SetIntAttr(AddNode(model, "Concat", {"minus_one", "seq", "eight"}, {"target"}), "axis", 0);
  AddNode(model, "Reshape", {"x", "target"}, {"y"});
  AddValue(model.mutable_graph()->mutable_output(), "y", {0, 0, 8});
  return model;
}

// The Shape is folded at the import dims, and probe imports at other dims
// show that the target's seq is the data's own dim 1: the reshape copies it
// (0), so one plan runs every shape of the profile, as a plan built for
// exactly that shape does.
TEST(OnnxImporterTest, ShapeArithmeticFollowsTheInputDims) {
  BuildConfig dynamic;
  dynamic.timing_iterations = 1;
  dynamic.profiles = {ShapeProfile{{InputShapeRange{"x", {1, 2, 8}, {2, 8, 8}, {4, 24, 8}}}}};
  ExpectOnePlanMatchesFixedShapes(ShapeArithmeticModel, dynamic,
                                  {Dims{3, 17, 8}, Dims{1, 2, 8}, Dims{4, 24, 8}});
}

// A value computed from the input dims read as data (x * seq) cannot follow
// the dims at run time: the import pins the shapes, naming the node, and a
// profile over the sequence is refused rather than built into a plan that
// would be silently wrong at other lengths.
TEST(OnnxImporterTest, ShapeValuesReadAsDataPinTheInputShapes) {
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {0, 0, 8});
  AddNode(model, "Shape", {"x"}, {"shape"});
  AddInts(model, "one", {1});
  AddNode(model, "Gather", {"shape", "one"}, {"seq"});
  SetIntAttr(AddNode(model, "Cast", {"seq"}, {"seq_f"}), "to", onnx::TensorProto::FLOAT);
  AddNode(model, "Mul", {"x", "seq_f"}, {"y"});
  AddValue(model.mutable_graph()->mutable_output(), "y", {0, 0, 8});
  OnnxImportOptions options;
  options.batch = 4;
  options.input_shapes["x"] = {4, 24, 8};
  auto network = ImportOnnxModel(model, "", options);
  ASSERT_TRUE(network.ok()) << network.status();
  ASSERT_EQ(network->pinned_shapes().size(), 1u);
  EXPECT_THAT(network->pinned_shapes()[0], HasSubstr("(Cast"));
  EXPECT_THAT(network->pinned_shapes()[0], HasSubstr("computed from the input dims"));
  BuildConfig config;
  config.profiles = {ShapeProfile{{InputShapeRange{"x", {1, 2, 8}, {2, 8, 8}, {4, 24, 8}}}}};
  auto plan = Builder::Build(*network, config);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(plan.status().message()),
              HasSubstr("profile 0 varies dim 1 of input 'x' (2..24)"));
  // The batch alone may vary, as it always could.
  config.profiles = {ShapeProfile{{InputShapeRange{"x", {1, 24, 8}, {2, 24, 8}, {4, 24, 8}}}}};
  EXPECT_TRUE(Builder::Build(*network, config).ok());
}

TEST(OnnxImporterTest, TruncatedFile) {
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {1, 4});
  AddNode(model, "Relu", {"x"}, {"y"});
  AddValue(model.mutable_graph()->mutable_output(), "y", {1, 4});
  std::string bytes;
  model.SerializeToString(&bytes);
  WriteFile(TempPath("truncated.onnx"), bytes.substr(0, bytes.size() / 2));
  auto network = ImportOnnxFile(TempPath("truncated.onnx"), {});
  EXPECT_EQ(network.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(network.status().message()), HasSubstr("not a valid ONNX model"));
  EXPECT_EQ(ImportOnnxFile(TempPath("no_such.onnx"), {}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(OnnxImporterTest, WrongTypes) {
  // An attribute of the wrong type.
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {1, 4});
  auto* concat = AddNode(model, "Concat", {"x", "x"}, {"y"});
  auto* a = concat->add_attribute();
  a->set_name("axis");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s("1");
  AddValue(model.mutable_graph()->mutable_output(), "y", {1, 8});
  auto network = ImportOnnxModel(model, "", {});
  EXPECT_EQ(network.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(network.status().message()),
              HasSubstr("node 'y_node' (Concat, opset 13): attribute 'axis' should be INT"));
  // A string input.
  onnx::ModelProto strings = NewModel();
  AddValue(strings.mutable_graph()->mutable_input(), "s", {2}, onnx::TensorProto::STRING);
  AddNode(strings, "Identity", {"s"}, {"t"});
  AddValue(strings.mutable_graph()->mutable_output(), "t", {2}, onnx::TensorProto::STRING);
  network = ImportOnnxModel(strings, "", {});
  EXPECT_EQ(network.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(network.status().message()), HasSubstr("STRING is not supported"));
  // Raw data of the wrong size.
  onnx::ModelProto raw = NewModel();
  AddValue(raw.mutable_graph()->mutable_input(), "x", {2});
  auto* w = raw.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(2);
  w->set_raw_data(std::string(5, '\0'));
  AddNode(raw, "Add", {"x", "w"}, {"y"});
  AddValue(raw.mutable_graph()->mutable_output(), "y", {2});
  network = ImportOnnxModel(raw, "", {});
  EXPECT_THAT(std::string(network.status().message()), HasSubstr("raw data has 5 bytes"));
}

TEST(OnnxImporterTest, MissingInitializerAndDanglingInput) {
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {1, 4});
  AddNode(model, "Add", {"x", "bias"}, {"y"});  // "bias" was never stored
  AddValue(model.mutable_graph()->mutable_output(), "y", {1, 4});
  auto network = ImportOnnxModel(model, "", {});
  EXPECT_EQ(network.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(network.status().message()),
              HasSubstr("node 'y_node' (Add): input 'bias' is not a graph input, an initializer"));
  EXPECT_THAT(std::string(network.status().message()), HasSubstr("missing initializer"));

  onnx::ModelProto dangling = NewModel();
  AddValue(dangling.mutable_graph()->mutable_input(), "x", {1, 4});
  AddNode(dangling, "Relu", {"x"}, {"a"});
  AddNode(dangling, "Relu", {"typo_a"}, {"y"});
  AddValue(dangling.mutable_graph()->mutable_output(), "y", {1, 4});
  network = ImportOnnxModel(dangling, "", {});
  EXPECT_THAT(std::string(network.status().message()), HasSubstr("input 'typo_a'"));
  EXPECT_THAT(std::string(network.status().message()), HasSubstr("dangling"));

  onnx::ModelProto no_output = NewModel();
  AddValue(no_output.mutable_graph()->mutable_input(), "x", {1, 4});
  AddNode(no_output, "Relu", {"x"}, {"a"});
  AddValue(no_output.mutable_graph()->mutable_output(), "b", {1, 4});
  network = ImportOnnxModel(no_output, "", {});
  EXPECT_THAT(std::string(network.status().message()),
              HasSubstr("graph output 'b' is produced by no node"));
}

TEST(OnnxImporterTest, CyclicGraph) {
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {1, 4});
  AddNode(model, "Add", {"x", "b"}, {"a"});
  AddNode(model, "Relu", {"a"}, {"b"});
  AddValue(model.mutable_graph()->mutable_output(), "b", {1, 4});
  auto network = ImportOnnxModel(model, "", {});
  EXPECT_EQ(network.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(network.status().message()), HasSubstr("the graph has a cycle"));
  EXPECT_THAT(std::string(network.status().message()), HasSubstr("node 'a_node' (Add)"));
}

TEST(OnnxImporterTest, NodesOutOfOrderAreSorted) {
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {1, 2});
  AddNode(model, "Neg", {"a"}, {"y"});
  AddNode(model, "Relu", {"x"}, {"a"});
  AddValue(model.mutable_graph()->mutable_output(), "y", {1, 2});
  auto network = ImportOnnxModel(model, "", {});
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_EQ(BuildAndRun(*network, {{-1, 2}})[0], (std::vector<float>{0, -2}));
}

TEST(OnnxImporterTest, UnsupportedOpListsSupportedOps) {
  onnx::ModelProto model = NewModel();
  AddValue(model.mutable_graph()->mutable_input(), "x", {1, 4});
  AddNode(model, "FancyNewOp", {"x"}, {"y"});
  AddValue(model.mutable_graph()->mutable_output(), "y", {1, 4});
  auto network = ImportOnnxModel(model, "", {});
  EXPECT_EQ(network.status().code(), absl::StatusCode::kUnimplemented);
  const std::string message(network.status().message());
  EXPECT_THAT(message, HasSubstr("node 'y_node' (FancyNewOp, opset 13): op FancyNewOp is not "
                                 "supported"));
  EXPECT_THAT(message, HasSubstr("Supported ops: "));
  EXPECT_THAT(message, HasSubstr("Conv"));
  const std::vector<std::string> ops = SupportedOnnxOps();
  EXPECT_GT(ops.size(), 50u);
}

// Opsets before 7 import where the legacy form means the same thing
// (consumed_inputs is ignored) and fail clearly where it does not.
TEST(OnnxImporterTest, LegacyOpsets) {
  {
    onnx::ModelProto model = NewModel(6);
    AddValue(model.mutable_graph()->mutable_input(), "x", {1, 4});
    AddNode(model, "Elu", {"x"}, {"y"});
    AddValue(model.mutable_graph()->mutable_output(), "y", {1, 4});
    EXPECT_TRUE(ImportOnnxModel(model, "", {}).ok());
  }
  onnx::ModelProto model = NewModel(6);
  AddValue(model.mutable_graph()->mutable_input(), "a", {2, 4});
  AddValue(model.mutable_graph()->mutable_input(), "b", {4});
  SetIntAttr(AddNode(model, "Add", {"a", "b"}, {"y"}), "broadcast", 1);
  AddValue(model.mutable_graph()->mutable_output(), "y", {2, 4});
  auto network = ImportOnnxModel(model, "", {});
  EXPECT_EQ(network.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(network.status().message()),
              HasSubstr("(Add, opset 6): legacy 'broadcast'/'axis' attributes"));
}

TEST(OnnxImporterTest, UnsupportedOpsetAndDomain) {
  for (int opset : {0, 22}) {
    onnx::ModelProto model = NewModel(opset);
    AddValue(model.mutable_graph()->mutable_input(), "x", {1, 4});
    AddNode(model, "Relu", {"x"}, {"y"});
    AddValue(model.mutable_graph()->mutable_output(), "y", {1, 4});
    auto network = ImportOnnxModel(model, "", {});
    EXPECT_EQ(network.status().code(), absl::StatusCode::kUnimplemented);
    EXPECT_THAT(std::string(network.status().message()),
                HasSubstr(absl::StrCat("opset ", opset, " of the default domain")));
  }
  onnx::ModelProto model = NewModel();
  model.clear_opset_import();
  EXPECT_THAT(std::string(ImportOnnxModel(model, "", {}).status().message()),
              HasSubstr("imports no opset"));

  onnx::ModelProto custom = NewModel();
  AddValue(custom.mutable_graph()->mutable_input(), "x", {1, 4});
  AddNode(custom, "Relu", {"x"}, {"y"})->set_domain("com.example");
  AddValue(custom.mutable_graph()->mutable_output(), "y", {1, 4});
  auto network = ImportOnnxModel(custom, "", {});
  EXPECT_EQ(network.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(network.status().message()), HasSubstr("domain 'com.example'"));
}

}  // namespace
}  // namespace kiln
