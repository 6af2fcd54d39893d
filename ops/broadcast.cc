#include "ops/broadcast.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace kiln {

absl::StatusOr<Dims> BroadcastDims(const Dims& a, const Dims& b) {
  const size_t rank = std::max(a.size(), b.size());
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const size_t from_end = rank - 1 - i;
    const int64_t da = from_end < a.size() ? a[a.size() - 1 - from_end] : 1;
    const int64_t db = from_end < b.size() ? b[b.size() - 1 - from_end] : 1;
    if (da != db && da != 1 && db != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          DimsString(a), " vs ", DimsString(b), ": dim ", i, " of the result would need ", da,
          " and ", db, " (dims are right-aligned; each pair must be equal or one of them 1)"));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

absl::StatusOr<Dims> SameTypeBroadcastDims(const TensorDesc& a, const TensorDesc& b) {
  if (a.dtype != b.dtype) {
    return absl::InvalidArgumentError(absl::StrCat(
        "inputs have different types: '", a.name, "' is ", DataTypeName(a.dtype), ", '", b.name,
        "' is ", DataTypeName(b.dtype), "; convert one of them first (Cast)"));
  }
  absl::StatusOr<Dims> dims = BroadcastDims(a.dims, b.dims);
  if (!dims.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("'", a.name, "' and '", b.name,
                                                   "' do not broadcast: ", dims.status().message()));
  }
  return dims;
}

}  // namespace kiln
