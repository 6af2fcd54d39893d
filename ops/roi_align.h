#ifndef KILN_OPS_ROI_ALIGN_H_
#define KILN_OPS_ROI_ALIGN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kRoiAlignOp[] = "RoiAlign";

// ONNX RoiAlign: pools each region of interest to a fixed
// [output_height, output_width] grid by bilinear sampling. Inputs: X
// [N, C, H, W] (fp32 or fp16), rois [R, 4] (x1, y1, x2, y2 in input
// coordinates before spatial_scale; same type as X), batch_indices [R]
// (int32 or int64: the image of each roi). Output [R, C, output_height,
// output_width].
//   coordinate_transformation_mode: "half_pixel" (shift roi corners by -0.5
//       pixel) or "output_half_pixel" (no shift; rois at least 1x1, the
//       behaviour before opset 16).
//   mode: "avg" (mean of the samples of a bin) or "max" (as ONNX's reference:
//       the max over samples of the largest of the four weighted corner terms).
//   output_height, output_width: the grid (>= 1).
//   sampling_ratio: samples per bin along each axis; 0 = ceil(roi size / grid).
//   spatial_scale: multiplies the roi coordinates.
struct RoiAlignParams {
  std::string coordinate_transformation_mode = "half_pixel";
  std::string mode = "avg";
  int64_t output_height = 1;
  int64_t output_width = 1;
  int64_t sampling_ratio = 0;
  float spatial_scale = 1.0f;

  // "coordinate_transformation_mode", "mode", "output_height", "output_width",
  // "sampling_ratio", "spatial_scale"
  AttrMap ToAttrs() const;
  static absl::StatusOr<RoiAlignParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddRoiAlign(NetworkDefinition& network, absl::string_view name,
                                     TensorId x, TensorId rois, TensorId batch_indices,
                                     const RoiAlignParams& params);

}  // namespace kiln

#endif  // KILN_OPS_ROI_ALIGN_H_
