// cuda ElementWise: kiln's own broadcasting kernel (kernels/element_wise.cu).
#include "ops/element_wise.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// Right-aligns both operands to the output's rank; a dim of size 1 (or a
// missing leading dim) gets stride 0.
kernels::BroadcastShape MakeShape(const Dims& a, const Dims& b, const Dims& out) {
  kernels::BroadcastShape s;
  s.rank = static_cast<int>(out.size());
  auto strides = [&](const Dims& dims, int64_t* result) {
    int64_t stride = 1;
    for (int d = s.rank - 1; d >= 0; --d) {
      const int from_end = s.rank - 1 - d;
      const int src = static_cast<int>(dims.size()) - 1 - from_end;
      if (src < 0 || dims[src] == 1) {
        result[d] = 0;
      } else {
        result[d] = stride;
      }
      if (src >= 0) stride *= dims[src];
    }
  };
  for (int d = 0; d < s.rank; ++d) s.out_dims[d] = out[d];
  strides(a, s.a_strides);
  strides(b, s.b_strides);
  return s;
}

class ElementWiseKernel : public Kernel {
 public:
  explicit ElementWiseKernel(ElementWiseOp op) : op_(op) {}
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& out = args.output_descs[0].dims;
    const kernels::BroadcastShape shape =
        MakeShape(args.input_descs[0].dims, args.input_descs[1].dims, out);
    KILN_CUDA_RETURN_IF_ERROR(kernels::ElementWiseFp32(
        static_cast<int>(op_), shape, args.output_descs[0].volume(),
        static_cast<const float*>(args.inputs[0]), static_cast<const float*>(args.inputs[1]),
        static_cast<float*>(args.outputs[0]), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  ElementWiseOp op_;
};

class ElementWiseTactic : public CudaTactic {
 public:
  ElementWiseTactic() : CudaTactic("cuda.element_wise.kernel.fp32", kElementWiseOp) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFp32Linear(node));
    if (node.outputs.empty() || node.outputs[0].rank() > kernels::kMaxRank) {
      return absl::UnimplementedError(
          absl::StrCat("output rank is above ", kernels::kMaxRank, ", the kernel's limit"));
    }
    return ElementWiseParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ElementWiseParams params, ElementWiseParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<ElementWiseKernel>(params.op));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ElementWiseTactic>());

}  // namespace cuda
}  // namespace kiln
