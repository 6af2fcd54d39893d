#include "optimizer/timing_cache.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "backends/tactic_registry.h"
#include "gtest/gtest.h"
#include "graph/op_registry.h"
#include "optimizer/builder.h"

namespace kiln {
namespace {

// A test-only op with two tactics that count their Run calls, so a test can
// tell whether the builder timed them or took their times from the cache.
constexpr char kCountedOp[] = "TimingCacheTestCounted";
std::atomic<int> g_runs_a{0};
std::atomic<int> g_runs_b{0};

absl::StatusOr<std::vector<TensorDesc>> SameShape(const InferenceContext& ctx) {
  return std::vector<TensorDesc>{ctx.inputs[0]};
}

class CountingKernel : public Kernel {
 public:
  explicit CountingKernel(std::atomic<int>* runs) : runs_(runs) {}
  absl::Status Run(const KernelArgs& args) const override {
    runs_->fetch_add(1);
    std::memcpy(args.outputs[0], args.inputs[0], args.output_descs[0].bytes());
    return absl::OkStatus();
  }

 private:
  std::atomic<int>* runs_;
};

class CountingTactic : public Tactic {
 public:
  CountingTactic(std::string name, std::atomic<int>* runs)
      : Tactic(TacticInfo{std::move(name), kCountedOp, "cpu_ref", false}), runs_(runs) {}
  absl::Status Supports(const NodeContext&) const override { return absl::OkStatus(); }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<CountingKernel>(runs_));
  }

 private:
  std::atomic<int>* runs_;
};

KILN_REGISTER_OP(OpSchema{kCountedOp, 1, 1, 1, SameShape});
KILN_REGISTER_TACTIC(std::make_unique<CountingTactic>("test.counted.a", &g_runs_a));
KILN_REGISTER_TACTIC(std::make_unique<CountingTactic>("test.counted.b", &g_runs_b));

class CapturingLogger : public Logger {
 public:
  void Log(Severity, absl::string_view message) override {
    std::lock_guard<std::mutex> lock(mu);
    messages.emplace_back(message);
  }
  std::mutex mu;
  std::vector<std::string> messages;
};

NetworkDefinition OneLayer(Dims dims) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, std::move(dims));
  TensorId y = *net.AddLayer1("layer0", kCountedOp, {x}, {});
  EXPECT_TRUE(net.MarkOutput(y).ok());
  return net;
}

int TotalRuns() { return g_runs_a.load() + g_runs_b.load(); }

TEST(TimingCacheTest, HitAvoidsTiming) {
  TimingCache cache;
  CapturingLogger logger;
  BuildConfig config;
  config.timing_cache = &cache;
  config.logger = &logger;
  std::vector<BuildProgress> progress;
  config.progress = [&](const BuildProgress& p) { progress.push_back(p); };

  const int before = TotalRuns();
  auto first = Builder::Build(OneLayer({1, 4, 8, 8}), config);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_GT(TotalRuns(), before);  // both tactics were timed
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.misses(), 2);
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0].done, 1);
  EXPECT_EQ(progress[0].total, 1);
  EXPECT_EQ(progress[0].layer, "layer0");
  EXPECT_EQ(progress[0].candidates, 2);
  EXPECT_EQ(progress[0].cache_hits, 0);

  const int after_first = TotalRuns();
  auto second = Builder::Build(OneLayer({1, 4, 8, 8}), config);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(TotalRuns(), after_first);  // nothing ran: both times came from the cache
  EXPECT_EQ(cache.hits(), 2);
  EXPECT_EQ(second->nodes[0].tactic, first->nodes[0].tactic);
  EXPECT_EQ(progress.back().cache_hits, 2);
  bool logged_hit = false;
  for (const std::string& m : logger.messages) {
    logged_hit |= m.find("timing cache hit for 2 of 2 tactics") != std::string::npos;
  }
  EXPECT_TRUE(logged_hit);

  // Another shape is another key: timed again.
  auto other = Builder::Build(OneLayer({1, 4, 8, 9}), config);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_GT(TotalRuns(), after_first);
  EXPECT_EQ(cache.size(), 4u);
}

TEST(TimingCacheTest, ReloadedCacheAvoidsTiming) {
  TimingCache cache;
  BuildConfig config;
  config.timing_cache = &cache;
  ASSERT_TRUE(Builder::Build(OneLayer({2, 3, 5, 7}), config).ok());

  auto reloaded = TimingCache::Deserialize(cache.Serialize());
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ((*reloaded)->size(), cache.size());
  config.timing_cache = reloaded->get();
  const int before = TotalRuns();
  ASSERT_TRUE(Builder::Build(OneLayer({2, 3, 5, 7}), config).ok());
  EXPECT_EQ(TotalRuns(), before);
  EXPECT_EQ((*reloaded)->hits(), 2);
}

TEST(TimingCacheTest, RoundTripKeepsEveryEntryAndIsDeterministic) {
  TimingCache cache;
  cache.Insert("b|key", 2.5);
  cache.Insert("a|key", 0.125);
  cache.Insert("c|key", 0.0);
  const std::vector<uint8_t> bytes = cache.Serialize();
  auto back = TimingCache::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)->size(), 3u);
  EXPECT_EQ((*back)->Lookup("b|key"), 2.5);
  EXPECT_EQ((*back)->Lookup("a|key"), 0.125);
  EXPECT_EQ((*back)->Lookup("c|key"), 0.0);
  EXPECT_FALSE((*back)->Lookup("d|key").has_value());
  EXPECT_EQ((*back)->Serialize(), bytes);

  auto empty = TimingCache::Deserialize(TimingCache().Serialize());
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ((*empty)->size(), 0u);
}

std::string Message(absl::Span<const uint8_t> bytes) {
  auto cache = TimingCache::Deserialize(bytes);
  if (cache.ok()) return "";
  EXPECT_EQ(cache.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(cache.status().message());
}

TEST(TimingCacheTest, RejectsCorruptedBytes) {
  TimingCache cache;
  cache.Insert("cpu_ref.x|Conv|k=3|in:fp32[1x3x8x8]linear|out:fp32[1x3x8x8]linear|cpu", 1.5);
  cache.Insert("cpu_ref.y|Conv|k=3|in:fp32[1x3x8x8]linear|out:fp32[1x3x8x8]linear|cpu", 0.5);
  const std::vector<uint8_t> good = cache.Serialize();

  // Every single-bit flip anywhere is caught (header fields or checksum).
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x10;
    EXPECT_NE(Message(bad), "") << "flip at byte " << i << " was accepted";
  }
  // Every truncation is caught.
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_NE(Message({good.data(), n}), "") << "truncation to " << n << " bytes was accepted";
  }

  std::vector<uint8_t> bad = good;
  bad[0] = 'X';
  EXPECT_NE(Message(bad).find("not a kiln timing cache"), std::string::npos) << Message(bad);
  bad = good;
  bad[8] = 9;
  EXPECT_NE(Message(bad).find("format version 9"), std::string::npos) << Message(bad);
  bad = good;
  bad[40] ^= 1;  // inside the first key
  EXPECT_NE(Message(bad).find("checksum mismatch"), std::string::npos) << Message(bad);
  EXPECT_NE(Message({good.data(), good.size() - 3}).find("truncated"), std::string::npos);
  EXPECT_NE(Message({good.data(), 10}).find("less than the 32-byte header"), std::string::npos);
  bad = good;
  bad.push_back(0);
  EXPECT_NE(Message(bad).find("payload bytes, the data has"), std::string::npos) << Message(bad);
}

TEST(TimingCacheTest, RejectsWrongCountsEvenWithAValidChecksum) {
  TimingCache cache;
  cache.Insert("k", 1.0);
  std::vector<uint8_t> bytes = cache.Serialize();
  bytes[12] = 2;  // claims two entries; the checksum covers only the payload
  EXPECT_NE(Message(bytes).find("entry 1 is cut short"), std::string::npos) << Message(bytes);
  bytes[12] = 0;  // claims none: the entry is left over
  EXPECT_NE(Message(bytes).find("bytes follow the last of 0 entries"), std::string::npos)
      << Message(bytes);
}

TEST(TimingCacheTest, KeyCoversTacticShapeTypeFormatAttrsDeviceAndTf32ButNotNames) {
  NodeContext node;
  node.name = "conv1";
  node.op = "Convolution";
  node.attrs.Set("group", 1);
  node.inputs = {TensorDesc{"x", DataType::kFloat32, {1, 3, 8, 8}}};
  node.outputs = {TensorDesc{"y", DataType::kFloat32, {1, 3, 8, 8}}};
  node.constants = {nullptr};
  const std::string key = TimingCache::MakeKey("t", node, "cpu:x86_64");

  NodeContext renamed = node;
  renamed.name = "conv2";
  renamed.inputs[0].name = "other";
  EXPECT_EQ(TimingCache::MakeKey("t", renamed, "cpu:x86_64"), key);

  EXPECT_NE(TimingCache::MakeKey("u", node, "cpu:x86_64"), key);
  EXPECT_NE(TimingCache::MakeKey("t", node, "cuda:sm_90"), key);
  NodeContext changed = node;
  changed.inputs[0].dims[0] = 2;
  EXPECT_NE(TimingCache::MakeKey("t", changed, "cpu:x86_64"), key);
  changed = node;
  changed.outputs[0].dtype = DataType::kFloat16;
  EXPECT_NE(TimingCache::MakeKey("t", changed, "cpu:x86_64"), key);
  changed = node;
  changed.inputs[0].format = TensorFormat::kNHWC;
  EXPECT_NE(TimingCache::MakeKey("t", changed, "cpu:x86_64"), key);
  changed = node;
  changed.attrs.Set("group", 3);
  EXPECT_NE(TimingCache::MakeKey("t", changed, "cpu:x86_64"), key);
  Weights w(DataType::kFloat32, {1});
  changed = node;
  changed.constants[0] = &w;
  EXPECT_NE(TimingCache::MakeKey("t", changed, "cpu:x86_64"), key);
  // TF32 changes what an fp32 GEMM or convolution runs.
  changed = node;
  changed.target.allow_tf32 = true;
  EXPECT_NE(TimingCache::MakeKey("t", changed, "cpu:x86_64"), key);
}

TEST(TimingCacheTest, IsSafeToShareBetweenThreads) {
  TimingCache cache;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 500; ++i) {
        cache.Insert(absl::StrCat(t, ":", i), i);
        cache.Lookup(absl::StrCat((t + 1) % 4, ":", i));
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(cache.size(), 2000u);
  EXPECT_EQ(cache.hits() + cache.misses(), 2000);
}

}  // namespace
}  // namespace kiln
