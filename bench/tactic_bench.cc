// Benchmarks every registered Convolution, FullyConnected and MatMul tactic
// on ResNet-50 and BERT-base shapes in fp32, TF32 and fp16 (conv also NHWC).
// Names are <group>/<precision>/<tactic>/<case> (bench/tactic_bench_lib.h);
// select with the standard Google Benchmark flags:
//   bazel run -c opt //bench:tactic_bench -- --benchmark_min_time=0.2
//       --benchmark_filter='^gemm/fp16/' --benchmark_out=run.json
//       --benchmark_out_format=json     (all on one line)
// Filters: '^conv/', '^gemm/', '^gemm/tf32/', '^conv/fp16.nhwc/', '/cuda\.'.
// Counters: TFLOPS, and for cuda tactics ceiling_frac against the measured
// H200 ceiling of the precision. bench/RESULTS.md records the figures and
// how to compare two runs.
#include "absl/strings/str_join.h"
#include "bench/tactic_bench_lib.h"
#include "benchmark/benchmark.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const std::vector<std::string> names = kiln::bench::RegisterTacticBenchmarks();
  benchmark::AddCustomContext("kiln_ops", absl::StrJoin(kiln::bench::BenchmarkedOps(), ","));
  benchmark::AddCustomContext("kiln_benchmarks", std::to_string(names.size()));
  benchmark::AddCustomContext("kiln_precision", "per benchmark: the name's second part");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
