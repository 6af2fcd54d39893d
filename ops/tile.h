#ifndef KILN_OPS_TILE_H_
#define KILN_OPS_TILE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kTileOp[] = "Tile";

// ONNX Tile: repeats the input `repeats[d]` times along each dim d (ONNX
// passes repeats as an input; here an attribute, one non-negative entry per
// input dim): out dims[d] = in dims[d] * repeats[d], out[i] = in[i mod dims].
// Any dtype; a bit-exact copy.
struct TileParams {
  std::vector<int64_t> repeats;

  AttrMap ToAttrs() const;  // "repeats"
  static absl::StatusOr<TileParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddTile(NetworkDefinition& network, absl::string_view name, TensorId input,
                                 const TileParams& params);

}  // namespace kiln

#endif  // KILN_OPS_TILE_H_
