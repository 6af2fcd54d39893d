#ifndef KILN_OPS_GATHER_ND_H_
#define KILN_OPS_GATHER_ND_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kGatherNDOp[] = "GatherND";

// ONNX GatherND, any data dtype (bit-exact copy). Inputs [data (rank r),
// indices (int32 or int64, rank q >= 1)]. With b = batch_dims and
// k = indices' last dim (1 <= k <= r - b), the first b dims of data and
// indices must be equal, and the output is
//   indices.dims[0 : q-1] ++ data.dims[b+k : r],
// each index tuple indices[B, i, :] selecting the slice
// data[B, t_0, .., t_{k-1}, ...] of batch entry B. A negative coordinate
// counts from the end of its dim; one outside [-n, n-1] is an OutOfRange
// error from Run naming it.
struct GatherNDParams {
  int64_t batch_dims = 0;  // "batch_dims": 0 <= b < min(r, q)

  AttrMap ToAttrs() const;
  static absl::StatusOr<GatherNDParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddGatherND(NetworkDefinition& network, absl::string_view name,
                                     TensorId data, TensorId indices, const GatherNDParams& params);

}  // namespace kiln

#endif  // KILN_OPS_GATHER_ND_H_
