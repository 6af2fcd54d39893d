// CUDA graphs in ExecutionContext: a replayed (and an updated) graph gives
// bit-identical outputs to the eager run, at several batch sizes and binding
// sets; a capture that fails leaves the backend usable. Needs a GPU; skips
// with the reason elsewhere.
#include <cuda_runtime.h>

#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "backends/backend.h"
#include "backends/cuda/backend.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/convolution.h"
#include "ops/element_wise.h"
#include "ops/fully_connected.h"
#include "optimizer/builder.h"
#include "runtime/engine.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

constexpr int kMaxBatch = 4;

class CudaGraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = BackendRegistry::Global().Find("cuda");
    ASSERT_NE(backend_, nullptr);
    if (absl::Status s = backend_->Available(); !s.ok()) {
      GTEST_SKIP() << "cuda backend cannot run here: " << s;
    }
  }
  const Backend* backend_ = nullptr;
};

std::vector<float> RandomFloats(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

Weights RandomWeights(Dims dims, std::mt19937& rng) {
  Weights w(DataType::kFloat32, dims);
  const std::vector<float> values = RandomFloats(w.bytes() / sizeof(float), rng);
  std::memcpy(w.mutable_data(), values.data(), w.bytes());
  return w;
}

// x[B,8,12,12] -> conv 3x3 (8 -> 16, pad 1, bias) -> relu; relu * conv ->
// fully connected (10) -> out: library kernels (cuDNN, cuBLASLt) and kiln's.
absl::StatusOr<std::unique_ptr<Engine>> BuildEngine(std::mt19937& rng) {
  NetworkDefinition net;
  absl::StatusOr<TensorId> x = net.AddInput("x", DataType::kFloat32, {kMaxBatch, 8, 12, 12});
  if (!x.ok()) return x.status();
  ConvolutionParams p;
  p.pads = {1, 1, 1, 1};
  absl::StatusOr<TensorId> c = AddConvolution(net, "conv", *x, p, RandomWeights({16, 8, 3, 3}, rng),
                                              RandomWeights({16}, rng));
  if (!c.ok()) return c.status();
  absl::StatusOr<TensorId> r = AddActivation(net, "relu", *c, {ActivationType::kRelu});
  if (!r.ok()) return r.status();
  absl::StatusOr<TensorId> m = AddElementWise(net, "mul", *r, *c, ElementWiseOp::kProd);
  if (!m.ok()) return m.status();
  absl::StatusOr<TensorId> f = AddFullyConnected(net, "fc", *m, 10,
                                                 RandomWeights({10, 16 * 12 * 12}, rng),
                                                 RandomWeights({10}, rng));
  if (!f.ok()) return f.status();
  if (absl::Status s = net.MarkOutput(*f); !s.ok()) return s;
  BuildConfig config;
  config.max_batch = kMaxBatch;
  config.backends = {"cuda"};
  absl::StatusOr<Plan> plan = Builder::Build(net, config);
  if (!plan.ok()) return plan.status();
  absl::StatusOr<std::vector<uint8_t>> bytes = PlanWriter::Write(*plan);
  if (!bytes.ok()) return bytes.status();
  return Runtime::Deserialize(*bytes);
}

// One set of device bindings (input, output) at max batch.
struct Bindings {
  std::unique_ptr<DeviceBuffer> in, out;
  std::vector<void*> pointers;
  size_t in_floats = 0, out_floats = 0;
};

Bindings MakeBindings(const Engine& engine, const Backend& backend,
                      const std::vector<float>& input) {
  Bindings b;
  b.in_floats = engine.binding_desc(0, kMaxBatch)->volume();
  b.out_floats = engine.binding_desc(1, kMaxBatch)->volume();
  b.in = *backend.Allocate(b.in_floats * sizeof(float));
  b.out = *backend.Allocate(b.out_floats * sizeof(float));
  EXPECT_TRUE(backend.CopyFromHost(b.in->data(), input.data(), b.in_floats * sizeof(float)).ok());
  b.pointers = {b.in->data(), b.out->data()};
  return b;
}

// Fills the output with NaN bits, so an output a run did not write shows.
void Poison(const Bindings& b) {
  ASSERT_EQ(cudaMemset(b.out->data(), 0xff, b.out_floats * sizeof(float)), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
}

std::vector<float> Output(const Engine& engine, const Backend& backend, const Bindings& b,
                          int batch) {
  std::vector<float> out(engine.binding_desc(1, batch)->volume());
  EXPECT_TRUE(backend.CopyToHost(out.data(), b.out->data(), out.size() * sizeof(float)).ok());
  return out;
}

bool BitIdentical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST_F(CudaGraphTest, ReplayAndUpdateAreBitIdenticalToEager) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  auto engine = BuildEngine(rng);
  ASSERT_TRUE(engine.ok()) << engine.status();
  const Engine& e = **engine;
  const size_t in_floats = e.binding_desc(0, kMaxBatch)->volume();
  Bindings first = MakeBindings(e, *backend_, RandomFloats(in_floats, rng));
  Bindings second = MakeBindings(e, *backend_, RandomFloats(in_floats, rng));

  // The eager outputs, per batch and binding set.
  auto eager = e.CreateExecutionContext();
  ASSERT_TRUE(eager.ok()) << eager.status();
  (*eager)->set_cuda_graphs(false);
  const std::vector<int> batches = {kMaxBatch, 2};
  std::vector<std::vector<float>> want_first, want_second;
  for (int batch : batches) {
    for (auto [b, want] : {std::make_pair(&first, &want_first),
                           std::make_pair(&second, &want_second)}) {
      Poison(*b);
      ASSERT_TRUE((*eager)->Execute(batch, b->pointers).ok());
      EXPECT_FALSE((*eager)->cuda_graphs_active());
      want->push_back(Output(e, *backend_, *b, batch));
    }
  }

  auto ctx = e.CreateExecutionContext();
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  for (size_t i = 0; i < batches.size(); ++i) {
    const int batch = batches[i];
    SCOPED_TRACE(::testing::Message() << "batch " << batch);
    // Warm-up (eager), capture, replay; then new bindings (update) and back.
    const std::vector<std::pair<const Bindings*, bool>> runs = {
        {&first, false}, {&first, true}, {&first, true}, {&second, true}, {&second, true},
        {&first, true}};
    for (size_t run = 0; run < runs.size(); ++run) {
      const Bindings& b = *runs[run].first;
      Poison(b);
      absl::Status status = (*ctx)->Execute(batch, b.pointers);
      ASSERT_TRUE(status.ok()) << "run " << run << ": " << status;
      ASSERT_TRUE((*ctx)->cuda_graph_error().ok()) << (*ctx)->cuda_graph_error();
      EXPECT_EQ((*ctx)->cuda_graphs_active(), runs[run].second) << "run " << run;
      const std::vector<float>& want = &b == &first ? want_first[i] : want_second[i];
      EXPECT_TRUE(BitIdentical(Output(e, *backend_, b, batch), want))
          << "run " << run << " differs from the eager run";
    }
  }

  // Turned off, the context runs eagerly; turned on, it replays again.
  (*ctx)->set_cuda_graphs(false);
  Poison(first);
  ASSERT_TRUE((*ctx)->Execute(kMaxBatch, first.pointers).ok());
  EXPECT_FALSE((*ctx)->cuda_graphs_active());
  EXPECT_TRUE(BitIdentical(Output(e, *backend_, first, kMaxBatch), want_first[0]));
  (*ctx)->set_cuda_graphs(true);
  Poison(first);
  ASSERT_TRUE((*ctx)->Execute(kMaxBatch, first.pointers).ok());
  EXPECT_TRUE((*ctx)->cuda_graphs_active());
  EXPECT_TRUE(BitIdentical(Output(e, *backend_, first, kMaxBatch), want_first[0]));
}

// Enqueue on a user's stream (a non-blocking one, and the legacy default
// stream, which cannot be captured itself) with an input-consumed event.
TEST_F(CudaGraphTest, EnqueueOnUserStreamsReplaysAndSignalsInputConsumed) {
  std::mt19937 rng(testutil::TestSeed());
  auto engine = BuildEngine(rng);
  ASSERT_TRUE(engine.ok()) << engine.status();
  const Engine& e = **engine;
  Bindings b = MakeBindings(e, *backend_, RandomFloats(e.binding_desc(0, kMaxBatch)->volume(), rng));
  auto eager = e.CreateExecutionContext();
  ASSERT_TRUE(eager.ok());
  (*eager)->set_cuda_graphs(false);
  ASSERT_TRUE((*eager)->Execute(3, b.pointers).ok());
  const std::vector<float> want = Output(e, *backend_, b, 3);

  cudaStream_t user_stream = nullptr;
  cudaEvent_t consumed = nullptr;
  ASSERT_EQ(cudaStreamCreateWithFlags(&user_stream, cudaStreamNonBlocking), cudaSuccess);
  ASSERT_EQ(cudaEventCreateWithFlags(&consumed, cudaEventDisableTiming), cudaSuccess);
  for (cudaStream_t stream : {user_stream, cudaStreamLegacy}) {
    SCOPED_TRACE(stream == cudaStreamLegacy ? "legacy stream" : "user stream");
    auto ctx = e.CreateExecutionContext();
    ASSERT_TRUE(ctx.ok());
    for (int run = 0; run < 3; ++run) {
      Poison(b);
      ASSERT_TRUE((*ctx)->Enqueue(3, b.pointers, stream, consumed).ok());
      EXPECT_EQ(cudaEventSynchronize(consumed), cudaSuccess);
      ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
      EXPECT_EQ((*ctx)->cuda_graphs_active(), run > 0) << (*ctx)->cuda_graph_error();
      EXPECT_TRUE(BitIdentical(Output(e, *backend_, b, 3), want)) << "run " << run;
    }
  }
  cudaEventDestroy(consumed);
  cudaStreamDestroy(user_stream);
}

// Backend::Capture directly: work that synchronizes cannot be captured; the
// failure leaves no capture open and no error behind, and the same
// resources then capture, update and replay.
TEST_F(CudaGraphTest, FailedCaptureLeavesTheBackendUsable) {
  auto resources = backend_->CreateResources();
  ASSERT_TRUE(resources.ok()) << resources.status();
  auto& r = static_cast<cuda::CudaResources&>(**resources);
  auto failed = backend_->Capture(
      resources->get(),
      [&] {
        return cudaStreamSynchronize(r.stream()) == cudaSuccess
                   ? absl::OkStatus()
                   : absl::InternalError("cudaStreamSynchronize refused under capture");
      },
      nullptr);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("cannot capture a CUDA graph"), std::string::npos)
      << failed.status();
  EXPECT_EQ(cudaGetLastError(), cudaSuccess) << "the capture's error is cleared";
  auto capture_stream = r.CaptureStream();
  ASSERT_TRUE(capture_stream.ok()) << capture_stream.status();
  for (cudaStream_t stream : {r.stream(), *capture_stream}) {
    cudaStreamCaptureStatus capturing = cudaStreamCaptureStatusActive;
    ASSERT_EQ(cudaStreamIsCapturing(stream, &capturing), cudaSuccess);
    EXPECT_EQ(capturing, cudaStreamCaptureStatusNone);
  }

  auto a = backend_->Allocate(1024), b = backend_->Allocate(1024);
  ASSERT_TRUE(a.ok() && b.ok());
  auto memset = [&](void* ptr, int value) {
    return [&r, ptr, value] {
      return cudaMemsetAsync(ptr, value, 1024, r.stream()) == cudaSuccess
                 ? absl::OkStatus()
                 : absl::InternalError("cudaMemsetAsync");
    };
  };
  auto graph = backend_->Capture(resources->get(), memset((*a)->data(), 7), nullptr);
  ASSERT_TRUE(graph.ok()) << graph.status();
  const CapturedGraph* first = graph->get();
  auto updated = backend_->Capture(resources->get(), memset((*b)->data(), 9), *std::move(graph));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->get(), first) << "same topology, other pointer: updated in place";
  ASSERT_TRUE(backend_->Replay(resources->get(), **updated).ok());
  ASSERT_TRUE(backend_->Synchronize(resources->get()).ok());
  std::vector<uint8_t> host(1024);
  ASSERT_TRUE(backend_->CopyToHost(host.data(), (*b)->data(), 1024).ok());
  EXPECT_EQ(host, std::vector<uint8_t>(1024, 9));
}

}  // namespace
}  // namespace kiln
