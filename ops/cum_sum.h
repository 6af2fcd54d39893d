#ifndef KILN_OPS_CUM_SUM_H_
#define KILN_OPS_CUM_SUM_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kCumSumOp[] = "CumSum";

// ONNX CumSum: running sums along `axis` (ONNX passes it as an input; here
// an attribute; negative counts from the end). With `exclusive` each output
// leaves out its own element (the first is 0); with `reverse` the sums run
// from the end. fp32, fp16 (summed in fp32), int32, int64 (wrapping).
struct CumSumParams {
  int64_t axis = 0;
  bool exclusive = false;
  bool reverse = false;

  AttrMap ToAttrs() const;  // "axis", "exclusive", "reverse"
  static absl::StatusOr<CumSumParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddCumSum(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const CumSumParams& params);

}  // namespace kiln

#endif  // KILN_OPS_CUM_SUM_H_
