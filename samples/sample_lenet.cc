// The first thing to run: define LeNet-5 with the C++ API, build it for the
// cpu_ref backend, save the plan, load it back and run it.
//
//   bazel run //samples:sample_lenet -- --plan=/tmp/lenet.plan
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "samples/networks.h"
#include "serialization/plan_io.h"

ABSL_FLAG(std::string, plan, "/tmp/lenet.plan", "where to write the plan file");
ABSL_FLAG(int, batch, 4, "max batch size to build for and run");
ABSL_FLAG(int, iterations, 50, "timed runs");

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "error: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Builds LeNet-5 with the kiln C++ API and runs it on cpu_ref.");
  absl::ParseCommandLine(argc, argv);
  const int batch = absl::GetFlag(FLAGS_batch);

  // 1. Define.
  absl::StatusOr<kiln::NetworkDefinition> network = kiln::samples::LeNet5(/*seed=*/42);
  if (!network.ok()) return Fail(network.status());
  std::printf("defined LeNet-5: %d layers\n", network->num_layers());

  // 2. Build: every tactic that fits is timed; the fastest is kept.
  kiln::StderrLogger logger(kiln::Logger::Severity::kInfo);
  kiln::BuildConfig config;
  config.max_batch = batch;
  config.logger = &logger;
  absl::StatusOr<kiln::Plan> plan = kiln::Builder::Build(*network, config);
  if (!plan.ok()) return Fail(plan.status());
  for (const kiln::PlanNode& node : plan->nodes) {
    std::printf("  %-12s %-14s %s\n", node.name.c_str(), node.op.c_str(), node.tactic.c_str());
  }

  // 3. Serialize to a file, as you would ship it.
  absl::StatusOr<std::vector<uint8_t>> bytes = kiln::PlanWriter::Write(*plan);
  if (!bytes.ok()) return Fail(bytes.status());
  const std::string path = absl::GetFlag(FLAGS_plan);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  std::printf("wrote %s (%zu bytes)\n", path.c_str(), bytes->size());

  // 4. Load it back and run.
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> loaded((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::StatusOr<std::unique_ptr<kiln::Engine>> engine = kiln::Runtime::Deserialize(loaded);
  if (!engine.ok()) return Fail(engine.status());
  absl::StatusOr<std::unique_ptr<kiln::ExecutionContext>> context =
      (*engine)->CreateExecutionContext();
  if (!context.ok()) return Fail(context.status());

  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> input(batch * 32 * 32);
  for (float& v : input) v = dist(rng);
  std::vector<float> prob(batch * 10);
  const int data = (*engine)->binding_index("data");
  const int out = (*engine)->binding_index("prob");
  std::vector<void*> bindings(2);
  bindings[data] = input.data();
  bindings[out] = prob.data();

  std::vector<double> ms;
  for (int i = 0; i < absl::GetFlag(FLAGS_iterations); ++i) {
    const auto start = std::chrono::steady_clock::now();
    absl::Status status = (*context)->Execute(batch, bindings);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    if (!status.ok()) return Fail(status);
  }
  std::sort(ms.begin(), ms.end());
  for (int b = 0; b < batch; ++b) {
    const float* p = prob.data() + b * 10;
    const int top = static_cast<int>(std::max_element(p, p + 10) - p);
    std::printf("sample %d: top-1 class %d (p=%.3f)\n", b, top, p[top]);
  }
  std::printf("latency at batch %d on cpu_ref: median %.3f ms, min %.3f ms over %zu runs\n", batch,
              ms[ms.size() / 2], ms.front(), ms.size());
  return 0;
}
