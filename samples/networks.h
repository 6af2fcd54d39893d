#ifndef KILN_SAMPLES_NETWORKS_H_
#define KILN_SAMPLES_NETWORKS_H_

// Classic networks built with the C++ API, with random weights (He-style
// scaling so activations stay in range). For samples, tests and benchmarks.

#include <cstdint>

#include "absl/status/statusor.h"
#include "graph/network_definition.h"

namespace kiln {
namespace samples {

// LeNet-5: input "data" 1x1x32x32 -> conv(6,5x5) relu maxpool -> conv(16,5x5)
// relu maxpool -> fc120 relu -> fc84 relu -> fc10 -> softmax "prob".
absl::StatusOr<NetworkDefinition> LeNet5(uint32_t seed);

// ResNet-50 v1 (bottleneck blocks 3-4-6-3) at 224x224: input "data"
// 1x3x224x224, output "prob" 1x1000. BatchNorm is folded into the
// convolutions' bias, as a trained model's would be after folding.
absl::StatusOr<NetworkDefinition> ResNet50(uint32_t seed);

}  // namespace samples
}  // namespace kiln

#endif  // KILN_SAMPLES_NETWORKS_H_
