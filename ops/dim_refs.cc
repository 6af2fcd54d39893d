#include "ops/dim_refs.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"

namespace kiln {

absl::StatusOr<std::vector<DimRef>> DimRefsFromAttrs(const AttrMap& attrs, absl::string_view key,
                                                     size_t entries) {
  KILN_ASSIGN_OR_RETURN(std::vector<int64_t> flat, attrs.GetInts(key, {}));
  if (flat.empty()) return std::vector<DimRef>{};
  if (flat.size() != 2 * entries) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", key, "' has ", flat.size(),
                                                   " values; it needs an (input, dim) pair for "
                                                   "each of the ",
                                                   entries, " entries it sizes"));
  }
  std::vector<DimRef> refs(entries);
  for (size_t i = 0; i < entries; ++i) {
    refs[i] = DimRef{flat[2 * i], flat[2 * i + 1]};
    if (refs[i].input < -1 || (refs[i].input >= 0 && refs[i].dim < 0)) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", key, "' entry ", i, " is (",
                                                     refs[i].input, ", ", refs[i].dim,
                                                     "); expected (-1, any) or (input, dim >= 0)"));
    }
  }
  return refs;
}

void SetDimRefs(AttrMap& attrs, absl::string_view key, absl::Span<const DimRef> refs) {
  if (refs.empty()) return;
  std::vector<int64_t> flat;
  for (const DimRef& ref : refs) {
    flat.push_back(ref.input);
    flat.push_back(ref.input < 0 ? 0 : ref.dim);
  }
  attrs.Set(key, std::move(flat));
}

absl::StatusOr<std::vector<int64_t>> ResolveDimRefs(absl::Span<const DimRef> refs,
                                                    std::vector<int64_t> values,
                                                    absl::Span<const TensorDesc> inputs,
                                                    int64_t first_ref_input) {
  for (size_t i = 0; i < refs.size() && i < values.size(); ++i) {
    const DimRef& ref = refs[i];
    if (ref.input < 0) continue;
    if (ref.input < first_ref_input || ref.input >= static_cast<int64_t>(inputs.size()) ||
        inputs[ref.input].name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "entry ", i, " reads dim ", ref.dim, " of input ", ref.input, ", which the layer ",
          ref.input < first_ref_input ? "may not reference" : "does not have"));
    }
    const TensorDesc& from = inputs[ref.input];
    if (ref.dim >= from.rank()) {
      return absl::InvalidArgumentError(absl::StrCat("entry ", i, " reads dim ", ref.dim,
                                                     " of input '", from.name, "', which is ",
                                                     DimsString(from.dims)));
    }
    values[i] = from.dims[ref.dim];
  }
  return values;
}

}  // namespace kiln
