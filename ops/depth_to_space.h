#ifndef KILN_OPS_DEPTH_TO_SPACE_H_
#define KILN_OPS_DEPTH_TO_SPACE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kDepthToSpaceOp[] = "DepthToSpace";

// ONNX DepthToSpace on NCHW, any dtype (a bit-exact permutation). With
// b = blocksize, (N, C, H, W) becomes (N, C/(b*b), H*b, W*b); channel
// c_in moves to output channel c, row offset i and column offset j where
//   DCR: c_in = (i*b + j) * C/(b*b) + c   (depth-column-row, the default)
//   CRD: c_in = (c*b + i) * b + j         (column-row-depth, PixelShuffle)
struct DepthToSpaceParams {
  int64_t blocksize = 1;     // "blocksize", required, >= 1
  std::string mode = "DCR";  // "mode": DCR | CRD

  AttrMap ToAttrs() const;
  static absl::StatusOr<DepthToSpaceParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddDepthToSpace(NetworkDefinition& network, absl::string_view name,
                                         TensorId input, const DepthToSpaceParams& params);

}  // namespace kiln

#endif  // KILN_OPS_DEPTH_TO_SPACE_H_
