#ifndef KILN_OPTIMIZER_PASSES_FUSE_CONV_EPILOGUE_H_
#define KILN_OPTIMIZER_PASSES_FUSE_CONV_EPILOGUE_H_

#include "optimizer/passes/pass.h"

namespace kiln {

// Folds what follows a Convolution into it, so it runs as the convolution's
// epilogue instead of separate passes over memory:
//   Convolution -> ElementWise sum with a same-shape tensor z (a residual)
//               -> Activation (any type)
// either step optional. The Convolution gains input 3 (z) and the
// "activation" attributes, and writes the last absorbed layer's output tensor
// itself (same name, so bindings and outputs are unchanged); the absorbed
// layers are removed and the graph re-sorted (the Convolution now also waits
// for z). A step is absorbed only when the tensor between the two layers is
// float, read by that next layer alone and not a network output. The sum
// must not broadcast, and z must not be the convolution's own output.
class FuseConvEpilogue : public Pass {
 public:
  absl::string_view name() const override { return "fuse-conv-epilogue"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FUSE_CONV_EPILOGUE_H_
