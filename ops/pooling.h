#ifndef KILN_OPS_POOLING_H_
#define KILN_OPS_POOLING_H_

#include <array>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kPoolingOp[] = "Pooling";

enum class PoolingType { kMax, kAverage };

absl::string_view PoolingTypeName(PoolingType type);  // "max", "average"

// 2-D max or average pooling (ONNX MaxPool / AveragePool) on NCHW tensors:
// fp32 or fp16, and for max also int32 and int8 (ONNX's uint8 max pooling,
// imported as int32). A window's taps are `dilations` apart, so it spans
// K = (kernel - 1) * dilation + 1 input rows. Output (N, C, OH, OW) with, in
// floor mode,
//   OH = (H + pad_top + pad_bottom - K_h) / stride_h + 1
// and in ceil mode the division rounded up, less one when the last window
// would start past the input and its top padding (ONNX and PyTorch rule).
// Every pad must be smaller than K. With dilation a window's taps can all
// miss the input; it then gives max pooling's lowest value (-inf or the
// integer minimum) and average pooling's 0.
struct PoolingParams {
  PoolingType type = PoolingType::kMax;        // "type": "max" | "average"
  std::array<int64_t, 2> kernel = {1, 1};      // "kernel": [kh, kw], required
  std::array<int64_t, 2> strides = {1, 1};     // "strides": [sh, sw]
  std::array<int64_t, 2> dilations = {1, 1};   // "dilations": [dh, dw]
  std::array<int64_t, 4> pads = {0, 0, 0, 0};  // "pads": [top, left, bottom, right]
  // "count_include_pad" (average only): divide by the window clipped to the
  // padded input (padding counts) when true; by the number of input elements
  // in the window when false. Max pooling never sees the padding.
  bool count_include_pad = false;
  bool ceil_mode = false;  // "ceil_mode"

  AttrMap ToAttrs() const;
  static absl::StatusOr<PoolingParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddPooling(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const PoolingParams& params);

}  // namespace kiln

#endif  // KILN_OPS_POOLING_H_
