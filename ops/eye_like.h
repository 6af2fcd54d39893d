#ifndef KILN_OPS_EYE_LIKE_H_
#define KILN_OPS_EYE_LIKE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kEyeLikeOp[] = "EyeLike";

// ONNX EyeLike: a 2-D tensor of the input's dims (the input's values are not
// read) holding ones on diagonal k (y[i][i + k] = 1; k > 0 above the main
// diagonal, k < 0 below) and zeros elsewhere.
struct EyeLikeParams {
  // "dtype": the output type as an ONNX TensorProto.DataType code (1 float,
  // 10 float16, 3 int8, 6 int32, 7 int64, 9 bool); 0 or absent = the input's.
  int64_t dtype = 0;
  int64_t k = 0;  // "k"

  AttrMap ToAttrs() const;
  static absl::StatusOr<EyeLikeParams> FromAttrs(const AttrMap& attrs);
};

// The kiln type of an ONNX TensorProto.DataType code, or an error naming it.
absl::StatusOr<DataType> EyeLikeDataType(int64_t onnx_dtype);

absl::StatusOr<TensorId> AddEyeLike(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const EyeLikeParams& params);

}  // namespace kiln

#endif  // KILN_OPS_EYE_LIKE_H_
