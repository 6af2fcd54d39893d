#ifndef KILN_OPS_CAST_H_
#define KILN_OPS_CAST_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"

namespace kiln {

inline constexpr char kCastOp[] = "Cast";

// Converts every element to `to`; dims and format are kept. Any of the six
// DataTypes to any other. Conversion rules:
//   - same type: the bits are copied unchanged (NaN payloads included);
//   - fp32/fp16 -> integer: truncate toward zero (as C does), then saturate
//     to the target's range (C leaves out-of-range undefined; we pick
//     saturation, e.g. 300.0 -> int8 127, -1e10 -> int32 INT32_MIN); NaN -> 0;
//   - integer -> narrower integer (int64 -> int32, int32/int64 -> int8):
//     saturate as well, e.g. int32 300 -> int8 127;
//   - integer -> fp32/fp16: round to nearest even (fp16 overflows to +-inf);
//   - fp32 <-> fp16: kiln::FloatToHalf / HalfToFloat (round to nearest even);
//   - anything -> bool: x != 0 (NaN is true, -0.0 is false);
//   - bool -> number: 0 or 1 (any nonzero byte reads as true).
struct CastParams {
  DataType to = DataType::kFloat32;

  AttrMap ToAttrs() const;  // "to": a DataTypeName ("fp32", "fp16", "int8", ...)
  // "to" is required: a cast without a target type is a mistake, not fp32.
  static absl::StatusOr<CastParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddCast(NetworkDefinition& network, absl::string_view name,
                                 TensorId input, DataType to);

}  // namespace kiln

#endif  // KILN_OPS_CAST_H_
