#include "graph/types.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "Eigen/Core"

namespace kiln {

size_t DataTypeSize(DataType type) {
  switch (type) {
    case DataType::kFloat32: return 4;
    case DataType::kFloat16: return 2;
    case DataType::kInt8: return 1;
    case DataType::kInt32: return 4;
    case DataType::kInt64: return 8;
    case DataType::kBool: return 1;
  }
  return 0;
}

absl::string_view DataTypeName(DataType type) {
  switch (type) {
    case DataType::kFloat32: return "fp32";
    case DataType::kFloat16: return "fp16";
    case DataType::kInt8: return "int8";
    case DataType::kInt32: return "int32";
    case DataType::kInt64: return "int64";
    case DataType::kBool: return "bool";
  }
  return "unknown";
}

absl::StatusOr<DataType> ParseDataType(absl::string_view name) {
  for (DataType t : {DataType::kFloat32, DataType::kFloat16, DataType::kInt8,
                     DataType::kInt32, DataType::kInt64, DataType::kBool}) {
    if (DataTypeName(t) == name) return t;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown data type '", name, "'; expected one of fp32, fp16, int8, int32, int64, bool"));
}

bool IsFloatType(DataType type) {
  return type == DataType::kFloat32 || type == DataType::kFloat16;
}

int64_t Volume(const Dims& dims) {
  int64_t v = 1;
  for (int64_t d : dims) v *= d;
  return v;
}

std::string DimsString(const Dims& dims) {
  if (dims.empty()) return "scalar";
  return absl::StrJoin(dims, "x");
}

bool DimsValid(const Dims& dims) {
  for (int64_t d : dims) {
    if (d < 0) return false;
  }
  return true;
}

absl::string_view TensorFormatName(TensorFormat format) {
  switch (format) {
    case TensorFormat::kLinear: return "linear";
    case TensorFormat::kNHWC: return "nhwc";
  }
  return "unknown";
}

std::string TensorDesc::ToString() const {
  return absl::StrCat(name, ": ", DataTypeName(dtype), "[", DimsString(dims), "]",
                      format == TensorFormat::kLinear ? "" : absl::StrCat(" ", TensorFormatName(format)));
}

bool operator==(const TensorDesc& a, const TensorDesc& b) {
  return a.name == b.name && a.dtype == b.dtype && a.dims == b.dims && a.format == b.format;
}

Weights::Weights(DataType dtype, Dims dims)
    : dtype_(dtype), dims_(std::move(dims)) {
  bytes_ = static_cast<size_t>(Volume(dims_)) * DataTypeSize(dtype_);
  storage_.assign(bytes_ + 64, 0);
}

Weights::Weights(const Weights& other) : dtype_(other.dtype_), dims_(other.dims_) {
  // A default-constructed Weights (no storage) stays empty when copied.
  if (other.storage_.empty()) return;
  bytes_ = other.bytes_;
  storage_.assign(bytes_ + 64, 0);
  if (bytes_ > 0) std::memcpy(mutable_data(), other.data(), bytes_);
}

Weights& Weights::operator=(const Weights& other) {
  if (this != &other) *this = Weights(other);
  return *this;
}

Weights Weights::FromFloats(Dims dims, const std::vector<float>& values) {
  Weights w(DataType::kFloat32, std::move(dims));
  const size_t bytes = std::min(w.bytes(), values.size() * sizeof(float));
  if (bytes > 0) std::memcpy(w.mutable_data(), values.data(), bytes);
  return w;
}

Weights Weights::FromBytes(DataType dtype, Dims dims, const void* data, size_t bytes) {
  Weights w(dtype, std::move(dims));
  if (std::min(w.bytes(), bytes) > 0) std::memcpy(w.mutable_data(), data, std::min(w.bytes(), bytes));
  return w;
}

uint8_t* Weights::AlignedPtr() const {
  auto p = reinterpret_cast<uintptr_t>(storage_.data());
  p = (p + 63) & ~uintptr_t{63};
  return reinterpret_cast<uint8_t*>(p);
}

uint16_t FloatToHalf(float value) {
  return Eigen::numext::bit_cast<uint16_t>(Eigen::half(value));
}

float HalfToFloat(uint16_t value) {
  return static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(value));
}

}  // namespace kiln
