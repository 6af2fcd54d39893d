#ifndef KILN_BACKENDS_TACTIC_REGISTRY_H_
#define KILN_BACKENDS_TACTIC_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "backends/tactic.h"

namespace kiln {

// Every tactic of every backend, keyed by (backend, op) and by name. Tactics
// register beside their code (KILN_REGISTER_TACTIC); plugins when loaded.
class TacticRegistry {
 public:
  static TacticRegistry& Global();

  absl::Status Register(std::unique_ptr<Tactic> tactic);

  const Tactic* Find(absl::string_view name) const;
  std::vector<const Tactic*> Candidates(absl::string_view backend, absl::string_view op) const;
  const Tactic* Reference(absl::string_view op) const;  // the oracle for `op`, or nullptr
  std::vector<const Tactic*> All() const;              // sorted by name

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Tactic>, std::less<>> by_name_ ABSL_GUARDED_BY(mu_);
};

namespace internal {
bool RegisterTacticOrDie(std::unique_ptr<Tactic> tactic);
}  // namespace internal

#define KILN_REGISTER_TACTIC_CONCAT_INNER_(a, b) a##b
#define KILN_REGISTER_TACTIC_CONCAT_(a, b) KILN_REGISTER_TACTIC_CONCAT_INNER_(a, b)
// KILN_REGISTER_TACTIC(std::make_unique<MyTactic>(...)) at namespace scope.
#define KILN_REGISTER_TACTIC(...)                                                  \
  static const bool KILN_REGISTER_TACTIC_CONCAT_(kiln_tactic_registered_, __COUNTER__) = \
      ::kiln::internal::RegisterTacticOrDie(__VA_ARGS__)

}  // namespace kiln

#endif  // KILN_BACKENDS_TACTIC_REGISTRY_H_
