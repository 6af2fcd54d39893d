#ifndef KILN_OPS_MATMUL_INTEGER_H_
#define KILN_OPS_MATMUL_INTEGER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kMatMulIntegerOp[] = "MatMulInteger";

// Exact integer numpy.matmul of int32 inputs [a, b] with an int32 output
// (ONNX MatMulInteger after its zero points are subtracted, which the
// importer does: uint8/int8 values minus a zero point fit int32 and so do
// their products' sums for any K below 2^15). Both inputs have rank >= 2:
// the last two dims are the matrices (M, K) x (K, N), the dims before them
// are batch dims broadcast numpy-style. Sums wrap around (two's complement)
// instead of overflowing. No attributes.
absl::StatusOr<TensorId> AddMatMulInteger(NetworkDefinition& network, absl::string_view name,
                                          TensorId a, TensorId b);

}  // namespace kiln

#endif  // KILN_OPS_MATMUL_INTEGER_H_
