#ifndef KILN_OPS_RESIZE_H_
#define KILN_OPS_RESIZE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kResizeOp[] = "Resize";

// ONNX Resize (opset 13-19 semantics, ONNX's reference implementation
// op_resize.py followed exactly) on a tensor of any rank >= 1. What ONNX
// passes as the constant inputs roi, scales and sizes are attributes here, so
// output dims are known at build. Each resized axis maps output index y to a
// source coordinate x (coordinate_transformation_mode), takes the taps of the
// interpolation kernel (mode) around x, clamps them to the edge (or drops
// outside ones with exclude_outside) and weighs them; N-D is the tensor
// product of the per-axis weights.
//
// Output dims: with "scales", floor(in * scale) per axis; with "sizes", the
// sizes (keep_aspect_ratio_policy "stretch"), or round(in * s) with s the
// min ("not_larger") or max ("not_smaller") of size/in over the axes.
// Axes not named in "axes" (when given) keep their size. Because dim 0 is the
// batch and varies at run time, give the batch axis scale 1 or leave it out of
// "axes"; a size for it would tie the network to one batch size.
struct ResizeParams {
  std::vector<float> scales;    // "scales": one per axis (of "axes", or of the input)
  std::vector<int64_t> sizes;   // "sizes": same; exactly one of scales/sizes is non-empty
  std::vector<int64_t> axes;    // "axes": empty = every axis; negative counts from the end
  std::string mode = "nearest";  // "mode": nearest | linear | cubic
  // "coordinate_transformation_mode": half_pixel | half_pixel_symmetric |
  // pytorch_half_pixel | align_corners | asymmetric | tf_crop_and_resize |
  // tf_half_pixel_for_nn (opset 11 only).
  std::string coordinate_transformation_mode = "half_pixel";
  // "nearest_mode": round_prefer_floor | round_prefer_ceil | floor | ceil.
  std::string nearest_mode = "round_prefer_floor";
  float cubic_coeff_a = -0.75f;  // "cubic_coeff_a"
  bool exclude_outside = false;  // "exclude_outside"
  bool antialias = false;        // "antialias": linear/cubic downsampling with a widened kernel
  // "keep_aspect_ratio_policy": stretch | not_larger | not_smaller (sizes only).
  std::string keep_aspect_ratio_policy = "stretch";
  // "roi" (tf_crop_and_resize only): [start_0.., end_0..] normalized, one
  // pair per axis (of "axes", or of the input).
  std::vector<float> roi;
  float extrapolation_value = 0.0f;  // "extrapolation_value" (tf_crop_and_resize)

  AttrMap ToAttrs() const;
  static absl::StatusOr<ResizeParams> FromAttrs(const AttrMap& attrs);
};

// Per input axis, what Resize does: the output size, the scale the
// coordinate transform divides by, the roi, and whether the axis is resized
// at all (ONNX skips axes whose scale is 1, size unchanged and roi [0, 1]).
struct ResizeAxis {
  int64_t in_size = 1;
  int64_t out_size = 1;
  double scale = 1.0;
  double roi_start = 0.0, roi_end = 1.0;
  bool resized = false;
};

// The pure computation of the above from `params` (validated by FromAttrs)
// and the input dims; an error for bad axes or list lengths or an empty output.
absl::StatusOr<std::vector<ResizeAxis>> PlanResize(const ResizeParams& params,
                                                   const Dims& in_dims);

absl::StatusOr<TensorId> AddResize(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const ResizeParams& params);

}  // namespace kiln

#endif  // KILN_OPS_RESIZE_H_
