#include "graph/reformat.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace kiln {
namespace {

// Offset of logical element (n, c, h, w) of dims [N, C, H, W] in `format`.
int64_t Offset4(const Dims& d, TensorFormat format, int64_t n, int64_t c, int64_t h, int64_t w) {
  if (format == TensorFormat::kNHWC) return ((n * d[2] + h) * d[3] + w) * d[1] + c;
  return ((n * d[1] + c) * d[2] + h) * d[3] + w;
}

void CopyElement(DataType in_type, const uint8_t* in, DataType out_type, uint8_t* out) {
  if (in_type == out_type) {
    std::memcpy(out, in, DataTypeSize(in_type));
  } else if (in_type == DataType::kFloat32) {  // -> fp16
    float f;
    std::memcpy(&f, in, sizeof(f));
    const uint16_t h = FloatToHalf(f);
    std::memcpy(out, &h, sizeof(h));
  } else {  // fp16 -> fp32
    uint16_t h;
    std::memcpy(&h, in, sizeof(h));
    const float f = HalfToFloat(h);
    std::memcpy(out, &f, sizeof(f));
  }
}

}  // namespace

absl::Status CheckReformat(const TensorDesc& from, DataType to_type, TensorFormat to_format) {
  if (from.dtype != to_type && !(IsFloatType(from.dtype) && IsFloatType(to_type))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", from.name, "' is ", DataTypeName(from.dtype), "; a reformat converts only "
        "between fp32 and fp16 (use Cast for other types), not to ", DataTypeName(to_type)));
  }
  if ((from.format == TensorFormat::kNHWC || to_format == TensorFormat::kNHWC) &&
      from.rank() != 4) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", from.name, "' has rank ",
                                                   from.rank(),
                                                   "; the NHWC layout is for rank-4 tensors"));
  }
  return absl::OkStatus();
}

void ReformatHost(const TensorDesc& in_desc, const void* in, const TensorDesc& out_desc,
                  void* out) {
  const auto* src = static_cast<const uint8_t*>(in);
  auto* dst = static_cast<uint8_t*>(out);
  const size_t in_size = DataTypeSize(in_desc.dtype), out_size = DataTypeSize(out_desc.dtype);
  if (in_desc.format == out_desc.format || in_desc.rank() != 4) {
    for (int64_t i = 0; i < in_desc.volume(); ++i) {
      CopyElement(in_desc.dtype, src + i * in_size, out_desc.dtype, dst + i * out_size);
    }
    return;
  }
  const Dims& d = in_desc.dims;
  for (int64_t n = 0; n < d[0]; ++n) {
    for (int64_t c = 0; c < d[1]; ++c) {
      for (int64_t h = 0; h < d[2]; ++h) {
        for (int64_t w = 0; w < d[3]; ++w) {
          CopyElement(in_desc.dtype, src + Offset4(d, in_desc.format, n, c, h, w) * in_size,
                      out_desc.dtype, dst + Offset4(d, out_desc.format, n, c, h, w) * out_size);
        }
      }
    }
  }
}

absl::StatusOr<Weights> ReformatWeights(const Weights& weights, TensorFormat from_format,
                                        DataType to_type, TensorFormat to_format) {
  TensorDesc in;
  in.name = "constant";
  in.dtype = weights.dtype();
  in.dims = weights.dims();
  in.format = from_format;
  absl::Status ok = CheckReformat(in, to_type, to_format);
  if (!ok.ok()) return ok;
  TensorDesc out = in;
  out.dtype = to_type;
  out.format = to_format;
  Weights result(to_type, weights.dims());
  if (in.volume() > 0) ReformatHost(in, weights.data(), out, result.mutable_data());
  return result;
}

}  // namespace kiln
