#ifndef KILN_OPS_LP_POOL_H_
#define KILN_OPS_LP_POOL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kLpPoolOp[] = "LpPool";

// ONNX LpPool on (N, C, D1, ..., Dk) tensors, k >= 1 spatial dims:
//   y = (sum over the window of |x|^p)^(1/p),
// padding contributing nothing (ONNX's spec and ONNX Runtime; note that
// ONNX's Python reference since opset 18 instead rescales by kernel size /
// valid count, as PyTorch's avg-pool-based LPPool without padding counts).
// GlobalLpPool is LpPool with kernel_shape = the spatial dims.
//
// Output size per spatial dim, with the effective kernel e = (k-1)*d + 1:
//   explicit pads: (in + pad_begin + pad_end - e) / stride + 1, the division
//     rounded up with ceil_mode (less one when the last window would start
//     past the input and its leading padding, as ONNX and PyTorch do);
//   SAME_UPPER/SAME_LOWER: ceil(in / stride), padded to fit (the odd pad at
//     the end / at the beginning); VALID: ceil((in - e + 1) / stride).
struct LpPoolParams {
  std::vector<int64_t> kernel_shape;  // "kernel_shape": required, one per spatial dim
  std::vector<int64_t> strides;       // "strides": default all 1
  std::vector<int64_t> pads;          // "pads": [begin_1..begin_k, end_1..end_k], default 0
  std::vector<int64_t> dilations;     // "dilations": default all 1
  int64_t p = 2;                      // "p": >= 1
  bool ceil_mode = false;             // "ceil_mode"
  std::string auto_pad = "NOTSET";    // "auto_pad": NOTSET | SAME_UPPER | SAME_LOWER | VALID

  AttrMap ToAttrs() const;
  static absl::StatusOr<LpPoolParams> FromAttrs(const AttrMap& attrs);
};

// The window geometry of one input: every list with one entry per spatial
// dim, the defaults filled in and auto_pad resolved.
struct LpPoolGeometry {
  std::vector<int64_t> out, kernel, strides, dilations, pad_begin;
};

// Pure: the geometry for input dims (N, C, spatial...), or an error naming
// the attribute or dim at fault.
absl::StatusOr<LpPoolGeometry> PlanLpPool(const LpPoolParams& params, const Dims& in_dims);

absl::StatusOr<TensorId> AddLpPool(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const LpPoolParams& params);

}  // namespace kiln

#endif  // KILN_OPS_LP_POOL_H_
