// cuda MatMulInteger: kiln's own int32 kernel
// (kernels/integer_conv_matmul.cu) over numpy-broadcast batch dims,
// bit-exact with cpu_ref (sums wrap modulo 2^32, so their order does not
// matter). cuBLASLt's integer GEMMs take int8 inputs, not int32.
#include "ops/matmul_integer.h"

#include <algorithm>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/spatial.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class MatMulIntegerKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& a = args.input_descs[0].dims;
    const Dims& b = args.input_descs[1].dims;
    const Dims& out = args.output_descs[0].dims;
    kernels::MatMulIntegerShape s;
    s.batch_rank = static_cast<int>(out.size()) - 2;
    s.m = a[a.size() - 2];
    s.k = a.back();
    s.n = b.back();
    // Batch dims right-aligned; matrix strides, 0 along a broadcast dim.
    const int a_batch = static_cast<int>(a.size()) - 2, b_batch = static_cast<int>(b.size()) - 2;
    int64_t a_stride = 1, b_stride = 1;
    for (int d = s.batch_rank - 1; d >= 0; --d) {
      s.batch_dims[d] = out[d];
      const int ad = d - (s.batch_rank - a_batch), bd = d - (s.batch_rank - b_batch);
      const int64_t a_dim = ad >= 0 ? a[ad] : 1, b_dim = bd >= 0 ? b[bd] : 1;
      s.a_strides[d] = a_dim == 1 ? 0 : a_stride;
      s.b_strides[d] = b_dim == 1 ? 0 : b_stride;
      a_stride *= a_dim;
      b_stride *= b_dim;
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::MatMulInteger(
        s, static_cast<const int32_t*>(args.inputs[0]), static_cast<const int32_t*>(args.inputs[1]),
        static_cast<int32_t*>(args.outputs[0]), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }
};

class MatMulIntegerTactic : public CudaTactic {
 public:
  MatMulIntegerTactic()
      : CudaTactic("cuda.matmul_integer.direct.int32", kMatMulIntegerOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs.size() < 2) return absl::UnimplementedError("needs a and b");
    for (const TensorDesc* t : {&node.inputs[0], &node.inputs[1], &node.outputs[0]}) {
      if (t->dtype != DataType::kInt32) {
        return absl::UnimplementedError(absl::StrCat(
            "'", t->name, "' is ", DataTypeName(t->dtype), "; this tactic is int32 only"));
      }
    }
    if (node.outputs[0].rank() - 2 > kernels::kMatMulMaxBatchRank) {
      return absl::UnimplementedError(absl::StrCat(node.outputs[0].rank() - 2,
                                                   " batch dims; at most ",
                                                   kernels::kMatMulMaxBatchRank,
                                                   " are supported"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<MatMulIntegerKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<MatMulIntegerTactic>());

}  // namespace cuda
}  // namespace kiln
