// cpu_ref GatherND: for each index tuple, one memcpy of the contiguous slice
// data[B, t_0..t_{k-1}, ...] (the trailing r - b - k dims) to the output.
#include <cstdint>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/gather_nd.h"

namespace kiln {
namespace cpu_ref {
namespace {

class GatherNDKernel : public Kernel {
 public:
  GatherNDKernel(std::string layer, int64_t batch_dims)
      : layer_(std::move(layer)), batch_dims_(batch_dims) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& data = args.input_descs[0];
    const TensorDesc& indices = args.input_descs[1];
    const int64_t r = data.rank(), q = indices.rank(), b = batch_dims_;
    const int64_t k = indices.dims[q - 1];
    const size_t elem = DataTypeSize(data.dtype);
    int64_t batches = 1;  // product of the b batch dims
    for (int64_t d = 0; d < b; ++d) batches *= data.dims[d];
    int64_t slice = 1;  // elements per gathered slice
    for (int64_t d = b + k; d < r; ++d) slice *= data.dims[d];
    // Element strides of the k indexed dims of data, and of one batch entry.
    SmallDims stride(k);
    int64_t s = slice;
    for (int64_t j = k - 1; j >= 0; --j) {
      stride[j] = s;
      s *= data.dims[b + j];
    }
    const int64_t batch_stride = s;
    const int64_t tuples = batches == 0 ? 0 : indices.volume() / k / batches;  // per batch entry
    const auto* in = static_cast<const uint8_t*>(args.inputs[0]);
    auto* out = static_cast<uint8_t*>(args.outputs[0]);
    for (int64_t batch = 0; batch < batches; ++batch) {
      for (int64_t t = 0; t < tuples; ++t) {
        const int64_t tuple = batch * tuples + t;
        int64_t offset = batch * batch_stride;
        for (int64_t j = 0; j < k; ++j) {
          const int64_t size = data.dims[b + j];
          int64_t index = ReadIndex(args.inputs[1], indices.dtype, tuple * k + j);
          if (index < -size || index >= size) {
            return absl::OutOfRangeError(absl::StrCat(
                "layer '", layer_, "' (", kGatherNDOp, "): index ", index, " in tuple ", tuple,
                " of indices '", indices.name, "' is out of range for dim ", b + j, " of size ",
                size, " (data ", DimsString(data.dims), "); expected ", -size, "..", size - 1));
          }
          if (index < 0) index += size;
          offset += index * stride[j];
        }
        std::memcpy(out + tuple * slice * elem, in + offset * elem, slice * elem);
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string layer_;  // for the out-of-range message
  int64_t batch_dims_;
};

class GatherNDTactic : public Tactic {
 public:
  GatherNDTactic()
      : Tactic(TacticInfo{"cpu_ref.gather_nd.direct", kGatherNDOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<GatherNDParams> params = GatherNDParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(
        std::make_unique<GatherNDKernel>(node.name, params->batch_dims));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<GatherNDTactic>());

}  // namespace cpu_ref
}  // namespace kiln
