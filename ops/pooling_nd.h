#ifndef KILN_OPS_POOLING_ND_H_
#define KILN_OPS_POOLING_ND_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

// N-D pooling with ONNX's MaxPool / AveragePool semantics, for what the 2-D
// Pooling op does not cover: 3-D (and higher) windows, and max pooling's
// Indices output.
//
// "PoolingNd": input (N, C, D1..Dk), fp32 or fp16, k >= 1 spatial dims;
// one output (N, C, O1..Ok) of the input's type.
// "MaxPoolWithIndices": max pooling of an fp32 input with two outputs: the
// values, and int64 indices of where each maximum came from, flattened over
// the whole input (N, C, D1..Dk) incl. the batch and channel offsets;
// storage_order 1 flattens the spatial dims column-major (D1 fastest), as
// ONNX defines it. The first maximum in window order wins ties.
//
// Per spatial axis i, with K_i = (kernel_i - 1) * dilation_i + 1:
//   O_i = (D_i + pad_begin_i + pad_end_i - K_i) / stride_i + 1
// (floor; in ceil mode rounded up, less one when the last window would start
// past the input and its leading padding). Every pad must be smaller than
// K_i. A window whose taps all miss the input gives max pooling's -inf (and
// index -1) and average pooling's 0.
struct PoolingNdParams {
  bool average = false;               // "type": "max" | "average" (PoolingNd only)
  std::vector<int64_t> kernel;        // "kernel": k values >= 1, required
  std::vector<int64_t> strides;       // "strides": k values >= 1 (default 1)
  std::vector<int64_t> dilations;     // "dilations": k values >= 1 (default 1)
  std::vector<int64_t> pads;          // "pads": [begin_1..begin_k, end_1..end_k] (default 0)
  bool count_include_pad = false;     // "count_include_pad": average divides by padded taps
  bool ceil_mode = false;             // "ceil_mode"
  bool column_major_indices = false;  // "storage_order": 1 (MaxPoolWithIndices only)

  AttrMap ToAttrs() const;
  // Fills strides / dilations / pads defaults for kernel.size() axes.
  static absl::StatusOr<PoolingNdParams> FromAttrs(const AttrMap& attrs);
};

inline constexpr char kPoolingNdOp[] = "PoolingNd";
inline constexpr char kMaxPoolWithIndicesOp[] = "MaxPoolWithIndices";

absl::StatusOr<TensorId> AddPoolingNd(NetworkDefinition& network, absl::string_view name,
                                      TensorId input, const PoolingNdParams& params);
// Returns {values, indices}.
absl::StatusOr<std::vector<TensorId>> AddMaxPoolWithIndices(NetworkDefinition& network,
                                                            absl::string_view name, TensorId input,
                                                            const PoolingNdParams& params);

}  // namespace kiln

#endif  // KILN_OPS_POOLING_ND_H_
