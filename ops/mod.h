#ifndef KILN_OPS_MOD_H_
#define KILN_OPS_MOD_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kModOp[] = "Mod";

// ONNX Mod: the remainder of a / b elementwise, numpy broadcasting, a and b
// of the same type (fp32, fp16, int32, int64 or int8), which the output has.
// fmod = 0 (integers only, as ONNX requires): the result takes the sign of
// the divisor, like Python's % (-7 mod 3 = 2). fmod = 1: the sign of the
// dividend, like C's fmod / % (-7 fmod 3 = -1). An integer x mod 0 is 0
// rather than a crash; a float x fmod 0 is NaN.
struct ModParams {
  bool fmod = false;

  AttrMap ToAttrs() const;  // "fmod"
  static absl::StatusOr<ModParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddMod(NetworkDefinition& network, absl::string_view name, TensorId a,
                                TensorId b, const ModParams& params);

}  // namespace kiln

#endif  // KILN_OPS_MOD_H_
