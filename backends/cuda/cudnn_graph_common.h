#ifndef KILN_BACKENDS_CUDA_CUDNN_GRAPH_COMMON_H_
#define KILN_BACKENDS_CUDA_CUDNN_GRAPH_COMMON_H_

// What the tactics on cuDNN's graph API (the cuDNN frontend headers:
// convolution_graph.cc, attention_sdpa.cc) share: frontend errors as
// Statuses, and a process-wide cache of operation graphs, one per layer
// signature (a string the tactic makes: attributes, dims, types, batch),
// whose execution plans are built once, on first use, and shared by every
// kernel that runs that signature. Empty without the frontend headers.

#if __has_include(<cudnn_frontend.h>)

#include <cudnn_frontend.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {

// OK, or Unimplemented with the frontend's message: the graph or plan does
// not apply here.
absl::Status FrontendStatus(const cudnn_frontend::error_t& e, absl::string_view what);

#define KILN_FE_RETURN_IF_ERROR(expr, what) \
  KILN_RETURN_IF_ERROR(::kiln::cuda::FrontendStatus((expr), what))

// One signature: the graph after cuDNN's support check, and the execution
// plans built from it so far.
struct GraphEntry {
  std::mutex mu;  // plan building
  absl::Status status = absl::OkStatus();  // why cuDNN cannot run the graph
  std::unique_ptr<cudnn_frontend::graph::Graph> graph;
  std::vector<std::string> names;   // per candidate plan index
  std::vector<absl::Status> built;  // per index; Unknown = not tried yet
  std::vector<int64_t> workspace;   // per index, once built
};

// One built plan: its graph (shared with other kernels) and index.
struct BoundPlan {
  std::shared_ptr<GraphEntry> entry;
  int64_t index = -1;
};

// Makes the graph of a signature, validated, with its candidate plans
// created and support-checked (not yet built).
using GraphBuilder = std::function<absl::StatusOr<std::unique_ptr<cudnn_frontend::graph::Graph>>(
    cudnnHandle_t handle)>;

// The process-wide entry for `key`, its graph made by `build` on first use
// (under the query handle's lock). A failed build is kept in entry->status.
std::shared_ptr<GraphEntry> GraphEntryFor(const std::string& key, const GraphBuilder& build);

// Builds plan `index` of `entry` (once); its workspace in bytes.
absl::StatusOr<int64_t> BuildGraphPlan(GraphEntry& entry, int64_t index);

// The index of the plan named `name` in `entry`, or -1.
int64_t GraphPlanIndex(const GraphEntry& entry, const std::string& name);

}  // namespace cuda
}  // namespace kiln

#endif  // __has_include(<cudnn_frontend.h>)
#endif  // KILN_BACKENDS_CUDA_CUDNN_GRAPH_COMMON_H_
