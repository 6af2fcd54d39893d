// Conformance of every Range tactic against cpu_ref.range.direct.
//
// Range has no inputs, and the harness's plans need a network input, so
// this test runs each tactic's kernel directly on its backend (no builder
// or plan round trip) and compares the output bytes with the reference
// kernel's. Bound: bit-exact (each element is converted once from the same
// double).

#include <cstdint>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/backend.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "gtest/gtest.h"
#include "ops/range.h"
#include "tests/conformance/harness.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace conformance {
namespace {

// Runs `tactic` on `backend` with `attrs`; returns the output's bytes. The
// output starts as 0xFF bytes (NaN, -1), so unwritten elements show.
absl::StatusOr<std::vector<uint8_t>> RunDirect(const Tactic& tactic, const Backend& backend,
                                               const AttrMap& attrs) {
  KILN_ASSIGN_OR_RETURN(NodeContext node, testutil::MakeNodeContext(kRangeOp, attrs, {}));
  KILN_RETURN_IF_ERROR(tactic.Supports(node));
  KILN_ASSIGN_OR_RETURN(std::vector<uint8_t> state, tactic.PrepareState(node));
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, tactic.CreateKernel(node, state));
  const TensorDesc& out = node.outputs[0];
  const size_t bytes = out.bytes();
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<DeviceBuffer> buffer, backend.Allocate(bytes + 1));
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<DeviceBuffer> workspace,
                        backend.Allocate(tactic.WorkspaceSize(node) + 1));
  std::vector<uint8_t> host(bytes, 0xFF);
  KILN_RETURN_IF_ERROR(backend.CopyFromHost(buffer->data(), host.data(), bytes));
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionResources> resources, backend.CreateResources());
  void* outputs[1] = {buffer->data()};
  KernelArgs args;
  args.output_descs = absl::MakeConstSpan(&out, 1);
  args.outputs = absl::MakeConstSpan(outputs, 1);
  args.workspace = workspace->data();
  args.workspace_size = tactic.WorkspaceSize(node);
  args.resources = resources.get();
  KILN_RETURN_IF_ERROR(kernel->Run(args));
  KILN_RETURN_IF_ERROR(backend.Synchronize(resources.get()));
  KILN_RETURN_IF_ERROR(backend.CopyToHost(host.data(), buffer->data(), bytes));
  return host;
}

// Start and delta with fractions or whole, either sign; 0 to ~600 elements
// (int8 outputs stay within its range).
RangeParams RandomParams(DataType dtype, std::mt19937& rng) {
  RangeParams p;
  p.dtype = dtype;
  const bool whole = Chance(rng, 0.5);
  const double max_count = dtype == DataType::kInt8 ? 20 : 600;
  p.start = static_cast<float>(whole ? UniformInt(rng, -50, 50) : UniformInt(rng, -500, 500) / 7.0);
  p.delta = static_cast<float>(whole ? UniformInt(rng, 1, 5) : UniformInt(rng, 1, 40) / 9.0);
  if (Chance(rng, 0.4)) p.delta = -p.delta;
  const double count = static_cast<double>(UniformInt(rng, 0, static_cast<int64_t>(max_count)));
  p.limit = static_cast<float>(p.start + count * p.delta + (whole ? 0.0 : 0.5 * p.delta));
  return p;
}

class RangeConformanceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RangeConformanceTest, EveryOutputType) {
  const Tactic* tactic = TacticRegistry::Global().Find(GetParam());
  ASSERT_NE(tactic, nullptr);
  const Backend* backend = BackendRegistry::Global().Find(tactic->backend());
  ASSERT_NE(backend, nullptr);
  if (absl::Status s = backend->Available(); !s.ok()) {
    GTEST_SKIP() << "backend '" << tactic->backend() << "' cannot run here: " << s;
  }
  const Tactic* reference = TacticRegistry::Global().Reference(kRangeOp);
  ASSERT_NE(reference, nullptr);
  const Backend* cpu = BackendRegistry::Global().Find(reference->backend());
  ASSERT_NE(cpu, nullptr);
  const uint32_t seed = testutil::TestSeed();
  std::mt19937 rng(seed);
  int cases = 0;
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16, DataType::kInt8,
                         DataType::kInt32, DataType::kInt64}) {
    for (int i = 0; i < 4; ++i) {
      const RangeParams p = RandomParams(dtype, rng);
      SCOPED_TRACE(absl::StrCat("seed ", seed, " (KILN_TEST_SEED=", seed, "): Range(start=",
                                p.start, ", limit=", p.limit, ", delta=", p.delta, ", ",
                                DataTypeName(dtype), ")"));
      absl::StatusOr<std::vector<uint8_t>> want = RunDirect(*reference, *cpu, p.ToAttrs());
      ASSERT_TRUE(want.ok()) << want.status();
      absl::StatusOr<std::vector<uint8_t>> got = RunDirect(*tactic, *backend, p.ToAttrs());
      ASSERT_TRUE(got.ok()) << got.status();
      ASSERT_EQ(got->size(), want->size());
      EXPECT_EQ(std::memcmp(got->data(), want->data(), want->size()), 0)
          << "output bytes differ from " << reference->name();
      ++cases;
    }
  }
  std::cout << "[conformance] summary op=Range tactic=" << tactic->name() << " cases=" << cases
            << " bit-exact\n";
}

KILN_CONFORMANCE_INSTANTIATE(RangeConformanceTest, kRangeOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
