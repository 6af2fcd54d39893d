// The cpu_ref backend: host memory, wall-clock timing.
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/backend.h"

namespace kiln {
namespace {

class CpuRefBackend : public Backend {
 public:
  std::string name() const override { return "cpu_ref"; }
  absl::Status Available() const override { return absl::OkStatus(); }
  std::string DeviceSignature() const override {
#if defined(__x86_64__)
    return "cpu:x86_64";
#elif defined(__aarch64__)
    return "cpu:aarch64";
#else
    return "cpu:unknown";
#endif
  }
  bool host_memory() const override { return true; }

  absl::StatusOr<std::unique_ptr<DeviceBuffer>> Allocate(size_t bytes) const override {
    auto buffer = std::make_unique<HostBuffer>(bytes);
    if (buffer->data() == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrCat("cpu_ref: cannot allocate ", bytes, " bytes of host memory"));
    }
    return std::unique_ptr<DeviceBuffer>(std::move(buffer));
  }

  absl::Status CopyFromHost(void* dst, const void* src, size_t bytes) const override {
    if (bytes > 0) std::memcpy(dst, src, bytes);
    return absl::OkStatus();
  }
  absl::Status CopyToHost(void* dst, const void* src, size_t bytes) const override {
    if (bytes > 0) std::memcpy(dst, src, bytes);
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<ExecutionResources>> CreateResources() const override {
    return std::make_unique<ExecutionResources>();
  }

  absl::StatusOr<double> TimeMs(ExecutionResources*,
                                const std::function<absl::Status()>& run) const override {
    const auto start = std::chrono::steady_clock::now();
    absl::Status status = run();
    const auto end = std::chrono::steady_clock::now();
    if (!status.ok()) return status;
    return std::chrono::duration<double, std::milli>(end - start).count();
  }
};

}  // namespace

KILN_REGISTER_BACKEND(std::make_unique<CpuRefBackend>());

}  // namespace kiln
