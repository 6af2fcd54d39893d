#include "tests/onnx_node/node_suite.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/backend.h"
#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "importers/onnx/onnx_importer.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

// The one list of tests kiln does not run, and why. Anything else that does
// not pass is a failure, an op kiln does not support yet included.
constexpr char kTraining[] = "training-only op or training mode (kiln is an inference engine)";
constexpr char kTypes[] = "uses sequence, optional, map or string types (kiln has tensors of "
                          "numbers only)";
constexpr char kRandom[] = "random generator: outputs cannot be compared with fixed expectations";

struct SkipRule {
  enum Kind { kOpType, kNameContains } kind;
  const char* pattern;
  const char* reason;
};

constexpr SkipRule kSkipTable[] = {
    {SkipRule::kOpType, "Adagrad", kTraining},
    {SkipRule::kOpType, "Adam", kTraining},
    {SkipRule::kOpType, "Momentum", kTraining},
    {SkipRule::kOpType, "Gradient", kTraining},
    // Dropout and BatchNormalization with training_mode=1.
    {SkipRule::kNameContains, "_training", kTraining},
    {SkipRule::kOpType, "Bernoulli", kRandom},
    {SkipRule::kOpType, "Multinomial", kRandom},
    {SkipRule::kOpType, "RandomNormal", kRandom},
    {SkipRule::kOpType, "RandomNormalLike", kRandom},
    {SkipRule::kOpType, "RandomUniform", kRandom},
    {SkipRule::kOpType, "RandomUniformLike", kRandom},
    {SkipRule::kOpType, "SequenceAt", kTypes},
    {SkipRule::kOpType, "SequenceConstruct", kTypes},
    {SkipRule::kOpType, "SequenceEmpty", kTypes},
    {SkipRule::kOpType, "SequenceErase", kTypes},
    {SkipRule::kOpType, "SequenceInsert", kTypes},
    {SkipRule::kOpType, "SequenceLength", kTypes},
    {SkipRule::kOpType, "SequenceMap", kTypes},
    {SkipRule::kOpType, "SplitToSequence", kTypes},
    {SkipRule::kOpType, "ConcatFromSequence", kTypes},
    {SkipRule::kOpType, "Optional", kTypes},
    {SkipRule::kOpType, "OptionalHasElement", kTypes},
    {SkipRule::kOpType, "OptionalGetElement", kTypes},
    {SkipRule::kOpType, "StringNormalizer", kTypes},
    // Any graph input or output that is not a tensor of numbers is caught by
    // UsesNonNumericTypes below (same reason).
};

bool IsNumericTensor(const onnx::TypeProto& type) {
  return type.has_tensor_type() &&
         type.tensor_type().elem_type() != onnx::TensorProto::STRING;
}

bool UsesNonNumericTypes(const onnx::GraphProto& graph) {
  for (const auto& v : graph.input()) if (!IsNumericTensor(v.type())) return true;
  for (const auto& v : graph.output()) if (!IsNumericTensor(v.type())) return true;
  return false;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::stringstream s;
  s << file.rdbuf();
  *out = s.str();
  return true;
}

absl::StatusOr<onnx::TensorProto> ReadTensor(const std::string& path) {
  std::string bytes;
  onnx::TensorProto tensor;
  if (!ReadFile(path, &bytes) || !tensor.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read tensor file ", path));
  }
  return tensor;
}

// Sorted input_<i>.pb or output_<i>.pb of one data set, by index.
std::vector<std::string> DataFiles(const std::string& dir, const std::string& prefix) {
  std::vector<std::pair<int, std::string>> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, prefix) && absl::EndsWith(name, ".pb")) {
      found.push_back({std::atoi(name.c_str() + prefix.size()), entry.path().string()});
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  for (auto& [i, p] : found) paths.push_back(p);
  return paths;
}

double ElementAsDouble(const Weights& w, int64_t i) {
  switch (w.dtype()) {
    case DataType::kFloat32: return w.as<float>()[i];
    case DataType::kFloat16: return HalfToFloat(w.as<uint16_t>()[i]);
    case DataType::kInt8: return w.as<int8_t>()[i];
    case DataType::kInt32: return w.as<int32_t>()[i];
    case DataType::kInt64: return static_cast<double>(w.as<int64_t>()[i]);
    case DataType::kBool: return w.as<uint8_t>()[i] != 0;
  }
  return 0;
}

// Empty when `actual` matches `expected` within the runner's tolerance.
std::string Compare(const std::string& what, const Weights& actual, const Weights& expected,
                    double rtol, double atol) {
  if (actual.dims() != expected.dims()) {
    return absl::StrCat(what, ": dims ", DimsString(actual.dims()), ", expected ",
                        DimsString(expected.dims()));
  }
  if (actual.dtype() != expected.dtype()) {
    return absl::StrCat(what, ": type ", DataTypeName(actual.dtype()), ", expected ",
                        DataTypeName(expected.dtype()));
  }
  const bool exact = !IsFloatType(expected.dtype());
  int64_t bad = 0, first = -1;
  double max_err = 0;
  for (int64_t i = 0; i < Volume(expected.dims()); ++i) {
    const double a = ElementAsDouble(actual, i), b = ElementAsDouble(expected, i);
    bool ok;
    if (exact) {
      ok = a == b;
    } else if (std::isnan(a) || std::isnan(b)) {
      ok = std::isnan(a) && std::isnan(b);
    } else if (std::isinf(a) || std::isinf(b)) {
      ok = a == b;
    } else {
      const double err = std::fabs(a - b);
      max_err = std::max(max_err, err);
      ok = err <= atol + rtol * std::fabs(b);
    }
    if (!ok) {
      if (first < 0) first = i;
      ++bad;
    }
  }
  if (bad == 0) return "";
  return absl::StrCat(what, ": ", bad, " of ", Volume(expected.dims()), " elements differ; first at ",
                      first, ": got ", ElementAsDouble(actual, first), ", expected ",
                      ElementAsDouble(expected, first), " (max abs error ", max_err, ")");
}

struct BuiltEngine {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<ExecutionContext> context;
};

absl::StatusOr<BuiltEngine> BuildEngine(const std::string& model_path,
                                        const OnnxImportOptions& import_options,
                                        const NodeSuiteOptions& options) {
  KILN_ASSIGN_OR_RETURN(NetworkDefinition network, ImportOnnxFile(model_path, import_options));
  BuildConfig config;
  config.backends = {options.backend};
  config.max_batch = 1;
  config.timing_iterations = 1;
  KILN_ASSIGN_OR_RETURN(Plan plan, Builder::Build(network, config));
  KILN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, PlanWriter::Write(plan));
  BuiltEngine built;
  KILN_ASSIGN_OR_RETURN(built.engine, Runtime::Deserialize(bytes));
  KILN_ASSIGN_OR_RETURN(built.context, built.engine->CreateExecutionContext());
  return built;
}

// Runs one data set on `built`; `inputs` are the data set's inputs that are
// still network inputs, in the model's order (= the engine's input bindings).
absl::Status RunDataSet(BuiltEngine& built, const std::string& set_name,
                        std::vector<Weights> inputs, const std::vector<std::string>& output_files,
                        const std::string& set_dir, const NodeSuiteOptions& options,
                        std::string* mismatch) {
  Engine& engine = *built.engine;
  const Backend& backend = engine.backend();
  const int num_bindings = engine.num_bindings();
  if (static_cast<int>(inputs.size()) != engine.num_inputs()) {
    return absl::InvalidArgumentError(absl::StrCat(set_name, ": ", inputs.size(),
                                                   " input files for ", engine.num_inputs(),
                                                   " network inputs"));
  }
  std::vector<Weights> host(num_bindings);
  std::vector<std::unique_ptr<DeviceBuffer>> device(num_bindings);
  std::vector<void*> pointers(num_bindings, nullptr);
  for (int b = 0; b < num_bindings; ++b) {
    KILN_ASSIGN_OR_RETURN(TensorDesc desc, engine.binding_desc(b, 1));
    if (engine.is_input(b)) {
      host[b] = std::move(inputs[b]);
      if (host[b].dims() != desc.dims || host[b].dtype() != desc.dtype) {
        return absl::InvalidArgumentError(absl::StrCat(
            set_name, ": input ", b, " holds ", DataTypeName(host[b].dtype()), "[",
            DimsString(host[b].dims()), "]; the engine's binding is ", desc.ToString()));
      }
    } else {
      host[b] = Weights(desc.dtype, desc.dims);
    }
    if (backend.host_memory()) {
      pointers[b] = host[b].mutable_data();
    } else {
      KILN_ASSIGN_OR_RETURN(device[b], backend.Allocate(std::max<size_t>(1, host[b].bytes())));
      pointers[b] = device[b]->data();
      if (engine.is_input(b)) {
        KILN_RETURN_IF_ERROR(backend.CopyFromHost(pointers[b], host[b].data(), host[b].bytes()));
      }
    }
  }
  KILN_RETURN_IF_ERROR(built.context->Execute(1, pointers));
  const int num_outputs = num_bindings - engine.num_inputs();
  if (static_cast<int>(output_files.size()) != num_outputs) {
    return absl::InvalidArgumentError(absl::StrCat(set_name, ": ", output_files.size(),
                                                   " output files for ", num_outputs,
                                                   " network outputs"));
  }
  for (int o = 0; o < num_outputs; ++o) {
    const int b = engine.num_inputs() + o;
    if (!backend.host_memory()) {
      KILN_RETURN_IF_ERROR(
          backend.CopyToHost(host[b].mutable_data(), pointers[b], host[b].bytes()));
    }
    KILN_ASSIGN_OR_RETURN(onnx::TensorProto proto, ReadTensor(output_files[o]));
    KILN_ASSIGN_OR_RETURN(Weights expected, onnx_import::TensorProtoToWeights(proto, set_dir));
    const std::string diff =
        Compare(absl::StrCat(set_name, " output '", engine.binding_name(b), "'"), host[b],
                expected, options.rtol, options.atol);
    if (!diff.empty()) {
      *mismatch = diff;
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// Imports and builds once when the model imports as it is. When kiln needs
// some of the model's inputs as constants (a Reshape's shape, Pad's pads,
// Clip's bounds: node tests feed those as inputs), those inputs are fixed to
// each data set's values (OnnxImportOptions::constant_inputs) and the model
// is rebuilt per data set.
absl::Status RunDataSets(const std::string& test_dir, const onnx::GraphProto& graph,
                         const NodeSuiteOptions& options, std::string* mismatch) {
  const std::string model_path = test_dir + "/model.onnx";
  std::set<std::string> initializers;
  for (const auto& init : graph.initializer()) initializers.insert(init.name());
  std::vector<const onnx::ValueInfoProto*> graph_inputs;
  for (const auto& in : graph.input()) {
    if (!initializers.count(in.name())) graph_inputs.push_back(&in);
  }

  std::vector<std::string> sets;
  for (const auto& entry : fs::directory_iterator(test_dir)) {
    if (entry.is_directory() &&
        absl::StartsWith(entry.path().filename().string(), "test_data_set_")) {
      sets.push_back(entry.path().string());
    }
  }
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) return absl::NotFoundError("no test_data_set_* directory");

  // The model's inputs kiln needs as constants: found by importing, reading
  // the input the error names, and trying again.
  std::set<std::string> frozen;
  absl::StatusOr<BuiltEngine> shared = BuildEngine(model_path, OnnxImportOptions{}, options);
  for (int attempt = 0; !shared.ok() && attempt < 8; ++attempt) {
    const std::string message(shared.status().message());
    const size_t end = message.find("') must be a constant");
    const size_t begin = end == std::string::npos ? end : message.rfind("('", end);
    if (begin == std::string::npos) break;
    const std::string name = message.substr(begin + 2, end - begin - 2);
    bool is_input = false;
    for (const auto* in : graph_inputs) is_input = is_input || in->name() == name;
    if (!is_input || frozen.count(name)) break;
    frozen.insert(name);
    OnnxImportOptions probe;
    const std::vector<std::string> first = DataFiles(sets[0], "input_");
    for (size_t i = 0; i < first.size() && i < graph_inputs.size(); ++i) {
      if (!frozen.count(graph_inputs[i]->name())) continue;
      KILN_ASSIGN_OR_RETURN(onnx::TensorProto proto, ReadTensor(first[i]));
      KILN_ASSIGN_OR_RETURN(probe.constant_inputs[graph_inputs[i]->name()],
                            onnx_import::TensorProtoToWeights(proto, sets[0]));
    }
    shared = BuildEngine(model_path, probe, options);
  }
  if (!shared.ok()) return shared.status();
  const bool freeze = !frozen.empty();

  for (const std::string& set : sets) {
    const std::string set_name = fs::path(set).filename().string();
    const std::vector<std::string> input_files = DataFiles(set, "input_");
    if (input_files.size() > graph_inputs.size()) {
      return absl::InvalidArgumentError(absl::StrCat(set_name, ": ", input_files.size(),
                                                     " input files for ", graph_inputs.size(),
                                                     " graph inputs"));
    }
    OnnxImportOptions import_options;
    std::vector<Weights> inputs;
    for (size_t i = 0; i < input_files.size(); ++i) {
      KILN_ASSIGN_OR_RETURN(onnx::TensorProto proto, ReadTensor(input_files[i]));
      KILN_ASSIGN_OR_RETURN(Weights w, onnx_import::TensorProtoToWeights(proto, set));
      if (frozen.count(graph_inputs[i]->name())) {
        import_options.constant_inputs[graph_inputs[i]->name()] = std::move(w);
      } else {
        inputs.push_back(std::move(w));
      }
    }
    BuiltEngine own;
    BuiltEngine* built = &*shared;
    if (freeze && set != sets[0]) {
      KILN_ASSIGN_OR_RETURN(own, BuildEngine(model_path, import_options, options));
      built = &own;
    }
    KILN_RETURN_IF_ERROR(RunDataSet(*built, set_name, std::move(inputs),
                                    DataFiles(set, "output_"), set, options, mismatch));
    if (!mismatch->empty()) return absl::OkStatus();
  }
  return absl::OkStatus();
}

// One line without newlines (messages of kiln may span several).
std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > 3000) s = s.substr(0, 3000) + "...";
  return s;
}

// Runs one test in a child process; the result comes back through a pipe.
struct Child {
  pid_t pid = -1;
  int fd = -1;
  std::string name;
  std::string data;
};

Child StartChild(const std::string& test_dir, const NodeSuiteOptions& options) {
  Child child;
  child.name = fs::path(test_dir).filename().string();
  int fds[2];
  if (pipe(fds) != 0) return child;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(static_cast<unsigned>(options.timeout_seconds));
    const NodeTestResult r = RunNodeTest(test_dir, options);
    const std::string out =
        absl::StrCat(static_cast<int>(r.outcome), "\n", OneLine(r.message));
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  child.pid = pid;
  child.fd = fds[0];
  return child;
}

NodeTestResult FinishChild(Child& child, const NodeSuiteOptions& options) {
  NodeTestResult r;
  r.name = child.name;
  char buf[4096];
  ssize_t n;
  while ((n = read(child.fd, buf, sizeof(buf))) > 0) child.data.append(buf, n);
  close(child.fd);
  int status = 0;
  waitpid(child.pid, &status, 0);
  const size_t nl = child.data.find('\n');
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && nl != std::string::npos) {
    r.outcome = static_cast<NodeTestOutcome>(std::atoi(child.data.substr(0, nl).c_str()));
    r.message = child.data.substr(nl + 1);
  } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
    r.outcome = NodeTestOutcome::kFailed;
    r.message = absl::StrCat("timed out after ", options.timeout_seconds, " s");
  } else {
    r.outcome = NodeTestOutcome::kFailed;
    r.message = WIFSIGNALED(status) ? absl::StrCat("crashed with signal ", WTERMSIG(status),
                                                   " (", strsignal(WTERMSIG(status)), ")")
                                    : "the test process exited without a result";
  }
  return r;
}

}  // namespace

const char* NodeTestOutcomeName(NodeTestOutcome outcome) {
  switch (outcome) {
    case NodeTestOutcome::kPassed: return "passed";
    case NodeTestOutcome::kFailed: return "failed";
    case NodeTestOutcome::kSkipped: return "skipped";
  }
  return "?";
}

std::string NodeSuiteReport::SummaryLine() const {
  return absl::StrCat(passed, " passed, ", failed, " failed, ", skipped, " skipped");
}

std::string NodeTestSkipReason(const std::string& test_dir) {
  const std::string name = fs::path(test_dir).filename().string();
  std::string bytes;
  onnx::ModelProto model;
  std::set<std::string> op_types;
  if (ReadFile(test_dir + "/model.onnx", &bytes) && model.ParseFromString(bytes)) {
    for (const auto& node : model.graph().node()) op_types.insert(node.op_type());
  }
  for (const SkipRule& rule : kSkipTable) {
    const bool hit = rule.kind == SkipRule::kOpType ? op_types.count(rule.pattern) > 0
                                                    : absl::StrContains(name, rule.pattern);
    if (hit) return absl::StrCat(rule.reason, " [", rule.pattern, "]");
  }
  if (UsesNonNumericTypes(model.graph())) return kTypes;
  return "";
}

NodeTestResult RunNodeTest(const std::string& test_dir, const NodeSuiteOptions& options) {
  NodeTestResult result;
  result.name = fs::path(test_dir).filename().string();
  const std::string skip = NodeTestSkipReason(test_dir);
  if (!skip.empty()) {
    result.outcome = NodeTestOutcome::kSkipped;
    result.message = skip;
    return result;
  }
  std::string mismatch, bytes;
  onnx::ModelProto model;
  absl::Status status;
  if (!ReadFile(test_dir + "/model.onnx", &bytes) || !model.ParseFromString(bytes)) {
    status = absl::InvalidArgumentError("cannot read model.onnx");
  } else {
    status = RunDataSets(test_dir, model.graph(), options, &mismatch);
  }
  if (!status.ok()) {
    result.outcome = NodeTestOutcome::kFailed;
    result.message = OneLine(status.ToString());
  } else if (!mismatch.empty()) {
    result.outcome = NodeTestOutcome::kFailed;
    result.message = OneLine(mismatch);
  } else {
    result.outcome = NodeTestOutcome::kPassed;
  }
  return result;
}

absl::StatusOr<NodeSuiteReport> RunNodeSuite(const std::string& dir,
                                             const NodeSuiteOptions& options, std::ostream* log) {
  std::vector<std::string> tests;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "model.onnx") &&
        absl::StrContains(entry.path().filename().string(), options.filter)) {
      tests.push_back(entry.path().string());
    }
  }
  if (ec) return absl::NotFoundError(absl::StrCat("cannot list '", dir, "': ", ec.message()));
  if (tests.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "no tests under '", dir, "' (expected <test>/model.onnx with test_data_set_*/)"));
  }
  std::sort(tests.begin(), tests.end());

  NodeSuiteReport report;
  auto record = [&](NodeTestResult r) {
    if (log != nullptr) {
      *log << r.name << ": " << NodeTestOutcomeName(r.outcome)
           << (r.message.empty() ? "" : ": ") << r.message << "\n";
      log->flush();
    }
    report.results.push_back(std::move(r));
  };
  if (!options.isolate) {
    for (const std::string& t : tests) record(RunNodeTest(t, options));
  } else {
    const size_t jobs = static_cast<size_t>(std::max(1, options.jobs));
    std::vector<Child> running;
    size_t next = 0;
    while (next < tests.size() || !running.empty()) {
      while (next < tests.size() && running.size() < jobs) {
        Child c = StartChild(tests[next++], options);
        if (c.pid < 0) {
          record({c.name, NodeTestOutcome::kFailed, "could not start a test process"});
          continue;
        }
        running.push_back(std::move(c));
      }
      // Collect the first child whose pipe has closed (result written).
      std::vector<pollfd> fds;
      for (const Child& c : running) fds.push_back({c.fd, POLLIN, 0});
      if (fds.empty()) continue;
      if (poll(fds.data(), fds.size(), -1) < 0) continue;
      for (size_t i = 0; i < running.size(); ++i) {
        if (fds[i].revents == 0) continue;
        char buf[4096];
        const ssize_t n = read(running[i].fd, buf, sizeof(buf));
        if (n > 0) {
          running[i].data.append(buf, n);
          continue;
        }
        record(FinishChild(running[i], options));
        running.erase(running.begin() + i);
        break;
      }
    }
  }
  std::sort(report.results.begin(), report.results.end(),
            [](const NodeTestResult& a, const NodeTestResult& b) { return a.name < b.name; });
  for (const NodeTestResult& r : report.results) {
    if (r.outcome == NodeTestOutcome::kPassed) ++report.passed;
    if (r.outcome == NodeTestOutcome::kFailed) ++report.failed;
    if (r.outcome == NodeTestOutcome::kSkipped) ++report.skipped;
  }
  if (log != nullptr) *log << report.SummaryLine() << std::endl;
  return report;
}

}  // namespace kiln
