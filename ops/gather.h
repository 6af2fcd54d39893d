#ifndef KILN_OPS_GATHER_H_
#define KILN_OPS_GATHER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"

namespace kiln {

inline constexpr char kGatherOp[] = "Gather";

// ONNX Gather. Inputs: data (any dtype, rank >= 1) and indices (int32 or
// int64, any rank, a scalar included). Picks entries of data along "axis"
// (default 0; negative counts from the end):
//   output dims = data.dims[:axis] + indices.dims + data.dims[axis+1:]
//   output[a..., i..., b...] = data[a..., indices[i...], b...]
// A negative index counts from the end of the axis. The indices are data,
// so their range is checked when the kernel runs: an index outside
// [-dim, dim) makes Run fail with OutOfRange naming the index.
struct GatherParams {
  int64_t axis = 0;

  AttrMap ToAttrs() const;  // "axis"
  static absl::StatusOr<GatherParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddGather(NetworkDefinition& network, absl::string_view name,
                                   TensorId data, TensorId indices, int axis = 0);

}  // namespace kiln

#endif  // KILN_OPS_GATHER_H_
