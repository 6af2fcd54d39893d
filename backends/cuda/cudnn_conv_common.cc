#include "backends/cuda/cudnn_conv_common.h"

#include <algorithm>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {

namespace {

cudnnDataType_t CudnnDataType(const CudnnConvVariant& v) {
  return v.dtype == DataType::kFloat16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
}

cudnnTensorFormat_t CudnnFormat(const CudnnConvVariant& v) {
  return v.format == TensorFormat::kNHWC ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
}

}  // namespace

std::vector<CudnnConvVariant> CudnnConvVariants() {
  return {{DataType::kFloat32, TensorFormat::kLinear},
          {DataType::kFloat16, TensorFormat::kLinear},
          {DataType::kFloat32, TensorFormat::kNHWC},
          {DataType::kFloat16, TensorFormat::kNHWC}};
}

std::string VariantSuffix(const CudnnConvVariant& v) {
  return absl::StrCat(v.format == TensorFormat::kNHWC ? "nhwc" : "nchw", ".",
                      v.dtype == DataType::kFloat16 ? "fp16" : "fp32");
}

cudnnMathType_t MathType(const CudnnConvVariant& v, bool allow_tf32) {
  if (v.dtype == DataType::kFloat16) return CUDNN_TENSOR_OP_MATH;
  return allow_tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
}

CudnnConvDescriptors::~CudnnConvDescriptors() {
  for (cudnnTensorDescriptor_t d : x_) cudnnDestroyTensorDescriptor(d);
  for (cudnnTensorDescriptor_t d : y_) cudnnDestroyTensorDescriptor(d);
  if (bias_ != nullptr) cudnnDestroyTensorDescriptor(bias_);
  if (filter_ != nullptr) cudnnDestroyFilterDescriptor(filter_);
  if (conv_ != nullptr) cudnnDestroyConvolutionDescriptor(conv_);
}

absl::Status CudnnConvDescriptors::Init(const NodeContext& node, const CudnnConvGeometry& p,
                                        const CudnnConvVariant& variant, bool allow_tf32,
                                        const std::vector<int>& batches,
                                        CudnnConvShapeCheck check) {
  const Dims& x = node.inputs[0].dims;
  const Dims& w = node.inputs[1].dims;
  const Dims& y = node.outputs[0].dims;
  // Dims are logical (NCHW order) whatever the format; the format tells
  // cuDNN the memory order (an NHWC filter is KRSC).
  const cudnnDataType_t dtype = CudnnDataType(variant);
  const cudnnTensorFormat_t format = CudnnFormat(variant);
  KILN_CUDNN_RETURN_IF_ERROR(cudnnCreateFilterDescriptor(&filter_));
  KILN_CUDNN_RETURN_IF_ERROR(cudnnSetFilter4dDescriptor(
      filter_, dtype, format, static_cast<int>(w[0]),
      static_cast<int>(w[1]), static_cast<int>(w[2]), static_cast<int>(w[3])));
  KILN_CUDNN_RETURN_IF_ERROR(cudnnCreateConvolutionDescriptor(&conv_));
  KILN_CUDNN_RETURN_IF_ERROR(cudnnSetConvolution2dDescriptor(
      conv_, static_cast<int>(p.pads[0]), static_cast<int>(p.pads[1]),
      static_cast<int>(p.strides[0]), static_cast<int>(p.strides[1]),
      static_cast<int>(p.dilations[0]), static_cast<int>(p.dilations[1]),
      CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  KILN_CUDNN_RETURN_IF_ERROR(cudnnSetConvolutionGroupCount(conv_, static_cast<int>(p.group)));
  KILN_CUDNN_RETURN_IF_ERROR(
      cudnnSetConvolutionMathType(conv_, MathType(variant, allow_tf32)));
  if (node.has_input(2)) {
    // [1, K, 1, 1] is the same memory in NCHW and NHWC; described in y's
    // format so cudnnAddTensor sees matching descriptors.
    KILN_CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&bias_));
    KILN_CUDNN_RETURN_IF_ERROR(cudnnSetTensor4dDescriptor(
        bias_, format, dtype, 1, static_cast<int>(y[1]), 1, 1));
  }
  for (int batch : batches) {
    cudnnTensorDescriptor_t xd = nullptr, yd = nullptr;
    KILN_CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&xd));
    x_.push_back(xd);
    KILN_CUDNN_RETURN_IF_ERROR(cudnnSetTensor4dDescriptor(
        xd, format, dtype, batch, static_cast<int>(x[1]),
        static_cast<int>(x[2]), static_cast<int>(x[3])));
    KILN_CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&yd));
    y_.push_back(yd);
    KILN_CUDNN_RETURN_IF_ERROR(cudnnSetTensor4dDescriptor(
        yd, format, dtype, batch, static_cast<int>(y[1]),
        static_cast<int>(y[2]), static_cast<int>(y[3])));
    KILN_RETURN_IF_ERROR(check(node, *this, batch, xd, yd));
  }
  return absl::OkStatus();
}

namespace {

// The tactic state: whether the build allowed TF32.
struct CudnnConvState {
  int32_t allow_tf32 = 0;
};

}  // namespace

absl::Status CudnnConvKernelBase::Run(const KernelArgs& args) const {
  // In fp16 the epilogue reads the rounded y, so y is rounded twice (cpu_ref
  // rounds once): within the fp16 bound.
  const size_t b = static_cast<size_t>(args.input_descs[0].dims[0]) - 1;
  CudaResources& resources = ResourcesOf(args);
  KILN_RETURN_IF_ERROR(Compute(resources.cudnn(), *descs_, b, args));
  if (ComputesEpilogue()) return absl::OkStatus();
  return ApplyEpilogue(args);
}

absl::Status CudnnConvKernelBase::ApplyEpilogue(const KernelArgs& args) const {
  const void* bias = args.inputs.size() > 2 ? args.inputs[2] : nullptr;
  const void* residual = args.inputs.size() > 3 ? args.inputs[3] : nullptr;
  if (bias == nullptr && residual == nullptr && epilogue_.activation < 0) {
    return absl::OkStatus();
  }
  CudaResources& resources = ResourcesOf(args);
  const Dims& y = args.output_descs[0].dims;
  const int64_t n = args.output_descs[0].volume();
  const int64_t inner = variant_.format == TensorFormat::kNHWC ? 1 : y[2] * y[3];
  if (variant_.dtype == DataType::kFloat16) {
    KILN_CUDA_RETURN_IF_ERROR(kernels::ConvEpilogue<__half>(
        n, y[1], inner, static_cast<const __half*>(bias), static_cast<const __half*>(residual),
        epilogue_.activation, epilogue_.alpha, epilogue_.beta,
        static_cast<__half*>(args.outputs[0]), resources.stream()));
  } else {
    KILN_CUDA_RETURN_IF_ERROR(kernels::ConvEpilogue<float>(
        n, y[1], inner, static_cast<const float*>(bias), static_cast<const float*>(residual),
        epilogue_.activation, epilogue_.alpha, epilogue_.beta,
        static_cast<float*>(args.outputs[0]), resources.stream()));
  }
  return absl::OkStatus();
}

absl::Status RequireConvVariant(const NodeContext& node, const CudnnConvVariant& variant) {
  auto check = [&](const TensorDesc& t, absl::string_view which) -> absl::Status {
    if (t.dtype != variant.dtype) {
      return absl::UnimplementedError(absl::StrCat(which, " is ", DataTypeName(t.dtype),
                                                   "; this tactic is ", VariantSuffix(variant)));
    }
    const TensorFormat want = t.rank() == 4 ? variant.format : TensorFormat::kLinear;
    if (t.format != want) {
      return absl::UnimplementedError(absl::StrCat(
          which, " (rank ", t.rank(), ") is ", TensorFormatName(t.format),
          "; this tactic is ", VariantSuffix(variant), " and needs ", TensorFormatName(want)));
    }
    return absl::OkStatus();
  };
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.has_input(i)) KILN_RETURN_IF_ERROR(check(node.inputs[i], absl::StrCat("input ", i)));
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    KILN_RETURN_IF_ERROR(check(node.outputs[i], absl::StrCat("output ", i)));
  }
  return absl::OkStatus();
}

absl::Status CudnnConvTacticBase::Supports(const NodeContext& node) const {
  KILN_ASSIGN_OR_RETURN(CudnnConvGeometry p, Geometry(node));
  if (node.inputs.size() < 2 || node.inputs[0].rank() != 4 || node.inputs[1].rank() != 4) {
    return absl::UnimplementedError(
        absl::StrCat("only 2-D ", what_, "s (4-D input and weights)"));
  }
  KILN_RETURN_IF_ERROR(RequireConvVariant(node, variant_));
  KILN_RETURN_IF_ERROR(AlgorithmSupports(node));
  if (p.pads[0] != p.pads[2] || p.pads[1] != p.pads[3]) {
    return absl::UnimplementedError(absl::StrCat(
        "asymmetric padding [", p.pads[0], ", ", p.pads[1], ", ", p.pads[2], ", ", p.pads[3],
        "] (top, left, bottom, right); cuDNN pads symmetrically"));
  }
  return WorkspaceBytes(node, node.target.allow_tf32).status();
}

size_t CudnnConvTacticBase::WorkspaceSize(const NodeContext& node) const {
  // The plan records allow_tf32, so build and load ask for the same math.
  absl::StatusOr<size_t> bytes = WorkspaceBytes(node, node.target.allow_tf32);
  return bytes.ok() ? *bytes : 0;
}

absl::StatusOr<std::vector<uint8_t>> CudnnConvTacticBase::PrepareState(
    const NodeContext& node) const {
  CudnnConvState state;
  state.allow_tf32 = node.target.allow_tf32 ? 1 : 0;
  return PackState(state);
}

absl::StatusOr<std::unique_ptr<Kernel>> CudnnConvTacticBase::CreateKernel(
    const NodeContext& node, absl::Span<const uint8_t> state_bytes) const {
  KILN_ASSIGN_OR_RETURN(CudnnConvState state, UnpackState<CudnnConvState>(state_bytes, name()));
  KILN_ASSIGN_OR_RETURN(CudnnConvGeometry p, Geometry(node));
  std::vector<int> batches;
  for (int b = 1; b <= node.max_batch; ++b) batches.push_back(b);
  auto descs = std::make_unique<CudnnConvDescriptors>();
  KILN_RETURN_IF_ERROR(
      descs->Init(node, p, variant_, state.allow_tf32 != 0, batches, check_));
  return MakeKernel(node, std::move(descs));
}

absl::StatusOr<size_t> CudnnConvTacticBase::WorkspaceBytes(const NodeContext& node,
                                                           bool allow_tf32) const {
  KILN_ASSIGN_OR_RETURN(CudnnConvGeometry p, Geometry(node));
  std::vector<int> batches = {1};
  if (node.max_batch > 1) batches.push_back(node.max_batch);
  std::lock_guard<std::mutex> lock(QueryMutex());
  KILN_ASSIGN_OR_RETURN(cudnnHandle_t handle, QueryCudnnHandle());
  CudnnConvDescriptors descs;
  KILN_RETURN_IF_ERROR(descs.Init(node, p, variant_, allow_tf32, batches, check_));
  size_t most = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    size_t bytes = 0;
    const cudnnStatus_t code = QueryWorkspace(handle, descs, i, &bytes);
    // cuDNN 9 says why in sub-codes of CUDNN_STATUS_NOT_SUPPORTED (3000:
    // _LAYOUT 3004, _DATA_TYPE 3003, _SHAPE 3002...), likelier with NHWC and
    // fp16 descriptors: any of them means this algorithm cannot run the op.
    if (code / 1000 == CUDNN_STATUS_NOT_SUPPORTED / 1000) {
      return absl::UnimplementedError(absl::StrCat(
          "cuDNN does not support this algorithm for the ", what_, " at batch ", batches[i], " (",
          query_name_, ": ", cudnnGetErrorString(code), ")"));
    }
    KILN_RETURN_IF_ERROR(CudnnStatus(code, query_name_));
    most = std::max(most, bytes);
  }
  return most;
}

}  // namespace cuda
}  // namespace kiln
