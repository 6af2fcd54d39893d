#ifndef KILN_OPS_DECONVOLUTION_ND_H_
#define KILN_OPS_DECONVOLUTION_ND_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kDeconvolutionNdOp[] = "DeconvolutionNd";

// N-D transposed convolution with ONNX ConvTranspose semantics, for the
// spatial ranks (3 and up) the 2-D Deconvolution op does not cover. Inputs
// [x (N, C, D1..Dk), w (C, M / group, K1..Kk), optional bias (M)], fp32 or
// fp16; output (N, M, O1..Ok) of x's type with, per spatial axis i,
//   O_i = stride_i * (D_i - 1) + output_padding_i + (K_i - 1) * dilation_i + 1
//         - pad_begin_i - pad_end_i.
// Each input element scatters x * w into the output positions
// in * stride - pad_begin + tap * dilation; positions outside are dropped.
struct DeconvolutionNdParams {
  std::vector<int64_t> strides;         // "strides": k values >= 1 (default 1)
  std::vector<int64_t> dilations;       // "dilations": k values >= 1 (default 1)
  std::vector<int64_t> pads;            // "pads": [begin_1..begin_k, end_1..end_k] >= 0
  std::vector<int64_t> output_padding;  // "output_padding": k values >= 0
  int64_t group = 1;                    // "group"

  AttrMap ToAttrs() const;
  // Lists may be empty (defaults); FromAttrs checks their sizes against
  // the spatial rank `k` once it is known, in shape inference.
  static absl::StatusOr<DeconvolutionNdParams> FromAttrs(const AttrMap& attrs);
  // Fills empty lists with defaults for `k` spatial dims, or says which list
  // has the wrong length.
  absl::Status Resolve(size_t k);
};

absl::StatusOr<TensorId> AddDeconvolutionNd(NetworkDefinition& network, absl::string_view name,
                                            TensorId x, TensorId w, TensorId bias,
                                            const DeconvolutionNdParams& params);

}  // namespace kiln

#endif  // KILN_OPS_DECONVOLUTION_ND_H_
