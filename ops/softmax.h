#ifndef KILN_OPS_SOFTMAX_H_
#define KILN_OPS_SOFTMAX_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kSoftMaxOp[] = "SoftMax";

// y = exp(x - max) / sum(exp(x - max)) along `axis` (negative counts from
// the end); with `log`, y = x - max - log(sum(exp(x - max))) (LogSoftmax).
// The output has the input's shape and type (fp32 or fp16).
struct SoftMaxParams {
  int64_t axis = -1;
  bool log = false;

  AttrMap ToAttrs() const;  // "axis", "log" (0/1)
  static absl::StatusOr<SoftMaxParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddSoftMax(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const SoftMaxParams& params = {});

}  // namespace kiln

#endif  // KILN_OPS_SOFTMAX_H_
