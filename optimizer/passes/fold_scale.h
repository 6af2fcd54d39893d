#ifndef KILN_OPTIMIZER_PASSES_FOLD_SCALE_H_
#define KILN_OPTIMIZER_PASSES_FOLD_SCALE_H_

#include "optimizer/passes/pass.h"

namespace kiln {

// Folds a Scale y = x * scale + shift (how kiln imports an inference
// BatchNormalization, and the C++ API's AddScale) into the Convolution,
// Deconvolution or FullyConnected that writes x, by rescaling its weights:
//   w'[k, ...] = w[k, ...] * scale[k]     b'[k] = b[k] * scale[k] + shift[k]
// for each output channel k (a Deconvolution's weight is (C, K/group, R, S):
// each element is scaled by the output channel it feeds). w' and b' are new
// constant tensors, since another layer may read w and b; a missing bias is
// created (in the weight's dtype), fp16 values are computed in fp32 and
// rounded once. The layer then writes the Scale's output tensor and the
// Scale is removed. Convolution -> BatchNorm -> ReLU thus reaches the fusion
// passes as Convolution -> ReLU.
//
// It applies, and otherwise logs why not, when
//  - x is read by the Scale alone and is not a network output;
//  - the layer's weight and bias (if any) are constants, and it has no fused
//    activation or residual (those would come before the scale);
//  - the Scale's mode is uniform, or channel on the output channels (dim 1
//    of a (de)convolution's output, the last dim of a FullyConnected's);
//  - its scale and shift are constants or omitted, and its power is omitted
//    or constant ones.
class FoldScale : public Pass {
 public:
  absl::string_view name() const override { return "fold-scale"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FOLD_SCALE_H_
