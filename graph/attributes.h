#ifndef KILN_GRAPH_ATTRIBUTES_H_
#define KILN_GRAPH_ATTRIBUTES_H_

#include <cstdint>
#include <map>
#include <string>
#include "absl/strings/string_view.h"
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln {

// One attribute value. Every op's attribute struct converts to and from an
// AttrMap, so plans, importers and plugins handle attributes generically.
using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>>;

class AttrMap {
 public:
  AttrMap() = default;

  AttrMap& Set(absl::string_view name, int64_t v);
  AttrMap& Set(absl::string_view name, int v) { return Set(name, static_cast<int64_t>(v)); }
  AttrMap& Set(absl::string_view name, bool v) { return Set(name, static_cast<int64_t>(v)); }
  AttrMap& Set(absl::string_view name, float v);
  AttrMap& Set(absl::string_view name, std::string v);
  AttrMap& Set(absl::string_view name, const char* v) { return Set(name, std::string(v)); }
  AttrMap& Set(absl::string_view name, std::vector<int64_t> v);
  AttrMap& Set(absl::string_view name, std::vector<float> v);
  AttrMap& SetValue(absl::string_view name, AttrValue v);

  bool Has(absl::string_view name) const;

  // Typed reads; a missing attribute returns `fallback`, a wrong type is an error.
  absl::StatusOr<int64_t> GetInt(absl::string_view name, int64_t fallback) const;
  absl::StatusOr<float> GetFloat(absl::string_view name, float fallback) const;
  absl::StatusOr<std::string> GetString(absl::string_view name, std::string fallback) const;
  absl::StatusOr<std::vector<int64_t>> GetInts(absl::string_view name,
                                               std::vector<int64_t> fallback) const;
  absl::StatusOr<std::vector<float>> GetFloats(absl::string_view name,
                                               std::vector<float> fallback) const;

  const std::map<std::string, AttrValue, std::less<>>& values() const { return values_; }
  std::string ToString() const;  // "axis=1, kernel=[3,3]"

  bool operator==(const AttrMap& other) const { return values_ == other.values_; }

 private:
  std::map<std::string, AttrValue, std::less<>> values_;
};

}  // namespace kiln

#endif  // KILN_GRAPH_ATTRIBUTES_H_
