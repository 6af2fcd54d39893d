#ifndef KILN_OPS_MEAN_VARIANCE_NORMALIZATION_H_
#define KILN_OPS_MEAN_VARIANCE_NORMALIZATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kMeanVarianceNormalizationOp[] = "MeanVarianceNormalization";

// ONNX MeanVarianceNormalization: over the elements that share every index
// outside `axes`, Y = (X - mean) / (sqrt(variance) + 1e-9), the population
// variance (ONNX's function body: E[X^2] - E[X]^2; computed here as the mean
// squared deviation, the same value with less cancellation). Output: the
// input's dims and dtype. With the default axes the batch axis is reduced
// too, so each item's output depends on the whole batch, as in ONNX.
struct MeanVarianceNormalizationParams {
  std::vector<int64_t> axes = {0, 2, 3};  // "axes": distinct; negative counts from the end

  AttrMap ToAttrs() const;
  static absl::StatusOr<MeanVarianceNormalizationParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddMeanVarianceNormalization(
    NetworkDefinition& network, absl::string_view name, TensorId input,
    const MeanVarianceNormalizationParams& params);

}  // namespace kiln

#endif  // KILN_OPS_MEAN_VARIANCE_NORMALIZATION_H_
