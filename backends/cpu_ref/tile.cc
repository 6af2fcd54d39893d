// cpu_ref Tile: walks the output row by row (a row = its last dim); each
// output row reads one input row, found by taking every output coordinate
// modulo the input dim, and repeats it along the row.
#include <cstdint>
#include <cstring>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/tile.h"

namespace kiln {
namespace cpu_ref {
namespace {

class TileKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& in_dims = args.input_descs[0].dims;
    const Dims& out_dims = args.output_descs[0].dims;
    const size_t elem = DataTypeSize(args.input_descs[0].dtype);
    const int64_t volume = Volume(out_dims);
    if (volume == 0) return absl::OkStatus();
    const auto* in = static_cast<const uint8_t*>(args.inputs[0]);
    auto* out = static_cast<uint8_t*>(args.outputs[0]);
    if (out_dims.empty()) {  // a scalar tiles to itself
      std::memcpy(out, in, elem);
      return absl::OkStatus();
    }
    const int64_t rank = static_cast<int64_t>(out_dims.size());
    const int64_t in_row = in_dims.back();
    const int64_t out_row = out_dims.back();
    const size_t in_row_bytes = in_row * elem;
    for (int64_t row = 0; row < volume / out_row; ++row) {
      // Input row offset: coordinates of `row` over dims 0..rank-2, modulo input dims.
      int64_t rest = row;
      int64_t offset = 0;
      int64_t stride = in_row;
      for (int64_t d = rank - 2; d >= 0; --d) {
        const int64_t coord = rest % out_dims[d];
        rest /= out_dims[d];
        offset += (coord % in_dims[d]) * stride;
        stride *= in_dims[d];
      }
      uint8_t* dst = out + row * out_row * elem;
      for (int64_t x = 0; x < out_row; x += in_row) {
        std::memcpy(dst + x * elem, in + offset * elem, in_row_bytes);
      }
    }
    return absl::OkStatus();
  }
};

class TileTactic : public Tactic {
 public:
  TileTactic()
      : Tactic(TacticInfo{"cpu_ref.tile.direct", kTileOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<TileKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<TileTactic>());

}  // namespace cpu_ref
}  // namespace kiln
