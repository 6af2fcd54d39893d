#include "samples/networks.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/activation.h"
#include "ops/convolution.h"
#include "ops/element_wise.h"
#include "ops/fully_connected.h"
#include "ops/pooling.h"
#include "ops/softmax.h"

namespace kiln {
namespace samples {
namespace {

// Uniform weights with variance 2/fan_in (He), so ReLU nets keep their scale.
Weights HeWeights(Dims dims, int64_t fan_in, std::mt19937& rng) {
  Weights w(DataType::kFloat32, std::move(dims));
  const float bound = std::sqrt(6.0f / static_cast<float>(fan_in));
  std::uniform_real_distribution<float> dist(-bound, bound);
  float* p = w.mutable_as<float>();
  for (int64_t i = 0; i < Volume(w.dims()); ++i) p[i] = dist(rng);
  return w;
}

Weights SmallBias(int64_t n, std::mt19937& rng) {
  Weights w(DataType::kFloat32, {n});
  std::uniform_real_distribution<float> dist(-0.05f, 0.05f);
  for (int64_t i = 0; i < n; ++i) w.mutable_as<float>()[i] = dist(rng);
  return w;
}

class Net {
 public:
  explicit Net(uint32_t seed) : rng_(seed) {}
  NetworkDefinition& def() { return net_; }

  absl::StatusOr<TensorId> Conv(const std::string& name, TensorId x, int64_t out, int64_t k,
                                int64_t stride, int64_t pad, bool relu) {
    const int64_t in = net_.desc(x).dims[1];
    ConvolutionParams p;
    p.strides = {stride, stride};
    p.pads = {pad, pad, pad, pad};
    KILN_ASSIGN_OR_RETURN(TensorId y, AddConvolution(net_, name, x, p,
                                                     HeWeights({out, in, k, k}, in * k * k, rng_),
                                                     SmallBias(out, rng_)));
    if (!relu) return y;
    return AddActivation(net_, name + "_relu", y, {ActivationType::kRelu});
  }

  absl::StatusOr<TensorId> Fc(const std::string& name, TensorId x, int64_t out, bool relu) {
    const int64_t in = Volume(net_.desc(x).dims) / net_.desc(x).dims[0];
    KILN_ASSIGN_OR_RETURN(TensorId y, AddFullyConnected(net_, name, x, out,
                                                        HeWeights({out, in}, in, rng_),
                                                        SmallBias(out, rng_)));
    if (!relu) return y;
    return AddActivation(net_, name + "_relu", y, {ActivationType::kRelu});
  }

  absl::StatusOr<TensorId> Pool(const std::string& name, TensorId x, PoolingType type, int64_t k,
                                int64_t stride, int64_t pad) {
    PoolingParams p;
    p.type = type;
    p.kernel = {k, k};
    p.strides = {stride, stride};
    p.pads = {pad, pad, pad, pad};
    return AddPooling(net_, name, x, p);
  }

 private:
  NetworkDefinition net_;
  std::mt19937 rng_;
};

absl::StatusOr<TensorId> Bottleneck(Net& net, const std::string& name, TensorId x, int64_t width,
                                    int64_t stride, bool project) {
  const int64_t out = width * 4;
  KILN_ASSIGN_OR_RETURN(TensorId a, net.Conv(name + "_a", x, width, 1, 1, 0, true));
  KILN_ASSIGN_OR_RETURN(TensorId b, net.Conv(name + "_b", a, width, 3, stride, 1, true));
  KILN_ASSIGN_OR_RETURN(TensorId c, net.Conv(name + "_c", b, out, 1, 1, 0, false));
  TensorId shortcut = x;
  if (project) {
    KILN_ASSIGN_OR_RETURN(shortcut, net.Conv(name + "_proj", x, out, 1, stride, 0, false));
  }
  KILN_ASSIGN_OR_RETURN(TensorId sum,
                        AddElementWise(net.def(), name + "_add", c, shortcut, ElementWiseOp::kSum));
  return AddActivation(net.def(), name + "_relu", sum, {ActivationType::kRelu});
}

}  // namespace

absl::StatusOr<NetworkDefinition> LeNet5(uint32_t seed) {
  Net net(seed);
  KILN_ASSIGN_OR_RETURN(TensorId x, net.def().AddInput("data", DataType::kFloat32, {1, 1, 32, 32}));
  KILN_ASSIGN_OR_RETURN(TensorId c1, net.Conv("conv1", x, 6, 5, 1, 0, true));
  KILN_ASSIGN_OR_RETURN(TensorId p1, net.Pool("pool1", c1, PoolingType::kMax, 2, 2, 0));
  KILN_ASSIGN_OR_RETURN(TensorId c2, net.Conv("conv2", p1, 16, 5, 1, 0, true));
  KILN_ASSIGN_OR_RETURN(TensorId p2, net.Pool("pool2", c2, PoolingType::kMax, 2, 2, 0));
  KILN_ASSIGN_OR_RETURN(TensorId f1, net.Fc("fc1", p2, 120, true));
  KILN_ASSIGN_OR_RETURN(TensorId f2, net.Fc("fc2", f1, 84, true));
  KILN_ASSIGN_OR_RETURN(TensorId f3, net.Fc("fc3", f2, 10, false));
  KILN_ASSIGN_OR_RETURN(TensorId prob, AddSoftMax(net.def(), "prob", f3, {}));
  KILN_RETURN_IF_ERROR(net.def().MarkOutput(prob));
  return std::move(net.def());
}

absl::StatusOr<NetworkDefinition> ResNet50(uint32_t seed) {
  Net net(seed);
  KILN_ASSIGN_OR_RETURN(TensorId x,
                        net.def().AddInput("data", DataType::kFloat32, {1, 3, 224, 224}));
  KILN_ASSIGN_OR_RETURN(TensorId c1, net.Conv("conv1", x, 64, 7, 2, 3, true));
  KILN_ASSIGN_OR_RETURN(TensorId y, net.Pool("pool1", c1, PoolingType::kMax, 3, 2, 1));
  const int64_t widths[] = {64, 128, 256, 512};
  const int blocks[] = {3, 4, 6, 3};
  for (int stage = 0; stage < 4; ++stage) {
    for (int b = 0; b < blocks[stage]; ++b) {
      const int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
      KILN_ASSIGN_OR_RETURN(
          y, Bottleneck(net, absl::StrCat("res", stage + 2, std::string(1, static_cast<char>('a' + b))), y,
                        widths[stage], stride, b == 0));
    }
  }
  KILN_ASSIGN_OR_RETURN(TensorId gap, net.Pool("pool5", y, PoolingType::kAverage, 7, 1, 0));
  KILN_ASSIGN_OR_RETURN(TensorId fc, net.Fc("fc1000", gap, 1000, false));
  KILN_ASSIGN_OR_RETURN(TensorId prob, AddSoftMax(net.def(), "prob", fc, {}));
  KILN_RETURN_IF_ERROR(net.def().MarkOutput(prob));
  return std::move(net.def());
}

}  // namespace samples
}  // namespace kiln
