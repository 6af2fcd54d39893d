#ifndef KILN_OPS_MAX_UNPOOL_H_
#define KILN_OPS_MAX_UNPOOL_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kMaxUnpoolOp[] = "MaxUnpool";

// ONNX MaxUnpool, any dtype (bit-exact scatter). Inputs [X (N, C, D1..Dk),
// I (int64, X's dims: MaxPool's Indices output)]. The "inferred" output is
// (N, C, E1..Ek) with Ei = (Di - 1) * stride_i - pad_begin_i - pad_end_i +
// kernel_i, all zeros except out.flat[I[e]] = X[e], the indices counting
// over the whole inferred tensor (as MaxPool writes them). With
// output_shape, the output has those spatial dims (each >= Ei) and the
// inferred tensor sits at its start, as ONNX's reference places it. Indices
// outside the inferred tensor are skipped.
struct MaxUnpoolParams {
  std::vector<int64_t> kernel_shape;  // "kernel_shape": required, one per spatial dim
  std::vector<int64_t> strides;       // "strides": default all 1
  std::vector<int64_t> pads;          // "pads": [begin_1..begin_k, end_1..end_k], default 0
  // "output_shape": ONNX passes it as an input; here an attribute of the
  // full rank. Its spatial dims are used; dim 0 (the batch) always follows X,
  // dim 1 must be X's channel count.
  std::vector<int64_t> output_shape;

  AttrMap ToAttrs() const;
  static absl::StatusOr<MaxUnpoolParams> FromAttrs(const AttrMap& attrs);
};

// Pure: the inferred spatial dims E1..Ek for X's dims, or an error.
absl::StatusOr<std::vector<int64_t>> MaxUnpoolInferredSpatial(const MaxUnpoolParams& params,
                                                              const Dims& x_dims);

absl::StatusOr<TensorId> AddMaxUnpool(NetworkDefinition& network, absl::string_view name,
                                      TensorId input, TensorId indices,
                                      const MaxUnpoolParams& params);

}  // namespace kiln

#endif  // KILN_OPS_MAX_UNPOOL_H_
