// cuda Deconvolution: cuDNN's backward-data convolution (the transposed
// convolution is the gradient of Convolution with respect to its input), one
// tactic per backward-data algorithm (the builder times them all), NCHW fp32.
// kiln's x (N, C, H, W) is cuDNN's dy, kiln's y (N, K, OH, OW) its dx, and the
// weights (C, K/group, R, S) are exactly cuDNN's filter (conv out channels C,
// conv in channels per group K/group). output_padding only enlarges dx; the
// tactic checks that cuDNN's forward shape of dx gives x back. Strict fp32
// by default (CUDNN_FMA_MATH); TF32 when the build allows it, kept in the
// tactic state.
#include "ops/deconvolution.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "backends/cuda/common.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

struct DeconvState {
  int32_t allow_tf32 = 0;
};

// cuDNN descriptors of one deconvolution; x/y per batch size (index
// batch - 1 in kernels) so Run creates nothing.
class DeconvDescriptors {
 public:
  ~DeconvDescriptors() {
    for (cudnnTensorDescriptor_t d : x_) cudnnDestroyTensorDescriptor(d);
    for (cudnnTensorDescriptor_t d : y_) cudnnDestroyTensorDescriptor(d);
    if (bias_ != nullptr) cudnnDestroyTensorDescriptor(bias_);
    if (filter_ != nullptr) cudnnDestroyFilterDescriptor(filter_);
    if (conv_ != nullptr) cudnnDestroyConvolutionDescriptor(conv_);
  }

  absl::Status Init(const NodeContext& node, const DeconvolutionParams& p, bool allow_tf32,
                    const std::vector<int>& batches) {
    const Dims& x = node.inputs[0].dims;
    const Dims& w = node.inputs[1].dims;
    const Dims& y = node.outputs[0].dims;
    KILN_CUDNN_RETURN_IF_ERROR(cudnnCreateFilterDescriptor(&filter_));
    KILN_CUDNN_RETURN_IF_ERROR(cudnnSetFilter4dDescriptor(
        filter_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, static_cast<int>(w[0]),
        static_cast<int>(w[1]), static_cast<int>(w[2]), static_cast<int>(w[3])));
    KILN_CUDNN_RETURN_IF_ERROR(cudnnCreateConvolutionDescriptor(&conv_));
    KILN_CUDNN_RETURN_IF_ERROR(cudnnSetConvolution2dDescriptor(
        conv_, static_cast<int>(p.pads[0]), static_cast<int>(p.pads[1]),
        static_cast<int>(p.strides[0]), static_cast<int>(p.strides[1]),
        static_cast<int>(p.dilations[0]), static_cast<int>(p.dilations[1]),
        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    KILN_CUDNN_RETURN_IF_ERROR(cudnnSetConvolutionGroupCount(conv_, static_cast<int>(p.group)));
    KILN_CUDNN_RETURN_IF_ERROR(
        cudnnSetConvolutionMathType(conv_, allow_tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH));
    if (node.has_input(2)) {
      KILN_CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&bias_));
      KILN_CUDNN_RETURN_IF_ERROR(cudnnSetTensor4dDescriptor(
          bias_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, static_cast<int>(y[1]), 1, 1));
    }
    for (int batch : batches) {
      cudnnTensorDescriptor_t xd = nullptr, yd = nullptr;
      KILN_CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&xd));
      x_.push_back(xd);
      KILN_CUDNN_RETURN_IF_ERROR(cudnnSetTensor4dDescriptor(
          xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, batch, static_cast<int>(x[1]),
          static_cast<int>(x[2]), static_cast<int>(x[3])));
      KILN_CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&yd));
      y_.push_back(yd);
      KILN_CUDNN_RETURN_IF_ERROR(cudnnSetTensor4dDescriptor(
          yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, batch, static_cast<int>(y[1]),
          static_cast<int>(y[2]), static_cast<int>(y[3])));
      // The forward convolution of y (cuDNN's dx) must give x (its dy).
      int n = 0, c = 0, h = 0, wd = 0;
      KILN_CUDNN_RETURN_IF_ERROR(
          cudnnGetConvolution2dForwardOutputDim(conv_, yd, filter_, &n, &c, &h, &wd));
      if (n != batch || c != x[1] || h != x[2] || wd != x[3]) {
        return absl::UnimplementedError(absl::StrCat(
            "cuDNN's convolution of the output ", batch, "x", y[1], "x", y[2], "x", y[3],
            " gives ", n, "x", c, "x", h, "x", wd, ", not the input ", batch, "x", x[1], "x",
            x[2], "x", x[3], " (output_padding >= stride is not expressible)"));
      }
    }
    return absl::OkStatus();
  }

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

class CudnnDeconvKernel : public Kernel {
 public:
  CudnnDeconvKernel(std::unique_ptr<DeconvDescriptors> descs,
                    cudnnConvolutionBwdDataAlgo_t algo)
      : descs_(std::move(descs)), algo_(algo) {}

  absl::Status Run(const KernelArgs& args) const override {
    const size_t b = static_cast<size_t>(args.input_descs[0].dims[0]) - 1;
    cudnnHandle_t handle = ResourcesOf(args).cudnn();
    const float one = 1.0f, zero = 0.0f;
    KILN_CUDNN_RETURN_IF_ERROR(cudnnConvolutionBackwardData(
        handle, &one, descs_->filter(), args.inputs[1], descs_->x(b), args.inputs[0],
        descs_->conv(), algo_, args.workspace, args.workspace_size, &zero, descs_->y(b),
        args.outputs[0]));
    if (args.inputs.size() > 2 && args.inputs[2] != nullptr) {
      KILN_CUDNN_RETURN_IF_ERROR(cudnnAddTensor(handle, &one, descs_->bias(), args.inputs[2],
                                                &one, descs_->y(b), args.outputs[0]));
    }
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<DeconvDescriptors> descs_;
  cudnnConvolutionBwdDataAlgo_t algo_;
};

class CudnnDeconvTactic : public CudaTactic {
 public:
  CudnnDeconvTactic(cudnnConvolutionBwdDataAlgo_t algo, absl::string_view algo_name)
      : CudaTactic(absl::StrCat("cuda.deconvolution.cudnn.", algo_name, ".nchw.fp32"),
                   kDeconvolutionOp),
        algo_(algo) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFp32Linear(node));
    KILN_ASSIGN_OR_RETURN(DeconvolutionParams p, DeconvolutionParams::FromAttrs(node.attrs));
    if (node.inputs.size() < 2 || node.inputs[0].rank() != 4 || node.inputs[1].rank() != 4) {
      return absl::UnimplementedError("only 2-D deconvolutions (4-D NCHW input and weights)");
    }
    if (p.pads[0] != p.pads[2] || p.pads[1] != p.pads[3]) {
      return absl::UnimplementedError(absl::StrCat(
          "asymmetric padding [", p.pads[0], ", ", p.pads[1], ", ", p.pads[2], ", ", p.pads[3],
          "] (top, left, bottom, right); cuDNN pads symmetrically"));
    }
    return WorkspaceBytes(node, node.allow_tf32).status();
  }

  size_t WorkspaceSize(const NodeContext& node) const override {
    // The larger of strict and TF32, so the builder's and the runtime's
    // answers agree (the runtime asks with allow_tf32 = false).
    absl::StatusOr<size_t> strict = WorkspaceBytes(node, false);
    absl::StatusOr<size_t> tf32 = WorkspaceBytes(node, true);
    return std::max(strict.ok() ? *strict : 0, tf32.ok() ? *tf32 : 0);
  }

  absl::StatusOr<std::vector<uint8_t>> PrepareState(const NodeContext& node) const override {
    DeconvState state;
    state.allow_tf32 = node.allow_tf32 ? 1 : 0;
    return PackState(state);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(
      const NodeContext& node, absl::Span<const uint8_t> state_bytes) const override {
    KILN_ASSIGN_OR_RETURN(DeconvState state, UnpackState<DeconvState>(state_bytes, name()));
    KILN_ASSIGN_OR_RETURN(DeconvolutionParams p, DeconvolutionParams::FromAttrs(node.attrs));
    std::vector<int> batches;
    for (int b = 1; b <= node.max_batch; ++b) batches.push_back(b);
    auto descs = std::make_unique<DeconvDescriptors>();
    KILN_RETURN_IF_ERROR(descs->Init(node, p, state.allow_tf32 != 0, batches));
    return std::unique_ptr<Kernel>(std::make_unique<CudnnDeconvKernel>(std::move(descs), algo_));
  }

 private:
  // cuDNN's workspace for this algorithm, the larger of batch 1 and the max
  // batch; Unimplemented when the algorithm cannot run the deconvolution.
  absl::StatusOr<size_t> WorkspaceBytes(const NodeContext& node, bool allow_tf32) const {
    KILN_ASSIGN_OR_RETURN(DeconvolutionParams p, DeconvolutionParams::FromAttrs(node.attrs));
    std::vector<int> batches = {1};
    if (node.max_batch > 1) batches.push_back(node.max_batch);
    std::lock_guard<std::mutex> lock(QueryMutex());
    KILN_ASSIGN_OR_RETURN(cudnnHandle_t handle, QueryCudnnHandle());
    DeconvDescriptors descs;
    KILN_RETURN_IF_ERROR(descs.Init(node, p, allow_tf32, batches));
    size_t most = 0;
    for (size_t i = 0; i < batches.size(); ++i) {
      size_t bytes = 0;
      const cudnnStatus_t code = cudnnGetConvolutionBackwardDataWorkspaceSize(
          handle, descs.filter(), descs.x(i), descs.conv(), descs.y(i), algo_, &bytes);
      if (code == CUDNN_STATUS_NOT_SUPPORTED) {
        return absl::UnimplementedError(absl::StrCat(
            "cuDNN does not support this algorithm for the deconvolution at batch ", batches[i],
            " (cudnnGetConvolutionBackwardDataWorkspaceSize: ", cudnnGetErrorString(code), ")"));
      }
      KILN_RETURN_IF_ERROR(CudnnStatus(code, "cudnnGetConvolutionBackwardDataWorkspaceSize"));
      most = std::max(most, bytes);
    }
    return most;
  }

  cudnnConvolutionBwdDataAlgo_t algo_;
};

}  // namespace

KILN_REGISTER_TACTIC(
    std::make_unique<CudnnDeconvTactic>(CUDNN_CONVOLUTION_BWD_DATA_ALGO_0, "algo_0"));
KILN_REGISTER_TACTIC(
    std::make_unique<CudnnDeconvTactic>(CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, "algo_1"));
KILN_REGISTER_TACTIC(
    std::make_unique<CudnnDeconvTactic>(CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT, "fft"));
KILN_REGISTER_TACTIC(std::make_unique<CudnnDeconvTactic>(
    CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING, "fft_tiling"));
KILN_REGISTER_TACTIC(
    std::make_unique<CudnnDeconvTactic>(CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD, "winograd"));
KILN_REGISTER_TACTIC(std::make_unique<CudnnDeconvTactic>(
    CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED, "winograd_nonfused"));

}  // namespace cuda
}  // namespace kiln
