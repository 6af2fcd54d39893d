#ifndef KILN_OPS_GRID_SAMPLE_H_
#define KILN_OPS_GRID_SAMPLE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kGridSampleOp[] = "GridSample";

// ONNX GridSample (opset 16 and 20, following ONNX's reference and PyTorch's
// grid_sample). Inputs [X (N, C, D1..Dk), grid (N, O1..Ok, k)], k >= 1; the
// output is (N, C, O1..Ok). grid's last dim holds normalized coordinates in
// [-1, 1], innermost dim first (x = width, then y = height, ...). A
// coordinate maps to a pixel position by
//   align_corners: (g + 1) / 2 * (D - 1)   (-1 and 1 at the corner centres)
//   otherwise:     ((g + 1) * D - 1) / 2   (-1 and 1 at the corner edges)
// then is interpolated (nearest rounds half to even), out-of-range pixels
// reading 0 ("zeros"), the edge ("border") or a mirror image ("reflection").
struct GridSampleParams {
  std::string mode = "linear";        // "mode": linear|nearest|cubic (or bilinear|bicubic)
  std::string padding_mode = "zeros";  // "padding_mode": zeros | border | reflection
  bool align_corners = false;         // "align_corners"

  AttrMap ToAttrs() const;
  static absl::StatusOr<GridSampleParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddGridSample(NetworkDefinition& network, absl::string_view name,
                                       TensorId input, TensorId grid,
                                       const GridSampleParams& params);

}  // namespace kiln

#endif  // KILN_OPS_GRID_SAMPLE_H_
