#include "bench/e2e/e2e_case.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/e2e/stream.h"
#include "graph/status_macros.h"
#include "importers/onnx/onnx_importer.h"
#include "optimizer/builder.h"
#include "optimizer/timing_cache.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tools/npy.h"

namespace kiln {
namespace bench {
namespace {

// `status` with "<step>: " before its message.
absl::Status Annotate(const absl::Status& status, absl::string_view step) {
  return absl::Status(status.code(), absl::StrCat(step, ": ", status.message()));
}

absl::Status WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  out.close();
  if (!out) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// An fp32 .npy file of shape (batch, ...).
absl::StatusOr<Weights> ReadBatchOfFloats(const std::string& path, int batch) {
  KILN_ASSIGN_OR_RETURN(Weights w, ReadNpyFile(path));
  if (w.dtype() != DataType::kFloat32 || w.dims().empty() || w.dims()[0] != batch) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": expected fp32 of shape (", batch,
                                                   ", ...), found ", DataTypeName(w.dtype()), "[",
                                                   DimsString(w.dims()), "]"));
  }
  return w;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// As `kiln build` prints them: "[12/122] conv3 (Convolution) ... chose T (0.1 ms, best of 4)".
void PrintProgress(const BuildProgress& p) {
  std::fprintf(stderr, "  [%d/%d] %s (%s) ... chose %s (%.4g ms, best of %d, %d cached)\n", p.done,
               p.total, std::string(p.layer).c_str(), std::string(p.op).c_str(),
               std::string(p.tactic).c_str(), p.median_ms, p.candidates, p.cache_hits);
}

}  // namespace

std::string CaseSpec::Name() const {
  return absl::StrCat("e2e/", model, "/", precision, "/b", batch);
}

std::string CaseSpec::FileStem() const { return absl::StrCat(model, ".", precision, ".b", batch); }

std::string ModelPath(const std::string& dir, const std::string& model) {
  return absl::StrCat(dir, "/", model, ".onnx");
}
std::string InputPath(const std::string& dir, const std::string& model, int batch) {
  return absl::StrCat(dir, "/", model, ".b", batch, ".input.npy");
}
std::string ReferencePath(const std::string& dir, const std::string& model, int batch) {
  return absl::StrCat(dir, "/", model, ".b", batch, ".ref.npy");
}

std::string PerCasePath(const std::string& path, const std::string& stem) {
  const size_t slash = path.rfind('/');
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) ||
      dot == (slash == std::string::npos ? 0 : slash + 1)) {
    return absl::StrCat(path, ".", stem);
  }
  return absl::StrCat(path.substr(0, dot), ".", stem, path.substr(dot));
}

PreparedCase::~PreparedCase() = default;

absl::StatusOr<std::unique_ptr<PreparedCase>> PreparedCase::Create(const CaseSpec& spec,
                                                                   const CaseOptions& options) {
  std::unique_ptr<PreparedCase> c(new PreparedCase());
  c->spec_ = spec;
  KILN_ASSIGN_OR_RETURN(c->bound_, BoundFor(spec.precision));
  // The peer's error on these inputs, when export_models.py wrote it: for
  // fp16 PyTorch's own fp16 run, for tf32 its own TF32 run, for fp32
  // onnxruntime's (an independent fp32 engine on the same ONNX file).
  const char* yardstick_file = spec.precision == "fp16"   ? ".torch_fp16_rel_l2.txt"
                               : spec.precision == "tf32" ? ".torch_tf32_rel_l2.txt"
                               : spec.precision == "fp32" ? ".onnxruntime_fp32_rel_l2.txt"
                                                          : nullptr;
  if (yardstick_file != nullptr) {
    std::ifstream yardstick(
        absl::StrCat(options.models_dir, "/", spec.model, ".b", spec.batch, yardstick_file));
    double peer_rel_l2 = 0;
    if (yardstick >> peer_rel_l2) c->bound_ = WithPeerYardstick(c->bound_, peer_rel_l2);
  }
  const Backend* backend = BackendRegistry::Global().Find(options.backend);
  if (backend == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no backend '", options.backend, "' in this build; it has ",
                     absl::StrJoin(BackendRegistry::Global().Names(), ", ")));
  }
  if (absl::Status s = backend->Available(); !s.ok()) {
    return Annotate(s, absl::StrCat("backend '", options.backend, "'"));
  }
  c->backend_ = backend;

  // The data first, so that a missing file fails before a long build.
  KILN_ASSIGN_OR_RETURN(
      Weights input,
      ReadBatchOfFloats(InputPath(options.models_dir, spec.model, spec.batch), spec.batch));
  KILN_ASSIGN_OR_RETURN(
      Weights reference,
      ReadBatchOfFloats(ReferencePath(options.models_dir, spec.model, spec.batch), spec.batch));
  c->reference_.assign(reference.as<float>(), reference.as<float>() + Volume(reference.dims()));

  // Import with the batch dim symbolic in the file: it becomes kiln's batch.
  OnnxImportOptions import;
  import.batch = spec.batch;
  const std::string model_path = ModelPath(options.models_dir, spec.model);
  absl::StatusOr<NetworkDefinition> network = ImportOnnxFile(model_path, import);
  if (!network.ok()) return Annotate(network.status(), absl::StrCat("importing ", model_path));

  // Built as `kiln build --backend=B --batch=N [--fp16|--tf32]` builds.
  TimingCache cache;
  BuildConfig config;
  config.max_batch = spec.batch;
  config.workspace_bytes = options.workspace_bytes;
  config.allow_fp16 = spec.precision == "fp16";
  config.allow_tf32 = spec.precision == "tf32";
  config.timing_iterations = options.timing_iterations;
  config.backends = {options.backend};
  config.logger = options.logger;
  config.timing_cache = &cache;
  if (options.verbose) config.progress = PrintProgress;

  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Plan> plan = Builder::Build(*network, config);
  if (!plan.ok()) return Annotate(plan.status(), "building (cold timing cache)");
  c->build_s_cold_ = SecondsSince(start);
  const int64_t timed_cold = cache.misses();

  // The same build again, every tactic time now in the cache.
  start = std::chrono::steady_clock::now();
  absl::StatusOr<Plan> warm_plan = Builder::Build(*network, config);
  if (!warm_plan.ok()) return Annotate(warm_plan.status(), "building (warm timing cache)");
  c->build_s_warm_ = SecondsSince(start);
  const int64_t timed_warm = cache.misses() - timed_cold;
  warm_plan = Plan();  // only its build time was wanted
  std::fprintf(stderr,
               "%s: built for %s in %.2f s cold (%lld tactic timings), %.2f s warm "
               "(%lld timed again, %zu cache entries)\n",
               spec.Name().c_str(), options.backend.c_str(), c->build_s_cold_,
               static_cast<long long>(timed_cold), c->build_s_warm_,
               static_cast<long long>(timed_warm), cache.size());
  if (!options.timing_cache_path.empty()) {
    const std::string path = PerCasePath(options.timing_cache_path, spec.FileStem());
    KILN_RETURN_IF_ERROR(WriteFile(path, cache.Serialize()));
  }

  // Serialized and loaded back, as a deployment would.
  KILN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, PlanWriter::Write(*plan));
  if (!options.plans_dir.empty()) {
    KILN_RETURN_IF_ERROR(
        WriteFile(absl::StrCat(options.plans_dir, "/", spec.FileStem(), ".plan"), bytes));
  }
  plan = Plan();
  absl::StatusOr<std::unique_ptr<Engine>> engine = Runtime::Deserialize(bytes);
  if (!engine.ok()) return Annotate(engine.status(), "loading the plan");
  c->engine_ = *std::move(engine);
  const Engine& e = *c->engine_;
  if (e.num_inputs() != 1 || e.num_bindings() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        model_path, ": expected one input and an output (the logits), found ", e.num_inputs(),
        " inputs and ", e.num_bindings() - e.num_inputs(), " outputs"));
  }
  KILN_ASSIGN_OR_RETURN(c->context_, e.CreateExecutionContext());
  KILN_ASSIGN_OR_RETURN(c->timing_, backend->CreateResources());
  c->stream_ = StreamOf(*backend, c->timing_.get());

  // Bindings in backend memory, at this batch.
  for (int i = 0; i < e.num_bindings(); ++i) {
    KILN_ASSIGN_OR_RETURN(TensorDesc desc, e.binding_desc(i, spec.batch));
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<DeviceBuffer> buffer,
                          backend->Allocate(std::max<size_t>(desc.bytes(), 1)));
    c->bindings_.push_back(buffer->data());
    c->buffers_.push_back(std::move(buffer));
    c->descs_.push_back(std::move(desc));
  }
  const TensorDesc& in = c->descs_[0];
  if (in.dims != input.dims()) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", in.name, "' is ", DimsString(in.dims), " at batch ", spec.batch,
                     "; ", InputPath(options.models_dir, spec.model, spec.batch), " holds ",
                     DimsString(input.dims())));
  }
  if (in.dtype != DataType::kFloat32 && in.dtype != DataType::kFloat16) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", in.name, "' is ", DataTypeName(in.dtype), "; expected floats"));
  }
  if (in.dtype == DataType::kFloat16) {
    Weights half(DataType::kFloat16, input.dims());
    for (int64_t i = 0; i < Volume(input.dims()); ++i) {
      half.mutable_as<uint16_t>()[i] = FloatToHalf(input.as<float>()[i]);
    }
    input = std::move(half);
  }
  KILN_RETURN_IF_ERROR(backend->CopyFromHost(c->bindings_[0], input.data(), in.bytes()));

  // The first run, checked. With CUDA graphs on it runs eagerly; the next
  // one captures the graph and the rest replay it, so the output is checked
  // again after the warm-up. Before each stretch of runs the outputs are set
  // to NaN, so that what the runs do not write fails the next check.
  KILN_RETURN_IF_ERROR(c->FillOutputsWithNaN());
  c->context_->set_cuda_graphs(options.cuda_graphs);
  if (absl::Status s = c->context_->Enqueue(spec.batch, c->bindings_, c->stream_, nullptr);
      !s.ok()) {
    return Annotate(s, "the first run");
  }
  KILN_RETURN_IF_ERROR(backend->Synchronize(c->timing_.get()));
  absl::StatusOr<LogitsComparison> accuracy = c->CheckCurrentOutput();
  if (!accuracy.ok()) return Annotate(accuracy.status(), "checking the first run");
  c->accuracy_ = *accuracy;
  c->violation_ = AccuracyViolation(c->accuracy_, c->bound_);

  KILN_RETURN_IF_ERROR(c->FillOutputsWithNaN());
  const int warmup = std::max(options.warmup_runs, options.cuda_graphs ? 2 : 0);
  for (int i = 0; i < warmup; ++i) {
    if (absl::Status s = c->context_->Enqueue(spec.batch, c->bindings_, c->stream_, nullptr);
        !s.ok()) {
      return Annotate(s, absl::StrCat("warm-up run ", i + 1));
    }
  }
  KILN_RETURN_IF_ERROR(backend->Synchronize(c->timing_.get()));
  c->cuda_graph_active_ = c->context_->cuda_graphs_active();
  if (options.cuda_graphs && !c->cuda_graph_active_) {
    c->cuda_graph_note_ = c->context_->cuda_graph_error().ok()
                              ? absl::StrCat("not used by the ", options.backend, " backend")
                              : std::string(c->context_->cuda_graph_error().message());
  }
  if (c->violation_.empty()) {
    accuracy = c->CheckCurrentOutput();
    if (!accuracy.ok()) return Annotate(accuracy.status(), "checking the output after warm-up");
    const std::string why = AccuracyViolation(*accuracy, c->bound_);
    if (!why.empty()) {
      c->accuracy_ = *accuracy;
      c->violation_ = absl::StrCat("after ", warmup, " warm-up runs",
                                   c->cuda_graph_active_ ? " (CUDA graph replays)" : "", ": ", why);
    }
  }
  KILN_RETURN_IF_ERROR(c->FillOutputsWithNaN());  // for CheckCurrentOutput after timing
  return c;
}

absl::Status PreparedCase::FillOutputsWithNaN() {
  for (int i = engine_->num_inputs(); i < engine_->num_bindings(); ++i) {
    const TensorDesc& out = descs_[i];
    std::vector<uint8_t> nan(out.bytes());
    if (out.dtype == DataType::kFloat32) {
      std::fill_n(reinterpret_cast<float*>(nan.data()), out.volume(),
                  std::numeric_limits<float>::quiet_NaN());
    } else if (out.dtype == DataType::kFloat16) {
      std::fill_n(reinterpret_cast<uint16_t*>(nan.data()), out.volume(), uint16_t{0x7e00});
    }
    KILN_RETURN_IF_ERROR(backend_->CopyFromHost(bindings_[i], nan.data(), nan.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<double> PreparedCase::TimeOneRunMs() {
  return backend_->TimeMs(timing_.get(), [this] {
    return context_->Enqueue(spec_.batch, bindings_, stream_, /*input_consumed_event=*/nullptr);
  });
}

absl::StatusOr<std::vector<float>> PreparedCase::OutputFloats() const {
  // The logits: the first output binding.
  const int binding = engine_->num_inputs();
  const TensorDesc& desc = descs_[binding];
  std::vector<float> values(desc.volume());
  if (desc.dtype == DataType::kFloat32) {
    KILN_RETURN_IF_ERROR(backend_->CopyToHost(values.data(), bindings_[binding], desc.bytes()));
  } else if (desc.dtype == DataType::kFloat16) {
    std::vector<uint16_t> half(desc.volume());
    KILN_RETURN_IF_ERROR(backend_->CopyToHost(half.data(), bindings_[binding], desc.bytes()));
    std::transform(half.begin(), half.end(), values.begin(), HalfToFloat);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "output '", desc.name, "' is ", DataTypeName(desc.dtype), "; expected float logits"));
  }
  return values;
}

absl::StatusOr<LogitsComparison> PreparedCase::CheckCurrentOutput() const {
  KILN_ASSIGN_OR_RETURN(std::vector<float> out, OutputFloats());
  if (out.size() != reference_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("output '", descs_[engine_->num_inputs()].name, "' is ",
                     DimsString(descs_[engine_->num_inputs()].dims), " at batch ", spec_.batch,
                     "; the reference holds ", reference_.size(), " values"));
  }
  return CompareLogits(out, reference_, spec_.batch);
}

}  // namespace bench
}  // namespace kiln
