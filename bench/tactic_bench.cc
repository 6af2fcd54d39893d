// Benchmarks every registered Convolution and FullyConnected tactic on
// ResNet-50 and BERT shapes. Takes the standard Google Benchmark flags:
//   bazel run -c opt //bench:tactic_bench -- --benchmark_min_time=0.2
//       --benchmark_filter=Convolution/ --benchmark_out=run.json
//       --benchmark_out_format=json     (all on one line)
// bench/RESULTS.md records the figures and how to compare two runs.
#include "absl/strings/str_join.h"
#include "bench/tactic_bench_lib.h"
#include "benchmark/benchmark.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const std::vector<std::string> names = kiln::bench::RegisterTacticBenchmarks();
  benchmark::AddCustomContext("kiln_ops", absl::StrJoin(kiln::bench::BenchmarkedOps(), ","));
  benchmark::AddCustomContext("kiln_benchmarks", std::to_string(names.size()));
  benchmark::AddCustomContext("kiln_precision", "fp32");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
