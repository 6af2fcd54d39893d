#ifndef KILN_TOOLS_COMMANDS_H_
#define KILN_TOOLS_COMMANDS_H_

// The `kiln` tool's subcommands. kiln_main.cc parses the command line
// (absl flags, checked against each command's list so that a flag another
// command owns is refused), prints help and dispatches; each cmd_<name>.cc
// defines its flags and its Run function.
//
// Exit codes: 0 success, 1 the work failed (bad file, build or run error),
// 2 bad usage (unknown command or flag, bad flag value, missing argument).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/network_definition.h"
#include "graph/types.h"
#include "runtime/engine.h"

// Flags shared by several commands (defined in tools/common.cc).
ABSL_DECLARE_FLAG(int, batch);
ABSL_DECLARE_FLAG(int, iterations);
ABSL_DECLARE_FLAG(int, warmup);
ABSL_DECLARE_FLAG(std::string, backend);
ABSL_DECLARE_FLAG(bool, verbose);

namespace kiln {
namespace cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The command line after flags are parsed: positional arguments in order,
// and every value of each flag that was given (repeatable flags such as
// --input keep them all; GetFlag returns the last).
struct Args {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> given;
  bool Has(const std::string& flag) const { return given.count(flag) > 0; }
};

struct Command {
  const char* name;
  const char* usage;    // "kiln build MODEL.onnx -o MODEL.plan [flags]"
  const char* summary;  // one line for `kiln --help`
  const char* details;  // paragraphs for `kiln help <command>`
  std::vector<const char*> flags;  // absl flag names it accepts
  int (*run)(const Args& args);
};

const Command& BuildCommand();
const Command& RunCommand();
const Command& InspectCommand();
const Command& ProfileCommand();
const Command& ConformanceCommand();
const Command& CheckCommand();
const Command& CalibrateCommand();

// Prints "kiln <command>: <message>" on stderr as one line; returns `code`.
int Fail(absl::string_view command, absl::string_view message, int code);
int Fail(absl::string_view command, const absl::Status& status);  // kExitFailure

// Whole-file I/O with errors that name the file.
absl::StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path);
absl::Status WriteFileBytes(const std::string& path, const std::vector<uint8_t>& bytes);

bool EndsWith(absl::string_view s, absl::string_view suffix);

// Loads MODEL.plan, or imports and builds MODEL.onnx with default options at
// `max_batch` (0 = 1), for `run` and `profile`.
absl::StatusOr<std::unique_ptr<Engine>> LoadEngine(const std::string& path, int max_batch);

// Imports an ONNX model through //importers/onnx (tools/onnx_support.cc).
absl::StatusOr<NetworkDefinition> ImportOnnx(const std::string& path, int batch,
                                             const std::map<std::string, Dims>& shapes);

std::string FormatBytes(uint64_t bytes);

// --formats: "linear,nhwc" -> the layouts (build and check).
absl::StatusOr<std::vector<TensorFormat>> ParseFormats(absl::string_view text);
// --sample: a built-in network with seeded random weights (lenet5,
// resnet50); an unknown name is InvalidArgument listing them.
absl::StatusOr<NetworkDefinition> SampleNetwork(absl::string_view name);
// --shapes: "data:1x3x224x224,mask:1x77" -> {data: [1,3,224,224], mask: [1,77]}.
absl::StatusOr<std::map<std::string, Dims>> ParseShapes(absl::string_view text);
// The "name:FILE" items of a repeatable, comma-separated flag (--input,
// --range_samples), in order; `flag` names it in errors.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseNamedFiles(
    absl::string_view flag, const std::vector<std::string>& values);

// Backend memory for every binding of an engine at one batch. Inputs hold
// `inputs[binding]` where given (converted between fp32 and fp16 if needed)
// and seeded random data otherwise: uniform [-1, 1) for floats, zeros for
// integers and bools (always a valid index or flag).
struct BindingBuffers {
  std::vector<std::unique_ptr<DeviceBuffer>> buffers;  // per binding
  std::vector<void*> pointers;                         // per binding
  std::vector<TensorDesc> descs;                       // per binding, at `batch`
};
absl::StatusOr<BindingBuffers> AllocateBindings(const Engine& engine, int batch,
                                                const std::map<int, Weights>& inputs,
                                                uint32_t seed);
// Same at the input shapes `context` is set to (dynamic-shape plans).
absl::StatusOr<BindingBuffers> AllocateBindings(ExecutionContext& context,
                                                const std::map<int, Weights>& inputs,
                                                uint32_t seed);
// Copies binding `binding` back to host memory.
absl::StatusOr<Weights> ReadBinding(const Engine& engine, const BindingBuffers& buffers,
                                    int binding);

}  // namespace cli
}  // namespace kiln

#endif  // KILN_TOOLS_COMMANDS_H_
