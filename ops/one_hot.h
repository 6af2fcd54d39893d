#ifndef KILN_OPS_ONE_HOT_H_
#define KILN_OPS_ONE_HOT_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kOneHotOp[] = "OneHot";

// ONNX OneHot: inserts a new dim of size `depth` at `axis` of the output
// (rank = indices rank + 1; negative axis counts from the end of the
// output, -1 = last); out[..., j, ...] = values[1] (on) where j == index,
// values[0] (off) elsewhere. ONNX passes depth and values as inputs; here
// they are attributes. Indices are int32, int64 or fp32 (truncated toward
// zero); an index in [-depth, -1] counts from the end, and one outside
// [-depth, depth-1] gives an all-off row. The output type is `dtype`
// (fp32 by default; fp16, int32, int64, int8 or bool).
struct OneHotParams {
  int64_t depth = 1;
  int64_t axis = -1;
  std::vector<float> values = {0.0f, 1.0f};  // {off, on}
  DataType dtype = DataType::kFloat32;

  AttrMap ToAttrs() const;  // "depth", "axis", "values", "dtype" (a name: "fp32", ...)
  static absl::StatusOr<OneHotParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddOneHot(NetworkDefinition& network, absl::string_view name,
                                   TensorId indices, const OneHotParams& params);

}  // namespace kiln

#endif  // KILN_OPS_ONE_HOT_H_
