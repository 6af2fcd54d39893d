#ifndef KILN_BENCH_TACTIC_BENCH_LIB_H_
#define KILN_BENCH_TACTIC_BENCH_LIB_H_

// Per-tactic micro-benchmarks of Convolution, FullyConnected and MatMul on
// ResNet-50 and BERT-base shapes, in fp32, TF32 and fp16 (and NCHW / NHWC for
// convolutions). Tactics are looked up in the TacticRegistry by op, so every
// tactic linked into the binary (cpu_ref, cuda) is benchmarked without
// touching this file.
//
// Benchmark names are <group>/<precision>/<tactic>/<case>, so that
// --benchmark_filter picks a group and a precision:
//   conv/fp32.nchw/cuda.convolution.cudnn.implicit_gemm.nchw.fp32/resnet_l1_conv3x3_b1
//   gemm/fp16/cuda.matmul.cublaslt.0.fp16/bert_scores_b8_s128
// e.g. '^gemm/', '^conv/fp16', '^gemm/tf32/', '/fp16.nhwc/'.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "backends/tactic.h"
#include "graph/attributes.h"
#include "graph/types.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace bench {

// One input of a case: its shape and how its random data is drawn. Data is
// made when a run is prepared (not when cases are listed): the BERT cases
// hold hundreds of MB.
struct InputSpec {
  Dims dims;
  bool constant = false;  // weights and bias, as the builder sees them
  float scale = 1.0f;     // values uniform in [-scale, scale)
};

// One op instance to benchmark: attributes, inputs, precision, layout and
// its cost.
struct BenchCase {
  std::string op;         // "Convolution"
  std::string group;      // "conv" or "gemm"
  std::string precision;  // "fp32", "tf32", "fp16"; conv adds ".nchw" / ".nhwc"
  std::string name;       // "resnet_conv1_b1"
  AttrMap attrs;
  std::vector<InputSpec> inputs;
  DataType dtype = DataType::kFloat32;           // of every tensor
  TensorFormat format = TensorFormat::kLinear;   // of every 4-D tensor
  bool allow_tf32 = false;                       // what the build config allows
  // Sizes meant for a GPU: cpu_ref tactics are not registered for them
  // (a cpu_ref run of a BERT-sized GEMM takes seconds).
  bool device_only = false;
  double flops = 0;  // 2 * multiply-accumulates of one Run
  double bytes = 0;  // compulsory traffic: every input and output once
  // The measured H200 GEMM ceiling of this precision, TFLOP/s
  // (DESIGN.md, "Performance method").
  double ceiling_tflops = 0;
};

// The ops benchmarked here, in registration order.
std::vector<std::string> BenchmarkedOps();  // {"Convolution", "FullyConnected", "MatMul"}

// The cases of `op`, every precision.
std::vector<std::shared_ptr<const BenchCase>> CasesFor(absl::string_view op);

// Whether (tactic, case) gets a benchmark: all pairs but cpu_ref tactics on
// device-only cases.
bool Benchmarked(const Tactic& tactic, const BenchCase& bench_case);

// The inputs of `bench_case` with random data (fixed seed per case name), in
// the case's dtype.
std::vector<testutil::OpInput> MakeInputs(const BenchCase& bench_case);

// A tactic bound to one case on its backend: node, plan state, kernel,
// device buffers with the case's data, workspace. Everything but Run is done
// in Create, so a timing loop times Run only.
class PreparedRun {
 public:
  // Fails (with a message fit for SkipWithError) when the tactic's backend
  // is missing or unavailable, or when the tactic does not support the case
  // (Unimplemented).
  static absl::StatusOr<std::unique_ptr<PreparedRun>> Create(
      const Tactic& tactic, std::shared_ptr<const BenchCase> bench_case);

  absl::Status Run() const;
  // Milliseconds of one Run, timed the backend's way (wall clock for
  // cpu_ref, CUDA events on the stream for cuda).
  absl::StatusOr<double> TimeRunMs() const;
  // Output `i` copied to the host, as floats (fp16 outputs converted).
  absl::StatusOr<std::vector<float>> OutputFloats(size_t i) const;

  const BenchCase& bench_case() const { return *case_; }

 private:
  PreparedRun() = default;

  std::shared_ptr<const BenchCase> case_;
  std::vector<testutil::OpInput> inputs_;  // owns the constants node_ points to
  const Backend* backend_ = nullptr;
  NodeContext node_;
  std::vector<uint8_t> state_;  // outlives kernel_ (declared before it)
  std::unique_ptr<Kernel> kernel_;
  std::unique_ptr<ExecutionResources> resources_;
  std::vector<std::unique_ptr<DeviceBuffer>> input_buffers_;
  std::vector<std::unique_ptr<DeviceBuffer>> output_buffers_;
  std::unique_ptr<DeviceBuffer> workspace_;
  std::vector<const void*> input_ptrs_;
  std::vector<void*> output_ptrs_;
  KernelArgs args_;  // spans into node_, input_ptrs_ and output_ptrs_
};

// "conv/fp32.nchw/cpu_ref.convolution.im2col/resnet_conv1_b1".
std::string BenchmarkName(const Tactic& tactic, const BenchCase& bench_case);

// Registers one Google Benchmark per benchmarked (registered tactic of a
// benchmarked op, case) and returns the names registered. A tactic whose
// backend is not available or that refuses a case is still registered and
// reports the reason with SkipWithError when run. Counters: FLOPS,
// bytes_per_second, TFLOPS and, for cuda tactics, ceiling_frac (TFLOPS over
// the case's H200 ceiling).
std::vector<std::string> RegisterTacticBenchmarks();

}  // namespace bench
}  // namespace kiln

#endif  // KILN_BENCH_TACTIC_BENCH_LIB_H_
