// kiln run: load a plan (or build an ONNX model), run it, time it, save outputs.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tools/commands.h"
#include "tools/npy.h"

ABSL_DECLARE_FLAG(std::string, shapes);

ABSL_FLAG(std::string, input, "",
          "name:FILE.npy for one input; repeat the flag (or separate with commas) for several. "
          "Inputs not given get random data");
ABSL_FLAG(std::string, output_dir, "", "write each output as DIR/<name>.npy");
ABSL_FLAG(uint32_t, seed, 1, "seed of the random inputs");
ABSL_FLAG(bool, cuda_graph, true,
          "run as a CUDA graph, captured once per batch and replayed (cuda only; "
          "--cuda-graph=false runs every layer eagerly)");

namespace kiln {
namespace cli {
namespace {

constexpr char kName[] = "kiln run";

// The value at quantile `q` of sorted `v` (nearest rank).
double Quantile(const std::vector<double>& v, double q) {
  const size_t rank = static_cast<size_t>(std::ceil(q * v.size()));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// "prob" -> "prob"; names may hold '/' or ':' (ONNX tensor names often do).
std::string FileNameFor(const std::string& tensor) {
  std::string name = tensor;
  for (char& c : name) {
    if (c == '/' || c == ':' || c == '\\') c = '_';
  }
  return name.empty() || name[0] == '.' ? "_" + name : name;
}

int Run(const Args& args) {
  if (args.positional.size() != 1) {
    return Fail(kName,
                args.positional.empty()
                    ? "missing MODEL.plan (or MODEL.onnx); see 'kiln help run'"
                    : absl::StrCat("expected one model, got ", args.positional.size()),
                kExitUsage);
  }
  const std::string& path = args.positional[0];
  const int batch_flag = absl::GetFlag(FLAGS_batch);
  const int iterations = absl::GetFlag(FLAGS_iterations) > 0 ? absl::GetFlag(FLAGS_iterations) : 50;
  const int warmup = absl::GetFlag(FLAGS_warmup);
  if (batch_flag < 0 || warmup < 0 || absl::GetFlag(FLAGS_iterations) < 0) {
    return Fail(kName, "--batch, --iterations and --warmup must be >= 0", kExitUsage);
  }

  // "name:FILE" pairs, parsed before loading anything so usage errors come first.
  std::vector<std::pair<std::string, std::string>> input_files;
  if (auto given = args.given.find("input"); given != args.given.end()) {
    absl::StatusOr<std::vector<std::pair<std::string, std::string>>> files =
        ParseNamedFiles("input", given->second);
    if (!files.ok()) return Fail(kName, files.status().message(), kExitUsage);
    input_files = *std::move(files);
  }

  absl::StatusOr<std::unique_ptr<Engine>> loaded = LoadEngine(path, batch_flag);
  if (!loaded.ok()) return Fail(kName, loaded.status());
  const Engine& engine = **loaded;
  const Plan& plan = engine.plan();

  absl::StatusOr<std::unique_ptr<ExecutionContext>> context = engine.CreateExecutionContext();
  if (!context.ok()) return Fail(kName, context.status());
  (*context)->set_cuda_graphs(absl::GetFlag(FLAGS_cuda_graph));
  // A plan with shape profiles runs at the shapes of the input files and
  // --shapes (others at the first profile's max).
  const bool dynamic = !plan.profiles.empty();
  absl::StatusOr<std::map<std::string, Dims>> shapes = ParseShapes(absl::GetFlag(FLAGS_shapes));
  if (!shapes.ok()) return Fail(kName, shapes.status().message(), kExitUsage);
  if (!shapes->empty() && !dynamic) {
    return Fail(kName, "--shapes needs a plan built with --profile; this one varies only the "
                       "batch (use --batch)", kExitUsage);
  }
  for (const auto& [name, dims] : *shapes) {
    if (absl::Status s = (*context)->SetInputShape(name, dims); !s.ok()) return Fail(kName, s);
  }

  std::map<int, Weights> inputs;
  int batch = batch_flag;
  for (const auto& [name, file] : input_files) {
    const int binding = engine.binding_index(name);
    if (binding < 0 || !engine.is_input(binding)) {
      std::vector<std::string> names;
      for (int i = 0; i < engine.num_inputs(); ++i) names.push_back(engine.binding_name(i));
      return Fail(kName, absl::StrCat("--input: the model has no input '", name,
                                      "'; its inputs are ", absl::StrJoin(names, ", ")),
                  kExitUsage);
    }
    absl::StatusOr<Weights> data = ReadNpyFile(file);
    if (!data.ok()) return Fail(kName, data.status());
    if (dynamic && shapes->count(name) == 0) {
      if (absl::Status s = (*context)->SetInputShape(binding, data->dims()); !s.ok()) {
        return Fail(kName, absl::StrCat("--input ", file, ": ", s.message()), kExitFailure);
      }
    }
    // Without --batch, a batched input's file says the batch.
    const bool batched = plan.tensors[plan.inputs[binding]].batched;
    if (batch_flag == 0 && batched && !data->dims().empty() && batch == 0) {
      batch = static_cast<int>(data->dims()[0]);
    }
    inputs[binding] = *std::move(data);
  }
  if (batch == 0 && !dynamic) batch = engine.max_batch();
  if (batch != 0 && (batch < 1 || batch > engine.max_batch())) {
    return Fail(kName, absl::StrCat("batch ", batch, " is outside the plan's 1..",
                                    engine.max_batch(), " (rebuild with a larger --batch)"),
                kExitFailure);
  }
  if (batch != 0) {
    if (absl::Status s = (*context)->SetBatch(batch); !s.ok()) return Fail(kName, s);
  }

  absl::StatusOr<BindingBuffers> buffers =
      AllocateBindings(**context, inputs, absl::GetFlag(FLAGS_seed));
  if (!buffers.ok()) return Fail(kName, buffers.status());
  // Samples per run: the batch, or with profiles dim 0 of the first batched input.
  int samples = batch;
  for (int i = 0; samples == 0 && i < engine.num_inputs(); ++i) {
    if (plan.tensors[plan.inputs[i]].batched) samples = static_cast<int>(buffers->descs[i].dims[0]);
  }
  samples = std::max(samples, 1);

  for (int i = 0; i < warmup; ++i) {
    if (absl::Status s = (*context)->Execute(buffers->pointers); !s.ok()) {
      return Fail(kName, s);
    }
  }
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    absl::Status s = (*context)->Execute(buffers->pointers);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    if (!s.ok()) return Fail(kName, s);
  }
  std::sort(ms.begin(), ms.end());
  const double total = std::accumulate(ms.begin(), ms.end(), 0.0);

  const std::string at =
      dynamic ? absl::StrCat("at input shapes (profile ", (*context)->optimization_profile(), ")")
              : absl::StrCat("at batch ", batch);
  std::printf("ran %s on %s (%s) %s: %d iterations after %d warm-up\n", path.c_str(),
              plan.backend.c_str(), plan.device.c_str(), at.c_str(), iterations, warmup);
  for (int i = 0; i < engine.num_inputs(); ++i) {
    std::printf("  input  %-20s %s[%s] %s\n", engine.binding_name(i).c_str(),
                std::string(DataTypeName(buffers->descs[i].dtype)).c_str(),
                DimsString(buffers->descs[i].dims).c_str(),
                inputs.count(i) ? "from file" : "random");
  }
  std::printf("latency (ms): min %.4f  median %.4f  p90 %.4f  p99 %.4f  max %.4f  mean %.4f\n",
              ms.front(), Quantile(ms, 0.5), Quantile(ms, 0.9), Quantile(ms, 0.99), ms.back(),
              total / ms.size());
  std::printf("throughput: %.1f samples/s (%.1f runs/s)\n", samples * ms.size() * 1000.0 / total,
              ms.size() * 1000.0 / total);
  if (!engine.backend().host_memory()) {
    const ExecutionContext& c = **context;
    std::string graph = "on (captured once, then replayed)";
    if (!absl::GetFlag(FLAGS_cuda_graph)) {
      graph = "off (--cuda-graph=false)";
    } else if (!c.cuda_graph_error().ok()) {
      graph = absl::StrCat("off, ran eagerly: ", c.cuda_graph_error().message());
    } else if (!c.cuda_graphs_active()) {
      graph = "off (the first run at a shape is eager; too few runs to capture)";
    }
    std::printf("cuda graph: %s\n", graph.c_str());
  }

  const std::string dir = absl::GetFlag(FLAGS_output_dir);
  if (!dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) return Fail(kName, absl::StrCat(dir, ": cannot create: ", error.message()), 1);
  }
  for (int i = engine.num_inputs(); i < engine.num_bindings(); ++i) {
    absl::StatusOr<Weights> host = ReadBinding(engine, *buffers, i);
    if (!host.ok()) return Fail(kName, host.status());
    std::string where;
    if (!dir.empty()) {
      where = absl::StrCat(dir, "/", FileNameFor(engine.binding_name(i)), ".npy");
      if (absl::Status s = WriteNpyFile(where, *host); !s.ok()) return Fail(kName, s);
      where = " -> " + where;
    }
    std::printf("  output %-20s %s[%s]%s\n", engine.binding_name(i).c_str(),
                std::string(DataTypeName(host->dtype())).c_str(), DimsString(host->dims()).c_str(),
                where.c_str());
  }
  return kExitOk;
}

}  // namespace

const Command& RunCommand() {
  static const Command command{
      "run",
      "kiln run MODEL.plan|MODEL.onnx [--input=name:FILE.npy ...] [flags]",
      "Run a plan on given or random inputs; print latency and throughput.",
      "Loads the plan (an .onnx model is imported and built first with default options),\n"
      "runs --warmup untimed and --iterations timed executions, and prints the latency\n"
      "distribution and throughput. Inputs are NumPy .npy files (C order; fp32 files feed\n"
      "fp16 inputs and back); inputs not given get random data. With --output-dir the\n"
      "outputs of the last run are written as DIR/<output name>.npy. On cuda the network\n"
      "runs as a CUDA graph (the first run eager, the second captures it, later runs\n"
      "replay it); --cuda-graph=false runs every layer eagerly instead.\n"
      "\n"
      "Examples:\n"
      "  kiln run lenet.plan\n"
      "  kiln run lenet.plan --input=data:digit.npy --output-dir=out --iterations=1\n",
      {"input", "output_dir", "iterations", "warmup", "batch", "shapes", "seed", "backend",
       "cuda_graph"},
      Run,
  };
  return command;
}

}  // namespace cli
}  // namespace kiln
