// cpu_ref EyeLike: zero the output, then store the dtype's 1 along diagonal k.
#include <cstring>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/eye_like.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Writes the value 1 of `dtype` at `p`.
void StoreOne(DataType dtype, void* p) {
  switch (dtype) {
    case DataType::kFloat32: *static_cast<float*>(p) = 1.0f; break;
    case DataType::kFloat16: *static_cast<uint16_t*>(p) = FloatToHalf(1.0f); break;
    case DataType::kInt8: *static_cast<int8_t*>(p) = 1; break;
    case DataType::kInt32: *static_cast<int32_t*>(p) = 1; break;
    case DataType::kInt64: *static_cast<int64_t*>(p) = 1; break;
    case DataType::kBool: *static_cast<uint8_t*>(p) = 1; break;
  }
}

class EyeLikeKernel : public Kernel {
 public:
  explicit EyeLikeKernel(int64_t k) : k_(k) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& out = args.output_descs[0];
    const int64_t rows = out.dims[0], cols = out.dims[1];
    const size_t elem = DataTypeSize(out.dtype);
    auto* y = static_cast<uint8_t*>(args.outputs[0]);
    std::memset(y, 0, out.bytes());
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t col = row + k_;
      if (col >= 0 && col < cols) StoreOne(out.dtype, y + (row * cols + col) * elem);
    }
    return absl::OkStatus();
  }

 private:
  int64_t k_;
};

class EyeLikeTactic : public Tactic {
 public:
  EyeLikeTactic()
      : Tactic(TacticInfo{"cpu_ref.eye_like.direct", kEyeLikeOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(EyeLikeParams params, EyeLikeParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<EyeLikeKernel>(params.k));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<EyeLikeTactic>());

}  // namespace cpu_ref
}  // namespace kiln
