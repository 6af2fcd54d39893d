// cpu_ref Einsum: an explicit loop over every combination of subscript
// values, outer over the output's subscripts, inner over the summed ones;
// each input reads at sum(index[label] * its stride for label). A repeated
// label within one input adds its strides (the diagonal); a broadcast dim
// of size 1 has stride 0.
#include "absl/container/inlined_vector.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/einsum.h"

namespace kiln {
namespace cpu_ref {
namespace {

class EinsumKernel : public Fp32Kernel {
 public:
  explicit EinsumKernel(EinsumSpec spec) : spec_(std::move(spec)) {
    std::vector<bool> in_output(spec_.num_labels, false);
    for (int label : spec_.output_labels) in_output[label] = true;
    for (int label = 0; label < spec_.num_labels; ++label) {
      if (!in_output[label]) summed_labels_.push_back(label);
    }
  }

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const size_t num_inputs = spec_.input_labels.size();
    SmallDims sizes(spec_.num_labels, 1);
    absl::InlinedVector<SmallDims, kEinsumMaxInputs> strides(num_inputs,
                                                             SmallDims(spec_.num_labels, 0));
    for (size_t i = 0; i < num_inputs; ++i) {
      const Dims& dims = args.input_descs[i].dims;
      int64_t stride = 1;
      for (size_t d = dims.size(); d-- > 0;) {
        const int label = spec_.input_labels[i][d];
        if (dims[d] != 1) {
          sizes[label] = dims[d];
          strides[i][label] += stride;
        }
        stride *= dims[d];
      }
    }
    // A summed subscript of size 0 makes every sum empty.
    bool empty_sum = false;
    for (int label : summed_labels_) empty_sum |= sizes[label] == 0;
    auto* out = static_cast<float*>(args.outputs[0]);
    const int64_t out_volume = args.output_descs[0].volume();
    SmallDims index(spec_.num_labels, 0);
    for (int64_t o = 0; o < out_volume; ++o) {
      for (int label : summed_labels_) index[label] = 0;
      double sum = 0.0;
      bool more = !empty_sum;
      while (more) {
        double product = 1.0;
        for (size_t i = 0; i < num_inputs; ++i) {
          int64_t offset = 0;
          for (int label = 0; label < spec_.num_labels; ++label) {
            offset += index[label] * strides[i][label];
          }
          product *= static_cast<const float*>(args.inputs[i])[offset];
        }
        sum += product;
        more = Advance(summed_labels_, sizes, index);
      }
      out[o] = static_cast<float>(sum);
      Advance(spec_.output_labels, sizes, index);
    }
    return absl::OkStatus();
  }

 private:
  // Row-major increment of index[labels[...]] within sizes; false after the
  // last combination (and for no labels: a single combination).
  static bool Advance(const std::vector<int>& labels, const SmallDims& sizes, SmallDims& index) {
    for (size_t k = labels.size(); k-- > 0;) {
      if (++index[labels[k]] < sizes[labels[k]]) return true;
      index[labels[k]] = 0;
    }
    return false;
  }

  EinsumSpec spec_;
  std::vector<int> summed_labels_;
};

class EinsumTactic : public Fp32Tactic {
 public:
  EinsumTactic()
      : Fp32Tactic("cpu_ref.einsum.direct", kEinsumOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    return RequireFloatTensors(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(EinsumParams params, EinsumParams::FromAttrs(node.attrs));
    std::vector<int64_t> ranks;
    for (const TensorDesc& t : node.inputs) ranks.push_back(t.rank());
    KILN_ASSIGN_OR_RETURN(EinsumSpec spec, ParseEinsum(params.equation, ranks));
    return std::unique_ptr<Kernel>(std::make_unique<EinsumKernel>(std::move(spec)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<EinsumTactic>());

}  // namespace cpu_ref
}  // namespace kiln
