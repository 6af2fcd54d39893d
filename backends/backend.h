#ifndef KILN_BACKENDS_BACKEND_H_
#define KILN_BACKENDS_BACKEND_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "backends/tactic.h"

namespace kiln {

// Memory owned by a backend (host memory for cpu_ref, device memory for cuda).
class DeviceBuffer {
 public:
  virtual ~DeviceBuffer() = default;
  virtual void* data() const = 0;
  virtual size_t size() const = 0;
};

// Work recorded once and replayed with one launch (a CUDA graph for cuda).
// Opaque to the runtime; made by Backend::Capture, run by Backend::Replay.
class CapturedGraph {
 public:
  virtual ~CapturedGraph() = default;
};

// A place tactics run: memory, per-context resources and a clock.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // OK when this machine can run the backend, else why not.
  virtual absl::Status Available() const = 0;
  // Identifies the device plans are built for ("cpu:x86_64", "cuda:sm_90").
  virtual std::string DeviceSignature() const = 0;
  // True when tensors live in host memory (user pointers are used directly).
  virtual bool host_memory() const = 0;

  virtual absl::StatusOr<std::unique_ptr<DeviceBuffer>> Allocate(size_t bytes) const = 0;
  // Synchronous copies between host memory and this backend's memory.
  virtual absl::Status CopyFromHost(void* dst, const void* src, size_t bytes) const = 0;
  virtual absl::Status CopyToHost(void* dst, const void* src, size_t bytes) const = 0;
  virtual absl::StatusOr<std::unique_ptr<ExecutionResources>> CreateResources() const = 0;
  // Milliseconds taken by one call of `run`, measured the backend's way.
  virtual absl::StatusOr<double> TimeMs(ExecutionResources* resources,
                                        const std::function<absl::Status()>& run) const = 0;

  // Asynchronous execution (runtime/engine.h, ExecutionContext::Enqueue).
  // Streams and events are passed as void* (a cudaStream_t / cudaEvent_t for
  // cuda) so the runtime does not depend on any device library. Host
  // backends run kernels synchronously: they have nothing to wait for, accept
  // only the null stream and no event.

  // Waits until the work enqueued on `resources`' current stream is done.
  virtual absl::Status Synchronize(ExecutionResources* resources) const {
    return absl::OkStatus();
  }
  // Makes later kernels of `resources` run on `stream`; nullptr = the
  // resources' own stream.
  virtual absl::Status SetStream(ExecutionResources* resources, void* stream) const {
    if (stream == nullptr) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("backend '", name(),
                                                   "' runs synchronously on the host and "
                                                   "takes no stream; pass nullptr"));
  }
  // Records `event` on `resources`' current stream.
  virtual absl::Status RecordEvent(ExecutionResources* resources, void* event) const {
    if (event == nullptr) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("backend '", name(),
                                                   "' runs synchronously on the host and "
                                                   "takes no event; pass nullptr"));
  }
  // The device the calling thread uses (engines remember it and their
  // contexts switch to it); -1 for backends with a single device.
  virtual int CurrentDevice() const { return -1; }
  virtual absl::Status SetDevice(int device) const { return absl::OkStatus(); }

  // Graph capture (ExecutionContext's CUDA graphs). Capture records what
  // `enqueue` enqueues on `resources` without running it; the stream
  // `resources` is set to stays as it was. `previous` (may be null), a graph
  // of the same resources, is updated in place and returned when the backend
  // can, else a new graph is made and `previous` dropped. An error means this
  // work cannot be captured (it synchronizes, allocates, ...; the error says
  // what): the backend is left usable and nothing was run, and the caller
  // should run `enqueue` eagerly instead. Host backends capture nothing.
  virtual absl::StatusOr<std::unique_ptr<CapturedGraph>> Capture(
      ExecutionResources* resources, absl::FunctionRef<absl::Status()> enqueue,
      std::unique_ptr<CapturedGraph> previous) const {
    return absl::UnimplementedError(
        absl::StrCat("backend '", name(), "' runs on the host and has no graphs to capture"));
  }
  // Enqueues one run of `graph` on `resources`' current stream.
  virtual absl::Status Replay(ExecutionResources* resources, const CapturedGraph& graph) const {
    return absl::UnimplementedError(absl::StrCat("backend '", name(), "' has no graphs"));
  }
};

class BackendRegistry {
 public:
  static BackendRegistry& Global();
  absl::Status Register(std::unique_ptr<Backend> backend);
  const Backend* Find(absl::string_view name) const;
  std::vector<std::string> Names() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Backend>, std::less<>> backends_ ABSL_GUARDED_BY(mu_);
};

// Host memory aligned to 64 bytes, for host backends and tests.
class HostBuffer : public DeviceBuffer {
 public:
  explicit HostBuffer(size_t bytes);
  ~HostBuffer() override;
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;
  void* data() const override { return data_; }
  size_t size() const override { return size_; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

namespace internal {
bool RegisterBackendOrDie(std::unique_ptr<Backend> backend);
}  // namespace internal

#define KILN_REGISTER_BACKEND_CONCAT_INNER_(a, b) a##b
#define KILN_REGISTER_BACKEND_CONCAT_(a, b) KILN_REGISTER_BACKEND_CONCAT_INNER_(a, b)
#define KILN_REGISTER_BACKEND(...)                                                  \
  static const bool KILN_REGISTER_BACKEND_CONCAT_(kiln_backend_registered_, __COUNTER__) = \
      ::kiln::internal::RegisterBackendOrDie(__VA_ARGS__)

}  // namespace kiln

#endif  // KILN_BACKENDS_BACKEND_H_
