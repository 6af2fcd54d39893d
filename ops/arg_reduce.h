#ifndef KILN_OPS_ARG_REDUCE_H_
#define KILN_OPS_ARG_REDUCE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kArgReduceOp[] = "ArgReduce";

// ONNX ArgMax / ArgMin: the int64 index of the largest (smallest) element
// along `axis` (negative counts from the end). With keepdims the axis stays
// as size 1, else it is removed. Of equal extremes the first wins, or the
// last with select_last_index. Input fp32, fp16, int32, int64 or int8.
// NaNs are skipped unless every element of the run is NaN (then index 0).
enum class ArgReduceOp { kMax, kMin };

absl::string_view ArgReduceOpName(ArgReduceOp op);  // "max", "min"

struct ArgReduceParams {
  ArgReduceOp op = ArgReduceOp::kMax;
  int64_t axis = 0;
  bool keepdims = true;
  bool select_last_index = false;

  AttrMap ToAttrs() const;  // "op", "axis", "keepdims", "select_last_index"
  static absl::StatusOr<ArgReduceParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddArgReduce(NetworkDefinition& network, absl::string_view name,
                                      TensorId input, const ArgReduceParams& params);

}  // namespace kiln

#endif  // KILN_OPS_ARG_REDUCE_H_
