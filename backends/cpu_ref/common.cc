#include "backends/cpu_ref/common.h"

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

  auto* cursor = static_cast<uint8_t*>(args.workspace);
  size_t left = args.workspace_size;
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
  inner.workspace = cursor;
  inner.workspace_size = left;
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

}  // namespace cpu_ref
}  // namespace kiln
