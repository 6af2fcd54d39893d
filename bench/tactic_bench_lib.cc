#include "bench/tactic_bench_lib.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/tactic_registry.h"
#include "benchmark/benchmark.h"
#include "graph/status_macros.h"
#include "ops/convolution.h"
#include "ops/fully_connected.h"
#include "ops/matmul.h"

namespace kiln {
namespace bench {
namespace {

constexpr uint32_t kSeed = 20261122;  // fixed: every run times the same data

// Measured H200 GEMM ceilings, TFLOP/s (DESIGN.md, "Performance method").
// TF32 was not measured: half the fp16 tensor-core rate is the hardware's
// ratio, so 729 / 2 stands in for it.
constexpr double kFp32CeilingTflops = 51;
constexpr double kTf32CeilingTflops = 729.0 / 2;
constexpr double kFp16CeilingTflops = 729;

// The precisions benchmarked: a name for benchmark names, the tensors'
// dtype, whether the build allows TF32, and the ceiling.
struct Precision {
  const char* name;
  DataType dtype;
  bool allow_tf32;
  double ceiling_tflops;
};
constexpr Precision kFp32{"fp32", DataType::kFloat32, false, kFp32CeilingTflops};
constexpr Precision kTf32{"tf32", DataType::kFloat32, true, kTf32CeilingTflops};
constexpr Precision kFp16{"fp16", DataType::kFloat16, false, kFp16CeilingTflops};

int64_t DtypeBytes(DataType dtype) { return dtype == DataType::kFloat16 ? 2 : 4; }

std::shared_ptr<BenchCase> NewCase(std::string op, std::string group, const Precision& precision,
                                   std::string name, bool device_only) {
  auto bench_case = std::make_shared<BenchCase>();
  bench_case->op = std::move(op);
  bench_case->group = std::move(group);
  bench_case->precision = precision.name;
  bench_case->name = std::move(name);
  bench_case->dtype = precision.dtype;
  bench_case->allow_tf32 = precision.allow_tf32;
  bench_case->ceiling_tflops = precision.ceiling_tflops;
  bench_case->device_only = device_only;
  return bench_case;
}

// Weights uniform in +-1/sqrt(fan_in) (He-like), so outputs stay O(1) and
// no tactic is timed on denormals, infinities or fp16 overflow.
InputSpec ConstSpec(Dims dims, int64_t fan_in) {
  return {std::move(dims), /*constant=*/true, 1.0f / std::sqrt(static_cast<float>(fan_in))};
}
InputSpec ActivationSpec(Dims dims) { return {std::move(dims), /*constant=*/false, 1.0f}; }

// A ResNet-style square convolution with bias, batch `batch`:
// x (batch, c, hw, hw), weight (k, c, r, r), stride and symmetric padding.
std::shared_ptr<const BenchCase> ConvCase(const Precision& precision, TensorFormat format,
                                          std::string name, int64_t batch, int64_t c,
                                          int64_t hw, int64_t k, int64_t r, int64_t stride,
                                          int64_t pad, bool device_only) {
  const bool nhwc = format == TensorFormat::kNHWC;
  auto bench_case =
      NewCase(kConvolutionOp, "conv", precision, std::move(name), device_only);
  bench_case->precision += nhwc ? ".nhwc" : ".nchw";
  bench_case->format = format;
  ConvolutionParams params;
  params.strides = {stride, stride};
  params.pads = {pad, pad, pad, pad};
  bench_case->attrs = params.ToAttrs();
  bench_case->inputs = {ActivationSpec({batch, c, hw, hw}), ConstSpec({k, c, r, r}, c * r * r),
                        ConstSpec({k}, c * r * r)};
  const int64_t out_hw = (hw + 2 * pad - r) / stride + 1;
  const double macs = static_cast<double>(batch) * k * out_hw * out_hw * c * r * r;
  bench_case->flops = 2 * macs;
  bench_case->bytes = DtypeBytes(precision.dtype) *
                      static_cast<double>(batch * c * hw * hw + k * c * r * r + k +
                                          batch * k * out_hw * out_hw);
  return bench_case;
}

// x (rows, k_in) times weight (k_out, k_in) transposed, plus bias.
std::shared_ptr<const BenchCase> FcCase(const Precision& precision, std::string name,
                                        int64_t rows, int64_t k_in, int64_t k_out,
                                        bool device_only) {
  auto bench_case =
      NewCase(kFullyConnectedOp, "gemm", precision, std::move(name), device_only);
  bench_case->attrs = FullyConnectedParams{}.ToAttrs();  // axis 1
  bench_case->inputs = {ActivationSpec({rows, k_in}), ConstSpec({k_out, k_in}, k_in),
                        ConstSpec({k_out}, k_in)};
  bench_case->flops = 2.0 * rows * k_in * k_out;
  bench_case->bytes = DtypeBytes(precision.dtype) *
                      static_cast<double>(rows * k_in + k_out * k_in + k_out + rows * k_out);
  return bench_case;
}

// Batched a (batch, m, k) times b (batch, k, n), or b (batch, n, k)
// transposed: both operands are activations.
std::shared_ptr<const BenchCase> BatchedMatMulCase(const Precision& precision, std::string name,
                                                   int64_t batch, int64_t m, int64_t k,
                                                   int64_t n, bool transpose_b,
                                                   bool device_only) {
  auto bench_case = NewCase(kMatMulOp, "gemm", precision, std::move(name), device_only);
  MatMulParams params;
  params.transpose_b = transpose_b;
  bench_case->attrs = params.ToAttrs();
  bench_case->inputs = {ActivationSpec({batch, m, k}),
                        ActivationSpec(transpose_b ? Dims{batch, n, k} : Dims{batch, k, n})};
  bench_case->flops = 2.0 * batch * m * n * k;
  bench_case->bytes = DtypeBytes(precision.dtype) *
                      static_cast<double>(batch * (m * k + k * n + m * n));
  return bench_case;
}

// ResNet-50 v1.5 (torchvision) layers, 224x224 input.
struct ConvShape {
  const char* name;
  int64_t c, hw, k, r, stride, pad;
};
constexpr ConvShape kResNetConvs[] = {
    // Stem: 3->64 7x7 stride 2 pad 3, 224 -> 112.
    {"resnet_conv1", 3, 224, 64, 7, 2, 3},
    // layer1 bottleneck 3x3: 64->64 on 56x56.
    {"resnet_l1_conv3x3", 64, 56, 64, 3, 1, 1},
    // layer1 expansion 1x1: 64->256 on 56x56 (pointwise: im2col is a plain GEMM).
    {"resnet_l1_conv1x1_expand", 64, 56, 256, 1, 1, 0},
    // layer2 downsample shortcut: 256->512 1x1 stride 2, 56 -> 28.
    {"resnet_l2_downsample", 256, 56, 512, 1, 2, 0},
    // layer2 bottleneck 3x3: 128->128 on 28x28.
    {"resnet_l2_conv3x3", 128, 28, 128, 3, 1, 1},
    // layer4 first block 3x3 (v1.5 strides here): 512->512 stride 2, 14 -> 7.
    {"resnet_l4_conv3x3_s2", 512, 14, 512, 3, 2, 1},
    // layer4 other blocks 3x3: 512->512 on 7x7.
    {"resnet_l4_conv3x3", 512, 7, 512, 3, 1, 1},
};

std::vector<std::shared_ptr<const BenchCase>> ConvolutionCases() {
  std::vector<std::shared_ptr<const BenchCase>> cases;
  struct Variant {
    const Precision* precision;
    TensorFormat format;
  };
  // fp32 NCHW at batch 1 also runs on cpu_ref (the first figures in
  // RESULTS.md); everything else is sized for the GPU. Batch 32 fills an
  // H200 where batch 1 cannot.
  for (const Variant& v : {Variant{&kFp32, TensorFormat::kLinear},
                           Variant{&kTf32, TensorFormat::kLinear},
                           Variant{&kFp16, TensorFormat::kLinear},
                           Variant{&kFp16, TensorFormat::kNHWC}}) {
    for (int64_t batch : {1, 32}) {
      const bool device_only = !(v.precision == &kFp32 && batch == 1);
      for (const ConvShape& s : kResNetConvs) {
        cases.push_back(ConvCase(*v.precision, v.format, absl::StrCat(s.name, "_b", batch), batch,
                                 s.c, s.hw, s.k, s.r, s.stride, s.pad, device_only));
      }
    }
  }
  return cases;
}

// BERT-base: hidden 768, FFN 3072, 12 heads of 64; tokens = batch x seq.
constexpr int64_t kBertHidden = 768;
constexpr int64_t kBertFfn = 3072;
constexpr int64_t kBertHeads = 12;
constexpr int64_t kBertHeadDim = 64;
struct BertSize {
  int64_t batch, seq;
};
constexpr BertSize kBertSizes[] = {{1, 128}, {8, 128}, {32, 128}, {8, 384}};

std::string BertTag(const BertSize& s) { return absl::StrCat("_b", s.batch, "_s", s.seq); }

std::vector<std::shared_ptr<const BenchCase>> FullyConnectedCases() {
  // The first fp32 figures in RESULTS.md (cpu_ref too).
  std::vector<std::shared_ptr<const BenchCase>> cases = {
      // ResNet-50 head: 2048 -> 1000 classes.
      FcCase(kFp32, "resnet_fc_b1", 1, 2048, 1000, false),
      FcCase(kFp32, "resnet_fc_b16", 16, 2048, 1000, false),
      // BERT-base FFN up-projection 768 -> 3072, a few rows.
      FcCase(kFp32, "bert_ffn_up_b1", 1, 768, 3072, false),
      FcCase(kFp32, "bert_ffn_up_b16", 16, 768, 3072, false),
  };
  // The projections of a BERT-base encoder layer, one row per token.
  for (const Precision& p : {kFp32, kTf32, kFp16}) {
    for (const BertSize& s : kBertSizes) {
      const int64_t tokens = s.batch * s.seq;
      const std::string tag = BertTag(s);
      cases.push_back(FcCase(p, "bert_qkv" + tag, tokens, kBertHidden, 3 * kBertHidden, true));
      cases.push_back(FcCase(p, "bert_attn_out" + tag, tokens, kBertHidden, kBertHidden, true));
      cases.push_back(FcCase(p, "bert_ffn_up" + tag, tokens, kBertHidden, kBertFfn, true));
      cases.push_back(FcCase(p, "bert_ffn_down" + tag, tokens, kBertFfn, kBertHidden, true));
    }
  }
  return cases;
}

std::vector<std::shared_ptr<const BenchCase>> MatMulCases() {
  std::vector<std::shared_ptr<const BenchCase>> cases;
  // BERT-base attention per (sequence, head): scores Q·Kᵀ [S,64]x[64,S] and
  // context P·V [S,S]x[S,64]. fp32 at batch 1 is small enough for cpu_ref.
  for (const Precision* p : {&kFp32, &kTf32, &kFp16}) {
    for (const BertSize& s : kBertSizes) {
      const bool device_only = !(p == &kFp32 && s.batch == 1);
      const int64_t heads = s.batch * kBertHeads;
      const std::string tag = BertTag(s);
      cases.push_back(BatchedMatMulCase(*p, "bert_scores" + tag, heads, s.seq, kBertHeadDim,
                                        s.seq, /*transpose_b=*/true, device_only));
      cases.push_back(BatchedMatMulCase(*p, "bert_context" + tag, heads, s.seq, s.seq,
                                        kBertHeadDim, /*transpose_b=*/false, device_only));
    }
  }
  return cases;
}

// SplitMix64: a fast, well-mixed stream; the BERT cases draw tens of
// millions of values per run prepared.
class FastRandom {
 public:
  explicit FastRandom(uint64_t seed) : state_(seed) {}
  // Uniform in [-scale, scale).
  float Next(float scale) {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const float unit = static_cast<float>(z >> 40) * (1.0f / 16777216.0f);  // [0, 1)
    return scale * (2.0f * unit - 1.0f);
  }

 private:
  uint64_t state_;
};

// Tactics of `op` from the registry, sorted by name.
std::vector<const Tactic*> TacticsFor(absl::string_view op) {
  std::vector<const Tactic*> tactics;
  for (const Tactic* tactic : TacticRegistry::Global().All()) {
    if (tactic->op() == op) tactics.push_back(tactic);
  }
  return tactics;
}

// Whether a benchmark's tactic refused its case (or its backend is missing):
// kept so that later calls of the same benchmark skip at once.
struct BenchmarkStatus {
  absl::Status status;
};

// The prepared run of the benchmark running now. Google Benchmark calls a
// benchmark's function several times in a row (once per trial iteration
// count, once per repetition); keeping one run across those calls but not
// beyond bounds the memory to one case's buffers (the BERT cases hold
// hundreds of MB on host and device).
struct LiveRun {
  const BenchmarkStatus* owner = nullptr;
  std::unique_ptr<PreparedRun> run;
};

LiveRun& Live() {
  static LiveRun* live = new LiveRun();
  return *live;
}

void BenchmarkTactic(benchmark::State& state, const Tactic* tactic,
                     std::shared_ptr<const BenchCase> bench_case,
                     std::shared_ptr<BenchmarkStatus> status) {
  if (!status->status.ok()) {
    state.SkipWithError(std::string(status->status.message()).c_str());
    return;
  }
  LiveRun& live = Live();
  if (live.owner != status.get()) {
    live.owner = nullptr;
    live.run.reset();  // frees the previous benchmark's buffers first
    absl::StatusOr<std::unique_ptr<PreparedRun>> run = PreparedRun::Create(*tactic, bench_case);
    if (!run.ok()) {
      status->status = run.status();
      state.SkipWithError(std::string(status->status.message()).c_str());
      return;
    }
    live.run = *std::move(run);
    live.owner = status.get();
  }
  const PreparedRun& run = *live.run;
  // One untimed run: first-touch page faults and lazy initialization of the
  // backend are not part of the kernel's time.
  if (absl::Status warm = run.Run(); !warm.ok()) {
    state.SkipWithError(std::string(warm.message()).c_str());
    return;
  }
  double seconds = 0;
  for (auto _ : state) {
    absl::StatusOr<double> ms = run.TimeRunMs();
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
    const double flops_per_second = bench_case->flops * iterations / seconds;
    state.counters["FLOPS"] = benchmark::Counter(flops_per_second);
    state.counters["TFLOPS"] = benchmark::Counter(flops_per_second / 1e12);
    state.counters["bytes_per_second"] =
        benchmark::Counter(bench_case->bytes * iterations / seconds,
                           benchmark::Counter::kDefaults, benchmark::Counter::kIs1024);
    // The ceilings are an H200's: meaningless for a CPU tactic.
    if (tactic->backend() == "cuda" && bench_case->ceiling_tflops > 0) {
      state.counters["ceiling_frac"] =
          benchmark::Counter(flops_per_second / 1e12 / bench_case->ceiling_tflops);
    }
  }
  state.SetLabel(bench_case->precision);
}

// The case's inputs, zero-filled: enough for Supports, cheap next to
// drawing random data (most (tactic, case) pairs are refused).
std::vector<testutil::OpInput> ZeroInputs(const BenchCase& bench_case) {
  std::vector<testutil::OpInput> inputs;
  for (const InputSpec& spec : bench_case.inputs) {
    inputs.push_back({Weights(bench_case.dtype, spec.dims), spec.constant});
  }
  return inputs;
}

// Random data in place (pointers into the Weights stay valid). The seed
// depends on the case's name only, so every tactic and every run times the
// same data.
void FillRandom(const BenchCase& bench_case, std::vector<testutil::OpInput>& inputs) {
  uint64_t seed = kSeed;
  for (char ch : bench_case.name) seed = seed * 131 + static_cast<unsigned char>(ch);
  FastRandom random(seed);
  for (size_t k = 0; k < inputs.size(); ++k) {
    Weights& w = inputs[k].value;
    const float scale = bench_case.inputs[k].scale;
    const int64_t n = Volume(w.dims());
    if (w.dtype() == DataType::kFloat16) {
      uint16_t* p = w.mutable_as<uint16_t>();
      for (int64_t i = 0; i < n; ++i) p[i] = FloatToHalf(random.Next(scale));
    } else {
      float* p = w.mutable_as<float>();
      for (int64_t i = 0; i < n; ++i) p[i] = random.Next(scale);
    }
  }
}

}  // namespace

std::vector<std::string> BenchmarkedOps() {
  return {kConvolutionOp, kFullyConnectedOp, kMatMulOp};
}

std::vector<std::shared_ptr<const BenchCase>> CasesFor(absl::string_view op) {
  if (op == kConvolutionOp) return ConvolutionCases();
  if (op == kFullyConnectedOp) return FullyConnectedCases();
  if (op == kMatMulOp) return MatMulCases();
  return {};
}

bool Benchmarked(const Tactic& tactic, const BenchCase& bench_case) {
  return !bench_case.device_only || tactic.backend() != "cpu_ref";
}

std::vector<testutil::OpInput> MakeInputs(const BenchCase& bench_case) {
  std::vector<testutil::OpInput> inputs = ZeroInputs(bench_case);
  FillRandom(bench_case, inputs);
  return inputs;
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
  run->inputs_ = ZeroInputs(c);
  KILN_ASSIGN_OR_RETURN(run->node_, testutil::MakeNodeContext(c.op, c.attrs, run->inputs_));
  // What the builder hands a node it runs in this precision and layout: the
  // dims stay logical, 4-D tensors say NHWC (the data is random, so its
  // order does not matter), TF32 as the config allows.
  for (std::vector<TensorDesc>* descs : {&run->node_.inputs, &run->node_.outputs}) {
    for (TensorDesc& desc : *descs) {
      if (desc.rank() == 4) desc.format = c.format;
    }
  }
  run->node_.target.allow_tf32 = c.allow_tf32;
  if (absl::Status supports = tactic.Supports(run->node_); !supports.ok()) {
    return absl::UnimplementedError(
        absl::StrCat(tactic.name(), " does not support ", c.name, " (", c.precision,
                     "): ", supports.message()));
  }
  FillRandom(c, run->inputs_);  // before PrepareState, which may pack weights
  KILN_ASSIGN_OR_RETURN(run->state_, tactic.PrepareState(run->node_));
  KILN_ASSIGN_OR_RETURN(run->kernel_, tactic.CreateKernel(run->node_, run->state_));
  KILN_ASSIGN_OR_RETURN(run->resources_, run->backend_->CreateResources());

  const Backend& backend = *run->backend_;
  for (const testutil::OpInput& in : run->inputs_) {
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
    } else if (out.dtype == DataType::kFloat16) {
      std::vector<uint16_t> nan(out.volume(), 0x7E00);  // fp16 quiet NaN
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
  if (i >= node_.outputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat(case_->name, " has no output ", i));
  }
  const TensorDesc& out = node_.outputs[i];
  if (out.dtype != DataType::kFloat32 && out.dtype != DataType::kFloat16) {
    return absl::InvalidArgumentError(
        absl::StrCat("output ", i, " of ", case_->name, " is not fp32 or fp16"));
  }
  Weights host(out.dtype, out.dims);
  KILN_RETURN_IF_ERROR(backend_->CopyToHost(host.mutable_data(), output_ptrs_[i], out.bytes()));
  return testutil::ToFloats(host);
}

std::string BenchmarkName(const Tactic& tactic, const BenchCase& bench_case) {
  return absl::StrCat(bench_case.group, "/", bench_case.precision, "/", tactic.name(), "/",
                      bench_case.name);
}

std::vector<std::string> RegisterTacticBenchmarks() {
  std::vector<std::string> names;
  for (const std::string& op : BenchmarkedOps()) {
    const std::vector<std::shared_ptr<const BenchCase>> cases = CasesFor(op);
    for (const Tactic* tactic : TacticsFor(op)) {
      for (const std::shared_ptr<const BenchCase>& bench_case : cases) {
        if (!Benchmarked(*tactic, *bench_case)) continue;
        std::string name = BenchmarkName(*tactic, *bench_case);
        benchmark::RegisterBenchmark(name.c_str(), BenchmarkTactic, tactic, bench_case,
                                     std::make_shared<BenchmarkStatus>())
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
