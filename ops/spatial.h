#ifndef KILN_OPS_SPATIAL_H_
#define KILN_OPS_SPATIAL_H_

// Attribute readers shared by the 2-D windowed ops (Convolution,
// Deconvolution, Pooling), so that each attribute is validated, and a bad
// value explained, the same way whichever op carries it.

#include <array>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"

namespace kiln {

// Reads the [h, w] int list attribute `name` ("strides", "dilations",
// "kernel", "output_padding") into `pair`: exactly 2 values, each
// >= min_value. An absent attribute leaves `pair` (its default) as it is.
absl::Status ReadPair(const AttrMap& attrs, absl::string_view name, int64_t min_value,
                      std::array<int64_t, 2>& pair);

// Reads "pads" ([top, left, bottom, right], each >= 0) into `pads`; an
// absent attribute leaves `pads` as it is.
absl::Status ReadPads(const AttrMap& attrs, std::array<int64_t, 4>& pads);

// Reads "group" (default 1, must be >= 1).
absl::StatusOr<int64_t> ReadGroup(const AttrMap& attrs);

}  // namespace kiln

#endif  // KILN_OPS_SPATIAL_H_
