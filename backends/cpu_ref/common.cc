#include "backends/cpu_ref/common.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {

size_t Fp16StagingBytes(const NodeContext& node) {
  size_t bytes = 0;
  for (const TensorDesc& d : node.inputs) {
    if (d.dtype == DataType::kFloat16) bytes += Align64(d.volume() * sizeof(float));
  }
  for (const TensorDesc& d : node.outputs) {
    if (d.dtype == DataType::kFloat16) bytes += Align64(d.volume() * sizeof(float));
  }
  return bytes;
}

absl::Status Fp32Kernel::Run(const KernelArgs& args) const {
  bool any_fp16 = false;
  for (const TensorDesc& d : args.input_descs) any_fp16 |= d.dtype == DataType::kFloat16;
  for (const TensorDesc& d : args.output_descs) any_fp16 |= d.dtype == DataType::kFloat16;
  if (!any_fp16) return RunFp32(args);

  // The staging comes first in the workspace the builder sized at the
  // profile corners. A shape between corners can need more (an output that
  // grows as a kernel dim shrinks): then it is staged in host memory of its
  // own, which the reference may allocate, and the kernel keeps the whole
  // workspace.
  size_t need = 0;
  for (size_t i = 0; i < args.inputs.size(); ++i) {
    const TensorDesc& d = args.input_descs[i];
    if (d.dtype == DataType::kFloat16 && args.inputs[i] != nullptr) {
      need += Align64(d.volume() * sizeof(float));
    }
  }
  for (const TensorDesc& d : args.output_descs) {
    if (d.dtype == DataType::kFloat16) need += Align64(d.volume() * sizeof(float));
  }
  std::vector<uint8_t> own;
  auto* cursor = static_cast<uint8_t*>(args.workspace);
  size_t left = args.workspace_size;
  void* inner_workspace = nullptr;
  size_t inner_workspace_size = 0;
  if (need > left) {
    own.resize(need + 64);
    inner_workspace = args.workspace;
    inner_workspace_size = args.workspace_size;
    cursor = own.data() + (64 - reinterpret_cast<uintptr_t>(own.data()) % 64) % 64;
    left = need;
  }
  auto take = [&](int64_t count) -> float* {
    const size_t bytes = Align64(count * sizeof(float));
    if (bytes > left) return nullptr;
    float* p = reinterpret_cast<float*>(cursor);
    cursor += bytes;
    left -= bytes;
    return p;
  };

  absl::InlinedVector<const void*, 8> inputs(args.inputs.begin(), args.inputs.end());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorDesc& d = args.input_descs[i];
    if (d.dtype != DataType::kFloat16 || inputs[i] == nullptr) continue;
    float* staged = take(d.volume());
    if (staged == nullptr) return absl::InternalError("cpu_ref: fp16 staging exceeds workspace");
    const auto* src = static_cast<const uint16_t*>(inputs[i]);
    for (int64_t k = 0; k < d.volume(); ++k) staged[k] = HalfToFloat(src[k]);
    inputs[i] = staged;
  }
  absl::InlinedVector<void*, 4> outputs(args.outputs.begin(), args.outputs.end());
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (args.output_descs[i].dtype != DataType::kFloat16) continue;
    float* staged = take(args.output_descs[i].volume());
    if (staged == nullptr) return absl::InternalError("cpu_ref: fp16 staging exceeds workspace");
    outputs[i] = staged;
  }

  KernelArgs inner = args;
  inner.inputs = inputs;
  inner.outputs = outputs;
  inner.workspace = own.empty() ? cursor : inner_workspace;
  inner.workspace_size = own.empty() ? left : inner_workspace_size;
  KILN_RETURN_IF_ERROR(RunFp32(inner));

  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorDesc& d = args.output_descs[i];
    if (d.dtype != DataType::kFloat16) continue;
    const auto* src = static_cast<const float*>(outputs[i]);
    auto* dst = static_cast<uint16_t*>(args.outputs[i]);
    for (int64_t k = 0; k < d.volume(); ++k) dst[k] = FloatToHalf(src[k]);
  }
  return absl::OkStatus();
}

absl::Status RequireFloatTensors(const NodeContext& node) {
  KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.has_input(i) && !IsFloatType(node.inputs[i].dtype)) {
      return absl::UnimplementedError(absl::StrCat("input ", i, " is ",
                                                   DataTypeName(node.inputs[i].dtype),
                                                   "; this tactic takes fp32 or fp16"));
    }
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (!IsFloatType(node.outputs[i].dtype)) {
      return absl::UnimplementedError(absl::StrCat("output ", i, " is ",
                                                   DataTypeName(node.outputs[i].dtype),
                                                   "; this tactic produces fp32 or fp16"));
    }
  }
  return absl::OkStatus();
}

absl::Status RequireLinearFormat(const NodeContext& node) {
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.has_input(i) && node.inputs[i].format != TensorFormat::kLinear) {
      return absl::UnimplementedError(absl::StrCat("input ", i, " is ",
                                                   TensorFormatName(node.inputs[i].format),
                                                   "; this tactic reads linear (row-major) only"));
    }
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].format != TensorFormat::kLinear) {
      return absl::UnimplementedError(absl::StrCat("output ", i, " is ",
                                                   TensorFormatName(node.outputs[i].format),
                                                   "; this tactic writes linear (row-major) only"));
    }
  }
  return absl::OkStatus();
}

namespace {

// Floor division that rounds toward -infinity for negative numerators.
int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

TapRange ValidTapRange(int64_t count, int64_t limit, int64_t stride, int64_t pad,
                       int64_t tap_offset) {
  // position = i * stride + shift; need 0 <= position < limit.
  const int64_t shift = tap_offset - pad;
  int64_t begin = FloorDiv(-shift + stride - 1, stride);       // ceil(-shift / stride)
  int64_t end = FloorDiv(limit - shift + stride - 1, stride);  // ceil((limit - shift) / stride)
  begin = std::clamp<int64_t>(begin, 0, count);
  end = std::clamp<int64_t>(end, begin, count);
  return {begin, end};
}

namespace {

// StridedCopy on elements of type T, walking the output in row-major order
// with an odometer over every dim but the last.
template <typename T>
void StridedCopyOf(const T* in, const SmallDims& out_dims, const SmallDims& in_strides, T* out) {
  const size_t rank = out_dims.size();
  int64_t volume = 1;
  for (int64_t d : out_dims) volume *= d;
  if (volume == 0) return;
  if (rank == 0) {
    out[0] = in[0];
    return;
  }
  const int64_t last = static_cast<int64_t>(rank) - 1;
  const int64_t row = out_dims[last];
  const int64_t row_stride = in_strides[last];
  SmallDims index(rank, 0);
  int64_t in_offset = 0;
  for (int64_t written = 0; written < volume; written += row) {
    const T* src = in + in_offset;
    for (int64_t x = 0; x < row; ++x) *out++ = src[x * row_stride];
    for (int64_t d = last - 1; d >= 0; --d) {
      in_offset += in_strides[d];
      if (++index[d] < out_dims[d]) break;
      in_offset -= in_strides[d] * out_dims[d];
      index[d] = 0;
    }
  }
}

}  // namespace

void StridedCopy(const void* in, size_t elem_size, const SmallDims& out_dims,
                 const SmallDims& in_strides, void* out) {
  switch (elem_size) {
    case 1:
      return StridedCopyOf(static_cast<const uint8_t*>(in), out_dims, in_strides,
                           static_cast<uint8_t*>(out));
    case 2:
      return StridedCopyOf(static_cast<const uint16_t*>(in), out_dims, in_strides,
                           static_cast<uint16_t*>(out));
    case 4:
      return StridedCopyOf(static_cast<const uint32_t*>(in), out_dims, in_strides,
                           static_cast<uint32_t*>(out));
    case 8:
      return StridedCopyOf(static_cast<const uint64_t*>(in), out_dims, in_strides,
                           static_cast<uint64_t*>(out));
  }
}

SmallDims BroadcastStrides(const Dims& in_dims, const Dims& out_dims) {
  const size_t rank = out_dims.size();
  const size_t shift = rank - in_dims.size();
  SmallDims strides(rank, 0);
  int64_t stride = 1;
  for (size_t d = rank; d-- > shift;) {
    const int64_t size = in_dims[d - shift];
    strides[d] = size == 1 ? 0 : stride;
    stride *= size;
  }
  return strides;
}

}  // namespace cpu_ref
}  // namespace kiln
