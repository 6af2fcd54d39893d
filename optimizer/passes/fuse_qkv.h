#ifndef KILN_OPTIMIZER_PASSES_FUSE_QKV_H_
#define KILN_OPTIMIZER_PASSES_FUSE_QKV_H_

#include <string>
#include <utility>
#include <vector>

#include "optimizer/passes/pass.h"

namespace kiln {

// Merges a transformer's Q, K and V projections into one GEMM: when an
// Attention layer in layout bshd (fold-attention-transposes made it) reads
// Q, K and V each through a Reshape of its own FullyConnected's output to
// [B, S, H, D], and the three FullyConnected layers read the same input with
// constant weights of one shape [N, K] (all with a bias or none, no fused
// activation), then
//   - the first becomes one FullyConnected of width 3N (weights and biases
//     concatenated at build: Q's rows, then K's, then V's),
//   - its Reshape splits that into [B, S, 3, H, D],
//   - the Attention reads it alone in layout packed_qkv (ops/attention.h),
// and the other two projections and Reshapes go. One GEMM three times as wide
// instead of three, and nothing copied: the Attention kernels read K and V at
// their offsets within each row. The fused layers keep the names of Q's.
//
// Runs after fuse-matmul-bias (which makes the FullyConnected layers) and
// fold-attention-transposes. Fuses only where a tactic of the build's
// backends runs the Attention layer in layout packed_qkv.
class FuseQkv : public Pass {
 public:
  FuseQkv() = default;
  explicit FuseQkv(std::vector<std::string> backends) : backends_(std::move(backends)) {}

  absl::string_view name() const override { return "fuse-qkv"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;

 private:
  std::vector<std::string> backends_;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FUSE_QKV_H_
