#ifndef KILN_OPS_RANGE_H_
#define KILN_OPS_RANGE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"
#include "ops/dim_refs.h"

namespace kiln {

inline constexpr char kRangeOp[] = "Range";

// ONNX Range: the 1-D sequence start, start + delta, ... up to but not
// including limit: max(ceil((limit - start) / delta), 0) elements, element
// i = start + i * delta. ONNX passes start/limit/delta as scalar inputs;
// here they are attributes (stored as floats, so integers are exact up to
// 2^24) with the output `dtype` (fp32, fp16, int32, int64 or int8; integer
// elements are rounded to nearest). No inputs; delta must not be 0.
// The limit may instead be a dim of an input, read at shape inference
// (limit_refs, ops/dim_refs.h: one (input, dim) pair; the input is read for
// its shape only): Range(0, seq) follows the sequence length of a profile.
struct RangeParams {
  float start = 0.0f;
  float limit = 0.0f;
  float delta = 1.0f;
  DataType dtype = DataType::kFloat32;
  std::vector<DimRef> limit_refs;  // empty, or one pair

  AttrMap ToAttrs()
      const;  // "start", "limit", "delta", "dtype" (a name: "fp32", "int64", ...), "limit_refs"
  static absl::StatusOr<RangeParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddRange(NetworkDefinition& network, absl::string_view name,
                                  const RangeParams& params);

}  // namespace kiln

#endif  // KILN_OPS_RANGE_H_
