#include "tests/conformance/harness.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "backends/backend.h"
#include "backends/tactic_registry.h"
#include "graph/network_definition.h"
#include "graph/op_registry.h"
#include "graph/status_macros.h"
#include "optimizer/builder.h"
#include "optimizer/precision_assignment.h"
#include "runtime/engine.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"

namespace kiln {
namespace conformance {
namespace {

constexpr char kLayerName[] = "layer";

std::string InputName(size_t i) { return absl::StrCat("in", i); }
std::string ConstantName(size_t i) { return absl::StrCat("const", i); }

bool IsOmitted(const testutil::OpInput& in) {
  return in.value.bytes() == 0 && in.value.dims().empty();
}

std::string SeedNote() {
  const uint32_t seed = testutil::TestSeed();
  return absl::StrCat("seed ", seed, " (reproduce with KILN_TEST_SEED=", seed, ")");
}

// ---------------------------------------------------------------------------
// Building the one-layer network and a plan forced to one tactic.

// The network of `c`: non-constant inputs become network inputs "in<i>",
// constants "const<i>", the layer is "layer" and all its outputs are network
// outputs. `max_batch` gets the shared dim 0 of the network inputs.
absl::StatusOr<NetworkDefinition> MakeNetwork(const OpCase& c, int* max_batch) {
  NetworkDefinition network;
  std::vector<TensorId> ids;
  int64_t batch = -1;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const testutil::OpInput& in = c.inputs[i];
    if (IsOmitted(in)) {
      ids.push_back(-1);
      continue;
    }
    if (in.constant) {
      KILN_ASSIGN_OR_RETURN(TensorId id, network.AddConstant(ConstantName(i), in.value));
      ids.push_back(id);
      continue;
    }
    const Dims& dims = in.value.dims();
    if (dims.empty() || dims[0] < 1 || (batch >= 0 && dims[0] != batch)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad case: non-constant input ", i, " has dims ", DimsString(dims),
          "; every network input needs rank >= 1 and the same dim 0 (the batch)",
          batch >= 0 ? absl::StrCat(", here ", batch) : std::string()));
    }
    batch = dims[0];
    KILN_ASSIGN_OR_RETURN(TensorId id, network.AddInput(InputName(i), in.value.dtype(), dims));
    ids.push_back(id);
  }
  if (batch < 0) {
    return absl::InvalidArgumentError(
        "bad case: every input is constant; a plan needs at least one network input");
  }
  if (batch > kMaxBatchLimit) {
    return absl::InvalidArgumentError(absl::StrCat("bad case: batch ", batch, " > ",
                                                   kMaxBatchLimit));
  }
  KILN_ASSIGN_OR_RETURN(std::vector<TensorId> outputs,
                        network.AddLayer(kLayerName, c.op, std::move(ids), c.attrs));
  for (TensorId t : outputs) KILN_RETURN_IF_ERROR(network.MarkOutput(t));
  *max_batch = static_cast<int>(batch);
  return network;
}

// Builds `network` for `tactic`'s backend with `tactic` pinned to the layer
// (BuildConfig.tactic_filter) and the layer's rank-4 tensors in `format`
// (the builder adds Reformat layers from and to the linear bindings, with
// whichever reformat tactic of the backend it picks), and loads the plan
// after a PlanWriter/Runtime::Deserialize round trip.
// With `profile`, the plan is built for its shapes instead of `max_batch`.
absl::StatusOr<std::unique_ptr<Engine>> BuildForcedEngine(
    const NetworkDefinition& network, const OpCase& c, const Tactic& tactic, int max_batch,
    TensorFormat format, const std::optional<ShapeProfile>& profile = std::nullopt) {
  BuildConfig config;
  if (profile.has_value()) {
    config.profiles = {*profile};
  } else {
    config.max_batch = max_batch;
  }
  config.backends = {tactic.backend()};
  config.allow_tf32 = c.allow_tf32;
  config.formats = {format};
  config.timing_iterations = 1;
  config.tactic_filter = [&tactic](const NodeContext& node, const Tactic& candidate) {
    return node.name != kLayerName || &candidate == &tactic;
  };
  KILN_ASSIGN_OR_RETURN(Plan plan, Builder::Build(network, config));
  int layers = 0;
  for (const PlanNode& node : plan.nodes) {
    if (node.name != kLayerName) continue;
    ++layers;
    if (node.tactic != tactic.name()) {
      return absl::InternalError(absl::StrCat("the builder ran the layer with ", node.tactic,
                                              ", not the pinned ", tactic.name()));
    }
  }
  if (layers != 1) {
    return absl::InternalError(absl::StrCat("the builder turned the one-layer ", c.op,
                                            " network into ", plan.nodes.size(),
                                            " layers without exactly one named '", kLayerName,
                                            "'"));
  }
  KILN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, PlanWriter::Write(plan));
  return Runtime::Deserialize(bytes);
}

// ---------------------------------------------------------------------------
// Running an engine.

enum class Poison {
  kNaN,      // fp32 NaN, fp16 0x7e00, 0xAB bytes for the other types
  kPattern,  // 0x5A bytes for every type: catches unwritten elements even
             // where the reference itself is NaN
};

void FillPoison(Weights& w, Poison poison) {
  if (w.bytes() == 0) return;
  const int64_t n = Volume(w.dims());
  if (poison == Poison::kPattern) {
    std::memset(w.mutable_data(), 0x5A, w.bytes());
  } else if (w.dtype() == DataType::kFloat32) {
    std::fill_n(w.mutable_as<float>(), n, std::numeric_limits<float>::quiet_NaN());
  } else if (w.dtype() == DataType::kFloat16) {
    std::fill_n(w.mutable_as<uint16_t>(), n, uint16_t{0x7e00});
  } else {
    std::memset(w.mutable_data(), 0xAB, w.bytes());
  }
}

// Runs `engine` at `batch` on the first `batch` items of the case's network
// inputs; returns the outputs copied back to the host.
absl::StatusOr<std::vector<Weights>> RunEngine(const Engine& engine, ExecutionContext& context,
                                               const OpCase& c, int batch, Poison poison) {
  const Backend& backend = engine.backend();
  // The context's shapes: the case's at `batch`, or those a dynamic-shape
  // run set before.
  KILN_RETURN_IF_ERROR(context.SetBatch(batch));
  std::vector<std::unique_ptr<DeviceBuffer>> buffers(engine.num_bindings());
  std::vector<void*> bindings(engine.num_bindings(), nullptr);
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.inputs[i].constant || IsOmitted(c.inputs[i])) continue;
    const int b = engine.binding_index(InputName(i));
    if (b < 0) return absl::InternalError(absl::StrCat("the plan has no binding ", InputName(i)));
    KILN_ASSIGN_OR_RETURN(TensorDesc desc, context.binding_desc(b));
    if (desc.bytes() > c.inputs[i].value.bytes()) {
      return absl::InternalError(absl::StrCat("binding ", InputName(i), " at batch ", batch, " is ",
                                              desc.ToString(), ", larger than the case's data"));
    }
    KILN_ASSIGN_OR_RETURN(buffers[b], backend.Allocate(desc.bytes()));
    // Dim 0 is outermost, so the first `batch` items are a prefix.
    KILN_RETURN_IF_ERROR(
        backend.CopyFromHost(buffers[b]->data(), c.inputs[i].value.data(), desc.bytes()));
    bindings[b] = buffers[b]->data();
  }
  std::vector<Weights> outputs;
  for (int b = engine.num_inputs(); b < engine.num_bindings(); ++b) {
    KILN_ASSIGN_OR_RETURN(TensorDesc desc, context.binding_desc(b));
    outputs.emplace_back(desc.dtype, desc.dims);
    FillPoison(outputs.back(), poison);
    KILN_ASSIGN_OR_RETURN(buffers[b], backend.Allocate(desc.bytes()));
    KILN_RETURN_IF_ERROR(
        backend.CopyFromHost(buffers[b]->data(), outputs.back().data(), desc.bytes()));
    bindings[b] = buffers[b]->data();
  }
  for (int b = 0; b < engine.num_bindings(); ++b) {
    if (bindings[b] == nullptr && buffers[b] == nullptr) {
      return absl::InternalError(absl::StrCat("binding ", engine.binding_name(b),
                                              " has no data in the case"));
    }
  }
  KILN_RETURN_IF_ERROR(context.Execute(bindings));
  for (size_t k = 0; k < outputs.size(); ++k) {
    const int b = engine.num_inputs() + static_cast<int>(k);
    KILN_RETURN_IF_ERROR(backend.CopyToHost(outputs[k].mutable_data(), buffers[b]->data(),
                                            outputs[k].bytes()));
  }
  return outputs;
}

// ---------------------------------------------------------------------------
// Comparing.

// Maps float bits to integers ordered like the floats, so that the distance
// between two of them counts the representable values in between (ULPs).
int64_t OrderedBits(uint32_t bits, uint32_t sign_bit) {
  return (bits & sign_bit) ? -static_cast<int64_t>(bits & (sign_bit - 1))
                           : static_cast<int64_t>(bits);
}

uint32_t ElementBits(const Weights& w, int64_t i) {
  if (w.dtype() == DataType::kFloat32) {
    uint32_t bits;
    std::memcpy(&bits, w.as<float>() + i, sizeof(bits));
    return bits;
  }
  return w.as<uint16_t>()[i];
}

double ElementValue(const Weights& w, int64_t i) {
  return w.dtype() == DataType::kFloat32 ? static_cast<double>(w.as<float>()[i])
                                         : static_cast<double>(HalfToFloat(w.as<uint16_t>()[i]));
}

std::string FormatElement(const Weights& w, int64_t i) {
  if (!IsFloatType(w.dtype())) {
    const size_t size = DataTypeSize(w.dtype());
    const auto* p = static_cast<const uint8_t*>(w.data()) + i * size;
    std::string hex = "0x";
    for (size_t b = size; b-- > 0;) absl::StrAppendFormat(&hex, "%02x", p[b]);
    return absl::StrCat(testutil::ToFloats(w)[i], " (", hex, ")");
  }
  return absl::StrFormat("%.9g (0x%0*x)", ElementValue(w, i),
                         w.dtype() == DataType::kFloat32 ? 8 : 4, ElementBits(w, i));
}

}  // namespace

std::string Tolerance::ToString() const {
  if (bit_exact) return any_nan ? "bit-exact, any NaN" : "bit-exact";
  return absl::StrFormat("rel L2 <= %g", max_rel_l2);
}

std::string OpCase::ToString() const {
  std::vector<std::string> ins;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (IsOmitted(inputs[i])) {
      ins.push_back(absl::StrCat("in", i, " omitted"));
      continue;
    }
    ins.push_back(absl::StrCat(inputs[i].constant ? ConstantName(i) : InputName(i), " ",
                               DataTypeName(inputs[i].value.dtype()), "[",
                               DimsString(inputs[i].value.dims()), "]"));
  }
  return absl::StrCat(op, "(", attrs.ToString(), ") ", absl::StrJoin(ins, ", "));
}

void ErrorStats::Merge(const ErrorStats& other) {
  elements += other.elements;
  max_abs = std::max(max_abs, other.max_abs);
  max_ulp = std::max(max_ulp, other.max_ulp);
  rel_l2 = std::max(rel_l2, other.rel_l2);
  bit_mismatches += other.bit_mismatches;
  bad_elements += other.bad_elements;
}

std::string ErrorStats::ToString() const {
  return absl::StrFormat(
      "max_abs=%.3g max_ulp=%.0f rel_l2=%.3g bit_mismatches=%d bad=%d (%d elements)", max_abs,
      max_ulp, rel_l2, bit_mismatches, bad_elements, elements);
}

std::string CompareOutputs(const Weights& got, const Weights& want, const Tolerance& tolerance,
                           ErrorStats* stats) {
  *stats = ErrorStats();
  if (got.dtype() != want.dtype() || got.dims() != want.dims()) {
    return absl::StrCat("output is ", DataTypeName(got.dtype()), "[", DimsString(got.dims()),
                        "], the reference's ", DataTypeName(want.dtype()), "[",
                        DimsString(want.dims()), "]");
  }
  const int64_t n = Volume(got.dims());
  stats->elements = n;
  std::vector<std::string> examples;
  auto note = [&](int64_t i, absl::string_view what) {
    if (examples.size() < 5) {
      examples.push_back(absl::StrCat("[", i, "] ", what, ": got ", FormatElement(got, i),
                                      ", reference ", FormatElement(want, i)));
    }
  };

  if (!IsFloatType(got.dtype())) {
    const size_t size = DataTypeSize(got.dtype());
    const auto* g = static_cast<const uint8_t*>(got.data());
    const auto* w = static_cast<const uint8_t*>(want.data());
    for (int64_t i = 0; i < n; ++i) {
      if (std::memcmp(g + i * size, w + i * size, size) != 0) {
        ++stats->bit_mismatches;
        note(i, "differs");
      }
    }
    if (stats->bit_mismatches == 0) return "";
    return absl::StrCat(stats->bit_mismatches, " of ", n, " elements differ (integer outputs ",
                        "must match exactly): ", absl::StrJoin(examples, "; "));
  }

  const uint32_t sign_bit = got.dtype() == DataType::kFloat32 ? 0x80000000u : 0x8000u;
  double sum_diff2 = 0.0, sum_ref2 = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t gb = ElementBits(got, i), wb = ElementBits(want, i);
    const double g = ElementValue(got, i), w = ElementValue(want, i);
    const bool nan_pair = tolerance.any_nan && std::isnan(g) && std::isnan(w);
    if (gb != wb && !nan_pair) {
      ++stats->bit_mismatches;
      if (tolerance.bit_exact) note(i, "bits differ");
    }
    if (std::isnan(g) || std::isnan(w)) {
      if (std::isnan(g) != std::isnan(w)) {
        ++stats->bad_elements;
        note(i, std::isnan(g) ? "NaN (unwritten?) where the reference has a number"
                              : "a number where the reference has NaN");
      }
      continue;
    }
    if (std::isinf(g) || std::isinf(w)) {
      if (g != w) {
        ++stats->bad_elements;
        note(i, "infinity mismatch");
      }
      continue;
    }
    const double diff = std::abs(g - w);
    stats->max_abs = std::max(stats->max_abs, diff);
    stats->max_ulp = std::max(
        stats->max_ulp,
        static_cast<double>(std::abs(OrderedBits(gb, sign_bit) - OrderedBits(wb, sign_bit))));
    sum_diff2 += diff * diff;
    sum_ref2 += w * w;
  }
  // An all-zero reference makes the error absolute rather than relative.
  stats->rel_l2 = sum_ref2 > 0.0 ? std::sqrt(sum_diff2 / sum_ref2) : std::sqrt(sum_diff2);

  std::vector<std::string> problems;
  if (stats->bad_elements > 0) {
    problems.push_back(absl::StrCat(stats->bad_elements, " of ", n,
                                    " elements are NaN/inf where the reference is not, or the "
                                    "reverse"));
  }
  if (tolerance.bit_exact && stats->bit_mismatches > 0) {
    problems.push_back(absl::StrCat(stats->bit_mismatches, " of ", n,
                                    " elements differ from the reference bit-wise (",
                                    tolerance.ToString(), ")"));
  }
  if (!tolerance.bit_exact && stats->rel_l2 > tolerance.max_rel_l2) {
    problems.push_back(absl::StrFormat("relative L2 error %.3g exceeds the bound %g (max abs %.3g)",
                                       stats->rel_l2, tolerance.max_rel_l2, stats->max_abs));
    // Show the worst elements when nothing else was noted.
    if (examples.empty()) {
      std::vector<std::pair<double, int64_t>> worst;
      for (int64_t i = 0; i < n; ++i) {
        worst.push_back({std::abs(ElementValue(got, i) - ElementValue(want, i)), i});
      }
      std::partial_sort(worst.begin(), worst.begin() + std::min<int64_t>(5, n), worst.end(),
                        [](const auto& a, const auto& b) { return a.first > b.first; });
      for (int64_t k = 0; k < std::min<int64_t>(5, n); ++k) note(worst[k].second, "worst");
    }
  }
  if (problems.empty()) return "";
  return absl::StrCat(absl::StrJoin(problems, "; "), ". ", absl::StrJoin(examples, "; "));
}

int64_t OutputElementsPerItem(const OpCase& c) {
  absl::StatusOr<NodeContext> node = testutil::MakeNodeContext(c.op, c.attrs, c.inputs);
  if (!node.ok()) return -1;
  int64_t smallest = -1;
  for (const TensorDesc& out : node->outputs) {
    const int64_t per_item =
        out.dims.empty() || out.dims[0] == 0 ? out.volume() : out.volume() / out.dims[0];
    if (smallest < 0 || per_item < smallest) smallest = per_item;
  }
  return smallest;
}

namespace {

// The float type shared by every float tensor of `node`, if there is one
// and some float tensor has rank 4 (so an NHWC variant exists).
std::optional<DataType> NhwcVariantType(const NodeContext& node) {
  std::optional<DataType> type;
  bool rank4 = false;
  auto visit = [&](const TensorDesc& d) {
    if (d.name.empty() || !IsFloatType(d.dtype)) return true;
    if (type.has_value() && *type != d.dtype) return false;
    type = d.dtype;
    rank4 = rank4 || d.rank() == 4;
    return true;
  };
  for (const TensorDesc& d : node.inputs) {
    if (!visit(d)) return std::nullopt;
  }
  for (const TensorDesc& d : node.outputs) {
    if (!visit(d)) return std::nullopt;
  }
  return rank4 ? type : std::nullopt;
}

// Runs one layout variant of the case; appends failures, merges errors.
absl::Status RunVariant(const OpCase& c, const Tactic& tactic, const Tactic& reference,
                        TensorFormat format, CaseResult& result,
                        std::vector<std::string>& failures) {
  int max_batch = 0;
  KILN_ASSIGN_OR_RETURN(NetworkDefinition network, MakeNetwork(c, &max_batch));
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine,
                        BuildForcedEngine(network, c, tactic, max_batch, format));
  std::unique_ptr<Engine> reference_engine_owner;
  const Engine* reference_engine = engine.get();
  if (&reference != &tactic) {
    KILN_ASSIGN_OR_RETURN(reference_engine_owner,
                          BuildForcedEngine(network, c, reference, max_batch,
                                            TensorFormat::kLinear));
    reference_engine = reference_engine_owner.get();
  }
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> context,
                        engine->CreateExecutionContext());
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> reference_context,
                        reference_engine->CreateExecutionContext());

  std::vector<int> batches = {max_batch};
  const int first_output = engine->num_inputs();
  if (c.run_batch_one && max_batch > 1 && engine->binding_desc(first_output, 1).ok()) {
    batches.push_back(1);
  }

  const std::string variant =
      format == TensorFormat::kLinear ? "" : absl::StrCat(TensorFormatName(format), " layout, ");
  auto compare = [&](const std::vector<Weights>& got, const std::vector<Weights>& want,
                     const Tolerance& tolerance, absl::string_view what) {
    for (size_t k = 0; k < got.size(); ++k) {
      ErrorStats stats;
      const std::string problem = CompareOutputs(got[k], want[k], tolerance, &stats);
      result.error.Merge(stats);
      if (!problem.empty()) {
        failures.push_back(absl::StrCat(variant, what, ", output ", k, " ",
                                        DataTypeName(got[k].dtype()), "[",
                                        DimsString(got[k].dims()), "]: ", problem));
      }
    }
  };
  std::vector<Weights> got_at_max_batch;
  for (int batch : batches) {
    KILN_ASSIGN_OR_RETURN(std::vector<Weights> want,
                          RunEngine(*reference_engine, *reference_context, c, batch, Poison::kNaN));
    KILN_ASSIGN_OR_RETURN(std::vector<Weights> got,
                          RunEngine(*engine, *context, c, batch, Poison::kNaN));
    compare(got, want, c.tolerance, absl::StrCat("batch ", batch, ", NaN-poisoned run"));
    if (batch == max_batch) got_at_max_batch = got;
    // A second run into differently poisoned outputs: an element the kernel
    // does not write keeps 0x5A bytes and differs from the reference.
    KILN_ASSIGN_OR_RETURN(std::vector<Weights> again,
                          RunEngine(*engine, *context, c, batch, Poison::kPattern));
    compare(again, want, c.tolerance, absl::StrCat("batch ", batch, ", 0x5A-poisoned rerun"));
  }

  if (&reference == &tactic) {
    // The plan round trip (attributes, weights, state) must change nothing:
    // the reference through the plan equals the reference run directly.
    KILN_ASSIGN_OR_RETURN(std::vector<Weights> direct,
                          testutil::RunOp(c.op, c.attrs, c.inputs, tactic.name()));
    ErrorStats ignored;
    for (size_t k = 0; k < got_at_max_batch.size(); ++k) {
      const std::string problem =
          CompareOutputs(got_at_max_batch[k], direct[k], Tolerance::BitExact(), &ignored);
      if (!problem.empty()) {
        failures.push_back(absl::StrCat("plan run vs direct kernel run, output ", k, ": ",
                                        problem));
      }
    }
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Dynamic-shape mode.

// The leading box of `w` of shape `dims` (each dim a prefix of w's).
Weights SubBox(const Weights& w, const Dims& dims) {
  Weights out(w.dtype(), dims);
  const size_t item = DataTypeSize(w.dtype());
  const Dims& from = w.dims();
  const int64_t n = Volume(dims);
  Dims index(dims.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t offset = 0;
    for (size_t d = 0; d < dims.size(); ++d) offset = offset * from[d] + index[d];
    std::memcpy(static_cast<uint8_t*>(out.mutable_data()) + k * item,
                static_cast<const uint8_t*>(w.data()) + offset * item, item);
    for (size_t d = dims.size(); d-- > 0;) {
      if (++index[d] < dims[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

// `c` with each non-constant input cut to its leading box in `shapes` (one
// entry per input; ignored for constants and omitted inputs).
OpCase CaseAt(const OpCase& c, const std::vector<Dims>& shapes) {
  OpCase at = c;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.inputs[i].constant || IsOmitted(c.inputs[i])) continue;
    at.inputs[i].value = SubBox(c.inputs[i].value, shapes[i]);
  }
  return at;
}

// Whether `reference` takes `c` at `shapes`: shape inference, Supports, and
// outputs of the ranks they have at the case's own shapes (a plan fixes
// every tensor's rank; GatherND's depends on a dim of its indices).
bool ValidShapes(const OpCase& c, const std::vector<Dims>& shapes, const Tactic& reference) {
  const OpCase at = CaseAt(c, shapes);
  absl::StatusOr<NodeContext> node = testutil::MakeNodeContext(c.op, c.attrs, at.inputs);
  absl::StatusOr<NodeContext> max = testutil::MakeNodeContext(c.op, c.attrs, c.inputs);
  if (!node.ok() || !max.ok() || !reference.Supports(*node).ok() ||
      OutputElementsPerItem(at) == 0) {
    return false;
  }
  for (size_t k = 0; k < node->outputs.size(); ++k) {
    if (node->outputs[k].rank() != max->outputs[k].rank()) return false;
  }
  return true;
}

// Shapes at which to run a dynamic-shape plan of `c`, whose non-constant
// inputs are at their max: each size > 1 that no constant also has (a size
// shared with a weight, like a GEMM's K, stays; so do OpCase::fixed_sizes)
// is a symbol, shrunk to the same random value wherever it appears, so equal
// dims stay equal and 1s stay 1. Returns the profile's min corner first (the elementwise min of the
// drawn shapes, itself valid), then the drawn shapes; empty when no dim can
// vary or no smaller shape is valid.
std::vector<std::vector<Dims>> DrawShapes(const OpCase& c, const Tactic& reference,
                                          std::mt19937& rng) {
  std::set<int64_t> fixed, symbols;
  for (const testutil::OpInput& in : c.inputs) {
    if (IsOmitted(in)) continue;
    for (int64_t d : in.value.dims()) (in.constant ? fixed : symbols).insert(d);
  }
  fixed.insert(c.fixed_sizes.begin(), c.fixed_sizes.end());
  std::vector<int64_t> free;
  for (int64_t v : symbols) {
    if (v > 1 && fixed.count(v) == 0) free.push_back(v);
  }
  if (free.empty()) return {};
  std::vector<std::vector<Dims>> draws;
  for (int attempt = 0; attempt < 20 && draws.size() < 3; ++attempt) {
    std::map<int64_t, int64_t> value;
    for (int64_t v : free) value[v] = UniformInt(rng, 1, v);
    std::vector<Dims> shapes;
    bool smaller = false;
    for (const testutil::OpInput& in : c.inputs) {
      Dims dims = in.value.dims();
      if (!in.constant && !IsOmitted(in)) {
        for (int64_t& d : dims) {
          if (auto it = value.find(d); it != value.end()) {
            smaller = smaller || it->second != d;
            d = it->second;
          }
        }
      }
      shapes.push_back(std::move(dims));
    }
    if (smaller && ValidShapes(c, shapes, reference)) draws.push_back(std::move(shapes));
  }
  // The min corner must be valid too; drop draws until it is.
  while (!draws.empty()) {
    std::vector<Dims> min = draws[0];
    for (const std::vector<Dims>& d : draws) {
      for (size_t i = 0; i < d.size(); ++i) {
        for (size_t k = 0; k < d[i].size(); ++k) min[i][k] = std::min(min[i][k], d[i][k]);
      }
    }
    if (ValidShapes(c, min, reference)) {
      draws.insert(draws.begin(), std::move(min));
      return draws;
    }
    draws.pop_back();
  }
  return {};
}

// Runs `c` with `tactic` built once for a profile from the shapes of
// DrawShapes to the case's own (its max), at each of those shapes, against
// the reference built for exactly that shape. Appends failures, merges the
// error, and says in `result.dynamic` how many shapes ran.
absl::Status RunDynamic(const OpCase& c, const Tactic& tactic, const Tactic& reference,
                        std::mt19937& rng, CaseResult& result, std::vector<std::string>& failures) {
  std::vector<std::vector<Dims>> shapes = DrawShapes(c, reference, rng);
  if (shapes.empty()) return absl::OkStatus();
  std::vector<Dims> max;
  for (const testutil::OpInput& in : c.inputs) max.push_back(in.value.dims());
  ShapeProfile profile;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.inputs[i].constant || IsOmitted(c.inputs[i])) continue;
    profile.inputs.push_back({InputName(i), shapes[0][i], shapes[1][i], max[i]});
  }
  shapes.push_back(max);
  int max_batch = 0;
  KILN_ASSIGN_OR_RETURN(NetworkDefinition network, MakeNetwork(c, &max_batch));
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      BuildForcedEngine(network, c, tactic, max_batch, TensorFormat::kLinear, profile);
  if (!engine.ok()) {
    // The builder's "no tactic can run it" with this tactic's own reason
    // among the candidates: the tactic refused a corner of the profile.
    if (absl::IsNotFound(engine.status()) &&
        absl::StrContains(engine.status().message(), absl::StrCat(tactic.name(), ": "))) {
      result.dynamic_refused =
          absl::StrCat("profile ", profile.ToString(), ": ", engine.status().message());
      return absl::OkStatus();
    }
    failures.push_back(absl::StrCat("dynamic shapes, profile ", profile.ToString(),
                                    ": the plan does not build: ", engine.status().message()));
    return absl::OkStatus();
  }
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> context,
                        (*engine)->CreateExecutionContext());
  int ran = 0;
  for (const std::vector<Dims>& at : shapes) {
    const OpCase sub = CaseAt(c, at);
    std::string where;
    for (const InputShapeRange& range : profile.inputs) {
      const int b = (*engine)->binding_index(range.name);
      const Dims& dims = at[std::stoul(range.name.substr(2))];
      absl::StrAppend(&where, where.empty() ? "" : ",", range.name, ":", DimsString(dims));
      KILN_RETURN_IF_ERROR(context->SetInputShape(b, dims));
    }
    // Memory is planned at the profile's corners; a shape where some tensor
    // outgrows it is refused by the runtime, not a mismatch.
    if (absl::StatusOr<TensorDesc> out = context->binding_desc((*engine)->num_inputs());
        !out.ok()) {
      continue;
    }
    int sub_batch = 0;
    KILN_ASSIGN_OR_RETURN(NetworkDefinition sub_network, MakeNetwork(sub, &sub_batch));
    KILN_ASSIGN_OR_RETURN(
        std::unique_ptr<Engine> reference_engine,
        BuildForcedEngine(sub_network, sub, reference, sub_batch, TensorFormat::kLinear));
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> reference_context,
                          reference_engine->CreateExecutionContext());
    // The case's data may not fit a smaller shape (indices past a shrunk
    // axis): when the reference refuses the shape, so may the plan.
    absl::StatusOr<std::vector<Weights>> want =
        RunEngine(*reference_engine, *reference_context, sub, sub_batch, Poison::kNaN);
    if (!want.ok()) continue;
    absl::StatusOr<std::vector<Weights>> got =
        RunEngine(**engine, *context, sub, sub_batch, Poison::kPattern);
    if (!got.ok()) {
      failures.push_back(absl::StrCat("dynamic shapes, plan for ", profile.ToString(), " run at ",
                                      where,
                                      " fails where the reference runs: ", got.status().message()));
      continue;
    }
    for (size_t k = 0; k < got->size(); ++k) {
      ErrorStats stats;
      const std::string problem = CompareOutputs((*got)[k], (*want)[k], c.tolerance, &stats);
      result.error.Merge(stats);
      if (!problem.empty()) {
        failures.push_back(absl::StrCat("dynamic shapes, plan for ", profile.ToString(), " run at ",
                                        where, ", output ", k, ": ", problem));
      }
    }
    ++ran;
  }
  result.dynamic_shapes = ran;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CaseResult> RunCase(const OpCase& c, const Tactic& tactic) {
  const Tactic* reference = TacticRegistry::Global().Reference(c.op);
  if (reference == nullptr) {
    return absl::NotFoundError(absl::StrCat("op ", c.op, " has no reference tactic"));
  }
  if (tactic.op() != c.op) {
    return absl::InvalidArgumentError(
        absl::StrCat("tactic ", tactic.name(), " is for op ", tactic.op(), ", the case is ", c.op));
  }

  CaseResult result;
  KILN_ASSIGN_OR_RETURN(NodeContext node, testutil::MakeNodeContext(c.op, c.attrs, c.inputs));
  node.target.allow_tf32 = c.allow_tf32;
  if (absl::Status s = reference->Supports(node); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("bad case: the reference ", reference->name(),
                                                   " does not support it: ", s.message()));
  }
  // The layouts the tactic runs the case in: linear as given, and NHWC
  // (every rank-4 float tensor, constants converted) when it accepts NHWC.
  std::vector<TensorFormat> formats;
  absl::Status linear = tactic.Supports(node);
  if (linear.ok()) formats.push_back(TensorFormat::kLinear);
  absl::Status nhwc = absl::UnimplementedError("does not accept NHWC");
  if (std::optional<DataType> type = NhwcVariantType(node);
      tactic.accepts_nhwc() && type.has_value()) {
    KILN_ASSIGN_OR_RETURN(FormattedNode formatted,
                          FormatNode(node, *type, TensorFormat::kNHWC));
    nhwc = tactic.Supports(formatted.ctx);
    if (nhwc.ok()) formats.push_back(TensorFormat::kNHWC);
  }
  if (formats.empty()) {
    result.supported = false;
    result.unsupported_reason = tactic.accepts_nhwc()
                                    ? absl::StrCat(linear.message(), "; NHWC: ", nhwc.message())
                                    : std::string(linear.message());
    return result;
  }
  std::vector<std::string> failures;
  for (TensorFormat format : formats) {
    KILN_RETURN_IF_ERROR(RunVariant(c, tactic, *reference, format, result, failures));
  }
  if (tactic.dynamic_shapes() && linear.ok()) {
    // Shapes drawn from the case itself, so a seed reproduces them.
    std::seed_seq seq{testutil::TestSeed(), static_cast<uint32_t>(Volume(node.inputs[0].dims))};
    std::mt19937 rng(seq);
    KILN_RETURN_IF_ERROR(RunDynamic(c, tactic, *reference, rng, result, failures));
  }
  for (TensorFormat format : formats) {
    absl::StrAppend(&result.layouts, result.layouts.empty() ? "" : "+", TensorFormatName(format));
  }
  result.failure = absl::StrJoin(failures, "\n  ");
  return result;
}

std::vector<std::string> TacticNamesFor(absl::string_view op) {
  std::vector<std::string> names;
  for (const Tactic* t : TacticRegistry::Global().All()) {
    if (t->op() == op) names.push_back(t->name());
  }
  return names;
}

std::string TacticParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

void ConformanceTest::SetUp() {
  tactic_ = TacticRegistry::Global().Find(GetParam());
  ASSERT_NE(tactic_, nullptr) << "tactic " << GetParam() << " is not registered";
  const Backend* backend = BackendRegistry::Global().Find(tactic_->backend());
  if (backend == nullptr) {
    GTEST_SKIP() << "backend '" << tactic_->backend() << "' of " << tactic_->name()
                 << " is not part of this build";
  }
  if (absl::Status available = backend->Available(); !available.ok()) {
    GTEST_SKIP() << "backend '" << tactic_->backend() << "' cannot run here: " << available;
  }
}

void ConformanceTest::CheckCases(const std::vector<OpCase>& cases) {
  const Tactic& t = tactic();
  const bool is_reference = TacticRegistry::Global().Reference(t.op()) == &t;
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  ErrorStats worst;
  int ran = 0, dynamic_cases = 0, dynamic_refused = 0;
  std::vector<std::string> unsupported;
  for (size_t i = 0; i < cases.size(); ++i) {
    const OpCase& c = cases[i];
    const std::string label = absl::StrCat(t.name(), " case ", i, ": ", c.ToString());
    absl::StatusOr<CaseResult> result = RunCase(c, t);
    if (!result.ok()) {
      ADD_FAILURE() << label << "\n  could not run: " << result.status() << "\n  " << SeedNote();
      continue;
    }
    if (!result->supported) {
      std::printf("[conformance] %s: not supported: %s\n", label.c_str(),
                  result->unsupported_reason.c_str());
      if (is_reference) {
        ADD_FAILURE() << label << "\n  the reference must support every case, but: "
                      << result->unsupported_reason << "\n  " << SeedNote();
      }
      unsupported.push_back(result->unsupported_reason);
      continue;
    }
    ++ran;
    dynamic_cases += result->dynamic_shapes > 0;
    worst.Merge(result->error);
    dynamic_refused += !result->dynamic_refused.empty();
    const std::string dynamic =
        result->dynamic_shapes > 0        ? absl::StrCat(", dynamic x", result->dynamic_shapes)
        : result->dynamic_refused.empty() ? ""
                                          : ", dynamic profile refused by the tactic";
    std::printf("[conformance] %s [%s%s%s%s]: %s %s\n", label.c_str(),
                c.tolerance.ToString().c_str(), c.allow_tf32 ? ", tf32" : "",
                result->layouts == "linear" ? "" : (", " + result->layouts).c_str(),
                dynamic.c_str(), result->error.ToString().c_str(),
                result->failure.empty() ? "ok" : "MISMATCH");
    if (!result->dynamic_refused.empty()) {
      std::printf("[conformance]   dynamic shapes: %s\n", result->dynamic_refused.c_str());
    }
    if (!result->failure.empty()) {
      ADD_FAILURE() << label << " [" << c.tolerance.ToString() << "] disagrees with the reference "
                    << "(measured " << result->error.ToString() << "):\n  " << result->failure
                    << "\n  " << SeedNote();
    }
  }
  std::printf(
      "[conformance] summary op=%s tactic=%s test=%s cases=%zu ran=%d dynamic=%d "
      "dynamic_refused=%d worst: %s\n",
      t.op().c_str(), t.name().c_str(), test.c_str(), cases.size(), ran, dynamic_cases,
      dynamic_refused, worst.ToString().c_str());
  std::fflush(stdout);
  if (ran == 0 && !unsupported.empty() && !is_reference) {
    GTEST_SKIP() << t.name() << " supports none of the " << cases.size()
                 << " cases; first reason: " << unsupported[0];
  }
}

std::mt19937 ConformanceTest::Rng(uint32_t salt) {
  std::seed_seq seq{testutil::TestSeed(), salt};
  return std::mt19937(seq);
}

int64_t SmallDim(std::mt19937& rng, int64_t max) {
  static constexpr int64_t kSizes[] = {1, 2, 3, 4, 5, 7, 8, 13, 16, 17};
  std::vector<int64_t> allowed;
  for (int64_t s : kSizes) {
    if (s <= max) allowed.push_back(s);
  }
  if (allowed.empty()) return 1;
  return allowed[UniformInt(rng, 0, static_cast<int64_t>(allowed.size()) - 1)];
}

int64_t UniformInt(std::mt19937& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

bool Chance(std::mt19937& rng, double p) { return std::bernoulli_distribution(p)(rng); }

Dims SmallDims(std::mt19937& rng, int n, int64_t max) {
  Dims dims;
  for (int i = 0; i < n; ++i) dims.push_back(SmallDim(rng, max));
  return dims;
}

Weights RandomFloatTensor(DataType dtype, Dims dims, std::mt19937& rng, float lo, float hi) {
  return RandomTensor(dtype, std::move(dims), rng, lo, hi);
}

void NegateRandomLines(Weights& w, bool rows, std::mt19937& rng) {
  const Dims& dims = w.dims();
  const int64_t r = dims.size() >= 2 ? dims[dims.size() - 2] : 1;
  const int64_t c = dims.empty() ? 1 : dims.back();
  const int64_t matrices = r * c == 0 ? 0 : Volume(dims) / (r * c);
  auto negate = [&](int64_t i) {
    if (w.dtype() == DataType::kFloat16) {
      w.mutable_as<uint16_t>()[i] ^= 0x8000;
    } else {
      w.mutable_as<float>()[i] = -w.as<float>()[i];
    }
  };
  for (int64_t m = 0; m < matrices; ++m) {
    for (int64_t line = 0; line < (rows ? r : c); ++line) {
      if (!Chance(rng, 0.5)) continue;
      for (int64_t j = 0; j < (rows ? c : r); ++j) {
        negate(m * r * c + (rows ? line * c + j : j * c + line));
      }
    }
  }
}

Weights RandomTensor(DataType dtype, Dims dims, std::mt19937& rng, double lo, double hi) {
  Weights w(dtype, std::move(dims));
  const int64_t n = Volume(w.dims());
  std::uniform_real_distribution<double> real(lo, hi);
  auto integer = [&](double type_lo, double type_hi) {
    const double a = std::max(std::ceil(lo), type_lo), b = std::min(std::floor(hi), type_hi);
    return std::uniform_int_distribution<int64_t>(static_cast<int64_t>(a),
                                                  static_cast<int64_t>(std::max(a, b)))(rng);
  };
  for (int64_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DataType::kFloat32: w.mutable_as<float>()[i] = static_cast<float>(real(rng)); break;
      case DataType::kFloat16:
        w.mutable_as<uint16_t>()[i] = FloatToHalf(static_cast<float>(real(rng)));
        break;
      case DataType::kInt8:
        w.mutable_as<int8_t>()[i] = static_cast<int8_t>(integer(-128, 127));
        break;
      case DataType::kInt32:
        w.mutable_as<int32_t>()[i] = static_cast<int32_t>(integer(-2147483648.0, 2147483647.0));
        break;
      case DataType::kInt64: w.mutable_as<int64_t>()[i] = integer(-9e18, 9e18); break;
      case DataType::kBool: w.mutable_as<uint8_t>()[i] = Chance(rng, 0.5) ? 1 : 0; break;
    }
  }
  return w;
}

Weights RandomBits(DataType dtype, Dims dims, std::mt19937& rng) {
  Weights w(dtype, std::move(dims));
  auto* bytes = static_cast<uint8_t*>(w.mutable_data());
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t i = 0; i < w.bytes(); ++i) {
    bytes[i] = dtype == DataType::kBool ? static_cast<uint8_t>(byte(rng) & 1)
                                        : static_cast<uint8_t>(byte(rng));
  }
  return w;
}

std::vector<DataType> AllDataTypes() {
  return {DataType::kFloat32, DataType::kFloat16, DataType::kInt8,
          DataType::kInt32,   DataType::kInt64,   DataType::kBool};
}

}  // namespace conformance
}  // namespace kiln
