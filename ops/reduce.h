#ifndef KILN_OPS_REDUCE_H_
#define KILN_OPS_REDUCE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kReduceOp[] = "Reduce";

// Reduces x over `axes` (ONNX Reduce* semantics; fp32 or fp16):
//   kSum Σx   kMean Σx/n   kMax   kMin   kProd Πx   kSumSquare Σx²   kL1 Σ|x|
//   kL2 sqrt(Σx²)   kLogSum log(Σx)   kLogSumExp log(Σeˣ) (computed stably)
// An empty reduction gives the identity (0 for sums, 1 for prod, -inf for
// max, +inf for min; mean is NaN).
enum class ReduceOp {
  kSum,
  kMean,
  kMax,
  kMin,
  kProd,
  kSumSquare,
  kL1,
  kL2,
  kLogSum,
  kLogSumExp,
};

absl::string_view ReduceOpName(ReduceOp op);  // "sum", "sum_square", "log_sum_exp", ...

struct ReduceParams {
  ReduceOp op = ReduceOp::kSum;
  // Dims to reduce; negative counts from the end; empty = all dims (batch
  // included); a dim named twice is an error.
  std::vector<int64_t> axes;
  // Reduced dims stay as size 1 (true) or are removed (false).
  bool keep_dims = true;

  AttrMap ToAttrs() const;  // "op", "axes", "keep_dims" (0/1)
  static absl::StatusOr<ReduceParams> FromAttrs(const AttrMap& attrs);
};

// Which of the `rank` dims `axes` reduces, or an error naming the bad axis.
absl::StatusOr<std::vector<bool>> ReducedDims(const std::vector<int64_t>& axes, int64_t rank);

absl::StatusOr<TensorId> AddReduce(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const ReduceParams& params);

}  // namespace kiln

#endif  // KILN_OPS_REDUCE_H_
