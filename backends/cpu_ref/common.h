#ifndef KILN_BACKENDS_CPU_REF_COMMON_H_
#define KILN_BACKENDS_CPU_REF_COMMON_H_

// Shared pieces of cpu_ref tactics. Float kernels are written once, in fp32:
// Fp32Kernel converts fp16 inputs to fp32 in the workspace before the kernel
// runs and rounds its fp32 results to fp16 after, so every float op supports
// fp16 tensors with the same code.

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "backends/tactic.h"

namespace kiln {
namespace cpu_ref {

inline constexpr char kBackend[] = "cpu_ref";

// Bytes of workspace Fp32Kernel needs to stage the fp16 tensors of `node`.
size_t Fp16StagingBytes(const NodeContext& node);

class Fp32Kernel : public Kernel {
 public:
  // Stages fp16 tensors and calls RunFp32 with the rest of the workspace.
  absl::Status Run(const KernelArgs& args) const final;

 protected:
  // Every float tensor in `args` is fp32 here (whatever the descs say).
  virtual absl::Status RunFp32(const KernelArgs& args) const = 0;
};

// A cpu_ref tactic whose kernel is an Fp32Kernel: adds the staging bytes to
// the kernel's own workspace.
class Fp32Tactic : public Tactic {
 public:
  Fp32Tactic(std::string name, std::string op, bool is_reference)
      : Tactic(TacticInfo{std::move(name), std::move(op), kBackend, is_reference}) {}

  size_t WorkspaceSize(const NodeContext& node) const final {
    return Fp16StagingBytes(node) + KernelWorkspaceSize(node);
  }

 protected:
  // Workspace of the fp32 kernel itself (im2col buffers and the like).
  virtual size_t KernelWorkspaceSize(const NodeContext& node) const { return 0; }
};

// OK when every present input and every output of `node` is fp32 or fp16.
absl::Status RequireFloatTensors(const NodeContext& node);

// Rounds `bytes` up to a multiple of 64.
inline size_t Align64(size_t bytes) { return (bytes + 63) / 64 * 64; }

}  // namespace cpu_ref
}  // namespace kiln

#endif  // KILN_BACKENDS_CPU_REF_COMMON_H_
