#ifndef KILN_OPS_HARDMAX_H_
#define KILN_OPS_HARDMAX_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kHardmaxOp[] = "Hardmax";

// ONNX Hardmax (opset 13): along `axis` (negative counts from the end), 1
// at the first largest element and 0 elsewhere. fp32 or fp16; the output
// has the input's dims and type.
struct HardmaxParams {
  int64_t axis = -1;

  AttrMap ToAttrs() const;  // "axis"
  static absl::StatusOr<HardmaxParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddHardmax(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const HardmaxParams& params);

}  // namespace kiln

#endif  // KILN_OPS_HARDMAX_H_
