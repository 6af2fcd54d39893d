#ifndef KILN_OPS_CONV_INTEGER_H_
#define KILN_OPS_CONV_INTEGER_H_

#include <array>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kConvIntegerOp[] = "ConvInteger";

// Exact 2-D integer convolution (ONNX ConvInteger after its zero points are
// subtracted, which the importer does): inputs [x (N, C, H, W), w (M, C /
// group, KH, KW)], both int32; output int32 (N, M, OH, OW) with
//   OH = (H + pad_top + pad_bottom - ((KH - 1) * dilation_h + 1)) / stride_h + 1.
// Padding reads as 0. Sums wrap around (two's complement) on overflow.
struct ConvIntegerParams {
  std::array<int64_t, 2> strides = {1, 1};     // "strides": [sh, sw]
  std::array<int64_t, 2> dilations = {1, 1};   // "dilations": [dh, dw]
  std::array<int64_t, 4> pads = {0, 0, 0, 0};  // "pads": [top, left, bottom, right]
  int64_t group = 1;                           // "group"

  AttrMap ToAttrs() const;
  static absl::StatusOr<ConvIntegerParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddConvInteger(NetworkDefinition& network, absl::string_view name,
                                        TensorId x, TensorId w, const ConvIntegerParams& params);

}  // namespace kiln

#endif  // KILN_OPS_CONV_INTEGER_H_
