#ifndef KILN_OPS_SCATTER_ND_H_
#define KILN_OPS_SCATTER_ND_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kScatterNDOp[] = "ScatterND";

// ONNX ScatterND. Inputs [data (rank r), indices (int32 or int64, rank
// q >= 1, last dim k in 1..r), updates (data's dtype, dims
// indices.dims[0 : q-1] ++ data.dims[k : r])]. out = data, then for each
// index tuple t = indices[i, :] in row-major order the slice out[t, ...] is
// replaced by updates[i, ...] ("none": any dtype, bit-exact; of duplicate
// tuples the last wins) or combined with it by "add", "mul", "max" or "min"
// (fp32, fp16 computed in fp32, int32, int64, int8; integers wrap). A
// negative coordinate counts from the end of its dim; one outside
// [-n, n-1] is an OutOfRange error from Run naming it.
struct ScatterNDParams {
  std::string reduction = "none";  // "reduction": none | add | mul | max | min

  AttrMap ToAttrs() const;
  static absl::StatusOr<ScatterNDParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddScatterND(NetworkDefinition& network, absl::string_view name,
                                      TensorId data, TensorId indices, TensorId updates,
                                      const ScatterNDParams& params);

}  // namespace kiln

#endif  // KILN_OPS_SCATTER_ND_H_
