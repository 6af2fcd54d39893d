// The cuda backend through the runtime: memory, out-of-memory, asynchronous
// Enqueue on a user stream, concurrent contexts, and the plan's device check.
// Needs a GPU; skips with the reason elsewhere.
#include "backends/cuda/backend.h"

#include <cuda_runtime.h>

#include <cmath>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "backends/backend.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/convolution.h"
#include "optimizer/builder.h"
#include "runtime/engine.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"

namespace kiln {
namespace {

class CudaBackendTest : public ::testing::Test {
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

std::vector<float> RandomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

TEST_F(CudaBackendTest, SignatureNamesTheArchitecture) {
  EXPECT_EQ(backend_->DeviceSignature().rfind("cuda:sm_", 0), 0u) << backend_->DeviceSignature();
  EXPECT_FALSE(backend_->host_memory());
}

TEST_F(CudaBackendTest, AllocateCopyAndOutOfMemoryLeavesTheBackendUsable) {
  const std::vector<float> host = RandomFloats(1 << 18, 1);
  auto buffer = backend_->Allocate(host.size() * sizeof(float));
  ASSERT_TRUE(buffer.ok()) << buffer.status();
  ASSERT_TRUE(backend_->CopyFromHost((*buffer)->data(), host.data(), host.size() * 4).ok());
  std::vector<float> back(host.size());
  ASSERT_TRUE(backend_->CopyToHost(back.data(), (*buffer)->data(), back.size() * 4).ok());
  EXPECT_EQ(std::memcmp(back.data(), host.data(), host.size() * 4), 0);

  // 1 PiB: no GPU has it.
  auto huge = backend_->Allocate(size_t{1} << 50);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kResourceExhausted) << huge.status();
  EXPECT_NE(huge.status().message().find("out of device memory"), std::string::npos)
      << huge.status();

  // The failure is not sticky: the next allocation, copy and kernel work.
  auto again = backend_->Allocate(1 << 20);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE(backend_->CopyFromHost((*again)->data(), host.data(), 1 << 20).ok());
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
}

// x -> relu -> conv 3x3 (8 -> 8, pad 1, bias) -> sigmoid, on `backend`.
absl::StatusOr<std::unique_ptr<Engine>> BuildEngine(int max_batch, Plan* plan_out = nullptr) {
  NetworkDefinition net;
  absl::StatusOr<TensorId> x = net.AddInput("x", DataType::kFloat32, {max_batch, 8, 13, 11});
  if (!x.ok()) return x.status();
  absl::StatusOr<TensorId> r = AddActivation(net, "relu", *x, {ActivationType::kRelu});
  if (!r.ok()) return r.status();
  Weights w(DataType::kFloat32, {8, 8, 3, 3}), b(DataType::kFloat32, {8});
  const std::vector<float> wv = RandomFloats(8 * 8 * 9, 2), bv = RandomFloats(8, 3);
  std::memcpy(w.mutable_data(), wv.data(), w.bytes());
  std::memcpy(b.mutable_data(), bv.data(), b.bytes());
  ConvolutionParams p;
  p.pads = {1, 1, 1, 1};
  absl::StatusOr<TensorId> c = AddConvolution(net, "conv", *r, p, w, b);
  if (!c.ok()) return c.status();
  absl::StatusOr<TensorId> s = AddActivation(net, "sigmoid", *c, {ActivationType::kSigmoid});
  if (!s.ok()) return s.status();
  if (absl::Status st = net.MarkOutput(*s); !st.ok()) return st;
  BuildConfig config;
  config.max_batch = max_batch;
  config.backends = {"cuda"};
  absl::StatusOr<Plan> plan = Builder::Build(net, config);
  if (!plan.ok()) return plan.status();
  if (plan_out != nullptr) *plan_out = *plan;
  absl::StatusOr<std::vector<uint8_t>> bytes = PlanWriter::Write(*plan);
  if (!bytes.ok()) return bytes.status();
  return Runtime::Deserialize(*bytes);
}

// Runs `engine` once synchronously and returns the output.
std::vector<float> RunSync(const Engine& engine, const Backend& backend,
                           const std::vector<float>& input, int batch) {
  auto ctx = engine.CreateExecutionContext();
  EXPECT_TRUE(ctx.ok()) << ctx.status();
  const size_t out_n = engine.binding_desc(1, batch)->volume();
  auto in = backend.Allocate(input.size() * 4);
  auto out = backend.Allocate(out_n * 4);
  EXPECT_TRUE(backend.CopyFromHost((*in)->data(), input.data(), input.size() * 4).ok());
  std::vector<void*> bindings = {(*in)->data(), (*out)->data()};
  absl::Status s = (*ctx)->Execute(batch, bindings);
  EXPECT_TRUE(s.ok()) << s;
  std::vector<float> result(out_n);
  EXPECT_TRUE(backend.CopyToHost(result.data(), (*out)->data(), out_n * 4).ok());
  return result;
}

TEST_F(CudaBackendTest, EnqueueOnUserStreamRecordsInputConsumed) {
  auto engine = BuildEngine(2);
  ASSERT_TRUE(engine.ok()) << engine.status();
  const Engine& e = **engine;
  EXPECT_GE(e.device(), 0);
  const std::vector<float> input = RandomFloats(2 * 8 * 13 * 11, 4);
  const std::vector<float> want = RunSync(e, *backend_, input, 2);

  auto ctx = e.CreateExecutionContext();
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  cudaStream_t stream;
  cudaEvent_t consumed;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
  ASSERT_EQ(cudaEventCreateWithFlags(&consumed, cudaEventDisableTiming), cudaSuccess);
  void *in = nullptr, *out = nullptr;
  ASSERT_EQ(cudaMalloc(&in, input.size() * 4), cudaSuccess);
  ASSERT_EQ(cudaMalloc(&out, want.size() * 4), cudaSuccess);
  ASSERT_EQ(cudaMemcpyAsync(in, input.data(), input.size() * 4, cudaMemcpyHostToDevice, stream),
            cudaSuccess);
  ASSERT_EQ(cudaMemsetAsync(out, 0xFF, want.size() * 4, stream), cudaSuccess);
  std::vector<void*> bindings = {in, out};
  absl::Status s = (*ctx)->Enqueue(2, bindings, stream, consumed);
  ASSERT_TRUE(s.ok()) << s;
  // Once the input is consumed it may be overwritten without changing the result.
  ASSERT_EQ(cudaEventSynchronize(consumed), cudaSuccess);
  ASSERT_EQ(cudaMemsetAsync(in, 0, input.size() * 4, stream), cudaSuccess);
  std::vector<float> got(want.size());
  ASSERT_EQ(cudaMemcpyAsync(got.data(), out, got.size() * 4, cudaMemcpyDeviceToHost, stream),
            cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * 4), 0);

  // Execute after Enqueue goes back to the context's own stream.
  EXPECT_EQ(RunSync(e, *backend_, input, 1),
            std::vector<float>(want.begin(), want.begin() + want.size() / 2));
  cudaFree(in);
  cudaFree(out);
  cudaEventDestroy(consumed);
  cudaStreamDestroy(stream);
}

TEST_F(CudaBackendTest, FourContextsOnFourStreamsAreBitIdentical) {
  auto engine = BuildEngine(4);
  ASSERT_TRUE(engine.ok()) << engine.status();
  const Engine& e = **engine;
  const std::vector<float> input = RandomFloats(4 * 8 * 13 * 11, 5);
  const std::vector<float> want = RunSync(e, *backend_, input, 4);
  constexpr int kThreads = 4, kRuns = 20;
  std::vector<std::vector<float>> got(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto ctx = e.CreateExecutionContext();
      if (!ctx.ok()) { errors[t] = ctx.status().ToString(); return; }
      cudaStream_t stream;
      cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
      void *in = nullptr, *out = nullptr;
      cudaMalloc(&in, input.size() * 4);
      cudaMalloc(&out, want.size() * 4);
      cudaMemcpyAsync(in, input.data(), input.size() * 4, cudaMemcpyHostToDevice, stream);
      std::vector<void*> bindings = {in, out};
      for (int r = 0; r < kRuns && errors[t].empty(); ++r) {
        absl::Status s = (*ctx)->Enqueue(4, bindings, stream, nullptr);
        if (!s.ok()) errors[t] = s.ToString();
      }
      got[t].resize(want.size());
      cudaMemcpyAsync(got[t].data(), out, want.size() * 4, cudaMemcpyDeviceToHost, stream);
      if (cudaStreamSynchronize(stream) != cudaSuccess) errors[t] = "stream failed";
      cudaFree(in);
      cudaFree(out);
      cudaStreamDestroy(stream);
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[t], "") << "thread " << t;
    EXPECT_EQ(std::memcmp(got[t].data(), want.data(), want.size() * 4), 0) << "thread " << t;
  }
}

TEST_F(CudaBackendTest, PlanForAnotherArchitectureIsRefused) {
  Plan plan;
  ASSERT_TRUE(BuildEngine(1, &plan).ok());
  EXPECT_EQ(plan.device, backend_->DeviceSignature());
  plan.device = "cuda:sm_10";
  auto bytes = PlanWriter::Write(plan);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto engine = Runtime::Deserialize(*bytes);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), absl::StatusCode::kFailedPrecondition) << engine.status();
  EXPECT_NE(engine.status().message().find("built for device 'cuda:sm_10'"), std::string::npos)
      << engine.status();
  EXPECT_NE(engine.status().message().find(backend_->DeviceSignature()), std::string::npos)
      << engine.status();
}

}  // namespace
}  // namespace kiln
