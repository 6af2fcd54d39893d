#ifndef KILN_OPS_PADDING_H_
#define KILN_OPS_PADDING_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kPaddingOp[] = "Padding";

// How positions outside the input are filled (ONNX Pad modes).
//   kConstant: `value`.
//   kReflect: mirrored about the edge element, which is not repeated:
//             [a b c] padded by 2 each side -> c b [a b c] b a.
//   kEdge: the edge element repeated: a a [a b c] c c.
enum class PaddingMode { kConstant, kReflect, kEdge };

absl::string_view PaddingModeName(PaddingMode mode);  // "constant", "reflect", "edge"

// Pads (or, with negative pads, crops) every dim of a tensor of any dtype.
// Output dim i = input dim i + pads[i] + pads[rank + i], which must stay
// positive. Dim 0 is the batch and may not be padded or cropped.
struct PaddingParams {
  // "pads": [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}]; empty means
  // no padding. Negative values crop.
  std::vector<int64_t> pads;
  PaddingMode mode = PaddingMode::kConstant;  // "mode"
  // "value" (constant mode): converted to the tensor's dtype, which must hold
  // it exactly when that is an integer type (fp16 rounds to nearest).
  float value = 0.0f;

  AttrMap ToAttrs() const;
  static absl::StatusOr<PaddingParams> FromAttrs(const AttrMap& attrs);
};

// Writes `value` as one element of `dtype` into `out` (DataTypeSize(dtype)
// bytes), or says why it cannot be represented.
absl::Status EncodePaddingValue(float value, DataType dtype, void* out);

absl::StatusOr<TensorId> AddPadding(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const PaddingParams& params);

}  // namespace kiln

#endif  // KILN_OPS_PADDING_H_
