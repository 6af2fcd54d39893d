#include "backends/tactic_registry.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace kiln {

TacticRegistry& TacticRegistry::Global() {
  static TacticRegistry* registry = new TacticRegistry();
  return *registry;
}

absl::Status TacticRegistry::Register(std::unique_ptr<Tactic> tactic) {
  if (tactic == nullptr || tactic->name().empty() || tactic->op().empty() ||
      tactic->backend().empty()) {
    return absl::InvalidArgumentError("a tactic needs a name, an op and a backend");
  }
  absl::MutexLock lock(&mu_);
  if (by_name_.count(tactic->name()) > 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("tactic '", tactic->name(), "' is already registered; names are unique"));
  }
  if (tactic->is_reference()) {
    for (const auto& kv : by_name_) {
      if (kv.second->is_reference() && kv.second->op() == tactic->op()) {
        return absl::AlreadyExistsError(absl::StrCat("op '", tactic->op(),
                                                     "' already has reference tactic '", kv.first,
                                                     "'; '", tactic->name(), "' cannot be one"));
      }
    }
  }
  std::string name = tactic->name();
  by_name_.emplace(std::move(name), std::move(tactic));
  return absl::OkStatus();
}

const Tactic* TacticRegistry::Find(absl::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

std::vector<const Tactic*> TacticRegistry::Candidates(absl::string_view backend,
                                                      absl::string_view op) const {
  absl::MutexLock lock(&mu_);
  std::vector<const Tactic*> out;
  for (const auto& kv : by_name_) {
    if (kv.second->backend() == backend && kv.second->op() == op) out.push_back(kv.second.get());
  }
  return out;
}

const Tactic* TacticRegistry::Reference(absl::string_view op) const {
  absl::MutexLock lock(&mu_);
  for (const auto& kv : by_name_) {
    if (kv.second->is_reference() && kv.second->op() == op) return kv.second.get();
  }
  return nullptr;
}

std::vector<const Tactic*> TacticRegistry::All() const {
  absl::MutexLock lock(&mu_);
  std::vector<const Tactic*> out;
  for (const auto& kv : by_name_) out.push_back(kv.second.get());
  return out;
}

namespace internal {
bool RegisterTacticOrDie(std::unique_ptr<Tactic> tactic) {
  std::string name = tactic ? tactic->name() : "(null)";
  absl::Status status = TacticRegistry::Global().Register(std::move(tactic));
  if (!status.ok()) {
    std::fprintf(stderr, "kiln: registering tactic '%s' failed: %s\n", name.c_str(),
                 status.ToString().c_str());
    std::abort();
  }
  return true;
}
}  // namespace internal

}  // namespace kiln
