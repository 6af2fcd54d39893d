#ifndef KILN_BACKENDS_CUDA_CUDNN_CONV_COMMON_H_
#define KILN_BACKENDS_CUDA_CUDNN_CONV_COMMON_H_

// The cuDNN setup shared by the Convolution (forward) and Deconvolution
// (backward-data) tactics: descriptors per batch size, precision and memory
// order, the math type, the 2-D / symmetric-padding checks, the workspace
// query over batch sizes and the tactic state. Each op keeps its cuDNN calls
// and its shape check.

#include <cuda_fp16.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/cuda/common.h"
#include "backends/cuda/status.h"
#include "backends/tactic.h"
#include "ops/convolution.h"

namespace kiln {
namespace cuda {

// The attributes cuDNN's convolution descriptor takes.
struct CudnnConvGeometry {
  std::array<int64_t, 4> pads;  // top, left, bottom, right
  std::array<int64_t, 2> strides;
  std::array<int64_t, 2> dilations;
  int64_t group;
};
template <typename Params>
CudnnConvGeometry CudnnConvGeometryOf(const Params& p) {
  return CudnnConvGeometry{p.pads, p.strides, p.dilations, p.group};
}

// The precision and memory order one tactic runs in. Every float tensor of
// the node is in `dtype`; the 4-D ones (x, weights, y) are in `format`
// (kLinear = NCHW; kNHWC, weights KRSC), the bias [K] is linear.
struct CudnnConvVariant {
  DataType dtype = DataType::kFloat32;  // kFloat32 or kFloat16
  TensorFormat format = TensorFormat::kLinear;
};

// The four variants every algorithm is registered in.
std::vector<CudnnConvVariant> CudnnConvVariants();

// "nchw.fp32", "nhwc.fp16", ...: the end of a tactic name.
std::string VariantSuffix(const CudnnConvVariant& v);

// fp16: tensor cores (fp16 products, fp32 accumulation: the conv
// descriptor's compute type is CUDNN_DATA_FLOAT). fp32: strict
// (CUDNN_FMA_MATH: no TF32 tensor cores) unless TF32 is allowed.
cudnnMathType_t MathType(const CudnnConvVariant& v, bool allow_tf32);

// OK when every tensor of `node` is in `variant`'s dtype, its rank-4 ones in
// its format (others linear); otherwise an Unimplemented status saying which.
absl::Status RequireConvVariant(const NodeContext& node, const CudnnConvVariant& variant);

// The geometry and epilogue of a 2-D convolution for kiln's own NHWC kernels
// (depthwise, small-channel): fills the fields that kernels::DepthwiseShape
// and kernels::SmallChannelConvShape share (batch at the max batch; a kernel
// sets it per run), or says why `node` is not a 2-D convolution.
template <typename Shape>
absl::StatusOr<Shape> DirectConvShape(const NodeContext& node, const ConvolutionParams& p) {
  if (node.inputs.size() < 2 || node.inputs[0].rank() != 4 || node.inputs[1].rank() != 4 ||
      node.outputs[0].rank() != 4) {
    return absl::UnimplementedError("only 2-D convolutions (4-D x, weights and y) are supported");
  }
  const Dims& x = node.inputs[0].dims;
  const Dims& w = node.inputs[1].dims;
  const Dims& y = node.outputs[0].dims;
  Shape s;
  s.batch = x[0];
  s.height = x[2];
  s.width = x[3];
  s.channels = x[1];
  s.out_h = y[2];
  s.out_w = y[3];
  s.kernel_h = w[2];
  s.kernel_w = w[3];
  s.stride_h = p.strides[0];
  s.stride_w = p.strides[1];
  s.pad_top = p.pads[0];
  s.pad_left = p.pads[1];
  s.dilation_h = p.dilations[0];
  s.dilation_w = p.dilations[1];
  if (p.activation.has_value()) {
    s.activation = static_cast<int>(p.activation->type);
    s.alpha = p.activation->alpha;
    s.beta = p.activation->beta;
  }
  return s;
}

// The Kernel of kiln's own NHWC convolution kernels: x is input 0, the filter
// input 1, the bias (optional) input 2 and the residual (optional) input 3,
// y output 0. `fp32` and `fp16` are the kernel's launcher for each element
// type; the shape's batch is set per run.
template <typename Shape>
class DirectConvKernel : public Kernel {
 public:
  template <typename T>
  using Launcher = cudaError_t (*)(const Shape&, const T*, const T*, const T*, const T*, T*,
                                   cudaStream_t);
  DirectConvKernel(const Shape& shape, DataType dtype, Launcher<float> fp32, Launcher<__half> fp16)
      : shape_(shape), dtype_(dtype), fp32_(fp32), fp16_(fp16) {}

  absl::Status Run(const KernelArgs& args) const override {
    Shape s = shape_;
    s.batch = args.input_descs[0].dims[0];
    const void* bias = args.inputs.size() > 2 ? args.inputs[2] : nullptr;
    const void* residual = args.inputs.size() > 3 ? args.inputs[3] : nullptr;
    if (dtype_ == DataType::kFloat16) {
      KILN_CUDA_RETURN_IF_ERROR(Launch(fp16_, s, args, bias, residual));
    } else {
      KILN_CUDA_RETURN_IF_ERROR(Launch(fp32_, s, args, bias, residual));
    }
    return absl::OkStatus();
  }

 private:
  template <typename T>
  static cudaError_t Launch(Launcher<T> launch, const Shape& s, const KernelArgs& args,
                            const void* bias, const void* residual) {
    return launch(s, static_cast<const T*>(args.inputs[0]), static_cast<const T*>(args.inputs[1]),
                  static_cast<const T*>(bias), static_cast<const T*>(residual),
                  static_cast<T*>(args.outputs[0]), ResourcesOf(args).stream());
  }

  Shape shape_;  // batch set per run
  DataType dtype_;
  Launcher<float> fp32_;
  Launcher<__half> fp16_;
};

// cuDNN descriptors of one convolution. x/y descriptors are per batch size
// (index batch - 1 in kernels) so Run only picks one: it creates nothing.
class CudnnConvDescriptors;

// Checks that cuDNN's shapes of one batch's x/y descriptors agree with
// kiln's shape inference.
using CudnnConvShapeCheck = absl::Status (*)(const NodeContext& node,
                                             const CudnnConvDescriptors& descs, int batch,
                                             cudnnTensorDescriptor_t xd,
                                             cudnnTensorDescriptor_t yd);

class CudnnConvDescriptors {
 public:
  CudnnConvDescriptors() = default;
  CudnnConvDescriptors(const CudnnConvDescriptors&) = delete;
  CudnnConvDescriptors& operator=(const CudnnConvDescriptors&) = delete;
  ~CudnnConvDescriptors();

  // Descriptors for `batches` (each 1..max_batch) of `node`, each batch's
  // checked by `check`.
  absl::Status Init(const NodeContext& node, const CudnnConvGeometry& p,
                    const CudnnConvVariant& variant, bool allow_tf32,
                    const std::vector<int>& batches, CudnnConvShapeCheck check);

  cudnnTensorDescriptor_t x(size_t i) const { return x_[i]; }
  cudnnTensorDescriptor_t y(size_t i) const { return y_[i]; }
  cudnnTensorDescriptor_t bias() const { return bias_; }
  cudnnFilterDescriptor_t filter() const { return filter_; }
  cudnnConvolutionDescriptor_t conv() const { return conv_; }

 private:
  std::vector<cudnnTensorDescriptor_t> x_, y_;
  cudnnTensorDescriptor_t bias_ = nullptr;
  cudnnFilterDescriptor_t filter_ = nullptr;
  cudnnConvolutionDescriptor_t conv_ = nullptr;
};

// What follows the convolution in one layer: bias (input 2), residual
// (input 3) and activation, each optional; applied by kiln's epilogue kernel
// (kernels::ConvEpilogue) in one pass over y unless the cuDNN call itself
// applied them.
struct CudnnConvEpilogue {
  int activation = -1;  // kiln::ActivationType as an int; -1 = none
  float alpha = 0.0f;
  float beta = 0.0f;
};

// Runs one batch from the descriptors made for every batch size 1..max, then
// the epilogue (bias, residual, activation) when the layer has one.
class CudnnConvKernelBase : public Kernel {
 public:
  CudnnConvKernelBase(std::unique_ptr<CudnnConvDescriptors> descs, const CudnnConvVariant& variant,
                      const CudnnConvEpilogue& epilogue)
      : descs_(std::move(descs)), variant_(variant), epilogue_(epilogue) {}

  absl::Status Run(const KernelArgs& args) const final;

 protected:
  // y = the op's cuDNN call on batch index b (batch size b + 1); the epilogue
  // too when ComputesEpilogue().
  virtual absl::Status Compute(cudnnHandle_t handle, const CudnnConvDescriptors& descs, size_t b,
                               const KernelArgs& args) const = 0;
  // True when Compute applies bias, residual and activation itself.
  virtual bool ComputesEpilogue() const { return false; }
  // Applies the layer's epilogue (bias, residual, activation; each when
  // present) to y in place with kiln's epilogue kernel. Run calls it after
  // Compute unless ComputesEpilogue(); a Compute that computes the epilogue
  // may call it itself when it falls back to a plain convolution.
  absl::Status ApplyEpilogue(const KernelArgs& args) const;

  const CudnnConvEpilogue& epilogue() const { return epilogue_; }

 private:
  std::unique_ptr<CudnnConvDescriptors> descs_;
  CudnnConvVariant variant_;
  CudnnConvEpilogue epilogue_;
};

// A tactic per cuDNN algorithm and variant of a 2-D convolution-like op (the
// builder times them all and keeps the fastest). fp32: strict by default
// (CUDNN_FMA_MATH), TF32 when the build allows it, remembered in the state;
// fp16: tensor cores with fp32 accumulation.
class CudnnConvTacticBase : public CudaTactic {
 public:
  // `what`: "convolution" or "deconvolution", for messages; `query_name`:
  // cuDNN's workspace query that QueryWorkspace calls.
  CudnnConvTacticBase(std::string name, std::string op, const CudnnConvVariant& variant,
                      absl::string_view what, absl::string_view query_name,
                      CudnnConvShapeCheck check)
      : CudaTactic(std::move(name), std::move(op),
                   /*accepts_nhwc=*/variant.format == TensorFormat::kNHWC),
        variant_(variant),
        what_(what),
        query_name_(query_name),
        check_(check) {}

  absl::Status Supports(const NodeContext& node) const final;
  size_t WorkspaceSize(const NodeContext& node) const final;
  absl::StatusOr<std::vector<uint8_t>> PrepareState(const NodeContext& node) const final;
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(
      const NodeContext& node, absl::Span<const uint8_t> state_bytes) const final;

 protected:
  // The op's attributes (its FromAttrs).
  virtual absl::StatusOr<CudnnConvGeometry> Geometry(const NodeContext& node) const = 0;
  // Cases this algorithm runs but must refuse (Supports calls it after the
  // variant check): those where it misses the conformance bound.
  virtual absl::Status AlgorithmSupports(const NodeContext& node) const {
    return absl::OkStatus();
  }
  // cuDNN's workspace for this algorithm at batch index i of `descs`.
  virtual cudnnStatus_t QueryWorkspace(cudnnHandle_t handle, const CudnnConvDescriptors& descs,
                                       size_t i, size_t* bytes) const = 0;
  virtual absl::StatusOr<std::unique_ptr<Kernel>> MakeKernel(
      const NodeContext& node, std::unique_ptr<CudnnConvDescriptors> descs) const = 0;

  const CudnnConvVariant& variant() const { return variant_; }

 private:
  // cuDNN's workspace for this algorithm, the larger of batch 1 and the max
  // batch; Unimplemented when the algorithm cannot run the op.
  absl::StatusOr<size_t> WorkspaceBytes(const NodeContext& node, bool allow_tf32) const;

  CudnnConvVariant variant_;
  std::string what_;
  std::string query_name_;
  CudnnConvShapeCheck check_;
};

}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_CUDNN_CONV_COMMON_H_
