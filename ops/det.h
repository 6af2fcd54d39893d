#ifndef KILN_OPS_DET_H_
#define KILN_OPS_DET_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kDetOp[] = "Det";

// ONNX Det: the determinant of each square matrix of a batch. Input
// (*, M, M), fp32 or fp16; output (*) (a scalar for a single matrix), same
// type. Computed by LU decomposition with partial pivoting in double. No
// attributes.
absl::StatusOr<TensorId> AddDet(NetworkDefinition& network, absl::string_view name,
                                TensorId input);

}  // namespace kiln

#endif  // KILN_OPS_DET_H_
