#ifndef KILN_GRAPH_TYPES_H_
#define KILN_GRAPH_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace kiln {

enum class DataType : uint8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt8 = 2,
  kInt32 = 3,
  kInt64 = 4,
  kBool = 5,
};

size_t DataTypeSize(DataType type);
absl::string_view DataTypeName(DataType type);  // "fp32", "fp16", ...
absl::StatusOr<DataType> ParseDataType(absl::string_view name);
bool IsFloatType(DataType type);  // fp32 or fp16

// Dimensions, outermost first. For activations dim 0 is the batch.
using Dims = std::vector<int64_t>;

int64_t Volume(const Dims& dims);  // 1 for a scalar (rank 0)
std::string DimsString(const Dims& dims);  // "1x3x224x224", "scalar"
bool DimsValid(const Dims& dims);  // all >= 0

// Memory layout of a tensor. kLinear is row-major (NCHW for 4-D tensors).
enum class TensorFormat : uint8_t {
  kLinear = 0,
  kNHWC = 1,
};
absl::string_view TensorFormatName(TensorFormat format);

struct TensorDesc {
  std::string name;
  DataType dtype = DataType::kFloat32;
  Dims dims;
  TensorFormat format = TensorFormat::kLinear;

  int64_t rank() const { return static_cast<int64_t>(dims.size()); }
  int64_t volume() const { return Volume(dims); }
  size_t bytes() const { return static_cast<size_t>(volume()) * DataTypeSize(dtype); }
  std::string ToString() const;  // "name: fp32[1x3x8x8]"
};

bool operator==(const TensorDesc& a, const TensorDesc& b);

// Host-side constant data (weights), owned. 64-byte aligned storage.
class Weights {
 public:
  Weights() = default;
  Weights(DataType dtype, Dims dims);  // zero-filled
  Weights(const Weights& other);
  Weights& operator=(const Weights& other);
  Weights(Weights&&) = default;
  Weights& operator=(Weights&&) = default;
  // Copies `values` (fp32) into fp32 weights of shape `dims`.
  static Weights FromFloats(Dims dims, const std::vector<float>& values);
  static Weights FromBytes(DataType dtype, Dims dims, const void* data, size_t bytes);

  DataType dtype() const { return dtype_; }
  const Dims& dims() const { return dims_; }
  size_t bytes() const { return bytes_; }
  const void* data() const { return storage_.empty() ? nullptr : AlignedPtr(); }
  void* mutable_data() { return storage_.empty() ? nullptr : AlignedPtr(); }
  template <typename T>
  const T* as() const { return static_cast<const T*>(data()); }
  template <typename T>
  T* mutable_as() { return static_cast<T*>(mutable_data()); }
  bool empty() const { return bytes_ == 0; }

 private:
  uint8_t* AlignedPtr() const;
  DataType dtype_ = DataType::kFloat32;
  Dims dims_;
  size_t bytes_ = 0;
  std::vector<uint8_t> storage_;  // bytes_ + 63 slack for alignment
};

// fp16 <-> fp32, round to nearest even.
uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t value);

}  // namespace kiln

#endif  // KILN_GRAPH_TYPES_H_
