// cuda OneHot: one kernel (kernels::OneHot), one thread per output element.
// The off/on values are converted to the output dtype on the host exactly
// as cpu_ref converts them, so the kernel only places bits: bit-exact for
// every output dtype and int32, int64 or fp32 indices. An index outside
// [-depth, depth) gives an all-off row, as in cpu_ref (not an error).
#include "ops/one_hot.h"

#include <cstring>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/indexing.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// `value` in `dtype` as cpu_ref's OneHotKernel stores it, in the low bytes.
uint64_t ValueBits(DataType dtype, float value) {
  uint64_t bits = 0;
  switch (dtype) {
    case DataType::kFloat32: std::memcpy(&bits, &value, sizeof(float)); break;
    case DataType::kFloat16: bits = FloatToHalf(value); break;
    case DataType::kInt32: {
      const int32_t v = static_cast<int32_t>(value);
      std::memcpy(&bits, &v, sizeof(v));
      break;
    }
    case DataType::kInt64: {
      const int64_t v = static_cast<int64_t>(value);
      std::memcpy(&bits, &v, sizeof(v));
      break;
    }
    case DataType::kInt8: {
      const int8_t v = static_cast<int8_t>(value);
      std::memcpy(&bits, &v, sizeof(v));
      break;
    }
    case DataType::kBool: bits = value != 0.0f; break;
  }
  return bits;
}

class OneHotKernel : public Kernel {
 public:
  OneHotKernel(int64_t axis, int64_t depth, uint64_t off, uint64_t on)
      : axis_(axis), depth_(depth), off_(off), on_(on) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in = args.input_descs[0];
    int64_t outer = 1;
    for (int64_t d = 0; d < axis_; ++d) outer *= in.dims[d];
    int64_t inner = 1;
    for (int64_t d = axis_; d < in.rank(); ++d) inner *= in.dims[d];
    KILN_CUDA_RETURN_IF_ERROR(kernels::OneHot(
        static_cast<int>(DataTypeSize(args.output_descs[0].dtype)), off_, on_, outer, depth_,
        inner, static_cast<int>(in.dtype), args.inputs[0], args.outputs[0],
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  int64_t axis_;  // of the output, non-negative
  int64_t depth_;
  uint64_t off_, on_;
};

class OneHotTactic : public CudaTactic {
 public:
  OneHotTactic()
      : CudaTactic("cuda.one_hot.kernel.any", kOneHotOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    const DataType index_type = node.inputs[0].dtype;
    if (index_type != DataType::kInt32 && index_type != DataType::kInt64 &&
        index_type != DataType::kFloat32) {
      return absl::UnimplementedError(absl::StrCat(
          "indices are ", DataTypeName(index_type), "; expected int32, int64 or fp32"));
    }
    return OneHotParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<OneHotParams> params = OneHotParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t out_rank = node.inputs[0].rank() + 1;
    if (params->axis < -out_rank || params->axis >= out_rank) {
      return node.Error("axis ", params->axis, " is out of range for output rank ", out_rank);
    }
    if (params->values.size() != 2) {
      return node.Error("values has ", params->values.size(), " entries; expected {off, on}");
    }
    const int64_t axis = params->axis < 0 ? params->axis + out_rank : params->axis;
    return std::unique_ptr<Kernel>(std::make_unique<OneHotKernel>(
        axis, params->depth, ValueBits(params->dtype, params->values[0]),
        ValueBits(params->dtype, params->values[1])));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<OneHotTactic>());

}  // namespace cuda
}  // namespace kiln
