#ifndef KILN_OPS_LAYER_NORMALIZATION_H_
#define KILN_OPS_LAYER_NORMALIZATION_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kLayerNormalizationOp[] = "LayerNormalization";

// ONNX LayerNormalization (opset 17). Inputs [X, Scale, B, Skip]; B may be
// omitted (zero). Skip, when given (kiln's skip-LayerNorm, made by the
// fuse-skip-layer-norm pass from a residual Add), has X's dtype and dims and
// is added to X first, without rounding the sum: X below stands for X + Skip.
// With D = X.dims[axis:] (the normalized dims) and each row the Volume(D)
// elements of one index of X.dims[:axis]:
//   Mean = mean(row), InvStdDev = 1 / sqrt(mean((row - Mean)^2) + epsilon),
//   Y = (X - Mean) * InvStdDev * Scale + B,
// Scale and B broadcast to D numpy-style (right-aligned, each dim equal or 1).
// Three outputs, always: Y (X's dtype and dims), Mean and InvStdDev (fp32,
// dims X.dims[:axis] followed by ones, as ONNX); importers drop the ones the
// model does not use.
struct LayerNormalizationParams {
  int64_t axis = -1;         // "axis": first normalized dim; negative counts from the end
  float epsilon = 1e-5f;     // "epsilon"
  // "stash_type": ONNX's precision of the statistics; kept for round trips
  // but ignored: they are always accumulated in double and stored as fp32.
  int64_t stash_type = 1;

  AttrMap ToAttrs() const;
  static absl::StatusOr<LayerNormalizationParams> FromAttrs(const AttrMap& attrs);
};

// Adds "<name>.scale" (and "<name>.bias" when given) as constants and the
// layer; returns Y.
absl::StatusOr<TensorId> AddLayerNormalization(NetworkDefinition& network,
                                               absl::string_view name, TensorId input,
                                               const LayerNormalizationParams& params,
                                               Weights scale, std::optional<Weights> bias);

}  // namespace kiln

#endif  // KILN_OPS_LAYER_NORMALIZATION_H_
