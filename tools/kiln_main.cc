// kiln: build, inspect, run and profile kiln plans from the command line.
//
//   kiln build --sample=lenet5 -o lenet.plan
//   kiln inspect lenet.plan
//   kiln run lenet.plan --iterations=100
//   kiln help build
//
// Flags are absl flags, but parsed here rather than by
// absl::ParseCommandLine: each command accepts only its own flags, and a
// mistake must be one line and exit code 2 (absl's parser exits with 1 and
// prints every flag of the binary for --help).
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "serialization/plan.h"
#include "tools/commands.h"

namespace kiln {
namespace cli {
namespace {

const std::vector<const Command*>& Commands() {
  static const auto* commands = new std::vector<const Command*>{
      &BuildCommand(), &RunCommand(),         &InspectCommand(),  &ProfileCommand(),
      &CheckCommand(), &ConformanceCommand(), &CalibrateCommand()};
  return *commands;
}

const Command* FindCommand(absl::string_view name) {
  for (const Command* c : Commands()) {
    if (name == c->name) return c;
  }
  return nullptr;
}

std::string CommandNames() {
  std::vector<std::string> names;
  for (const Command* c : Commands()) names.push_back(c->name);
  return absl::StrJoin(names, ", ");
}

void PrintGeneralHelp(FILE* out) {
  std::fprintf(out,
               "kiln %s: build, inspect, run and profile kiln inference plans.\n"
               "\n"
               "Usage: kiln <command> [arguments] [flags]\n"
               "\n"
               "Commands:\n",
               kKilnVersion);
  for (const Command* c : Commands()) std::fprintf(out, "  %-12s %s\n", c->name, c->summary);
  std::fprintf(out,
               "\n"
               "A first session:\n"
               "  kiln build --sample=lenet5 -o lenet.plan   build the built-in LeNet-5 for cpu_ref\n"
               "  kiln inspect lenet.plan                    see its layers, tactics and memory\n"
               "  kiln run lenet.plan                        run it on random inputs, print latency\n"
               "  kiln profile lenet.plan                    time each layer\n"
               "  kiln check lenet.plan                      check each layer against cpu_ref\n"
               "\n"
               "'kiln help <command>' (or 'kiln <command> --help') explains a command and its "
               "flags.\n"
               "Flags take the form --name=value or --name value; boolean flags also --name and "
               "--noname.\n"
               "Exit codes: 0 success, 1 the work failed (bad file, build or run error), 2 bad "
               "usage.\n");
}

// What a flag's value looks like in help ("--batch=N"), by name, else by type.
std::string Metavar(absl::string_view name, const absl::CommandLineFlag& flag) {
  static const auto* names = new std::map<std::string, std::string, std::less<>>{
      {"o", "PLAN"},        {"sample", "NAME"},      {"backend", "NAME"},
      {"workspace", "MiB"}, {"timing_cache", "FILE"}, {"shapes", "NAME:DIMS,..."},
      {"input", "NAME:FILE.npy"}, {"output_dir", "DIR"}, {"suite", "DIR"},
      {"report", "FILE.json"},  {"profile", "NAME:MIN,OPT,MAX;..."}};
  auto it = names->find(name);
  if (it != names->end()) return it->second;
  if (flag.IsOfType<int>() || flag.IsOfType<uint32_t>()) return "N";
  return "VALUE";
}

// `text` wrapped to lines of at most `width` characters, later lines
// indented by `indent` spaces.
std::string Wrap(absl::string_view text, size_t indent, size_t width) {
  std::string out, line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      absl::StrAppend(&out, line, "\n", std::string(indent, ' '));
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  return out + line;
}

void PrintCommandHelp(const Command& command, FILE* out) {
  std::fprintf(out, "Usage: %s\n\n%s\n", command.usage, command.summary);
  if (command.details[0] != '\0') std::fprintf(out, "\n%s", command.details);
  if (!command.flags.empty()) std::fprintf(out, "\nFlags:\n");
  for (const char* name : command.flags) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) continue;
    const bool is_bool = flag->IsOfType<bool>();
    const bool one_letter = std::string(name).size() == 1;
    const std::string spelled = absl::StrCat(
        one_letter ? "-" : "--", absl::StrReplaceAll(name, {{"_", "-"}}),
        is_bool ? "" : absl::StrCat(one_letter ? " " : "=", Metavar(name, *flag)));
    std::string help = flag->Help();
    const std::string default_value = flag->DefaultValue();
    if (!default_value.empty() && default_value != "0" && default_value != "false") {
      absl::StrAppend(&help, " (default: ", default_value, ")");
    }
    std::fprintf(out, "  %-24s %s\n", spelled.c_str(), Wrap(help, 27, 100).c_str());
  }
}

bool Accepts(const Command& command, absl::string_view name) {
  for (const char* f : command.flags) {
    if (name == f) return true;
  }
  return false;
}

// Parses argv[first..] for `command` into `args`, setting the absl flags.
// Returns -1 on success, or the exit code after printing help or an error.
int ParseArgs(const Command& command, int argc, char** argv, int first, Args& args) {
  const std::string who = absl::StrCat("kiln ", command.name);
  const std::string see = absl::StrCat("; see 'kiln help ", command.name, "'");
  bool only_positional = false;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (only_positional || arg.size() < 2 || arg[0] != '-') {
      args.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (arg == "--help" || arg == "-help" || arg == "-h") {
      PrintCommandHelp(command, stdout);
      return kExitOk;
    }
    absl::string_view body(arg);
    body.remove_prefix(absl::StartsWith(body, "--") ? 2 : 1);
    // --timing-cache and --timing_cache are the same flag (absl names
    // cannot hold dashes).
    std::string name = absl::StrReplaceAll(body.substr(0, body.find('=')), {{"-", "_"}});
    std::optional<std::string> value;
    if (body.find('=') != absl::string_view::npos) {
      value = std::string(body.substr(body.find('=') + 1));
    }
    absl::CommandLineFlag* flag = nullptr;
    if (Accepts(command, name)) {
      flag = absl::FindCommandLineFlag(name);
    } else if (absl::StartsWith(name, "no") && Accepts(command, name.substr(2)) && !value) {
      flag = absl::FindCommandLineFlag(name.substr(2));
      if (flag != nullptr && flag->IsOfType<bool>()) {
        name = name.substr(2);
        value = "false";
      } else {
        flag = nullptr;
      }
    }
    if (flag == nullptr) {
      bool owned_elsewhere = false;
      for (const Command* c : Commands()) owned_elsewhere |= Accepts(*c, name);
      return Fail(who,
                  owned_elsewhere
                      ? absl::StrCat("flag -", name.size() > 1 ? "-" : "",
                                     absl::StrReplaceAll(name, {{"_", "-"}}),
                                     " does not apply to '", command.name, "'", see)
                      : absl::StrCat("unknown flag '", arg, "'", see),
                  kExitUsage);
    }
    if (!value) {
      if (flag->IsOfType<bool>()) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return Fail(who, absl::StrCat("flag '", arg, "' needs a value", see), kExitUsage);
      }
    }
    std::string error;
    if (!flag->ParseFrom(*value, &error)) {
      return Fail(who,
                  absl::StrCat("bad value '", *value, "' for --",
                               absl::StrReplaceAll(name, {{"_", "-"}}), ": ", error),
                  kExitUsage);
    }
    args.given[name].push_back(*value);
  }
  return -1;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    PrintGeneralHelp(stderr);
    return kExitUsage;
  }
  const std::string first = argv[1];
  if (first == "--help" || first == "-help" || first == "-h" || first == "help") {
    if (first == "help" && argc > 2) {
      const Command* command = FindCommand(argv[2]);
      if (command == nullptr) {
        return Fail("kiln help", absl::StrCat("unknown command '", argv[2], "'; commands are ",
                                              CommandNames()),
                    kExitUsage);
      }
      PrintCommandHelp(*command, stdout);
      return kExitOk;
    }
    PrintGeneralHelp(stdout);
    return kExitOk;
  }
  if (first == "--version" || first == "version") {
    std::printf("kiln %s (plan format %u)\n", kKilnVersion, kPlanFormatVersion);
    return kExitOk;
  }
  const Command* command = FindCommand(first);
  if (command == nullptr) {
    std::fprintf(stderr, "kiln: %s '%s'; commands are %s (see 'kiln --help')\n",
                 first[0] == '-' ? "expected a command first, got the flag" : "unknown command",
                 first.c_str(), CommandNames().c_str());
    return kExitUsage;
  }
  Args args;
  args.command = command->name;
  const int parsed = ParseArgs(*command, argc, argv, 2, args);
  if (parsed >= 0) return parsed;
  return command->run(args);
}

}  // namespace
}  // namespace cli
}  // namespace kiln

int main(int argc, char** argv) { return kiln::cli::Main(argc, argv); }
