// What several `kiln` commands share: flags, errors, files, loading engines.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "graph/status_macros.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "samples/networks.h"
#include "tools/commands.h"

ABSL_FLAG(int, batch, 0,
          "batch size. build: the max batch the plan accepts (0 = 1); run/profile: the batch to "
          "run (0 = the plan's max batch, or the inputs' dim 0)");
ABSL_FLAG(int, iterations, 0, "timed runs (0 = 50 for run, 20 for profile)");
ABSL_FLAG(int, warmup, 5, "untimed runs before timing");
ABSL_FLAG(std::string, backend, "cpu_ref", "backend to build for or test: cpu_ref or cuda");
ABSL_FLAG(bool, verbose, false, "log every build step and each tactic's measured time");

namespace kiln {
namespace cli {

absl::StatusOr<std::vector<TensorFormat>> ParseFormats(absl::string_view text) {
  std::vector<TensorFormat> formats;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    if (item == "linear") {
      formats.push_back(TensorFormat::kLinear);
    } else if (item == "nhwc") {
      formats.push_back(TensorFormat::kNHWC);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--formats: '", item, "' is not a layout; use linear and/or nhwc"));
    }
  }
  if (formats.empty()) {
    return absl::InvalidArgumentError("--formats is empty; use linear and/or nhwc");
  }
  return formats;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseNamedFiles(
    absl::string_view flag, const std::vector<std::string>& values) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& value : values) {
    for (absl::string_view item : absl::StrSplit(value, ',', absl::SkipEmpty())) {
      const size_t colon = item.find(':');
      if (colon == absl::string_view::npos || colon == 0 || colon + 1 == item.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", flag, " '", item, "' is not name:FILE.npy"));
      }
      files.emplace_back(std::string(item.substr(0, colon)), std::string(item.substr(colon + 1)));
    }
  }
  return files;
}

absl::StatusOr<NetworkDefinition> SampleNetwork(absl::string_view name) {
  if (name == "lenet5") return samples::LeNet5(/*seed=*/42);
  if (name == "resnet50") return samples::ResNet50(/*seed=*/42);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown --sample '", name, "'; the samples are lenet5, resnet50"));
}

absl::StatusOr<std::map<std::string, Dims>> ParseShapes(absl::string_view text) {
  std::map<std::string, Dims> shapes;
  if (text.empty()) return shapes;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    const size_t colon = item.rfind(':');
    if (colon == absl::string_view::npos || colon == 0 || colon + 1 == item.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--shapes entry '", item, "' is not name:DIMS (e.g. data:1x3x224x224)"));
    }
    Dims dims;
    for (absl::string_view d : absl::StrSplit(item.substr(colon + 1), 'x')) {
      int64_t v;
      if (!absl::SimpleAtoi(d, &v) || v < 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--shapes entry '", item, "': '", d, "' is not a positive dimension"));
      }
      dims.push_back(v);
    }
    shapes[std::string(item.substr(0, colon))] = dims;
  }
  return shapes;
}



int Fail(absl::string_view command, absl::string_view message, int code) {
  // One line, whatever the message holds.
  const std::string line = absl::StrReplaceAll(message, {{"\n", "; "}});
  std::fprintf(stderr, "%s: %s\n", std::string(command).c_str(), line.c_str());
  return code;
}

int Fail(absl::string_view command, const absl::Status& status) {
  return Fail(command, status.message(), kExitFailure);
}

absl::StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return bytes;
}

absl::Status WriteFileBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
  }
  out.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  out.close();
  if (!out) return absl::DataLossError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

bool EndsWith(absl::string_view s, absl::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes >= (1u << 20)) return absl::StrFormat("%.2f MiB", bytes / 1048576.0);
  if (bytes >= (1u << 10)) return absl::StrFormat("%.1f KiB", bytes / 1024.0);
  return absl::StrCat(bytes, " B");
}

absl::StatusOr<std::unique_ptr<Engine>> LoadEngine(const std::string& path, int max_batch) {
  if (EndsWith(path, ".onnx")) {
    absl::StatusOr<NetworkDefinition> network = ImportOnnx(path, 1, {});
    if (!network.ok()) return network.status();
    BuildConfig config;
    config.max_batch = max_batch > 0 ? max_batch : 1;
    config.backends = {absl::GetFlag(FLAGS_backend)};
    absl::StatusOr<Plan> plan = Builder::Build(*network, config);
    if (!plan.ok()) {
      return absl::Status(plan.status().code(),
                          absl::StrCat(path, ": build failed: ", plan.status().message()));
    }
    return Runtime::CreateEngine(*std::move(plan));
  }
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<std::unique_ptr<Engine>> engine = Runtime::Deserialize(*bytes);
  if (!engine.ok()) {
    return absl::Status(engine.status().code(),
                        absl::StrCat(path, ": ", engine.status().message()));
  }
  return engine;
}

namespace {

// `w` as `dtype`; only fp32 <-> fp16 convert, since anything else would lose
// meaning silently.
absl::StatusOr<Weights> ConvertTo(const Weights& w, DataType dtype) {
  if (w.dtype() == dtype) return w;
  Weights out(dtype, w.dims());
  const int64_t n = Volume(w.dims());
  if (w.dtype() == DataType::kFloat32 && dtype == DataType::kFloat16) {
    for (int64_t i = 0; i < n; ++i) out.mutable_as<uint16_t>()[i] = FloatToHalf(w.as<float>()[i]);
    return out;
  }
  if (w.dtype() == DataType::kFloat16 && dtype == DataType::kFloat32) {
    for (int64_t i = 0; i < n; ++i) out.mutable_as<float>()[i] = HalfToFloat(w.as<uint16_t>()[i]);
    return out;
  }
  return absl::InvalidArgumentError(absl::StrCat("holds ", DataTypeName(w.dtype()), ", expected ",
                                                 DataTypeName(dtype)));
}

Weights RandomData(const TensorDesc& desc, std::mt19937& rng) {
  Weights w(desc.dtype, desc.dims);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const int64_t n = desc.volume();
  if (desc.dtype == DataType::kFloat32) {
    for (int64_t i = 0; i < n; ++i) w.mutable_as<float>()[i] = dist(rng);
  } else if (desc.dtype == DataType::kFloat16) {
    for (int64_t i = 0; i < n; ++i) w.mutable_as<uint16_t>()[i] = FloatToHalf(dist(rng));
  }
  return w;
}

}  // namespace

namespace {

// AllocateBindings with each binding's desc from `desc_of`; `at` says where
// in errors ("at batch 4").
absl::StatusOr<BindingBuffers> AllocateBindingsWith(
    const Engine& engine, const std::function<absl::StatusOr<TensorDesc>(int)>& desc_of,
    const std::string& at, const std::map<int, Weights>& inputs, uint32_t seed) {
  BindingBuffers b;
  std::mt19937 rng(seed);
  const Backend& backend = engine.backend();
  for (int i = 0; i < engine.num_bindings(); ++i) {
    KILN_ASSIGN_OR_RETURN(TensorDesc desc, desc_of(i));
    // At least one byte, so an empty tensor still has a valid pointer.
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<DeviceBuffer> buffer,
                          backend.Allocate(std::max<size_t>(desc.bytes(), 1)));
    if (engine.is_input(i)) {
      Weights data;
      auto given = inputs.find(i);
      if (given != inputs.end()) {
        if (given->second.dims() != desc.dims) {
          return absl::InvalidArgumentError(absl::StrCat(
              "input '", desc.name, "' ", at, " is ", DataTypeName(desc.dtype), "[",
              DimsString(desc.dims), "], the file holds ", DataTypeName(given->second.dtype()),
              "[", DimsString(given->second.dims()), "]"));
        }
        absl::StatusOr<Weights> converted = ConvertTo(given->second, desc.dtype);
        if (!converted.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("input '", desc.name, "': the file ", converted.status().message()));
        }
        data = *std::move(converted);
      } else {
        data = RandomData(desc, rng);
      }
      if (desc.bytes() > 0) {
        KILN_RETURN_IF_ERROR(backend.CopyFromHost(buffer->data(), data.data(), desc.bytes()));
      }
    }
    b.pointers.push_back(buffer->data());
    b.buffers.push_back(std::move(buffer));
    b.descs.push_back(std::move(desc));
  }
  return b;
}

}  // namespace

absl::StatusOr<BindingBuffers> AllocateBindings(const Engine& engine, int batch,
                                                const std::map<int, Weights>& inputs,
                                                uint32_t seed) {
  return AllocateBindingsWith(
      engine, [&](int i) { return engine.binding_desc(i, batch); },
      absl::StrCat("at batch ", batch), inputs, seed);
}

absl::StatusOr<BindingBuffers> AllocateBindings(ExecutionContext& context,
                                                const std::map<int, Weights>& inputs,
                                                uint32_t seed) {
  return AllocateBindingsWith(
      context.engine(), [&](int i) { return context.binding_desc(i); }, "at the shapes run",
      inputs, seed);
}

absl::StatusOr<Weights> ReadBinding(const Engine& engine, const BindingBuffers& buffers,
                                    int binding) {
  const TensorDesc& desc = buffers.descs[binding];
  Weights host(desc.dtype, desc.dims);
  if (desc.bytes() > 0) {
    KILN_RETURN_IF_ERROR(
        engine.backend().CopyToHost(host.mutable_data(), buffers.pointers[binding], desc.bytes()));
  }
  return host;
}

}  // namespace cli
}  // namespace kiln
