#include "ops/spatial.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "graph/status_macros.h"

namespace kiln {
namespace {

// Reads an int list attribute of exactly out.size() values, each >= min_value.
absl::Status ReadFixedInts(const AttrMap& attrs, absl::string_view name, int64_t min_value,
                           absl::Span<int64_t> out) {
  KILN_ASSIGN_OR_RETURN(std::vector<int64_t> values,
                        attrs.GetInts(name, std::vector<int64_t>(out.begin(), out.end())));
  if (values.size() != out.size()) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' has ", values.size(),
                                                   " values [", absl::StrJoin(values, ","),
                                                   "]; expected ", out.size()));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (values[i] < min_value) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' is [",
                                                     absl::StrJoin(values, ","),
                                                     "]; every value must be >= ", min_value));
    }
    out[i] = values[i];
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadPair(const AttrMap& attrs, absl::string_view name, int64_t min_value,
                      std::array<int64_t, 2>& pair) {
  return ReadFixedInts(attrs, name, min_value, absl::MakeSpan(pair));
}

absl::Status ReadPads(const AttrMap& attrs, std::array<int64_t, 4>& pads) {
  return ReadFixedInts(attrs, "pads", 0, absl::MakeSpan(pads));
}

absl::StatusOr<int64_t> ReadGroup(const AttrMap& attrs) {
  KILN_ASSIGN_OR_RETURN(int64_t group, attrs.GetInt("group", 1));
  if (group < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'group' is ", group, "; it must be >= 1"));
  }
  return group;
}

}  // namespace kiln
