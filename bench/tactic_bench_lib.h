#ifndef KILN_BENCH_TACTIC_BENCH_LIB_H_
#define KILN_BENCH_TACTIC_BENCH_LIB_H_

// Per-tactic micro-benchmarks of Convolution and FullyConnected on
// ResNet-50 and BERT shapes. Tactics are looked up in the TacticRegistry by
// op, so every tactic linked into the binary (cpu_ref today, cuda later) is
// benchmarked without touching this file.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "backends/tactic.h"
#include "graph/attributes.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace bench {

// One op instance to benchmark: attributes, inputs with data (weights and
// bias marked constant, as the builder sees them) and its cost.
struct BenchCase {
  std::string op;    // "Convolution"
  std::string name;  // "resnet_conv1_b1"
  AttrMap attrs;
  std::vector<testutil::OpInput> inputs;
  double flops = 0;  // 2 * multiply-accumulates of one Run
  double bytes = 0;  // compulsory traffic: every input and output once
};

// The ops benchmarked here, in registration order.
std::vector<std::string> BenchmarkedOps();  // {"Convolution", "FullyConnected"}

// The shapes of `op` (fp32, random data from a fixed seed).
std::vector<std::shared_ptr<const BenchCase>> CasesFor(absl::string_view op);

// A tactic bound to one case on its backend: node, plan state, kernel,
// device buffers with the case's data, workspace. Everything but Run is done
// in Create, so a timing loop times Run only.
class PreparedRun {
 public:
  // Fails (with a message fit for SkipWithError) when the tactic's backend
  // is missing or unavailable, or when the tactic does not support the case.
  static absl::StatusOr<std::unique_ptr<PreparedRun>> Create(
      const Tactic& tactic, std::shared_ptr<const BenchCase> bench_case);

  absl::Status Run() const;
  // Milliseconds of one Run, timed the backend's way (wall clock for
  // cpu_ref; a cuda backend would use events).
  absl::StatusOr<double> TimeRunMs() const;
  // Output `i` copied to the host; the cases are fp32.
  absl::StatusOr<std::vector<float>> OutputFloats(size_t i) const;

  const BenchCase& bench_case() const { return *case_; }

 private:
  PreparedRun() = default;

  std::shared_ptr<const BenchCase> case_;  // owns the constants node_ points to
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

// "Convolution/cpu_ref.convolution.im2col/resnet_conv1_b1".
std::string BenchmarkName(const Tactic& tactic, const BenchCase& bench_case);

// Registers one Google Benchmark per (registered tactic of a benchmarked
// op, case) and returns the names registered. A tactic whose backend is not
// available or that refuses a case is still registered and reports the
// reason with SkipWithError when run.
std::vector<std::string> RegisterTacticBenchmarks();

}  // namespace bench
}  // namespace kiln

#endif  // KILN_BENCH_TACTIC_BENCH_LIB_H_
