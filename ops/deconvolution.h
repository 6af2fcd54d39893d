#ifndef KILN_OPS_DECONVOLUTION_H_
#define KILN_OPS_DECONVOLUTION_H_

#include <array>
#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kDeconvolutionOp[] = "Deconvolution";

// 2-D transposed convolution (ONNX ConvTranspose) on NCHW tensors: the
// gradient of Convolution with respect to its input. Each input pixel
// scatters its kernel-weighted values into the output.
// Inputs: x (N, C, H, W), weight (C, K/group, R, S), optional bias (K).
// Output (N, K, OH, OW) with
//   OH = stride_h * (H - 1) + output_padding_h + dilation_h * (R - 1) + 1
//        - pad_top - pad_bottom
// and likewise for OW.
struct DeconvolutionParams {
  std::array<int64_t, 2> strides = {1, 1};     // "strides": [sh, sw]
  std::array<int64_t, 4> pads = {0, 0, 0, 0};  // "pads": [top, left, bottom, right]
  std::array<int64_t, 2> dilations = {1, 1};   // "dilations": [dh, dw]
  int64_t group = 1;                           // "group"
  // "output_padding": [oh, ow], extra rows/columns at the bottom/right, which
  // pick one of the input sizes a strided Convolution maps to the same
  // output size. Each must be < its stride or < its dilation.
  std::array<int64_t, 2> output_padding = {0, 0};

  AttrMap ToAttrs() const;
  // Checks ranges (strides and dilations >= 1, pads and output_padding >= 0,
  // group >= 1, output_padding < max(stride, dilation)).
  static absl::StatusOr<DeconvolutionParams> FromAttrs(const AttrMap& attrs);
};

// Adds weight (and bias, when given) as constants "<name>.weight" and
// "<name>.bias" and a Deconvolution layer reading them.
absl::StatusOr<TensorId> AddDeconvolution(NetworkDefinition& network, absl::string_view name,
                                          TensorId input, const DeconvolutionParams& params,
                                          Weights weight, std::optional<Weights> bias);

}  // namespace kiln

#endif  // KILN_OPS_DECONVOLUTION_H_
