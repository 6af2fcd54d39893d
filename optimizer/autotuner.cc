#include "optimizer/autotuner.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <random>

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

// Host bytes of a dummy tensor: uniform [-1, 1) for floats, zeros otherwise
// (zero is a valid index, count or flag for every integer input).
std::vector<uint8_t> DummyData(const TensorDesc& desc, std::mt19937& rng) {
  std::vector<uint8_t> bytes(desc.bytes(), 0);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  if (desc.dtype == DataType::kFloat32) {
    auto* p = reinterpret_cast<float*>(bytes.data());
    for (int64_t i = 0; i < desc.volume(); ++i) p[i] = dist(rng);
  } else if (desc.dtype == DataType::kFloat16) {
    auto* p = reinterpret_cast<uint16_t*>(bytes.data());
    for (int64_t i = 0; i < desc.volume(); ++i) p[i] = FloatToHalf(dist(rng));
  }
  return bytes;
}

// Buffers for one timing run of a node on one backend.
struct TimingBuffers {
  std::vector<std::unique_ptr<DeviceBuffer>> owned;
  std::vector<const void*> inputs;
  std::vector<void*> outputs;
  std::unique_ptr<DeviceBuffer> workspace;
};

absl::StatusOr<TimingBuffers> MakeBuffers(const Backend& backend, const NodeContext& node,
                                          uint64_t workspace) {
  TimingBuffers b;
  std::mt19937 rng(1234);
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!node.has_input(i)) {
      b.inputs.push_back(nullptr);
      continue;
    }
    const TensorDesc& d = node.inputs[i];
    KILN_ASSIGN_OR_RETURN(auto buf, backend.Allocate(d.bytes()));
    if (const Weights* w = node.constant(i)) {
      KILN_RETURN_IF_ERROR(backend.CopyFromHost(buf->data(), w->data(), w->bytes()));
    } else {
      std::vector<uint8_t> host = DummyData(d, rng);
      KILN_RETURN_IF_ERROR(backend.CopyFromHost(buf->data(), host.data(), host.size()));
    }
    b.inputs.push_back(buf->data());
    b.owned.push_back(std::move(buf));
  }
  for (const TensorDesc& d : node.outputs) {
    KILN_ASSIGN_OR_RETURN(auto buf, backend.Allocate(d.bytes()));
    b.outputs.push_back(buf->data());
    b.owned.push_back(std::move(buf));
  }
  KILN_ASSIGN_OR_RETURN(b.workspace, backend.Allocate(workspace));
  return b;
}

absl::StatusOr<double> TimeTactic(const Backend& backend, const Tactic& tactic,
                                  const NodeContext& node, absl::Span<const uint8_t> state,
                                  uint64_t workspace, int iterations) {
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, tactic.CreateKernel(node, state));
  KILN_ASSIGN_OR_RETURN(TimingBuffers buffers, MakeBuffers(backend, node, workspace));
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionResources> resources,
                        backend.CreateResources());
  KernelArgs args;
  args.input_descs = node.inputs;
  args.output_descs = node.outputs;
  args.inputs = buffers.inputs;
  args.outputs = buffers.outputs;
  args.workspace = buffers.workspace->data();
  args.workspace_size = workspace;
  args.resources = resources.get();
  auto run = [&]() { return kernel->Run(args); };
  KILN_RETURN_IF_ERROR(backend.TimeMs(resources.get(), run).status());  // warm-up
  std::vector<double> times;
  for (int i = 0; i < std::max(1, iterations); ++i) {
    KILN_ASSIGN_OR_RETURN(double ms, backend.TimeMs(resources.get(), run));
    times.push_back(ms);
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes >= (1u << 20)) return absl::StrFormat("%.1f MiB", bytes / 1048576.0);
  if (bytes >= (1u << 10)) return absl::StrFormat("%.1f KiB", bytes / 1024.0);
  return absl::StrCat(bytes, " B");
}

}  // namespace

absl::StatusOr<TacticChoice> SelectTactic(const NodeContext& node, const BuildConfig& config,
                                          bool time_single) {
  struct Candidate {
    const Tactic* tactic;
    const Backend* backend;
    uint64_t workspace;
  };
  std::vector<Candidate> fits;
  std::vector<std::string> rejected;
  for (const std::string& backend_name : config.backends) {
    const Backend* backend = BackendRegistry::Global().Find(backend_name);
    if (backend == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "backend '", backend_name, "' is not part of this build; available: ",
          absl::StrJoin(BackendRegistry::Global().Names(), ", ")));
    }
    for (const Tactic* tactic : TacticRegistry::Global().Candidates(backend_name, node.op)) {
      if (config.tactic_filter && !config.tactic_filter(node, *tactic)) {
        rejected.push_back(absl::StrCat(tactic->name(), ": excluded by BuildConfig.tactic_filter"));
        continue;
      }
      absl::Status supported = CheckLayouts(*tactic, node);
      if (supported.ok()) supported = tactic->Supports(node);
      if (!supported.ok()) {
        rejected.push_back(absl::StrCat(tactic->name(), ": ", supported.message()));
        continue;
      }
      const uint64_t ws = tactic->WorkspaceSize(node);
      if (ws > config.workspace_bytes) {
        rejected.push_back(absl::StrCat(tactic->name(), ": needs ", FormatBytes(ws),
                                        " of workspace, the budget is ",
                                        FormatBytes(config.workspace_bytes)));
        continue;
      }
      fits.push_back({tactic, backend, ws});
    }
  }
  if (fits.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "layer '", node.name, "' (", node.op, "): no tactic on backends [",
        absl::StrJoin(config.backends, ", "), "] can run it",
        rejected.empty() ? "; none is registered for this op"
                         : absl::StrCat(". Candidates: ", absl::StrJoin(rejected, "; ")),
        ". Enable another backend, raise the workspace budget, or change the layer"));
  }

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
      std::string key;
      std::optional<double> cached;
      if (config.timing_cache != nullptr) {
        key = TimingCache::MakeKey(c.tactic->name(), node, c.backend->DeviceSignature());
        cached = config.timing_cache->Lookup(key);
      }
      if (cached.has_value()) {
        ms = *cached;
        ++cache_hits;
        timings.push_back(absl::StrFormat("%s %.4f ms (cached)", c.tactic->name(), ms));
      } else {
        absl::StatusOr<double> timed = TimeTactic(*c.backend, *c.tactic, node, *state,
                                                  c.workspace, config.timing_iterations);
        if (!timed.ok()) {
          rejected.push_back(absl::StrCat(c.tactic->name(), ": ", timed.status().message()));
          continue;
        }
        ms = *timed;
        if (config.timing_cache != nullptr) config.timing_cache->Insert(key, ms);
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
  if (best.tactic == nullptr) {
    return absl::InternalError(absl::StrCat("layer '", node.name, "' (", node.op,
                                            "): every candidate tactic failed: ",
                                            absl::StrJoin(rejected, "; ")));
  }
  best.candidates = static_cast<int>(fits.size());
  best.cache_hits = cache_hits;
  if (cache_hits > 0) {
    Log(config, Logger::Severity::kVerbose,
        absl::StrCat("layer '", node.name, "' (", node.op, "): timing cache hit for ", cache_hits,
                     " of ", fits.size(), " tactics"));
  }
  Log(config, Logger::Severity::kVerbose,
      absl::StrCat("layer '", node.name, "' (", node.op, "): chose ", best.tactic->name(),
                   timings.empty() ? " (only candidate)" : absl::StrCat(" among ", absl::StrJoin(timings, ", ")),
                   rejected.empty() ? "" : absl::StrCat("; rejected ", absl::StrJoin(rejected, "; "))));
  return best;
}

}  // namespace kiln
