#include "optimizer/autotuner.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "backends/backend.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "optimizer/timing_cache.h"

namespace kiln {
namespace {

void Log(const BuildConfig& config, Logger::Severity severity, const std::string& message) {
  if (config.logger != nullptr) config.logger->Log(severity, message);
}

// Uniform in [-1, 1) from the element index alone (splitmix64), so the
// pattern is the same whichever size it was first grown to.
float PatternValue(uint64_t i) {
  uint64_t z = i + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes >= (1u << 20)) return absl::StrFormat("%.1f MiB", bytes / 1048576.0);
  if (bytes >= (1u << 10)) return absl::StrFormat("%.1f KiB", bytes / 1024.0);
  return absl::StrCat(bytes, " B");
}

// `descs` with `dims` where given (a profile corner's).
std::vector<TensorDesc> WithDims(std::vector<TensorDesc> descs, const std::vector<Dims>& dims) {
  for (size_t i = 0; i < descs.size() && i < dims.size(); ++i) {
    if (!dims[i].empty()) descs[i].dims = dims[i];
  }
  return descs;
}

// With profiles, `node` is at their max; a tactic must also take their min
// and opt shapes, or the builder's later check of every corner would refuse
// the plan where another tactic could run the layer.
absl::Status SupportsOtherCorners(const Tactic& tactic, const NodeContext& node) {
  struct Corner {
    const char* name;
    const std::vector<Dims>& inputs;
    const std::vector<Dims>& outputs;
  };
  for (const Corner& corner : {Corner{"min", node.input_min, node.output_min},
                               Corner{"opt", node.input_opt, node.output_opt}}) {
    if (corner.inputs.empty()) continue;
    NodeContext at = node;
    at.inputs = WithDims(node.inputs, corner.inputs);
    at.outputs = WithDims(node.outputs, corner.outputs);
    if (absl::Status s = tactic.Supports(at); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("at the profiles' ", corner.name, " shapes: ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

// Buffers for timing the tactics of one node on one backend.
struct Autotuner::Buffers {
  std::vector<std::unique_ptr<DeviceBuffer>> owned;
  std::vector<const void*> inputs;
  std::vector<void*> outputs;
  std::unique_ptr<DeviceBuffer> workspace;
  uint64_t workspace_size = 0;
};

Autotuner::Autotuner(const BuildConfig& config) : config_(config) {}
Autotuner::~Autotuner() = default;

const uint8_t* Autotuner::RandomBytes(DataType dtype, size_t bytes) {
  std::vector<uint8_t>& pattern = dtype == DataType::kFloat16 ? random_fp16_ : random_fp32_;
  if (pattern.size() < bytes) {
    const size_t elem = dtype == DataType::kFloat16 ? 2 : 4;
    const size_t old_count = pattern.size() / elem;
    const size_t count = (bytes + elem - 1) / elem;
    pattern.resize(count * elem);
    for (size_t i = old_count; i < count; ++i) {
      const float v = PatternValue(i);
      if (dtype == DataType::kFloat16) {
        const uint16_t h = FloatToHalf(v);
        std::memcpy(pattern.data() + i * 2, &h, 2);
      } else {
        std::memcpy(pattern.data() + i * 4, &v, 4);
      }
    }
  }
  return pattern.data();
}

absl::StatusOr<ExecutionResources*> Autotuner::ResourcesFor(const Backend& backend) {
  std::unique_ptr<ExecutionResources>& r = resources_[&backend];
  if (r == nullptr) {
    KILN_ASSIGN_OR_RETURN(r, backend.CreateResources());
  }
  return r.get();
}

absl::StatusOr<std::unique_ptr<Autotuner::Buffers>> Autotuner::MakeBuffers(
    const Backend& backend, const NodeContext& node, uint64_t workspace) {
  auto b = std::make_unique<Buffers>();
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!node.has_input(i)) {
      b->inputs.push_back(nullptr);
      continue;
    }
    const TensorDesc& d = node.inputs[i];
    KILN_ASSIGN_OR_RETURN(auto buf, backend.Allocate(d.bytes()));
    if (const Weights* w = node.constant(i)) {
      KILN_RETURN_IF_ERROR(backend.CopyFromHost(buf->data(), w->data(), w->bytes()));
    } else if (d.dtype == DataType::kFloat32 || d.dtype == DataType::kFloat16) {
      KILN_RETURN_IF_ERROR(
          backend.CopyFromHost(buf->data(), RandomBytes(d.dtype, d.bytes()), d.bytes()));
    } else {
      // Zero is a valid index, count or flag for every integer input.
      std::vector<uint8_t> zeros(d.bytes(), 0);
      KILN_RETURN_IF_ERROR(backend.CopyFromHost(buf->data(), zeros.data(), zeros.size()));
    }
    b->inputs.push_back(buf->data());
    b->owned.push_back(std::move(buf));
  }
  for (const TensorDesc& d : node.outputs) {
    KILN_ASSIGN_OR_RETURN(auto buf, backend.Allocate(d.bytes()));
    b->outputs.push_back(buf->data());
    b->owned.push_back(std::move(buf));
  }
  KILN_ASSIGN_OR_RETURN(b->workspace, backend.Allocate(workspace));
  b->workspace_size = workspace;
  return b;
}

absl::StatusOr<double> Autotuner::Time(const Backend& backend, const Tactic& tactic,
                                                const NodeContext& node, absl::Span<const uint8_t> state,
                                       uint64_t workspace, Buffers& buffers) {
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, tactic.CreateKernel(node, state));
  KILN_ASSIGN_OR_RETURN(ExecutionResources * resources, ResourcesFor(backend));
  // At the profile's opt shapes where there are profiles (buffers are sized
  // for the max).
  const std::vector<TensorDesc> input_descs = node.timing_inputs();
  const std::vector<TensorDesc> output_descs = node.timing_outputs();
  KernelArgs args;
  args.input_descs = input_descs;
  args.output_descs = output_descs;
  args.inputs = buffers.inputs;
  args.outputs = buffers.outputs;
  args.workspace = buffers.workspace->data();
  args.workspace_size = workspace;  // the buffer may be larger (the node's largest)
  args.resources = resources;
  auto run = [&]() { return kernel->Run(args); };
  KILN_RETURN_IF_ERROR(backend.TimeMs(resources, run).status());  // warm-up
  std::vector<double> times;
  for (int i = 0; i < std::max(1, config_.timing_iterations); ++i) {
    KILN_ASSIGN_OR_RETURN(double ms, backend.TimeMs(resources, run));
    times.push_back(ms);
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

absl::StatusOr<TacticChoice> Autotuner::Select(const NodeContext& node, bool time_single) {
  struct Candidate {
    const Tactic* tactic;
    const Backend* backend;
    uint64_t workspace;
  };
  std::vector<Candidate> fits;
  std::vector<std::string> rejected;
  for (const std::string& backend_name : config_.backends) {
    const Backend* backend = BackendRegistry::Global().Find(backend_name);
    if (backend == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "backend '", backend_name, "' is not part of this build; available: ",
          absl::StrJoin(BackendRegistry::Global().Names(), ", ")));
    }
    for (const Tactic* tactic : TacticRegistry::Global().Candidates(backend_name, node.op)) {
      if (config_.tactic_filter && !config_.tactic_filter(node, *tactic)) {
        rejected.push_back(absl::StrCat(tactic->name(), ": excluded by BuildConfig.tactic_filter"));
        continue;
      }
      absl::Status supported = CheckLayouts(*tactic, node);
      if (supported.ok()) supported = CheckShapeRanges(*tactic, node);
      if (supported.ok()) supported = tactic->Supports(node);
      if (supported.ok()) supported = SupportsOtherCorners(*tactic, node);
      if (!supported.ok()) {
        rejected.push_back(absl::StrCat(tactic->name(), ": ", supported.message()));
        continue;
      }
      const uint64_t ws = tactic->WorkspaceSize(node);
      if (ws > config_.workspace_bytes) {
        rejected.push_back(absl::StrCat(tactic->name(), ": needs ", FormatBytes(ws),
                                        " of workspace, the budget is ",
                                        FormatBytes(config_.workspace_bytes)));
        continue;
      }
      fits.push_back({tactic, backend, ws});
    }
  }
  if (fits.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "layer '", node.name, "' (", node.op, "): no tactic on backends [",
        absl::StrJoin(config_.backends, ", "), "] can run it",
        rejected.empty() ? "; none is registered for this op"
                         : absl::StrCat(". Candidates: ", absl::StrJoin(rejected, "; ")),
        ". Enable another backend, raise the workspace budget, or change the layer"));
  }

  const auto start = std::chrono::steady_clock::now();
  // One set of buffers per backend for all of this node's tactics, sized
  // for the largest workspace among them; made only when something is timed.
  std::map<const Backend*, std::unique_ptr<Buffers>> buffers;
  auto buffers_for = [&](const Backend* backend) -> absl::StatusOr<Buffers*> {
    std::unique_ptr<Buffers>& b = buffers[backend];
    if (b == nullptr) {
      uint64_t workspace = 0;
      for (const Candidate& c : fits) {
        if (c.backend == backend) workspace = std::max(workspace, c.workspace);
      }
      KILN_ASSIGN_OR_RETURN(b, MakeBuffers(*backend, node, workspace));
    }
    return b.get();
  };

  TacticChoice best;
  int cache_hits = 0;
  std::vector<std::string> timings;
  for (const Candidate& c : fits) {
    absl::StatusOr<std::vector<uint8_t>> state = c.tactic->PrepareState(node);
    if (!state.ok()) {
      rejected.push_back(absl::StrCat(c.tactic->name(), ": ", state.status().message()));
      continue;
    }
    double ms = 0.0;
    if (fits.size() > 1 || time_single) {
      const std::string key =
          TimingCache::MakeKey(c.tactic->name(), node, c.backend->DeviceSignature());
      std::optional<double> cached;
      if (config_.timing_cache != nullptr) cached = config_.timing_cache->Lookup(key);
      if (cached.has_value()) {
        ms = *cached;
        ++cache_hits;
        ++stats_.cache_hits;
        timings.push_back(absl::StrFormat("%s %.4f ms (cached)", c.tactic->name(), ms));
      } else if (auto it = measured_.find(key); it != measured_.end()) {
        ms = it->second;
        ++stats_.reused;
        timings.push_back(absl::StrFormat("%s %.4f ms (timed earlier)", c.tactic->name(), ms));
      } else {
        absl::StatusOr<Buffers*> b = buffers_for(c.backend);
        absl::StatusOr<double> timed =
            b.ok() ? Time(*c.backend, *c.tactic, node, *state, c.workspace, **b)
                   : absl::StatusOr<double>(b.status());
        if (!timed.ok()) {
          rejected.push_back(absl::StrCat(c.tactic->name(), ": ", timed.status().message()));
          continue;
        }
        ms = *timed;
        ++stats_.timed;
        measured_[key] = ms;
        if (config_.timing_cache != nullptr) config_.timing_cache->Insert(key, ms);
        timings.push_back(absl::StrFormat("%s %.4f ms", c.tactic->name(), ms));
      }
    }
    if (best.tactic == nullptr || ms < best.median_ms) {
      best.tactic = c.tactic;
      best.state = std::move(*state);
      best.workspace = c.workspace;
      best.median_ms = ms;
    }
  }
  stats_.timing_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (best.tactic == nullptr) {
    return absl::InternalError(absl::StrCat("layer '", node.name, "' (", node.op,
                                            "): every candidate tactic failed: ",
                                            absl::StrJoin(rejected, "; ")));
  }
  best.candidates = static_cast<int>(fits.size());
  best.cache_hits = cache_hits;
  if (cache_hits > 0) {
    Log(config_, Logger::Severity::kVerbose,
        absl::StrCat("layer '", node.name, "' (", node.op, "): timing cache hit for ", cache_hits,
                     " of ", fits.size(), " tactics"));
  }
  Log(config_, Logger::Severity::kVerbose,
      absl::StrCat("layer '", node.name, "' (", node.op, "): chose ", best.tactic->name(),
                   timings.empty() ? " (only candidate)"
                                   : absl::StrCat(" among ", absl::StrJoin(timings, ", ")),
                   rejected.empty() ? ""
                                    : absl::StrCat("; rejected ", absl::StrJoin(rejected, "; "))));
  return best;
}

absl::StatusOr<TacticChoice> SelectTactic(const NodeContext& node, const BuildConfig& config,
                                          bool time_single) {
  Autotuner tuner(config);
  return tuner.Select(node, time_single);
}

}  // namespace kiln
