// cuda Mod: one thread per output element with broadcasting
// (kernels/pointwise.cu). Floats use fmodf, which is exact, so fp32 and fp16
// (fmod in fp32, rounded once) are bit-exact with cpu_ref; integers follow
// cpu_ref's IntMod (x mod 0 and x mod -1 are 0).
#include "ops/mod.h"

#include <string>
#include <vector>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/pointwise.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class ModKernel : public Kernel {
 public:
  explicit ModKernel(bool fmod) : fmod_(fmod) {}
  absl::Status Run(const KernelArgs& args) const override {
    const kernels::BroadcastShape shape = kernels::MakeBroadcastShape(
        args.input_descs[0].dims, args.input_descs[1].dims, args.output_descs[0].dims);
    KILN_CUDA_RETURN_IF_ERROR(kernels::Mod(static_cast<int>(args.input_descs[0].dtype), fmod_,
                                           shape, args.output_descs[0].volume(), args.inputs[0],
                                           args.inputs[1], args.outputs[0],
                                           ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  bool fmod_;
};

// One tactic per float precision and one for the integer types.
class ModTactic : public CudaTactic {
 public:
  ModTactic(std::string suffix, std::vector<DataType> dtypes)
      : CudaTactic("cuda.mod.kernel." + suffix, kModOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true),
        dtypes_(std::move(dtypes)) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    const DataType dtype = node.inputs[0].dtype;
    bool covered = false;
    for (DataType d : dtypes_) covered = covered || d == dtype;
    if (!covered) {
      return absl::UnimplementedError(
          absl::StrCat("input is ", DataTypeName(dtype), "; this tactic is for ",
                       name().substr(name().rfind('.') + 1)));
    }
    return ModParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ModParams params, ModParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<ModKernel>(params.fmod));
  }

 private:
  std::vector<DataType> dtypes_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ModTactic>("fp32", std::vector<DataType>{DataType::kFloat32}));
KILN_REGISTER_TACTIC(std::make_unique<ModTactic>("fp16", std::vector<DataType>{DataType::kFloat16}));
KILN_REGISTER_TACTIC(std::make_unique<ModTactic>(
    "int", std::vector<DataType>{DataType::kInt8, DataType::kInt32, DataType::kInt64}));

}  // namespace cuda
}  // namespace kiln
