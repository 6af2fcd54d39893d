#include "tests/util/op_runner.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/evaluate.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace testutil {

absl::StatusOr<NodeContext> MakeNodeContext(absl::string_view op, const AttrMap& attrs,
                                            const std::vector<OpInput>& inputs) {
  NodeContext node;
  node.name = absl::StrCat("test_", op);
  node.op = std::string(op);
  node.attrs = attrs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Weights& w = inputs[i].value;
    const bool omitted = w.bytes() == 0 && w.dims().empty();
    TensorDesc d;
    if (!omitted) d = TensorDesc{absl::StrCat("in", i), w.dtype(), w.dims(), TensorFormat::kLinear};
    node.inputs.push_back(d);
    node.constants.push_back(inputs[i].constant ? &w : nullptr);
  }
  InferenceContext ctx{node.name, node.op, node.attrs, node.inputs, node.constants};
  KILN_ASSIGN_OR_RETURN(node.outputs, OpRegistry::Global().Infer(ctx));
  for (size_t i = 0; i < node.outputs.size(); ++i) node.outputs[i].name = absl::StrCat("out", i);
  node.max_batch = node.inputs.empty() || node.inputs[0].dims.empty()
                       ? 1
                       : static_cast<int>(node.inputs[0].dims[0]);
  return node;
}

absl::StatusOr<std::vector<Weights>> RunOp(absl::string_view op, const AttrMap& attrs,
                                           const std::vector<OpInput>& inputs,
                                           absl::string_view tactic_name) {
  KILN_ASSIGN_OR_RETURN(NodeContext node, MakeNodeContext(op, attrs, inputs));
  const Tactic* tactic = tactic_name.empty() ? TacticRegistry::Global().Reference(op)
                                             : TacticRegistry::Global().Find(tactic_name);
  if (tactic == nullptr) {
    return absl::NotFoundError(absl::StrCat("no tactic '", tactic_name, "' for op ", op));
  }
  std::vector<const void*> in_ptrs;
  for (const OpInput& in : inputs) in_ptrs.push_back(in.value.data());
  return RunTacticOnHost(*tactic, node, in_ptrs);
}

std::vector<float> ToFloats(const Weights& w) {
  const int64_t n = Volume(w.dims());
  std::vector<float> out(n);
  for (int64_t i = 0; i < n; ++i) {
    switch (w.dtype()) {
      case DataType::kFloat32: out[i] = w.as<float>()[i]; break;
      case DataType::kFloat16: out[i] = HalfToFloat(w.as<uint16_t>()[i]); break;
      case DataType::kInt8: out[i] = w.as<int8_t>()[i]; break;
      case DataType::kInt32: out[i] = static_cast<float>(w.as<int32_t>()[i]); break;
      case DataType::kInt64: out[i] = static_cast<float>(w.as<int64_t>()[i]); break;
      case DataType::kBool: out[i] = w.as<uint8_t>()[i] ? 1.0f : 0.0f; break;
    }
  }
  return out;
}

std::vector<float> Iota(int n, float start) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + i;
  return v;
}

Weights RandomFloats(Dims dims, std::mt19937& rng, float lo, float hi) {
  Weights w(DataType::kFloat32, std::move(dims));
  std::uniform_real_distribution<float> dist(lo, hi);
  float* p = w.mutable_as<float>();
  for (int64_t i = 0; i < Volume(w.dims()); ++i) p[i] = dist(rng);
  return w;
}

uint32_t TestSeed() {
  static const uint32_t seed = [] {
    if (const char* env = std::getenv("KILN_TEST_SEED"); env != nullptr && *env != '\0') {
      return static_cast<uint32_t>(std::strtoul(env, nullptr, 10));
    }
    return static_cast<uint32_t>(
        std::chrono::steady_clock::now().time_since_epoch().count() & 0xffffffffu);
  }();
  static bool printed = false;
  if (!printed) {
    std::printf("[kiln] random seed %u (reproduce with KILN_TEST_SEED=%u)\n", seed, seed);
    printed = true;
  }
  return seed;
}

}  // namespace testutil
}  // namespace kiln
