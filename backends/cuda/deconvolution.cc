// cuda Deconvolution: cuDNN's backward-data convolution (the transposed
// convolution is the gradient of Convolution with respect to its input), one
// tactic per backward-data algorithm and variant (NCHW or NHWC, fp32 or fp16;
// the builder times them all): cuda.deconvolution.cudnn.<algo>.<nchw|nhwc>.<fp32|fp16>.
// kiln's x (N, C, H, W) is cuDNN's dy, kiln's y (N, K, OH, OW) its dx, and the
// weights (C, K/group, R, S) are exactly cuDNN's filter (conv out channels C,
// conv in channels per group K/group). output_padding only enlarges dx; the
// tactic checks that cuDNN's forward shape of dx gives x back. In NHWC the
// weights are stored (C, R, S, K/group): cuDNN's KRSC filter. fp32 is strict
// by default (CUDNN_FMA_MATH), TF32 when the build allows it, kept in the
// tactic state; fp16 runs on tensor cores with fp32 accumulation. Whether
// cuDNN runs an algorithm for a variant and shape is its workspace query's
// answer, asked in Supports.
#include "ops/deconvolution.h"

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

// The forward convolution of y (cuDNN's dx) must give x (its dy).
absl::Status CheckDeconvShapes(const NodeContext& node, const CudnnConvDescriptors& descs,
                               int batch, cudnnTensorDescriptor_t, cudnnTensorDescriptor_t yd) {
  const Dims& x = node.inputs[0].dims;
  const Dims& y = node.outputs[0].dims;
  int n = 0, c = 0, h = 0, wd = 0;
  KILN_CUDNN_RETURN_IF_ERROR(
      cudnnGetConvolution2dForwardOutputDim(descs.conv(), yd, descs.filter(), &n, &c, &h, &wd));
  if (n != batch || c != x[1] || h != x[2] || wd != x[3]) {
    return absl::UnimplementedError(absl::StrCat(
        "cuDNN's convolution of the output ", batch, "x", y[1], "x", y[2], "x", y[3],
        " gives ", n, "x", c, "x", h, "x", wd, ", not the input ", batch, "x", x[1], "x",
        x[2], "x", x[3], " (output_padding >= stride is not expressible)"));
  }
  return absl::OkStatus();
}

class CudnnDeconvKernel : public CudnnConvKernelBase {
 public:
  CudnnDeconvKernel(std::unique_ptr<CudnnConvDescriptors> descs, const CudnnConvVariant& variant,
                    cudnnConvolutionBwdDataAlgo_t algo)
      : CudnnConvKernelBase(std::move(descs), variant, CudnnConvEpilogue{}), algo_(algo) {}

 protected:
  absl::Status Compute(cudnnHandle_t handle, const CudnnConvDescriptors& descs, size_t b,
                       const KernelArgs& args) const override {
    const float one = 1.0f, zero = 0.0f;
    KILN_CUDNN_RETURN_IF_ERROR(cudnnConvolutionBackwardData(
        handle, &one, descs.filter(), args.inputs[1], descs.x(b), args.inputs[0], descs.conv(),
        algo_, args.workspace, args.workspace_size, &zero, descs.y(b), args.outputs[0]));
    return absl::OkStatus();
  }

 private:
  cudnnConvolutionBwdDataAlgo_t algo_;
};

class CudnnDeconvTactic : public CudnnConvTacticBase {
 public:
  CudnnDeconvTactic(cudnnConvolutionBwdDataAlgo_t algo, absl::string_view algo_name,
                    const CudnnConvVariant& variant)
      : CudnnConvTacticBase(
            absl::StrCat("cuda.deconvolution.cudnn.", algo_name, ".", VariantSuffix(variant)),
            kDeconvolutionOp, variant, "deconvolution",
            "cudnnGetConvolutionBackwardDataWorkspaceSize", CheckDeconvShapes),
        algo_(algo) {}

 protected:
  absl::StatusOr<CudnnConvGeometry> Geometry(const NodeContext& node) const override {
    KILN_ASSIGN_OR_RETURN(DeconvolutionParams p, DeconvolutionParams::FromAttrs(node.attrs));
    return CudnnConvGeometryOf(p);
  }

  cudnnStatus_t QueryWorkspace(cudnnHandle_t handle, const CudnnConvDescriptors& descs, size_t i,
                               size_t* bytes) const override {
    return cudnnGetConvolutionBackwardDataWorkspaceSize(handle, descs.filter(), descs.x(i),
                                                        descs.conv(), descs.y(i), algo_, bytes);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> MakeKernel(
      const NodeContext&, std::unique_ptr<CudnnConvDescriptors> descs) const override {
    return std::unique_ptr<Kernel>(
        std::make_unique<CudnnDeconvKernel>(std::move(descs), variant(), algo_));
  }

 private:
  cudnnConvolutionBwdDataAlgo_t algo_;
};

bool RegisterDeconvTactics() {
  struct Algo {
    cudnnConvolutionBwdDataAlgo_t algo;
    const char* name;
  };
  for (const Algo& a : {Algo{CUDNN_CONVOLUTION_BWD_DATA_ALGO_0, "algo_0"},
                        Algo{CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, "algo_1"},
                        Algo{CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT, "fft"},
                        Algo{CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING, "fft_tiling"},
                        Algo{CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD, "winograd"},
                        Algo{CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED,
                             "winograd_nonfused"}}) {
    for (const CudnnConvVariant& v : CudnnConvVariants()) {
      internal::RegisterTacticOrDie(std::make_unique<CudnnDeconvTactic>(a.algo, a.name, v));
    }
  }
  return true;
}

const bool kDeconvTacticsRegistered = RegisterDeconvTactics();

}  // namespace
}  // namespace cuda
}  // namespace kiln
