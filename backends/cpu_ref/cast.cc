// cpu_ref Cast: one typed loop per (source, target) pair, generated from two
// conversion paths: float-like sources go through float, integer and bool
// sources through int64_t (exact for every integer type we have).
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "ops/cast.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Element storage: fp32 float, fp16 uint16_t (bits), int8 int8_t, int32
// int32_t, int64 int64_t, bool uint8_t. The six C++ types are distinct, so
// they can stand for the DataTypes in templates.
template <typename T>
constexpr bool kIsFloatLike = std::is_same_v<T, float> || std::is_same_v<T, uint16_t>;

float LoadFloat(float x) { return x; }
float LoadFloat(uint16_t half_bits) { return HalfToFloat(half_bits); }

int64_t LoadInt(int8_t x) { return x; }
int64_t LoadInt(int32_t x) { return x; }
int64_t LoadInt(int64_t x) { return x; }
int64_t LoadInt(uint8_t bool_byte) { return bool_byte != 0 ? 1 : 0; }

// C truncation toward zero, made total: out-of-range saturates, NaN is 0.
template <typename Int>
Int TruncateSaturate(float x) {
  if (std::isnan(x)) return 0;
  // double holds every float exactly and the int64 bounds as powers of two.
  const double truncated = std::trunc(static_cast<double>(x));
  if (truncated <= static_cast<double>(std::numeric_limits<Int>::min())) {
    return std::numeric_limits<Int>::min();
  }
  if (truncated >= static_cast<double>(std::numeric_limits<Int>::max())) {
    return std::numeric_limits<Int>::max();
  }
  return static_cast<Int>(truncated);
}

template <typename Int>
Int Saturate(int64_t v) {
  if (v < std::numeric_limits<Int>::min()) return std::numeric_limits<Int>::min();
  if (v > std::numeric_limits<Int>::max()) return std::numeric_limits<Int>::max();
  return static_cast<Int>(v);
}

template <typename Dst>
Dst FromFloat(float x) {
  if constexpr (std::is_same_v<Dst, float>) {
    return x;
  } else if constexpr (std::is_same_v<Dst, uint16_t>) {
    return FloatToHalf(x);
  } else if constexpr (std::is_same_v<Dst, uint8_t>) {
    return x != 0.0f ? 1 : 0;  // bool; NaN != 0 is true
  } else {
    return TruncateSaturate<Dst>(x);
  }
}

template <typename Dst>
Dst FromInt(int64_t v) {
  if constexpr (std::is_same_v<Dst, float>) {
    return static_cast<float>(v);
  } else if constexpr (std::is_same_v<Dst, uint16_t>) {
    // Every integer whose magnitude fits fp16 is exact in float, so the one
    // rounding that matters happens in FloatToHalf.
    return FloatToHalf(static_cast<float>(v));
  } else if constexpr (std::is_same_v<Dst, uint8_t>) {
    return v != 0 ? 1 : 0;
  } else {
    return Saturate<Dst>(v);
  }
}

template <typename Src, typename Dst>
void CastLoop(const void* in, void* out, int64_t count) {
  const auto* src = static_cast<const Src*>(in);
  auto* dst = static_cast<Dst*>(out);
  for (int64_t i = 0; i < count; ++i) {
    if constexpr (kIsFloatLike<Src>) {
      dst[i] = FromFloat<Dst>(LoadFloat(src[i]));
    } else {
      dst[i] = FromInt<Dst>(LoadInt(src[i]));
    }
  }
}

template <typename Src>
void CastFrom(DataType to, const void* in, void* out, int64_t count) {
  switch (to) {
    case DataType::kFloat32: return CastLoop<Src, float>(in, out, count);
    case DataType::kFloat16: return CastLoop<Src, uint16_t>(in, out, count);
    case DataType::kInt8: return CastLoop<Src, int8_t>(in, out, count);
    case DataType::kInt32: return CastLoop<Src, int32_t>(in, out, count);
    case DataType::kInt64: return CastLoop<Src, int64_t>(in, out, count);
    case DataType::kBool: return CastLoop<Src, uint8_t>(in, out, count);
  }
}

class CastKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const DataType from = args.input_descs[0].dtype;
    const DataType to = args.output_descs[0].dtype;
    const int64_t count = args.output_descs[0].volume();
    if (count == 0) return absl::OkStatus();
    if (from == to) {
      // A no-op cast keeps the exact bits (NaN payloads, odd bool bytes).
      std::memcpy(args.outputs[0], args.inputs[0], args.output_descs[0].bytes());
      return absl::OkStatus();
    }
    const void* in = args.inputs[0];
    void* out = args.outputs[0];
    switch (from) {
      case DataType::kFloat32: CastFrom<float>(to, in, out, count); break;
      case DataType::kFloat16: CastFrom<uint16_t>(to, in, out, count); break;
      case DataType::kInt8: CastFrom<int8_t>(to, in, out, count); break;
      case DataType::kInt32: CastFrom<int32_t>(to, in, out, count); break;
      case DataType::kInt64: CastFrom<int64_t>(to, in, out, count); break;
      case DataType::kBool: CastFrom<uint8_t>(to, in, out, count); break;
    }
    return absl::OkStatus();
  }
};

class CastTactic : public Tactic {
 public:
  CastTactic()
      : Tactic(TacticInfo{"cpu_ref.cast.direct", kCastOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  // Elementwise, so any layout works as long as input and output share it.
  absl::Status Supports(const NodeContext& node) const override {
    if (node.inputs[0].format != node.outputs[0].format) {
      return absl::UnimplementedError(absl::StrCat(
          "input is ", TensorFormatName(node.inputs[0].format), " but output is ",
          TensorFormatName(node.outputs[0].format),
          "; cpu_ref.cast.direct converts elementwise and cannot change the layout"));
    }
    return absl::OkStatus();
  }

  // The kernel converts from the input desc's type to the output desc's, so
  // it stays right if a precision pass retypes the tensors around the node.
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<CastKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<CastTactic>());

}  // namespace cpu_ref
}  // namespace kiln
