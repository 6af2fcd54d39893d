// cuda Einsum: kiln's own kernel (kernels/linalg.cu), one thread per output
// element summing the products of the inputs over the summed subscripts in
// double, in cpu_ref's order, so it matches the reference for every
// equation (diagonals, broadcasting, "...", up to kEinsumMaxOperands
// inputs). It does not use tensor cores: equations that are large GEMMs run
// at the speed of a plain loop.
#include "ops/einsum.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/sequence.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class EinsumKernel : public Kernel {
 public:
  EinsumKernel(EinsumSpec spec, bool fp16) : spec_(std::move(spec)), fp16_(fp16) {
    labels_.num_inputs = static_cast<int>(spec_.input_labels.size());
    std::vector<bool> in_output(spec_.num_labels, false);
    for (int label : spec_.output_labels) {
      in_output[label] = true;
      labels_.output_labels[labels_.num_output_labels++] = label;
    }
    for (int label = 0; label < spec_.num_labels; ++label) {
      if (!in_output[label]) labels_.summed_labels[labels_.num_summed_labels++] = label;
    }
  }

  absl::Status Run(const KernelArgs& args) const override {
    kernels::EinsumShape shape = labels_;
    for (int label = 0; label < spec_.num_labels; ++label) shape.sizes[label] = 1;
    // As cpu_ref: a dim of size 1 broadcasts (stride 0), a repeated label
    // adds its strides.
    for (int i = 0; i < shape.num_inputs; ++i) {
      const Dims& dims = args.input_descs[i].dims;
      int64_t stride = 1;
      for (size_t d = dims.size(); d-- > 0;) {
        const int label = spec_.input_labels[i][d];
        if (dims[d] != 1) {
          shape.sizes[label] = dims[d];
          shape.strides[i][label] += stride;
        }
        stride *= dims[d];
      }
      shape.inputs[i] = args.inputs[i];
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::Einsum(fp16_, shape, args.output_descs[0].volume(),
                                              args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  EinsumSpec spec_;
  bool fp16_;
  kernels::EinsumShape labels_;  // the labels; Run adds the sizes, strides and inputs
};

class EinsumTactic : public CudaTactic {
 public:
  explicit EinsumTactic(DataType dtype)
      : CudaTactic(
            dtype == DataType::kFloat16 ? "cuda.einsum.direct.fp16" : "cuda.einsum.direct.fp32",
            kEinsumOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    for (const TensorDesc& t : node.inputs) {
      if (t.dtype != dtype_) {
        return absl::UnimplementedError(absl::StrCat("input '", t.name, "' is ",
                                                     DataTypeName(t.dtype), "; this tactic is ",
                                                     DataTypeName(dtype_), " only"));
      }
    }
    if (node.inputs.size() > static_cast<size_t>(kernels::kEinsumMaxOperands)) {
      return absl::UnimplementedError(absl::StrCat(node.inputs.size(), " inputs; at most ",
                                                   kernels::kEinsumMaxOperands, " supported"));
    }
    KILN_ASSIGN_OR_RETURN(EinsumSpec spec, SpecOf(node));
    if (spec.num_labels > kernels::kEinsumMaxLabels) {
      return absl::UnimplementedError(absl::StrCat("the equation has ", spec.num_labels,
                                                   " subscripts (\"...\" dims included); at most ",
                                                   kernels::kEinsumMaxLabels, " are supported"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(EinsumSpec spec, SpecOf(node));
    return std::unique_ptr<Kernel>(
        std::make_unique<EinsumKernel>(std::move(spec), dtype_ == DataType::kFloat16));
  }

 private:
  static absl::StatusOr<EinsumSpec> SpecOf(const NodeContext& node) {
    KILN_ASSIGN_OR_RETURN(EinsumParams params, EinsumParams::FromAttrs(node.attrs));
    std::vector<int64_t> ranks;
    for (const TensorDesc& t : node.inputs) ranks.push_back(t.rank());
    return ParseEinsum(params.equation, ranks);
  }

  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<EinsumTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<EinsumTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
