// cuda ElementWise: kiln's own broadcasting kernel (kernels/element_wise.cu),
// one tactic per type (fp16 computed in fp32, rounded once at the output;
// int32/int64 bit-exact with cpu_ref: wrapping, x / 0 = 0, integer pow). NCHW tensors of any rank, or 4-D NHWC ones when every operand and
// the output are NHWC: their logical dims are permuted to the memory order
// (N,H,W,C) before the broadcast strides are computed, so the same kernel
// walks NHWC memory.
#include "ops/element_wise.h"

#include <cuda_fp16.h>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// The dims in memory order: (N,C,H,W) -> (N,H,W,C) for NHWC.
Dims MemoryOrder(const TensorDesc& desc) {
  const Dims& d = desc.dims;
  if (desc.format != TensorFormat::kNHWC) return d;
  return Dims{d[0], d[2], d[3], d[1]};
}

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

template <typename T>
class ElementWiseKernel : public Kernel {
 public:
  explicit ElementWiseKernel(ElementWiseOp op) : op_(op) {}
  absl::Status Run(const KernelArgs& args) const override {
    const kernels::BroadcastShape shape =
        MakeShape(MemoryOrder(args.input_descs[0]), MemoryOrder(args.input_descs[1]),
                  MemoryOrder(args.output_descs[0]));
    KILN_CUDA_RETURN_IF_ERROR(kernels::ElementWise<T>(
        static_cast<int>(op_), shape, args.output_descs[0].volume(),
        static_cast<const T*>(args.inputs[0]), static_cast<const T*>(args.inputs[1]),
        static_cast<T*>(args.outputs[0]), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  ElementWiseOp op_;
};

// OK for all-NCHW tensors, or all-NHWC 4-D ones.
absl::Status RequireLinearOrNhwc4d(const NodeContext& node) {
  if (RequireLinear(node).ok()) return absl::OkStatus();
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!node.has_input(i)) continue;
    if (node.inputs[i].format != TensorFormat::kNHWC || node.inputs[i].rank() != 4) {
      return absl::UnimplementedError(absl::StrCat(
          "input ", i, " is ", TensorFormatName(node.inputs[i].format), " of rank ",
          node.inputs[i].rank(),
          "; this tactic needs every tensor linear, or every tensor 4-D NHWC"));
    }
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].format != TensorFormat::kNHWC || node.outputs[i].rank() != 4) {
      return absl::UnimplementedError(absl::StrCat(
          "output ", i, " is ", TensorFormatName(node.outputs[i].format), " of rank ",
          node.outputs[i].rank(),
          "; this tactic needs every tensor linear, or every tensor 4-D NHWC"));
    }
  }
  return absl::OkStatus();
}

class ElementWiseTactic : public CudaTactic {
 public:
  explicit ElementWiseTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.element_wise.kernel.", DataTypeName(dtype)), kElementWiseOp,
                   /*accepts_nhwc=*/true, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireDtype(node, dtype_));
    KILN_RETURN_IF_ERROR(RequireLinearOrNhwc4d(node));
    if (node.outputs.empty() || node.outputs[0].rank() > kernels::kMaxRank) {
      return absl::UnimplementedError(
          absl::StrCat("output rank is above ", kernels::kMaxRank, ", the kernel's limit"));
    }
    return ElementWiseParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ElementWiseParams params, ElementWiseParams::FromAttrs(node.attrs));
    switch (dtype_) {
      case DataType::kFloat16:
        return std::unique_ptr<Kernel>(std::make_unique<ElementWiseKernel<__half>>(params.op));
      case DataType::kInt32:
        return std::unique_ptr<Kernel>(std::make_unique<ElementWiseKernel<int32_t>>(params.op));
      case DataType::kInt64:
        return std::unique_ptr<Kernel>(std::make_unique<ElementWiseKernel<int64_t>>(params.op));
      default:
        return std::unique_ptr<Kernel>(std::make_unique<ElementWiseKernel<float>>(params.op));
    }
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ElementWiseTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<ElementWiseTactic>(DataType::kFloat16));
KILN_REGISTER_TACTIC(std::make_unique<ElementWiseTactic>(DataType::kInt32));
KILN_REGISTER_TACTIC(std::make_unique<ElementWiseTactic>(DataType::kInt64));

}  // namespace cuda
}  // namespace kiln
