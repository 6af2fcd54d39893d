#ifndef KILN_OPS_SCALE_H_
#define KILN_OPS_SCALE_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kScaleOp[] = "Scale";

// TensorRT's IScaleLayer: y = (x * scale + shift) ^ power. Inputs [x, shift,
// scale, power]; each of the last three may be omitted (shift 0, scale 1,
// power 1) and need not be constant. How many values each holds (checked by
// element count, whatever its dims):
//   kUniform:     1, applied to every element;
//   kChannel:     x.dims[channel_axis], one per channel (axis 1 = NCHW's C);
//   kElementwise: Volume(x.dims[1:]), one per element of a batch item.
enum class ScaleMode { kUniform, kChannel, kElementwise };

absl::string_view ScaleModeName(ScaleMode mode);  // "uniform", "channel", "elementwise"

struct ScaleParams {
  ScaleMode mode = ScaleMode::kUniform;
  // kChannel only; negative counts from the end; never 0 (the batch).
  int64_t channel_axis = 1;

  AttrMap ToAttrs() const;  // "mode", "channel_axis"
  static absl::StatusOr<ScaleParams> FromAttrs(const AttrMap& attrs);
};

// Adds "<name>.shift", "<name>.scale" and "<name>.power" constants for the
// values given, and the layer.
absl::StatusOr<TensorId> AddScale(NetworkDefinition& network, absl::string_view name,
                                  TensorId input, const ScaleParams& params,
                                  std::optional<Weights> shift, std::optional<Weights> scale,
                                  std::optional<Weights> power);

}  // namespace kiln

#endif  // KILN_OPS_SCALE_H_
