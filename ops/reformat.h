#ifndef KILN_OPS_REFORMAT_H_
#define KILN_OPS_REFORMAT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"

namespace kiln {

inline constexpr char kReformatOp[] = "Reformat";

// Converts a tensor to another precision and/or memory layout without
// changing its logical dims or values beyond rounding (graph/reformat.h):
// fp32 <-> fp16 (round to nearest even), linear (NCHW) <-> NHWC for rank-4
// tensors, and any dtype between layouts bit for bit. The builder inserts
// these where one layer's chosen format differs from the next one's
// (DESIGN.md, "precision and layout assignment"); users rarely add them.
struct ReformatParams {
  DataType dtype = DataType::kFloat32;
  TensorFormat format = TensorFormat::kLinear;

  AttrMap ToAttrs() const;  // "dtype": a DataTypeName, "format": "linear" or "nhwc"
  // Both attributes are required.
  static absl::StatusOr<ReformatParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddReformat(NetworkDefinition& network, absl::string_view name,
                                     TensorId input, DataType dtype, TensorFormat format);

}  // namespace kiln

#endif  // KILN_OPS_REFORMAT_H_
