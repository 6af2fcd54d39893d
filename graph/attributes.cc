#include "graph/attributes.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kiln {
namespace {

constexpr const char* kTypeNames[] = {"int", "float", "string", "ints", "floats"};

template <typename T>
absl::StatusOr<T> GetTyped(const std::map<std::string, AttrValue, std::less<>>& values,
                           absl::string_view name, T fallback) {
  auto it = values.find(name);
  if (it == values.end()) return fallback;
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  // An int attribute is accepted where a float is expected.
  if constexpr (std::is_same_v<T, float>) {
    if (const int64_t* v = std::get_if<int64_t>(&it->second)) return static_cast<float>(*v);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "attribute '", name, "' has type ", kTypeNames[it->second.index()], ", expected ",
      kTypeNames[AttrValue(T{}).index()]));
}

}  // namespace

AttrMap& AttrMap::SetValue(absl::string_view name, AttrValue v) {
  values_[std::string(name)] = std::move(v);
  return *this;
}
AttrMap& AttrMap::Set(absl::string_view name, int64_t v) { return SetValue(name, v); }
AttrMap& AttrMap::Set(absl::string_view name, float v) { return SetValue(name, v); }
AttrMap& AttrMap::Set(absl::string_view name, std::string v) { return SetValue(name, std::move(v)); }
AttrMap& AttrMap::Set(absl::string_view name, std::vector<int64_t> v) {
  return SetValue(name, std::move(v));
}
AttrMap& AttrMap::Set(absl::string_view name, std::vector<float> v) {
  return SetValue(name, std::move(v));
}

bool AttrMap::Has(absl::string_view name) const { return values_.find(name) != values_.end(); }

absl::StatusOr<int64_t> AttrMap::GetInt(absl::string_view name, int64_t fallback) const {
  return GetTyped<int64_t>(values_, name, fallback);
}
absl::StatusOr<float> AttrMap::GetFloat(absl::string_view name, float fallback) const {
  return GetTyped<float>(values_, name, fallback);
}
absl::StatusOr<std::string> AttrMap::GetString(absl::string_view name, std::string fallback) const {
  return GetTyped<std::string>(values_, name, std::move(fallback));
}
absl::StatusOr<std::vector<int64_t>> AttrMap::GetInts(absl::string_view name,
                                                      std::vector<int64_t> fallback) const {
  return GetTyped<std::vector<int64_t>>(values_, name, std::move(fallback));
}
absl::StatusOr<std::vector<float>> AttrMap::GetFloats(absl::string_view name,
                                                      std::vector<float> fallback) const {
  return GetTyped<std::vector<float>>(values_, name, std::move(fallback));
}

std::string AttrMap::ToString() const {
  return absl::StrJoin(values_, ", ", [](std::string* out, const auto& kv) {
    absl::StrAppend(out, kv.first, "=");
    std::visit(
        [out](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                        std::is_same_v<T, std::vector<float>>) {
            absl::StrAppend(out, "[", absl::StrJoin(v, ","), "]");
          } else {
            absl::StrAppend(out, v);
          }
        },
        kv.second);
  });
}

}  // namespace kiln
