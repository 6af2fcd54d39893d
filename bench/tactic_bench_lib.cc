#include "bench/tactic_bench_lib.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/tactic_registry.h"
#include "benchmark/benchmark.h"
#include "graph/status_macros.h"
#include "ops/convolution.h"
#include "ops/fully_connected.h"

namespace kiln {
namespace bench {
namespace {

constexpr uint32_t kSeed = 20261122;  // fixed: every run times the same data

// Weights uniform in +-1/sqrt(fan_in) (He-like), so outputs stay O(1) and
// no tactic is timed on denormals or infinities.
testutil::OpInput RandomConst(Dims dims, int64_t fan_in, std::mt19937& rng) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(fan_in));
  return {testutil::RandomFloats(std::move(dims), rng, -scale, scale), /*constant=*/true};
}

// A ResNet-style square convolution with bias, batch `batch`:
// x (batch, c, hw, hw), weight (k, c, r, r), stride and symmetric padding.
std::shared_ptr<const BenchCase> ConvCase(std::string name, int64_t batch, int64_t c,
                                          int64_t hw, int64_t k, int64_t r, int64_t stride,
                                          int64_t pad, std::mt19937& rng) {
  auto bench_case = std::make_shared<BenchCase>();
  bench_case->op = kConvolutionOp;
  bench_case->name = std::move(name);
  ConvolutionParams params;
  params.strides = {stride, stride};
  params.pads = {pad, pad, pad, pad};
  bench_case->attrs = params.ToAttrs();
  bench_case->inputs.push_back(
      {testutil::RandomFloats({batch, c, hw, hw}, rng), /*constant=*/false});
  bench_case->inputs.push_back(RandomConst({k, c, r, r}, c * r * r, rng));
  bench_case->inputs.push_back(RandomConst({k}, c * r * r, rng));
  const int64_t out_hw = (hw + 2 * pad - r) / stride + 1;
  const double macs = static_cast<double>(batch) * k * out_hw * out_hw * c * r * r;
  bench_case->flops = 2 * macs;
  bench_case->bytes =
      sizeof(float) * static_cast<double>(batch * c * hw * hw + k * c * r * r + k +
                                          batch * k * out_hw * out_hw);
  return bench_case;
}

// x (batch, k_in) times weight (k_out, k_in) transposed, plus bias.
std::shared_ptr<const BenchCase> FcCase(std::string name, int64_t batch, int64_t k_in,
                                        int64_t k_out, std::mt19937& rng) {
  auto bench_case = std::make_shared<BenchCase>();
  bench_case->op = kFullyConnectedOp;
  bench_case->name = std::move(name);
  bench_case->attrs = FullyConnectedParams{}.ToAttrs();  // axis 1
  bench_case->inputs.push_back({testutil::RandomFloats({batch, k_in}, rng), /*constant=*/false});
  bench_case->inputs.push_back(RandomConst({k_out, k_in}, k_in, rng));
  bench_case->inputs.push_back(RandomConst({k_out}, k_in, rng));
  bench_case->flops = 2.0 * batch * k_in * k_out;
  bench_case->bytes =
      sizeof(float) * static_cast<double>(batch * k_in + k_out * k_in + k_out + batch * k_out);
  return bench_case;
}

std::vector<std::shared_ptr<const BenchCase>> ConvolutionCases() {
  std::mt19937 rng(kSeed);
  // ResNet-50 v1.5 (torchvision) layers at batch 1, 224x224 input.
  return {
      // Stem: 3->64 7x7 stride 2 pad 3, 224 -> 112.
      ConvCase("resnet_conv1_b1", 1, 3, 224, 64, 7, 2, 3, rng),
      // layer1 bottleneck 3x3: 64->64 on 56x56.
      ConvCase("resnet_l1_conv3x3_b1", 1, 64, 56, 64, 3, 1, 1, rng),
      // layer1 expansion 1x1: 64->256 on 56x56 (pointwise: im2col is a plain GEMM).
      ConvCase("resnet_l1_conv1x1_expand_b1", 1, 64, 56, 256, 1, 1, 0, rng),
      // layer2 downsample shortcut: 256->512 1x1 stride 2, 56 -> 28.
      ConvCase("resnet_l2_downsample_b1", 1, 256, 56, 512, 1, 2, 0, rng),
      // layer2 bottleneck 3x3: 128->128 on 28x28.
      ConvCase("resnet_l2_conv3x3_b1", 1, 128, 28, 128, 3, 1, 1, rng),
      // layer4 first block 3x3 (v1.5 strides here): 512->512 stride 2, 14 -> 7.
      ConvCase("resnet_l4_conv3x3_s2_b1", 1, 512, 14, 512, 3, 2, 1, rng),
      // layer4 other blocks 3x3: 512->512 on 7x7.
      ConvCase("resnet_l4_conv3x3_b1", 1, 512, 7, 512, 3, 1, 1, rng),
  };
}

std::vector<std::shared_ptr<const BenchCase>> FullyConnectedCases() {
  std::mt19937 rng(kSeed + 1);
  return {
      // ResNet-50 head: 2048 -> 1000 classes.
      FcCase("resnet_fc_b1", 1, 2048, 1000, rng),
      FcCase("resnet_fc_b16", 16, 2048, 1000, rng),
      // BERT-base FFN up-projection 768 -> 3072, one row per token.
      FcCase("bert_ffn_up_b1", 1, 768, 3072, rng),
      FcCase("bert_ffn_up_b16", 16, 768, 3072, rng),
  };
}

// Tactics of `op` from the registry, sorted by name.
std::vector<const Tactic*> TacticsFor(absl::string_view op) {
  std::vector<const Tactic*> tactics;
  for (const Tactic* tactic : TacticRegistry::Global().All()) {
    if (tactic->op() == op) tactics.push_back(tactic);
  }
  return tactics;
}

// Built on the first call of a benchmark's function (Google Benchmark calls
// it once per trial iteration count) and reused by later calls.
struct LazyRun {
  bool tried = false;
  absl::Status status;
  std::unique_ptr<PreparedRun> run;
};

void BenchmarkTactic(benchmark::State& state, const Tactic* tactic,
                     std::shared_ptr<const BenchCase> bench_case, std::shared_ptr<LazyRun> lazy) {
  if (!lazy->tried) {
    lazy->tried = true;
    absl::StatusOr<std::unique_ptr<PreparedRun>> run = PreparedRun::Create(*tactic, bench_case);
    if (run.ok()) {
      lazy->run = *std::move(run);
    } else {
      lazy->status = run.status();
    }
  }
  if (!lazy->status.ok()) {
    state.SkipWithError(std::string(lazy->status.message()).c_str());
    return;
  }
  // One untimed run: first-touch page faults and lazy initialization of the
  // backend are not part of the kernel's time.
  if (absl::Status warm = lazy->run->Run(); !warm.ok()) {
    state.SkipWithError(std::string(warm.message()).c_str());
    return;
  }
  double seconds = 0;
  for (auto _ : state) {
    absl::StatusOr<double> ms = lazy->run->TimeRunMs();
    if (!ms.ok()) {
      state.SkipWithError(std::string(ms.status().message()).c_str());
      break;  // leaving the loop lets the library finish the skipped run
    }
    state.SetIterationTime(*ms / 1e3);
    seconds += *ms / 1e3;
  }
  if (state.error_occurred()) return;
  // Rates from the backend's own times (the manual time), not from the
  // thread's CPU time that kIsRate counters divide by: the two differ for a
  // multi-threaded or asynchronous (GPU) kernel.
  if (seconds > 0) {
    const double iterations = static_cast<double>(state.iterations());
    state.counters["FLOPS"] = benchmark::Counter(bench_case->flops * iterations / seconds);
    state.counters["bytes_per_second"] =
        benchmark::Counter(bench_case->bytes * iterations / seconds,
                           benchmark::Counter::kDefaults, benchmark::Counter::kIs1024);
  }
  state.SetLabel(bench_case->op == kConvolutionOp ? "fp32 NCHW" : "fp32");
}

}  // namespace

std::vector<std::string> BenchmarkedOps() { return {kConvolutionOp, kFullyConnectedOp}; }

std::vector<std::shared_ptr<const BenchCase>> CasesFor(absl::string_view op) {
  if (op == kConvolutionOp) return ConvolutionCases();
  if (op == kFullyConnectedOp) return FullyConnectedCases();
  return {};
}

absl::StatusOr<std::unique_ptr<PreparedRun>> PreparedRun::Create(
    const Tactic& tactic, std::shared_ptr<const BenchCase> bench_case) {
  std::unique_ptr<PreparedRun> run(new PreparedRun());
  run->case_ = std::move(bench_case);
  const BenchCase& c = *run->case_;

  run->backend_ = BackendRegistry::Global().Find(tactic.backend());
  if (run->backend_ == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("backend '", tactic.backend(), "' is not linked into this binary"));
  }
  if (absl::Status available = run->backend_->Available(); !available.ok()) {
    return absl::UnavailableError(
        absl::StrCat("backend '", tactic.backend(), "' unavailable: ", available.message()));
  }
  KILN_ASSIGN_OR_RETURN(run->node_, testutil::MakeNodeContext(c.op, c.attrs, c.inputs));
  if (absl::Status supports = tactic.Supports(run->node_); !supports.ok()) {
    return absl::UnimplementedError(
        absl::StrCat(tactic.name(), " does not support ", c.name, ": ", supports.message()));
  }
  KILN_ASSIGN_OR_RETURN(run->state_, tactic.PrepareState(run->node_));
  KILN_ASSIGN_OR_RETURN(run->kernel_, tactic.CreateKernel(run->node_, run->state_));
  KILN_ASSIGN_OR_RETURN(run->resources_, run->backend_->CreateResources());

  const Backend& backend = *run->backend_;
  for (const testutil::OpInput& in : c.inputs) {
    if (in.value.bytes() == 0) {  // omitted optional input
      run->input_buffers_.push_back(nullptr);
      run->input_ptrs_.push_back(nullptr);
      continue;
    }
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<DeviceBuffer> buffer, backend.Allocate(in.value.bytes()));
    KILN_RETURN_IF_ERROR(backend.CopyFromHost(buffer->data(), in.value.data(), in.value.bytes()));
    run->input_ptrs_.push_back(buffer->data());
    run->input_buffers_.push_back(std::move(buffer));
  }
  for (const TensorDesc& out : run->node_.outputs) {
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<DeviceBuffer> buffer, backend.Allocate(out.bytes()));
    // Poisoned with NaN so a check of the outputs catches unwritten elements.
    if (out.dtype == DataType::kFloat32) {
      std::vector<float> nan(out.volume(), std::numeric_limits<float>::quiet_NaN());
      KILN_RETURN_IF_ERROR(backend.CopyFromHost(buffer->data(), nan.data(), out.bytes()));
    }
    run->output_ptrs_.push_back(buffer->data());
    run->output_buffers_.push_back(std::move(buffer));
  }
  KILN_ASSIGN_OR_RETURN(run->workspace_, backend.Allocate(tactic.WorkspaceSize(run->node_)));

  // The benchmark runs at max batch, so the node's descs are the run's descs.
  run->args_.input_descs = run->node_.inputs;
  run->args_.output_descs = run->node_.outputs;
  run->args_.inputs = run->input_ptrs_;
  run->args_.outputs = run->output_ptrs_;
  run->args_.workspace = run->workspace_->data();
  run->args_.workspace_size = run->workspace_->size();
  run->args_.resources = run->resources_.get();
  return run;
}

absl::Status PreparedRun::Run() const { return kernel_->Run(args_); }

absl::StatusOr<double> PreparedRun::TimeRunMs() const {
  return backend_->TimeMs(resources_.get(), [this] { return kernel_->Run(args_); });
}

absl::StatusOr<std::vector<float>> PreparedRun::OutputFloats(size_t i) const {
  if (i >= node_.outputs.size() || node_.outputs[i].dtype != DataType::kFloat32) {
    return absl::InvalidArgumentError(absl::StrCat("output ", i, " is not an fp32 output of ",
                                                   case_->name));
  }
  std::vector<float> values(node_.outputs[i].volume());
  KILN_RETURN_IF_ERROR(
      backend_->CopyToHost(values.data(), output_ptrs_[i], node_.outputs[i].bytes()));
  return values;
}

std::string BenchmarkName(const Tactic& tactic, const BenchCase& bench_case) {
  return absl::StrCat(bench_case.op, "/", tactic.name(), "/", bench_case.name);
}

std::vector<std::string> RegisterTacticBenchmarks() {
  std::vector<std::string> names;
  for (const std::string& op : BenchmarkedOps()) {
    const std::vector<std::shared_ptr<const BenchCase>> cases = CasesFor(op);
    for (const Tactic* tactic : TacticsFor(op)) {
      for (const std::shared_ptr<const BenchCase>& bench_case : cases) {
        std::string name = BenchmarkName(*tactic, *bench_case);
        benchmark::RegisterBenchmark(name.c_str(), BenchmarkTactic, tactic, bench_case,
                                     std::make_shared<LazyRun>())
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
        names.push_back(std::move(name));
      }
    }
  }
  return names;
}

}  // namespace bench
}  // namespace kiln
