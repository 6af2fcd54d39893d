#include "backends/cuda/cudnn_graph_common.h"

#if __has_include(<cudnn_frontend.h>)

#include <map>

#include "absl/strings/str_cat.h"
#include "backends/cuda/backend.h"

namespace kiln {
namespace cuda {

absl::Status FrontendStatus(const cudnn_frontend::error_t& e, absl::string_view what) {
  if (e.is_good()) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat("cuDNN graph ", what, ": ", e.err_msg));
}

std::shared_ptr<GraphEntry> GraphEntryFor(const std::string& key, const GraphBuilder& build) {
  static std::mutex* mu = new std::mutex;
  static auto* entries = new std::map<std::string, std::shared_ptr<GraphEntry>>;
  std::lock_guard<std::mutex> lock(*mu);
  std::shared_ptr<GraphEntry>& slot = (*entries)[key];
  if (slot != nullptr) return slot;
  slot = std::make_shared<GraphEntry>();
  std::lock_guard<std::mutex> query_lock(QueryMutex());
  absl::StatusOr<cudnnHandle_t> handle = QueryCudnnHandle();
  absl::StatusOr<std::unique_ptr<cudnn_frontend::graph::Graph>> graph =
      handle.ok() ? build(*handle) : handle.status();
  if (!graph.ok()) {
    slot->status = graph.status();
    return slot;
  }
  cudnn_frontend::graph::Graph& g = **graph;
  const int64_t count = g.get_execution_plan_count();
  for (int64_t i = 0; i < count && slot->status.ok(); ++i) {
    std::string name;
    slot->status = FrontendStatus(g.get_plan_name_at_index(i, name), "get_plan_name_at_index");
    slot->names.push_back(std::move(name));
  }
  slot->built.assign(count, absl::UnknownError("not built"));
  slot->workspace.assign(count, 0);
  slot->graph = std::move(*graph);
  return slot;
}

absl::StatusOr<int64_t> BuildGraphPlan(GraphEntry& entry, int64_t index) {
  KILN_RETURN_IF_ERROR(entry.status);
  std::lock_guard<std::mutex> lock(entry.mu);
  if (index < 0 || index >= static_cast<int64_t>(entry.names.size())) {
    return absl::UnimplementedError(absl::StrCat("cuDNN offers ", entry.names.size(),
                                                 " engine configurations for this layer"));
  }
  if (absl::IsUnknown(entry.built[index])) {
    std::lock_guard<std::mutex> query_lock(QueryMutex());
    absl::StatusOr<cudnnHandle_t> handle = QueryCudnnHandle();
    absl::Status s = handle.status();
    if (s.ok()) s = FrontendStatus(entry.graph->build_plan_at_index(*handle, index), "build_plan");
    if (s.ok()) {
      s = FrontendStatus(entry.graph->get_workspace_size_plan_at_index(index, entry.workspace[index]),
                         "get_workspace_size");
    }
    entry.built[index] = s;
  }
  KILN_RETURN_IF_ERROR(entry.built[index]);
  return entry.workspace[index];
}

int64_t GraphPlanIndex(const GraphEntry& entry, const std::string& name) {
  for (size_t i = 0; i < entry.names.size(); ++i) {
    if (entry.names[i] == name) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace cuda
}  // namespace kiln

#endif  // __has_include(<cudnn_frontend.h>)
