#include "backends/cuda/backend.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "backends/backend.h"
#include "backends/cuda/status.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// cudaMalloc'ed memory; freed on the device it came from.
class CudaBuffer : public DeviceBuffer {
 public:
  CudaBuffer(void* data, size_t size, int device) : data_(data), size_(size), device_(device) {}
  ~CudaBuffer() override {
    if (data_ == nullptr) return;
    int current = 0;
    cudaGetDevice(&current);
    if (current != device_) cudaSetDevice(device_);
    cudaFree(data_);
    if (current != device_) cudaSetDevice(current);
  }
  CudaBuffer(const CudaBuffer&) = delete;
  CudaBuffer& operator=(const CudaBuffer&) = delete;
  void* data() const override { return data_; }
  size_t size() const override { return size_; }

 private:
  void* data_;
  size_t size_;
  int device_;
};

// An instantiated CUDA graph.
class CudaGraph : public CapturedGraph {
 public:
  explicit CudaGraph(cudaGraphExec_t exec) : exec_(exec) {}
  // A launch still in flight finishes first (the driver frees it after).
  ~CudaGraph() override { cudaGraphExecDestroy(exec_); }
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;
  cudaGraphExec_t exec() const { return exec_; }

 private:
  cudaGraphExec_t exec_;
};

// Records what `enqueue` enqueues on `r` into a new graph, on r's capture
// stream; r's stream is the same after as before. On failure the stream has
// left capture mode and the thread's last CUDA error is cleared, so the next
// kernel launch's cudaGetLastError does not report this capture's failure.
absl::StatusOr<cudaGraph_t> CaptureGraph(CudaResources& r,
                                         absl::FunctionRef<absl::Status()> enqueue) {
  KILN_ASSIGN_OR_RETURN(cudaStream_t capture, r.CaptureStream());
  const cudaStream_t run_stream = r.stream();
  KILN_RETURN_IF_ERROR(r.SetStream(capture));
  // Thread-local: only this thread's unsafe calls (cudaMalloc, synchronizing)
  // break the capture; other threads' contexts go on undisturbed.
  absl::Status status = CudaStatus(
      cudaStreamBeginCapture(capture, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  cudaGraph_t graph = nullptr;
  if (status.ok()) {
    status = enqueue();
    // Ended whatever happened, so the stream never stays in capture mode.
    const cudaError_t ended = cudaStreamEndCapture(capture, &graph);
    if (status.ok()) status = CudaStatus(ended, "cudaStreamEndCapture");
  }
  if (!status.ok()) {
    (void)cudaGetLastError();
    if (graph != nullptr) cudaGraphDestroy(graph);
    graph = nullptr;
  }
  absl::Status restored = r.SetStream(run_stream);
  if (status.ok() && !restored.ok()) {
    cudaGraphDestroy(graph);
    status = restored;
  }
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("cannot capture a CUDA graph: ", status.message()));
  }
  return graph;
}

class CudaBackend : public Backend {
 public:
  std::string name() const override { return kBackend; }
  absl::Status Available() const override { return DeviceAvailable(); }

  // "cuda:sm_90": kernels are compiled per architecture and tactic choices
  // are timed on one, so a plan is only valid on the architecture it was
  // built for (PlanReader compares this with the plan's device).
  std::string DeviceSignature() const override {
    int device = 0;
    cudaDeviceProp prop;
    if (!DeviceAvailable().ok() || cudaGetDevice(&device) != cudaSuccess ||
        cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
      return "cuda:none";
    }
    return absl::StrCat("cuda:sm_", prop.major, prop.minor);
  }
  bool host_memory() const override { return false; }

  absl::StatusOr<std::unique_ptr<DeviceBuffer>> Allocate(size_t bytes) const override {
    KILN_RETURN_IF_ERROR(DeviceAvailable());
    int device = 0;
    KILN_CUDA_RETURN_IF_ERROR(cudaGetDevice(&device));
    void* data = nullptr;
    if (bytes > 0) {
      absl::Status status = CudaStatus(cudaMalloc(&data, bytes), "cudaMalloc");
      if (!status.ok()) {
        return absl::Status(status.code(),
                            absl::StrCat("cuda: cannot allocate ", bytes, " bytes on device ",
                                         device, ": ", status.message()));
      }
    }
    return std::unique_ptr<DeviceBuffer>(std::make_unique<CudaBuffer>(data, bytes, device));
  }

  // Synchronous: the legacy default stream is waited for, so the data is in
  // place before any context's stream (created blocking) runs on it.
  absl::Status CopyFromHost(void* dst, const void* src, size_t bytes) const override {
    if (bytes == 0) return absl::OkStatus();
    KILN_CUDA_RETURN_IF_ERROR(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
    KILN_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(nullptr));
    return absl::OkStatus();
  }
  absl::Status CopyToHost(void* dst, const void* src, size_t bytes) const override {
    if (bytes == 0) return absl::OkStatus();
    KILN_CUDA_RETURN_IF_ERROR(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<ExecutionResources>> CreateResources() const override {
    KILN_RETURN_IF_ERROR(DeviceAvailable());
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<CudaResources> resources, CudaResources::Create());
    return std::unique_ptr<ExecutionResources>(std::move(resources));
  }

  absl::StatusOr<double> TimeMs(ExecutionResources* resources,
                                const std::function<absl::Status()>& run) const override {
    auto* r = static_cast<CudaResources*>(resources);
    KILN_CUDA_RETURN_IF_ERROR(cudaEventRecord(r->start_event(), r->stream()));
    KILN_RETURN_IF_ERROR(run());
    KILN_CUDA_RETURN_IF_ERROR(cudaEventRecord(r->stop_event(), r->stream()));
    KILN_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(r->stop_event()));
    float ms = 0.0f;
    KILN_CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms, r->start_event(), r->stop_event()));
    return static_cast<double>(ms);
  }

  absl::Status Synchronize(ExecutionResources* resources) const override {
    auto* r = static_cast<CudaResources*>(resources);
    KILN_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(r->stream()));
    return absl::OkStatus();
  }
  absl::Status SetStream(ExecutionResources* resources, void* stream) const override {
    return static_cast<CudaResources*>(resources)->SetStream(static_cast<cudaStream_t>(stream));
  }
  absl::Status RecordEvent(ExecutionResources* resources, void* event) const override {
    if (event == nullptr) return absl::OkStatus();
    auto* r = static_cast<CudaResources*>(resources);
    KILN_CUDA_RETURN_IF_ERROR(cudaEventRecord(static_cast<cudaEvent_t>(event), r->stream()));
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<CapturedGraph>> Capture(
      ExecutionResources* resources, absl::FunctionRef<absl::Status()> enqueue,
      std::unique_ptr<CapturedGraph> previous) const override {
    auto* r = static_cast<CudaResources*>(resources);
    KILN_ASSIGN_OR_RETURN(cudaGraph_t graph, CaptureGraph(*r, enqueue));
    // Same kernels with other pointers (new bindings) update in place; a
    // different topology (a library chose other kernels) is instantiated anew.
    if (previous != nullptr) {
      cudaGraphExecUpdateResultInfo info;
      if (cudaGraphExecUpdate(static_cast<CudaGraph&>(*previous).exec(), graph, &info) ==
          cudaSuccess) {
        cudaGraphDestroy(graph);
        return previous;
      }
      (void)cudaGetLastError();
      previous.reset();
    }
    cudaGraphExec_t exec = nullptr;
    const cudaError_t code = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    if (code != cudaSuccess) {
      (void)cudaGetLastError();
      return CudaStatus(code, "cudaGraphInstantiate");
    }
    return std::unique_ptr<CapturedGraph>(std::make_unique<CudaGraph>(exec));
  }
  absl::Status Replay(ExecutionResources* resources, const CapturedGraph& graph) const override {
    auto* r = static_cast<CudaResources*>(resources);
    KILN_CUDA_RETURN_IF_ERROR(
        cudaGraphLaunch(static_cast<const CudaGraph&>(graph).exec(), r->stream()));
    return absl::OkStatus();
  }
  int CurrentDevice() const override {
    int device = -1;
    if (cudaGetDevice(&device) != cudaSuccess) return -1;
    return device;
  }
  absl::Status SetDevice(int device) const override {
    KILN_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<CudaResources>> CudaResources::Create() {
  std::unique_ptr<CudaResources> r(new CudaResources());
  KILN_CUDA_RETURN_IF_ERROR(cudaGetDevice(&r->device_));
  // A blocking stream: it waits for the legacy default stream, where the
  // backend's synchronous copies run.
  KILN_CUDA_RETURN_IF_ERROR(cudaStreamCreate(&r->own_stream_));
  r->stream_ = r->own_stream_;
  KILN_CUDA_RETURN_IF_ERROR(cudaEventCreate(&r->start_));
  KILN_CUDA_RETURN_IF_ERROR(cudaEventCreate(&r->stop_));
  KILN_CUDNN_RETURN_IF_ERROR(cudnnCreate(&r->cudnn_));
  KILN_CUDNN_RETURN_IF_ERROR(cudnnSetStream(r->cudnn_, r->stream_));
  KILN_CUBLAS_RETURN_IF_ERROR(cublasLtCreate(&r->cublas_lt_));
  return r;
}

CudaResources::~CudaResources() {
  if (cublas_lt_ != nullptr) cublasLtDestroy(cublas_lt_);
  if (cudnn_ != nullptr) cudnnDestroy(cudnn_);
  if (start_ != nullptr) cudaEventDestroy(start_);
  if (stop_ != nullptr) cudaEventDestroy(stop_);
  if (own_stream_ != nullptr) cudaStreamDestroy(own_stream_);
  if (capture_stream_ != nullptr) cudaStreamDestroy(capture_stream_);
}

absl::StatusOr<cudaStream_t> CudaResources::CaptureStream() {
  if (capture_stream_ == nullptr) {
    KILN_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&capture_stream_, cudaStreamNonBlocking));
  }
  return capture_stream_;
}

absl::Status CudaResources::SetStream(cudaStream_t stream) {
  cudaStream_t next = stream != nullptr ? stream : own_stream_;
  if (next == stream_) return absl::OkStatus();
  stream_ = next;
  KILN_CUDNN_RETURN_IF_ERROR(cudnnSetStream(cudnn_, stream_));
  return absl::OkStatus();
}

absl::Status DeviceAvailable() {
  static const absl::Status* const status = [] {
    int count = 0;
    const cudaError_t code = cudaGetDeviceCount(&count);
    if (code != cudaSuccess) {
      (void)cudaGetLastError();
      return new absl::Status(absl::FailedPreconditionError(absl::StrCat(
          "no usable CUDA device: cudaGetDeviceCount failed with ", cudaGetErrorName(code), " (",
          cudaGetErrorString(code), "); run on a machine with an NVIDIA GPU and driver")));
    }
    if (count == 0) {
      return new absl::Status(absl::FailedPreconditionError(
          "no CUDA device on this machine; run on a machine with an NVIDIA GPU"));
    }
    return new absl::Status();
  }();
  return *status;
}

std::mutex& QueryMutex() {
  static std::mutex* const mu = new std::mutex();
  return *mu;
}

absl::StatusOr<cudnnHandle_t> QueryCudnnHandle() {
  KILN_RETURN_IF_ERROR(DeviceAvailable());
  static cudnnHandle_t handle = nullptr;
  if (handle == nullptr) KILN_CUDNN_RETURN_IF_ERROR(cudnnCreate(&handle));
  return handle;
}

absl::StatusOr<cublasLtHandle_t> QueryCublasLtHandle() {
  KILN_RETURN_IF_ERROR(DeviceAvailable());
  static cublasLtHandle_t handle = nullptr;
  if (handle == nullptr) KILN_CUBLAS_RETURN_IF_ERROR(cublasLtCreate(&handle));
  return handle;
}

}  // namespace cuda

KILN_REGISTER_BACKEND(std::make_unique<cuda::CudaBackend>());

}  // namespace kiln
