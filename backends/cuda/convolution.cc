// cuda Convolution: cuDNN's legacy forward API, one tactic per forward
// algorithm and variant (NCHW or NHWC, fp32 or fp16; the builder times them
// all and keeps the fastest): cuda.convolution.cudnn.<algo>.<nchw|nhwc>.<fp32|fp16>.
// fp32 is strict by default (CUDNN_FMA_MATH: no TF32 tensor cores), TF32 when
// the build allows it, remembered in the tactic state; fp16 runs on tensor
// cores with fp32 accumulation. Whether cuDNN runs an algorithm for a
// variant and shape is its workspace query's answer, asked in Supports.
//
// A layer's epilogue (bias, fused residual, fused activation: see
// ops/convolution.h) runs as kiln's one-pass epilogue kernel after the cuDNN
// call, for every activation type. The cuda.convolution.cudnn_fused.* tactics
// instead make one cudnnConvolutionBiasActivationForward call (y = relu(conv
// + z + bias) or the same without relu), where cuDNN supports the case, and
// fall back to the unfused call and the epilogue kernel for a batch size the
// fused call refuses at run time.
#include "ops/convolution.h"

#include <memory>
#include <vector>

#include "backends/cuda/common.h"
#include "backends/cuda/cudnn_conv_common.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// cuDNN must agree with kiln's shape inference.
absl::Status CheckConvShapes(const NodeContext& node, const CudnnConvDescriptors& descs,
                             int batch, cudnnTensorDescriptor_t xd, cudnnTensorDescriptor_t) {
  const Dims& y = node.outputs[0].dims;
  int n = 0, c = 0, h = 0, wd = 0;
  KILN_CUDNN_RETURN_IF_ERROR(
      cudnnGetConvolution2dForwardOutputDim(descs.conv(), xd, descs.filter(), &n, &c, &h, &wd));
  if (n != batch || c != y[1] || h != y[2] || wd != y[3]) {
    return absl::UnimplementedError(absl::StrCat(
        "cuDNN computes output ", n, "x", c, "x", h, "x", wd, ", kiln ", batch, "x", y[1],
        "x", y[2], "x", y[3]));
  }
  return absl::OkStatus();
}

CudnnConvEpilogue EpilogueOf(const ConvolutionParams& p) {
  CudnnConvEpilogue e;
  if (p.activation.has_value()) {
    e.activation = static_cast<int>(p.activation->type);
    e.alpha = p.activation->alpha;
    e.beta = p.activation->beta;
  }
  return e;
}

class CudnnConvKernel : public CudnnConvKernelBase {
 public:
  CudnnConvKernel(std::unique_ptr<CudnnConvDescriptors> descs, const CudnnConvVariant& variant,
                  const CudnnConvEpilogue& epilogue, cudnnConvolutionFwdAlgo_t algo)
      : CudnnConvKernelBase(std::move(descs), variant, epilogue), algo_(algo) {}

 protected:
  absl::Status Compute(cudnnHandle_t handle, const CudnnConvDescriptors& descs, size_t b,
                       const KernelArgs& args) const override {
    const float one = 1.0f, zero = 0.0f;
    KILN_CUDNN_RETURN_IF_ERROR(cudnnConvolutionForward(
        handle, &one, descs.x(b), args.inputs[0], descs.filter(), args.inputs[1], descs.conv(),
        algo_, args.workspace, args.workspace_size, &zero, descs.y(b), args.outputs[0]));
    return absl::OkStatus();
  }

 private:
  cudnnConvolutionFwdAlgo_t algo_;
};

class CudnnConvTactic : public CudnnConvTacticBase {
 public:
  CudnnConvTactic(cudnnConvolutionFwdAlgo_t algo, absl::string_view algo_name,
                  const CudnnConvVariant& variant)
      : CudnnConvTactic("cuda.convolution.cudnn.", algo, algo_name, variant) {}

 protected:
  // `prefix`: the tactic name before "<algo>.<variant>".
  CudnnConvTactic(absl::string_view prefix, cudnnConvolutionFwdAlgo_t algo,
                  absl::string_view algo_name, const CudnnConvVariant& variant)
      : CudnnConvTacticBase(absl::StrCat(prefix, algo_name, ".", VariantSuffix(variant)),
                            kConvolutionOp, variant, "convolution",
                            "cudnnGetConvolutionForwardWorkspaceSize", CheckConvShapes),
        algo_(algo) {}

  cudnnConvolutionFwdAlgo_t algo() const { return algo_; }

  absl::StatusOr<CudnnConvGeometry> Geometry(const NodeContext& node) const override {
    KILN_ASSIGN_OR_RETURN(ConvolutionParams p, ConvolutionParams::FromAttrs(node.attrs));
    return CudnnConvGeometryOf(p);
  }

  // cuDNN's non-fused Winograd in fp32 misses kiln's fp32 bound (rel-L2
  // 1e-5) on filters larger than 3x3: rel-L2 1.3e-4 on a 5x5 depthwise
  // convolution (conformance DepthwiseShapes, H100, 2026-12-07). fp16 stays
  // within its 5e-3 bound (3.8e-4 on the same cases).
  absl::Status AlgorithmSupports(const NodeContext& node) const override {
    const Dims& w = node.inputs[1].dims;
    if (algo_ == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED &&
        variant().dtype == DataType::kFloat32 && (w[2] > 3 || w[3] > 3)) {
      return absl::UnimplementedError(absl::StrCat(
          "cuDNN's non-fused Winograd on a ", w[2], "x", w[3],
          " fp32 filter misses the fp32 accuracy bound (rel-L2 1e-5); it runs filters up to 3x3"));
    }
    return absl::OkStatus();
  }

  cudnnStatus_t QueryWorkspace(cudnnHandle_t handle, const CudnnConvDescriptors& descs, size_t i,
                               size_t* bytes) const override {
    return cudnnGetConvolutionForwardWorkspaceSize(handle, descs.x(i), descs.filter(),
                                                   descs.conv(), descs.y(i), algo_, bytes);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> MakeKernel(
      const NodeContext& node, std::unique_ptr<CudnnConvDescriptors> descs) const override {
    KILN_ASSIGN_OR_RETURN(ConvolutionParams p, ConvolutionParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(
        std::make_unique<CudnnConvKernel>(std::move(descs), variant(), EpilogueOf(p), algo_));
  }

 private:
  cudnnConvolutionFwdAlgo_t algo_;
};

// y = act(conv(x) + z + bias) in one cuDNN call; act is ReLU or the identity.
// Without a residual z is y with a zero scale (cuDNN then does not read it).
//
// cuDNN's legacy fused call does not promise every batch size the unfused
// algorithm runs, while a kiln plan runs any batch 1..max: on an H100
// (2026-12-07) a plan built and timed at max batch 128 picked
// implicit_precomp_gemm.nhwc.fp16 and, run at batch 8, the fused call returned
// CUDNN_STATUS_BAD_PARAM for a layer with a residual. So when the fused call
// fails, that run falls back to cudnnConvolutionForward with the same
// algorithm, descriptors and workspace, then kiln's epilogue kernel (the same
// y within fp16 rounding). The choice is made on the host at enqueue time, so
// it is compatible with CUDA-graph capture; the tactic's workspace is the
// unfused algorithm's (cudnnGetConvolutionForwardWorkspaceSize), which covers
// the fallback.
class CudnnFusedConvKernel : public CudnnConvKernelBase {
 public:
  CudnnFusedConvKernel(std::unique_ptr<CudnnConvDescriptors> descs,
                       const CudnnConvVariant& variant, const CudnnConvEpilogue& epilogue,
                       cudnnConvolutionFwdAlgo_t algo, cudnnActivationDescriptor_t activation)
      : CudnnConvKernelBase(std::move(descs), variant, epilogue),
        algo_(algo),
        activation_(activation) {}
  ~CudnnFusedConvKernel() override { cudnnDestroyActivationDescriptor(activation_); }

 protected:
  absl::Status Compute(cudnnHandle_t handle, const CudnnConvDescriptors& descs, size_t b,
                       const KernelArgs& args) const override {
    const bool residual = args.inputs.size() > 3 && args.inputs[3] != nullptr;
    const float one = 1.0f, zero = 0.0f;
    const float alpha2 = residual ? 1.0f : 0.0f;
    const void* z = residual ? args.inputs[3] : args.outputs[0];
    const cudnnStatus_t fused = cudnnConvolutionBiasActivationForward(
        handle, &one, descs.x(b), args.inputs[0], descs.filter(), args.inputs[1], descs.conv(),
        algo_, args.workspace, args.workspace_size, &alpha2, descs.y(b), z, descs.bias(),
        args.inputs[2], activation_, descs.y(b), args.outputs[0]);
    if (fused == CUDNN_STATUS_SUCCESS) return absl::OkStatus();
    // Fallback for this run: the unfused convolution, then the epilogue.
    const cudnnStatus_t plain = cudnnConvolutionForward(
        handle, &one, descs.x(b), args.inputs[0], descs.filter(), args.inputs[1], descs.conv(),
        algo_, args.workspace, args.workspace_size, &zero, descs.y(b), args.outputs[0]);
    if (plain != CUDNN_STATUS_SUCCESS) {
      return CudnnStatus(
          plain, absl::StrCat("cudnnConvolutionBiasActivationForward failed at batch ", b + 1,
                              " (", cudnnGetErrorString(fused),
                              ") and so did its fallback cudnnConvolutionForward"));
    }
    return ApplyEpilogue(args);
  }
  bool ComputesEpilogue() const override { return true; }

 private:
  cudnnConvolutionFwdAlgo_t algo_;
  cudnnActivationDescriptor_t activation_;
};

// The unfused tactic's workspace query (the fallback's workspace covers the
// fused call's) with the fused call's limits and kernel.
class CudnnFusedConvTactic : public CudnnConvTactic {
 public:
  CudnnFusedConvTactic(cudnnConvolutionFwdAlgo_t algo, absl::string_view algo_name,
                       const CudnnConvVariant& variant)
      : CudnnConvTactic("cuda.convolution.cudnn_fused.", algo, algo_name, variant) {}

 protected:
  absl::StatusOr<CudnnConvGeometry> Geometry(const NodeContext& node) const override {
    KILN_ASSIGN_OR_RETURN(ConvolutionParams p, ConvolutionParams::FromAttrs(node.attrs));
    // cuDNN's fused call takes a bias and applies ReLU or (with
    // IMPLICIT_PRECOMP_GEMM only) the identity; other layers take the
    // epilogue-kernel tactics.
    if (!node.has_input(2)) {
      return absl::UnimplementedError("cudnnConvolutionBiasActivationForward needs a bias");
    }
    if (p.activation.has_value() && p.activation->type != ActivationType::kRelu) {
      return absl::UnimplementedError(absl::StrCat(
          "cudnnConvolutionBiasActivationForward applies relu or nothing, not ",
          ActivationTypeName(p.activation->type)));
    }
    if (!p.activation.has_value() && algo() != CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM) {
      return absl::UnimplementedError(
          "cudnnConvolutionBiasActivationForward without relu runs only implicit_precomp_gemm");
    }
    return CudnnConvGeometryOf(p);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> MakeKernel(
      const NodeContext& node, std::unique_ptr<CudnnConvDescriptors> descs) const override {
    KILN_ASSIGN_OR_RETURN(ConvolutionParams p, ConvolutionParams::FromAttrs(node.attrs));
    cudnnActivationDescriptor_t activation = nullptr;
    KILN_CUDNN_RETURN_IF_ERROR(cudnnCreateActivationDescriptor(&activation));
    const cudnnStatus_t set = cudnnSetActivationDescriptor(
        activation, p.activation.has_value() ? CUDNN_ACTIVATION_RELU : CUDNN_ACTIVATION_IDENTITY,
        CUDNN_PROPAGATE_NAN, 0.0);
    if (set != CUDNN_STATUS_SUCCESS) {
      cudnnDestroyActivationDescriptor(activation);
      KILN_CUDNN_RETURN_IF_ERROR(set);
    }
    return std::unique_ptr<Kernel>(
        std::make_unique<CudnnFusedConvKernel>(std::move(descs), variant(), EpilogueOf(p),
                                               algo(), activation));
  }
};

// CUDNN_CONVOLUTION_FWD_ALGO_DIRECT and _WINOGRAD are not registered: on an
// H200 with cuDNN 9.19 and FMA math neither supported any conformance or
// ResNet-50 case (2026-11-22 run), and a tactic that never applies only
// costs Supports calls.
bool RegisterConvTactics() {
  struct Algo {
    cudnnConvolutionFwdAlgo_t algo;
    const char* name;
  };
  for (const Algo& a : {Algo{CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, "implicit_gemm"},
                        Algo{CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM,
                             "implicit_precomp_gemm"},
                        Algo{CUDNN_CONVOLUTION_FWD_ALGO_GEMM, "gemm"},
                        Algo{CUDNN_CONVOLUTION_FWD_ALGO_FFT, "fft"},
                        Algo{CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING, "fft_tiling"},
                        Algo{CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED, "winograd_nonfused"}}) {
    for (const CudnnConvVariant& v : CudnnConvVariants()) {
      internal::RegisterTacticOrDie(std::make_unique<CudnnConvTactic>(a.algo, a.name, v));
    }
  }
  // The fused call: the implicit-GEMM algorithms only (cuDNN's fused kernels
  // are implicit GEMMs; the FFT and Winograd paths would run unfused inside).
  for (const Algo& a : {Algo{CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, "implicit_gemm"},
                        Algo{CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM,
                             "implicit_precomp_gemm"}}) {
    for (const CudnnConvVariant& v : CudnnConvVariants()) {
      internal::RegisterTacticOrDie(std::make_unique<CudnnFusedConvTactic>(a.algo, a.name, v));
    }
  }
  return true;
}

const bool kConvTacticsRegistered = RegisterConvTactics();

}  // namespace
}  // namespace cuda
}  // namespace kiln
