#ifndef KILN_OPS_SPACE_TO_DEPTH_H_
#define KILN_OPS_SPACE_TO_DEPTH_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kSpaceToDepthOp[] = "SpaceToDepth";

// ONNX SpaceToDepth on NCHW, any dtype (a bit-exact permutation), the inverse
// of DepthToSpace in DCR mode: with b = blocksize, (N, C, H, W) becomes
// (N, C*b*b, H/b, W/b), and input (c, y*b + i, x*b + j) goes to output
// channel (i*b + j) * C + c at (y, x). H and W must be multiples of b.
struct SpaceToDepthParams {
  int64_t blocksize = 1;  // "blocksize", required, >= 1

  AttrMap ToAttrs() const;
  static absl::StatusOr<SpaceToDepthParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddSpaceToDepth(NetworkDefinition& network, absl::string_view name,
                                         TensorId input, const SpaceToDepthParams& params);

}  // namespace kiln

#endif  // KILN_OPS_SPACE_TO_DEPTH_H_
