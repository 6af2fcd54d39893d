#include "backends/backend.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace kiln {

BackendRegistry& BackendRegistry::Global() {
  static BackendRegistry* registry = new BackendRegistry();
  return *registry;
}

absl::Status BackendRegistry::Register(std::unique_ptr<Backend> backend) {
  absl::MutexLock lock(&mu_);
  std::string name = backend->name();
  if (backends_.count(name) > 0) {
    return absl::AlreadyExistsError(absl::StrCat("backend '", name, "' is already registered"));
  }
  backends_.emplace(std::move(name), std::move(backend));
  return absl::OkStatus();
}

const Backend* BackendRegistry::Find(absl::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = backends_.find(name);
  return it == backends_.end() ? nullptr : it->second.get();
}

std::vector<std::string> BackendRegistry::Names() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& kv : backends_) names.push_back(kv.first);
  return names;
}

HostBuffer::HostBuffer(size_t bytes) : size_(bytes) {
  // aligned_alloc needs a size that is a multiple of the alignment.
  const size_t rounded = ((bytes == 0 ? 1 : bytes) + 63) / 64 * 64;
  data_ = std::aligned_alloc(64, rounded);
  if (data_ != nullptr) std::memset(data_, 0, rounded);
}

HostBuffer::~HostBuffer() { std::free(data_); }

namespace internal {
bool RegisterBackendOrDie(std::unique_ptr<Backend> backend) {
  std::string name = backend->name();
  absl::Status status = BackendRegistry::Global().Register(std::move(backend));
  if (!status.ok()) {
    std::fprintf(stderr, "kiln: registering backend '%s' failed: %s\n", name.c_str(),
                 status.ToString().c_str());
    std::abort();
  }
  return true;
}
}  // namespace internal

}  // namespace kiln
