// Build -> serialize -> deserialize -> run, on networks of Activation layers
// (every op's own behaviour is tested beside the op; this tests the plumbing).
#include "runtime/runtime.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/tile.h"
#include "optimizer/builder.h"
#include "serialization/plan_io.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

// x[Bx3x4] -> relu -> tanh -> out, plus a dead branch.
NetworkDefinition SmallNet() {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4});
  TensorId r = *AddActivation(net, "relu", x, {ActivationType::kRelu});
  TensorId t = *AddActivation(net, "tanh", r, {ActivationType::kTanh});
  (void)*AddActivation(net, "dead", r, {ActivationType::kSigmoid});
  EXPECT_TRUE(net.MarkOutput(t).ok());
  return net;
}

std::vector<float> Expected(const std::vector<float>& x) {
  std::vector<float> y;
  for (float v : x) y.push_back(std::tanh(v > 0 ? v : 0));
  return y;
}

std::vector<float> RandomVector(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-2, 2);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

TEST(RuntimeTest, BuildSerializeDeserializeRun) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  BuildConfig config;
  config.max_batch = 4;
  auto plan = Builder::Build(SmallNet(), config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->nodes.size(), 2u) << "the dead branch should be eliminated";
  EXPECT_GT(plan->arena_size, 0u);
  auto bytes = PlanWriter::Write(*plan);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto engine = Runtime::Deserialize(*bytes);
  ASSERT_TRUE(engine.ok()) << engine.status();
  ASSERT_EQ((*engine)->num_bindings(), 2);
  EXPECT_EQ((*engine)->binding_index("x"), 0);
  EXPECT_EQ((*engine)->binding_index("tanh"), 1);
  EXPECT_EQ((*engine)->binding_index("nope"), -1);

  auto ctx = (*engine)->CreateExecutionContext();
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  for (int batch : {4, 1, 3}) {
    auto desc = (*engine)->binding_desc(1, batch);
    ASSERT_TRUE(desc.ok());
    EXPECT_EQ(desc->dims, (Dims{batch, 3, 4}));
    std::vector<float> x = RandomVector(batch * 12, rng);
    std::vector<float> y(batch * 12, NAN);
    std::vector<void*> bindings = {x.data(), y.data()};
    ASSERT_TRUE((*ctx)->Execute(batch, bindings).ok());
    EXPECT_EQ(y, Expected(x)) << "batch " << batch;
  }
}

TEST(RuntimeTest, SerializedEngineMatchesUnserialized) {
  std::mt19937 rng(testutil::TestSeed());
  BuildConfig config;
  config.max_batch = 2;
  auto plan = Builder::Build(SmallNet(), config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto bytes = PlanWriter::Write(*plan);
  ASSERT_TRUE(bytes.ok());
  auto direct = Runtime::CreateEngine(*plan);
  auto loaded = Runtime::Deserialize(*bytes);
  ASSERT_TRUE(direct.ok() && loaded.ok());
  std::vector<float> x = RandomVector(24, rng), y1(24), y2(24);
  std::vector<void*> b1 = {x.data(), y1.data()}, b2 = {x.data(), y2.data()};
  ASSERT_TRUE((*(*direct)->CreateExecutionContext())->Execute(2, b1).ok());
  ASSERT_TRUE((*(*loaded)->CreateExecutionContext())->Execute(2, b2).ok());
  EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)));
}

TEST(RuntimeTest, EightThreadsOnOneEngineAreBitIdentical) {
  std::mt19937 rng(testutil::TestSeed());
  BuildConfig config;
  config.max_batch = 4;
  auto plan = Builder::Build(SmallNet(), config);
  ASSERT_TRUE(plan.ok());
  auto engine = Runtime::CreateEngine(*plan);
  ASSERT_TRUE(engine.ok());
  std::vector<float> x = RandomVector(48, rng), reference(48);
  {
    std::vector<void*> b = {x.data(), reference.data()};
    ASSERT_TRUE((*(*engine)->CreateExecutionContext())->Execute(4, b).ok());
  }
  std::vector<std::vector<float>> results(8, std::vector<float>(48, NAN));
  std::vector<absl::Status> statuses(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto ctx = (*engine)->CreateExecutionContext();
      if (!ctx.ok()) {
        statuses[i] = ctx.status();
        return;
      }
      for (int iter = 0; iter < 50 && statuses[i].ok(); ++iter) {
        std::vector<void*> b = {x.data(), results[i].data()};
        statuses[i] = (*ctx)->Execute(4, b);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i];
    EXPECT_EQ(0, std::memcmp(results[i].data(), reference.data(), 48 * sizeof(float)))
        << "thread " << i;
  }
}

TEST(RuntimeTest, ExecuteRejectsMisuse) {
  BuildConfig config;
  config.max_batch = 2;
  auto plan = Builder::Build(SmallNet(), config);
  ASSERT_TRUE(plan.ok());
  auto engine = Runtime::CreateEngine(*plan);
  ASSERT_TRUE(engine.ok());
  auto ctx = (*engine)->CreateExecutionContext();
  std::vector<float> x(24), y(24);
  std::vector<void*> good = {x.data(), y.data()};
  auto too_big = (*ctx)->Execute(3, good);
  EXPECT_EQ(too_big.code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(too_big.message().find("max batch"), std::string::npos) << too_big;
  EXPECT_FALSE((*ctx)->Execute(0, good).ok());
  std::vector<void*> one = {x.data()};
  EXPECT_EQ((*ctx)->Execute(1, one).code(), absl::StatusCode::kInvalidArgument);
  std::vector<void*> null_out = {x.data(), nullptr};
  auto null_status = (*ctx)->Execute(1, null_out);
  EXPECT_NE(null_status.message().find("'tanh' is null"), std::string::npos) << null_status;
  EXPECT_FALSE((*engine)->binding_desc(5, 1).ok());
}

// An empty output has no bytes to point at: a null binding is accepted for
// it (cudaMalloc(0) gives null), and still refused for a non-empty one.
TEST(RuntimeTest, NullBindingOnlyForEmptyTensors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId empty = *AddTile(net, "tile0", x, {{1, 0}});
  TensorId full = *AddTile(net, "tile2", x, {{1, 2}});
  ASSERT_TRUE(net.MarkOutput(empty).ok());
  ASSERT_TRUE(net.MarkOutput(full).ok());
  BuildConfig config;
  config.max_batch = 2;
  auto plan = Builder::Build(net, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto engine = Runtime::CreateEngine(*plan);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto ctx = (*engine)->CreateExecutionContext();
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  std::vector<float> in = {1, 2, 3, 4, 5, 6}, out(12, NAN);
  std::vector<void*> bindings = {in.data(), nullptr, out.data()};
  ASSERT_TRUE((*ctx)->Execute(1, bindings).ok());
  ASSERT_EQ((*engine)->binding_index("tile0"), 1);
  const std::vector<float> expected = {1, 2, 3, 1, 2, 3};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], expected[i]) << i;
  std::vector<void*> null_full = {in.data(), out.data(), nullptr};
  auto status = (*ctx)->Execute(1, null_full);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find("'tile2' is null"), std::string::npos) << status;
}

TEST(RuntimeTest, UnbatchedInputsKeepTheirDims) {
  NetworkDefinition net;
  auto scalar = net.AddInput("s", DataType::kFloat32, {}, /*batched=*/false);
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  TensorId y = *AddActivation(net, "relu", *scalar, {});
  ASSERT_TRUE(net.MarkOutput(y).ok());
  BuildConfig config;
  config.max_batch = 2;
  auto refused = Builder::Build(net, config);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("no network input is batched"), std::string::npos)
      << refused.status();
  config.max_batch = 1;
  auto plan = Builder::Build(net, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto engine = Runtime::Deserialize(*PlanWriter::Write(*plan));
  ASSERT_TRUE(engine.ok()) << engine.status();
  EXPECT_EQ((*engine)->binding_desc(0, 1)->dims, Dims{});
  float in = -3.0f, out = NAN;
  std::vector<void*> b = {&in, &out};
  ASSERT_TRUE((*(*engine)->CreateExecutionContext())->Execute(1, b).ok());
  EXPECT_EQ(out, 0.0f);
  EXPECT_FALSE(net.AddInput("empty", DataType::kFloat32, {}).ok()) << "a batched input needs rank >= 1";
}

TEST(RuntimeTest, ExecuteFromHostOnAHostBackendIsExecute) {
  auto plan = Builder::Build(SmallNet(), BuildConfig{});
  ASSERT_TRUE(plan.ok());
  auto engine = Runtime::CreateEngine(*plan);
  auto ctx = (*engine)->CreateExecutionContext();
  std::vector<float> x(12, -1.0f), y(12, NAN);
  x[3] = 0.5f;
  std::vector<void*> b = {x.data(), y.data()};
  ASSERT_TRUE((*ctx)->ExecuteFromHost(1, b).ok());
  EXPECT_EQ(y, Expected(x));
  std::vector<void*> short_bindings = {x.data()};
  EXPECT_FALSE((*ctx)->ExecuteFromHost(1, short_bindings).ok());
}

class RecordingProfiler : public Profiler {
 public:
  void ReportLayerTime(absl::string_view layer, absl::string_view tactic, double ms) override {
    layers.emplace_back(layer);
    EXPECT_GE(ms, 0.0);
    EXPECT_EQ(tactic, "cpu_ref.activation");
  }
  std::vector<std::string> layers;
};

TEST(RuntimeTest, ProfilerSeesEveryLayerInOrder) {
  auto plan = Builder::Build(SmallNet(), BuildConfig{});
  ASSERT_TRUE(plan.ok());
  auto engine = Runtime::CreateEngine(*plan);
  auto ctx = (*engine)->CreateExecutionContext();
  RecordingProfiler profiler;
  (*ctx)->set_profiler(&profiler);
  std::vector<float> x(12, 1.0f), y(12);
  std::vector<void*> b = {x.data(), y.data()};
  ASSERT_TRUE((*ctx)->Execute(1, b).ok());
  EXPECT_EQ(profiler.layers, (std::vector<std::string>{"relu", "tanh"}));
}

// cpu_ref has no graphs: with them on (the default) or off it runs the same,
// eagerly, and says why graphs are not used.
TEST(RuntimeTest, CudaGraphsOnOrOffChangeNothingOnCpuRef) {
  std::mt19937 rng(testutil::TestSeed());
  BuildConfig config;
  config.max_batch = 3;
  auto plan = Builder::Build(SmallNet(), config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto engine = Runtime::CreateEngine(*plan);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto on = (*engine)->CreateExecutionContext();
  auto off = (*engine)->CreateExecutionContext();
  ASSERT_TRUE(on.ok() && off.ok());
  (*off)->set_cuda_graphs(false);
  for (int batch : {3, 3, 3, 1, 1}) {
    std::vector<float> x = RandomVector(batch * 12, rng), y_on(x.size(), NAN),
                       y_off(x.size(), NAN);
    std::vector<void*> b_on = {x.data(), y_on.data()}, b_off = {x.data(), y_off.data()};
    ASSERT_TRUE((*on)->Execute(batch, b_on).ok());
    ASSERT_TRUE((*off)->Execute(batch, b_off).ok());
    EXPECT_EQ(0, std::memcmp(y_on.data(), y_off.data(), y_on.size() * sizeof(float)));
    EXPECT_EQ(y_on, Expected(x));
    EXPECT_FALSE((*on)->cuda_graphs_active());
    EXPECT_FALSE((*off)->cuda_graphs_active());
  }
  EXPECT_EQ((*on)->cuda_graph_error().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE((*on)->cuda_graph_error().message().find("cpu_ref"), std::string::npos)
      << (*on)->cuda_graph_error();
  EXPECT_TRUE((*off)->cuda_graph_error().ok()) << "graphs off never tries";
}

// Copies each layer's outputs to the host as the context runs.
class RecordingObserver : public LayerObserver {
 public:
  explicit RecordingObserver(const Engine& engine) : engine_(engine) {}
  absl::Status OnLayerDone(int index, const PlanNode& node,
                           absl::Span<const TensorDesc> output_descs,
                           absl::Span<void* const> outputs) override {
    if (index == fail_at) return absl::InternalError("values out of bounds");
    indices.push_back(index);
    layers.push_back(node.name);
    EXPECT_EQ(output_descs.size(), outputs.size());
    std::vector<float> values(output_descs[0].volume());
    absl::Status copied =
        engine_.backend().CopyToHost(values.data(), outputs[0], output_descs[0].bytes());
    if (!copied.ok()) return copied;
    last_outputs.push_back(std::move(values));
    return absl::OkStatus();
  }
  int fail_at = -1;
  std::vector<int> indices;
  std::vector<std::string> layers;
  std::vector<std::vector<float>> last_outputs;

 private:
  const Engine& engine_;
};

TEST(RuntimeTest, LayerObserverSeesEveryLayerInOrder) {
  std::mt19937 rng(testutil::TestSeed());
  BuildConfig config;
  config.max_batch = 3;
  auto plan = Builder::Build(SmallNet(), config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto engine = Runtime::CreateEngine(*plan);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto ctx = (*engine)->CreateExecutionContext();
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  RecordingObserver observer(**engine);
  (*ctx)->set_layer_observer(&observer);
  const int batch = 2;
  std::vector<float> x = RandomVector(batch * 12, rng), y(batch * 12, NAN);
  std::vector<void*> b = {x.data(), y.data()};
  ASSERT_TRUE((*ctx)->Execute(batch, b).ok());
  EXPECT_EQ(observer.indices, (std::vector<int>{0, 1}));
  EXPECT_EQ(observer.layers, (std::vector<std::string>{"relu", "tanh"}));
  ASSERT_EQ(observer.last_outputs.size(), 2u);
  ASSERT_EQ(observer.last_outputs[0].size(), x.size()) << "outputs are at the run's batch";
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(observer.last_outputs[0][i], x[i] > 0 ? x[i] : 0) << i;
  }
  EXPECT_EQ(0, std::memcmp(observer.last_outputs[1].data(), y.data(), y.size() * sizeof(float)))
      << "the last layer's outputs are the network's";
  EXPECT_EQ(y, Expected(x));

  // An observer's error stops the run and says which layer it came from.
  RecordingObserver failing(**engine);
  failing.fail_at = 0;
  (*ctx)->set_layer_observer(&failing);
  std::fill(y.begin(), y.end(), NAN);
  absl::Status status = (*ctx)->Execute(batch, b);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_NE(status.message().find("layer 'relu'"), std::string::npos) << status;
  EXPECT_NE(status.message().find("values out of bounds"), std::string::npos) << status;
  EXPECT_TRUE(failing.layers.empty());
  EXPECT_TRUE(std::isnan(y[0])) << "the run stops at the failing layer";

  (*ctx)->set_layer_observer(nullptr);
  EXPECT_TRUE((*ctx)->Execute(batch, b).ok());
}

}  // namespace
}  // namespace kiln
