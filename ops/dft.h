#ifndef KILN_OPS_DFT_H_
#define KILN_OPS_DFT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kDftOp[] = "DFT";

// ONNX DFT (opset 17): the discrete Fourier transform of a real ([..., 1]) or
// complex ([..., 2], real and imaginary parts) signal along `axis`; output is
// complex [..., 2], fp32 or fp16 like the input.
//   axis:       the transformed dim, 0 <= axis < rank - 1 (negative counts from
//               the end of the input dims, so -2 is the last signal dim).
//   dft_length: the transform length; the signal is zero-padded or truncated
//               to it along `axis`. 0 (ONNX omitting the input) = that dim.
//   inverse:    the inverse transform, scaled by 1 / dft_length.
//   onesided:   keep only the dft_length / 2 + 1 non-redundant frequencies
//               (forward transform only).
struct DftParams {
  int64_t axis = 1;
  int64_t dft_length = 0;
  bool inverse = false;
  bool onesided = false;

  AttrMap ToAttrs() const;  // "axis", "dft_length", "inverse", "onesided"
  static absl::StatusOr<DftParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddDft(NetworkDefinition& network, absl::string_view name,
                                TensorId input, const DftParams& params);

}  // namespace kiln

#endif  // KILN_OPS_DFT_H_
