#ifndef KILN_BACKENDS_CUDA_COMMON_H_
#define KILN_BACKENDS_CUDA_COMMON_H_

// Shared pieces of cuda tactics.

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "backends/cuda/backend.h"
#include "backends/tactic.h"
#include "graph/types.h"

namespace kiln {
namespace cuda {

class CudaTactic : public Tactic {
 public:
  // `accepts_nhwc`: see TacticInfo; such a tactic checks layouts in Supports.
  // `dynamic_shapes`: see TacticInfo; backends/cuda/DYNAMIC_SHAPES.md says
  // which tactics set it and why the others do not.
  CudaTactic(std::string name, std::string op, bool accepts_nhwc = false,
             bool dynamic_shapes = false)
      : Tactic(TacticInfo{std::move(name), std::move(op), kBackend, /*is_reference=*/false,
                          accepts_nhwc, dynamic_shapes}) {}
};

// OK when every present input and every output is fp32 and linear (NCHW /
// row-major): what the fp32 tactics of this first slice of the backend read.
inline absl::Status RequireFp32Linear(const NodeContext& node) {
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!node.has_input(i)) continue;
    if (node.inputs[i].dtype != DataType::kFloat32) {
      return absl::UnimplementedError(absl::StrCat(
          "input ", i, " is ", DataTypeName(node.inputs[i].dtype), "; this tactic is fp32 only"));
    }
    if (node.inputs[i].format != TensorFormat::kLinear) {
      return absl::UnimplementedError(absl::StrCat("input ", i, " is not linear (NCHW)"));
    }
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].dtype != DataType::kFloat32) {
      return absl::UnimplementedError(absl::StrCat(
          "output ", i, " is ", DataTypeName(node.outputs[i].dtype), "; this tactic is fp32 only"));
    }
    if (node.outputs[i].format != TensorFormat::kLinear) {
      return absl::UnimplementedError(absl::StrCat("output ", i, " is not linear (NCHW)"));
    }
  }
  return absl::OkStatus();
}

// OK when every present input and every output is linear (row-major): what
// the data-movement kernels index. They move elements of any dtype.
inline absl::Status RequireLinear(const NodeContext& node) {
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.has_input(i) && node.inputs[i].format != TensorFormat::kLinear) {
      return absl::UnimplementedError(absl::StrCat("input ", i, " is not linear (row-major)"));
    }
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].format != TensorFormat::kLinear) {
      return absl::UnimplementedError(absl::StrCat("output ", i, " is not linear (row-major)"));
    }
  }
  return absl::OkStatus();
}

// OK when every dims of `node` has rank <= max_rank (the fixed-size shape
// structs passed to kernels).
inline absl::Status RequireRankAtMost(const NodeContext& node, int64_t max_rank) {
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.has_input(i) && node.inputs[i].rank() > max_rank) {
      return absl::UnimplementedError(absl::StrCat("input ", i, " has rank ",
                                                   node.inputs[i].rank(), "; at most ", max_rank,
                                                   " is supported"));
    }
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].rank() > max_rank) {
      return absl::UnimplementedError(absl::StrCat("output ", i, " has rank ",
                                                   node.outputs[i].rank(), "; at most ",
                                                   max_rank, " is supported"));
    }
  }
  return absl::OkStatus();
}

// Tactic state as a flat copy of a trivially copyable struct. Plans are read
// on the machine (and architecture) they were built for, so the host's
// layout is the plan's.
template <typename T>
std::vector<uint8_t> PackState(const T& value) {
  std::vector<uint8_t> bytes(sizeof(T));
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

template <typename T>
absl::StatusOr<T> UnpackState(absl::Span<const uint8_t> bytes, absl::string_view tactic) {
  if (bytes.size() != sizeof(T)) {
    return absl::DataLossError(absl::StrCat(tactic, ": tactic state has ", bytes.size(),
                                            " bytes, expected ", sizeof(T),
                                            "; rebuild the plan with this version of kiln"));
  }
  T value;
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}

// OK when every present input and every output is `dtype`: the float
// kernels of the element-wise family read one storage type (fp32 or fp16)
// throughout, so a tactic per precision.
inline absl::Status RequireDtype(const NodeContext& node, DataType dtype) {
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.has_input(i) && node.inputs[i].dtype != dtype) {
      return absl::UnimplementedError(absl::StrCat("input ", i, " is ",
                                                   DataTypeName(node.inputs[i].dtype),
                                                   "; this tactic is ", DataTypeName(dtype),
                                                   " only"));
    }
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].dtype != dtype) {
      return absl::UnimplementedError(absl::StrCat("output ", i, " is ",
                                                   DataTypeName(node.outputs[i].dtype),
                                                   "; this tactic is ", DataTypeName(dtype),
                                                   " only"));
    }
  }
  return absl::OkStatus();
}

// RequireDtype and RequireLinear: a float kernel that indexes row-major
// (NCHW) tensors of one precision.
inline absl::Status RequireFloatLinear(const NodeContext& node, DataType dtype) {
  if (absl::Status s = RequireDtype(node, dtype); !s.ok()) return s;
  return RequireLinear(node);
}

// OK when every present input and every output has one format: element-wise
// kernels that never look at coordinates run on any layout the tensors
// share.
inline absl::Status RequireOneFormat(const NodeContext& node) {
  const TensorFormat format = node.outputs.empty() ? TensorFormat::kLinear
                                                   : node.outputs[0].format;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.has_input(i) && node.inputs[i].format != format) {
      return absl::UnimplementedError(absl::StrCat(
          "input ", i, " is ", TensorFormatName(node.inputs[i].format), " but output 0 is ",
          TensorFormatName(format), "; this tactic needs one format throughout"));
    }
  }
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    if (node.outputs[i].format != format) {
      return absl::UnimplementedError(absl::StrCat(
          "output ", i, " is ", TensorFormatName(node.outputs[i].format), " but output 0 is ",
          TensorFormatName(format), "; this tactic needs one format throughout"));
    }
  }
  return absl::OkStatus();
}

}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_COMMON_H_
