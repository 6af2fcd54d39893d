#ifndef KILN_OPS_CONVOLUTION_H_
#define KILN_OPS_CONVOLUTION_H_

#include <array>
#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"
#include "ops/activation.h"

namespace kiln {

inline constexpr char kConvolutionOp[] = "Convolution";

// 2-D convolution (ONNX Conv, cross-correlation) on NCHW tensors.
// Inputs: x (N, C, H, W), weight (K, C/group, R, S), optional bias (K),
// optional residual (N, K, OH, OW) (input 3; set by the fuse-conv-epilogue
// pass). Output (N, K, OH, OW):
//   y = activation(conv(x, weight) + bias + residual)
// where bias, residual and activation are each optional, with

//   OH = (H + pad_top + pad_bottom - dilation_h * (R - 1) - 1) / stride_h + 1
// (floor division), and likewise for OW.
struct ConvolutionParams {
  std::array<int64_t, 2> strides = {1, 1};     // "strides": [sh, sw]
  std::array<int64_t, 4> pads = {0, 0, 0, 0};  // "pads": [top, left, bottom, right]
  std::array<int64_t, 2> dilations = {1, 1};   // "dilations": [dh, dw]
  int64_t group = 1;                           // "group"
  // Fused activation, applied last ("activation", "activation_alpha",
  // "activation_beta"); absent = none. Any ActivationType.
  std::optional<ActivationParams> activation;

  AttrMap ToAttrs() const;
  // Checks ranges (strides and dilations >= 1, pads >= 0, group >= 1).
  static absl::StatusOr<ConvolutionParams> FromAttrs(const AttrMap& attrs);
};

// Adds weight (and bias, when given) as constants "<name>.weight" and
// "<name>.bias" and a Convolution layer reading them.
absl::StatusOr<TensorId> AddConvolution(NetworkDefinition& network, absl::string_view name,
                                        TensorId input, const ConvolutionParams& params,
                                        Weights weight, std::optional<Weights> bias);

}  // namespace kiln

#endif  // KILN_OPS_CONVOLUTION_H_
