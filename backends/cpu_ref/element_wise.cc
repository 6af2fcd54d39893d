// cpu_ref ElementWise: one broadcasting loop, instantiated per op and type.
#include "backends/cpu_ref/element_wise.h"

#include <cstdint>
#include <memory>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Broadcasting: the output is walked row by row (a row = its last dim). For
// each row, RowOffset finds where the row starts in an input whose dims are
// right-aligned with the output's and whose size-1 dims repeat; along the
// row the input advances by 1, or by 0 when its last dim is broadcast.
int64_t RowOffset(const Dims& in_dims, const Dims& out_dims, int64_t row) {
  const int64_t shift = static_cast<int64_t>(out_dims.size() - in_dims.size());
  int64_t stride = in_dims.empty() ? 1 : in_dims.back();  // elements per input row
  int64_t offset = 0;
  for (int64_t out_d = static_cast<int64_t>(out_dims.size()) - 2; out_d >= 0; --out_d) {
    const int64_t coord = row % out_dims[out_d];
    row /= out_dims[out_d];
    const int64_t in_d = out_d - shift;
    if (in_d < 0) break;  // dims the input lacks act as size 1
    if (in_dims[in_d] != 1) offset += coord * stride;
    stride *= in_dims[in_d];
  }
  return offset;
}

int64_t RowStep(const Dims& in_dims) { return in_dims.empty() || in_dims.back() == 1 ? 0 : 1; }

template <typename T, typename Fn>
void BroadcastBinary(const KernelArgs& args, Fn fn) {
  const Dims& out_dims = args.output_descs[0].dims;
  const Dims& a_dims = args.input_descs[0].dims;
  const Dims& b_dims = args.input_descs[1].dims;
  const int64_t volume = Volume(out_dims);
  if (volume == 0) return;
  const int64_t row_size = out_dims.empty() ? 1 : out_dims.back();
  const int64_t a_step = RowStep(a_dims);
  const int64_t b_step = RowStep(b_dims);
  const auto* a = static_cast<const T*>(args.inputs[0]);
  const auto* b = static_cast<const T*>(args.inputs[1]);
  auto* out = static_cast<T*>(args.outputs[0]);
  for (int64_t row = 0; row < volume / row_size; ++row) {
    const T* a_row = a + RowOffset(a_dims, out_dims, row);
    const T* b_row = b + RowOffset(b_dims, out_dims, row);
    T* out_row = out + row * row_size;
    for (int64_t i = 0; i < row_size; ++i) out_row[i] = fn(a_row[i * a_step], b_row[i * b_step]);
  }
}

// Integer arithmetic in the unsigned type, so overflow wraps instead of
// being undefined behaviour.
template <typename T>
using Unsigned = std::make_unsigned_t<T>;

template <typename T>
T IntAdd(T a, T b) {
  return static_cast<T>(static_cast<Unsigned<T>>(a) + static_cast<Unsigned<T>>(b));
}
template <typename T>
T IntSub(T a, T b) {
  return static_cast<T>(static_cast<Unsigned<T>>(a) - static_cast<Unsigned<T>>(b));
}
template <typename T>
T IntMul(T a, T b) {
  return static_cast<T>(static_cast<Unsigned<T>>(a) * static_cast<Unsigned<T>>(b));
}

// C division, except that x / 0 is 0 and MIN / -1 wraps: both trap on x86.
template <typename T>
T IntDiv(T a, T b) {
  if (b == 0) return 0;
  if (b == -1) return IntSub<T>(0, a);
  return a / b;
}

template <typename T>
T IntPow(T base, T exponent) {
  if (exponent < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exponent % 2 == 0) ? 1 : -1;
    return 0;  // |1 / base^|exponent|| < 1 truncates to 0; base 0 too, by definition
  }
  T result = 1;
  while (exponent > 0) {  // square-and-multiply
    if (exponent & 1) result = IntMul(result, base);
    base = IntMul(base, base);
    exponent >>= 1;
  }
  return result;
}

void ComputeFloat(ElementWiseOp op, const KernelArgs& args) {
  switch (op) {
    case ElementWiseOp::kSum: return BroadcastBinary<float>(args, FloatBinary<ElementWiseOp::kSum>);
    case ElementWiseOp::kSub: return BroadcastBinary<float>(args, FloatBinary<ElementWiseOp::kSub>);
    case ElementWiseOp::kProd:
      return BroadcastBinary<float>(args, FloatBinary<ElementWiseOp::kProd>);
    case ElementWiseOp::kDiv: return BroadcastBinary<float>(args, FloatBinary<ElementWiseOp::kDiv>);
    case ElementWiseOp::kMax: return BroadcastBinary<float>(args, FloatBinary<ElementWiseOp::kMax>);
    case ElementWiseOp::kMin: return BroadcastBinary<float>(args, FloatBinary<ElementWiseOp::kMin>);
    case ElementWiseOp::kPow: return BroadcastBinary<float>(args, FloatBinary<ElementWiseOp::kPow>);
  }
}

template <typename T>
void ComputeInt(ElementWiseOp op, const KernelArgs& args) {
  switch (op) {
    case ElementWiseOp::kSum: return BroadcastBinary<T>(args, IntAdd<T>);
    case ElementWiseOp::kSub: return BroadcastBinary<T>(args, IntSub<T>);
    case ElementWiseOp::kProd: return BroadcastBinary<T>(args, IntMul<T>);
    case ElementWiseOp::kDiv: return BroadcastBinary<T>(args, IntDiv<T>);
    case ElementWiseOp::kMax:
      return BroadcastBinary<T>(args, [](T a, T b) { return a > b ? a : b; });
    case ElementWiseOp::kMin:
      return BroadcastBinary<T>(args, [](T a, T b) { return a < b ? a : b; });
    case ElementWiseOp::kPow: return BroadcastBinary<T>(args, IntPow<T>);
  }
}

// Fp32Kernel stages fp16 as fp32; int tensors reach RunFp32 untouched.
class DirectKernel : public Fp32Kernel {
 public:
  explicit DirectKernel(ElementWiseOp op) : op_(op) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    switch (args.output_descs[0].dtype) {
      case DataType::kInt32: ComputeInt<int32_t>(op_, args); break;
      case DataType::kInt64: ComputeInt<int64_t>(op_, args); break;
      default: ComputeFloat(op_, args); break;  // fp32, or fp16 staged as fp32
    }
    return absl::OkStatus();
  }

 private:
  ElementWiseOp op_;
};

class DirectTactic : public Fp32Tactic {
 public:
  DirectTactic()
      : Fp32Tactic("cpu_ref.element_wise.direct", kElementWiseOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    const DataType type = node.outputs[0].dtype;
    if (!IsFloatType(type) && type != DataType::kInt32 && type != DataType::kInt64) {
      return absl::UnimplementedError(absl::StrCat(
          "output is ", DataTypeName(type), "; this tactic takes fp32, fp16, int32 or int64"));
    }
    for (const TensorDesc& in : node.inputs) {
      if (in.dtype != type) {
        return absl::UnimplementedError(absl::StrCat("input '", in.name, "' is ",
                                                     DataTypeName(in.dtype), ", output is ",
                                                     DataTypeName(type), "; they must match"));
      }
    }
    return ElementWiseParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ElementWiseParams params, ElementWiseParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<DirectKernel>(params.op));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DirectTactic>());

}  // namespace cpu_ref
}  // namespace kiln
