// cuda Tile: one kernel (kernels::Tile), one thread per output element
// reading the input at each coordinate modulo the input dim; elements move
// as unsigned integers of their size, so every dtype is copied bit for bit.
#include "ops/tile.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/indexing.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class TileKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in = args.input_descs[0];
    const TensorDesc& out = args.output_descs[0];
    kernels::TileShape shape;
    shape.rank = static_cast<int>(out.rank());
    for (int d = 0; d < shape.rank; ++d) {
      shape.out_dims[d] = out.dims[d];
      shape.in_dims[d] = in.dims[d];
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::Tile(static_cast<int>(DataTypeSize(in.dtype)), shape,
                                            args.inputs[0], args.outputs[0],
                                            ResourcesOf(args).stream()));
    return absl::OkStatus();
  }
};

class TileTactic : public CudaTactic {
 public:
  TileTactic()
      : CudaTactic("cuda.tile.kernel.any", kTileOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError("input and output types differ");
    }
    return TileParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    if (node.inputs[0].rank() != node.outputs[0].rank()) {
      return node.Error("input rank ", node.inputs[0].rank(), " differs from output rank ",
                        node.outputs[0].rank());
    }
    return std::unique_ptr<Kernel>(std::make_unique<TileKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<TileTactic>());

}  // namespace cuda
}  // namespace kiln
