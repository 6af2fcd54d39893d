// cuda Identity: one device-to-device cudaMemcpyAsync, bit-exact for every
// dtype and layout (both sides share it).
#include "ops/identity.h"

#include "backends/cuda/common.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class IdentityKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const size_t bytes = args.output_descs[0].bytes();
    // A view (RunsAsView) when the builder gave both one address.
    if (bytes == 0 || args.outputs[0] == args.inputs[0]) return absl::OkStatus();
    KILN_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(args.outputs[0], args.inputs[0], bytes,
                                              cudaMemcpyDeviceToDevice,
                                              ResourcesOf(args).stream()));
    return absl::OkStatus();
  }
};

class IdentityTactic : public CudaTactic {
 public:
  IdentityTactic()
      : CudaTactic("cuda.identity.memcpy", kIdentityOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}
  absl::Status Supports(const NodeContext& node) const override {
    if (node.inputs[0].format != node.outputs[0].format) {
      return absl::UnimplementedError(absl::StrCat(
          "input is ", TensorFormatName(node.inputs[0].format), " but output is ",
          TensorFormatName(node.outputs[0].format), "; a byte copy cannot change the layout"));
    }
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError(absl::StrCat(
          "input is ", DataTypeName(node.inputs[0].dtype), " but output is ",
          DataTypeName(node.outputs[0].dtype), "; a byte copy cannot convert (use Cast)"));
    }
    return absl::OkStatus();
  }
  bool RunsAsView(const NodeContext&) const override { return true; }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<IdentityKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<IdentityTactic>());

}  // namespace cuda
}  // namespace kiln
