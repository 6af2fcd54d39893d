// kiln inspect: what a plan holds, as text or JSON. Works on any machine: the
// plan's backend need not be present (PlanReader::ReadForInspection).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "serialization/plan_io.h"
#include "tools/commands.h"

ABSL_FLAG(bool, json, false, "print JSON instead of text");

namespace kiln {
namespace cli {
namespace {

constexpr char kName[] = "kiln inspect";

absl::string_view KindName(PlanTensorKind kind) {
  switch (kind) {
    case PlanTensorKind::kActivation: return "activation";
    case PlanTensorKind::kInput: return "input";
    case PlanTensorKind::kOutput: return "output";
    case PlanTensorKind::kConstant: return "constant";
  }
  return "unknown";
}

// "fp32[1x6x28x28]" with the format when it is not linear.
std::string Short(const TensorDesc& d) {
  return absl::StrCat(DataTypeName(d.dtype), "[", DimsString(d.dims), "]",
                      d.format == TensorFormat::kLinear ? "" : absl::StrCat(" ", TensorFormatName(d.format)));
}

std::string Json(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string JsonDims(const Dims& dims) { return absl::StrCat("[", absl::StrJoin(dims, ","), "]"); }

std::string JsonTensor(const Plan& plan, int32_t index) {
  if (index < 0) return "null";
  const PlanTensor& t = plan.tensors[index];
  return absl::StrCat("{\"name\":", Json(t.desc.name), ",\"dtype\":", Json(DataTypeName(t.desc.dtype)),
                      ",\"dims\":", JsonDims(t.desc.dims),
                      ",\"format\":", Json(TensorFormatName(t.desc.format)),
                      ",\"kind\":", Json(KindName(t.kind)), "}");
}

uint64_t WeightBytes(const Plan& plan) {
  uint64_t bytes = 0;
  for (const Weights& w : plan.weights) bytes += w.bytes();
  return bytes;
}

void PrintJson(const std::string& path, const Plan& plan, size_t file_bytes) {
  std::string out = "{";
  absl::StrAppend(&out, "\"file\":", Json(path), ",\"file_bytes\":", file_bytes,
                  ",\"header\":{\"format_version\":", plan.format_version,
                  ",\"kiln_version\":", Json(plan.kiln_version), ",\"backend\":", Json(plan.backend),
                  ",\"device\":", Json(plan.device), ",\"max_batch\":", plan.max_batch,
                  ",\"build_options\":", Json(plan.build_options), "}");
  out += ",\"profiles\":[";
  for (size_t p = 0; p < plan.profiles.size(); ++p) {
    std::vector<std::string> ranges;
    for (const InputShapeRange& r : plan.profiles[p].inputs) {
      ranges.push_back(absl::StrCat("{\"name\":", Json(r.name), ",\"min\":", JsonDims(r.min),
                                    ",\"opt\":", JsonDims(r.opt), ",\"max\":", JsonDims(r.max),
                                    "}"));
    }
    absl::StrAppend(&out, p ? "," : "", "{\"index\":", p, ",\"inputs\":[",
                    absl::StrJoin(ranges, ","), "]}");
  }
  out += "]";
  out += ",\"layers\":[";
  uint64_t state_bytes = 0;
  for (size_t n = 0; n < plan.nodes.size(); ++n) {
    const PlanNode& node = plan.nodes[n];
    state_bytes += node.state.size();
    std::vector<std::string> ins, outs;
    for (int32_t t : node.inputs) ins.push_back(JsonTensor(plan, t));
    for (int32_t t : node.outputs) outs.push_back(JsonTensor(plan, t));
    absl::StrAppend(&out, n ? "," : "", "{\"index\":", n, ",\"name\":", Json(node.name),
                    ",\"op\":", Json(node.op), ",\"backend\":", Json(node.backend),
                    ",\"tactic\":", Json(node.tactic),
                    ",\"view\":", IsViewLayer(plan, node) ? "true" : "false",
                    ",\"attributes\":", Json(node.attrs.ToString()),
                    ",\"inputs\":[", absl::StrJoin(ins, ","), "],\"outputs\":[",
                    absl::StrJoin(outs, ","), "],\"workspace_bytes\":", node.workspace_size,
                    ",\"state_bytes\":", node.state.size(), "}");
  }
  out += "],\"bindings\":[";
  std::vector<int32_t> bindings = plan.inputs;
  bindings.insert(bindings.end(), plan.outputs.begin(), plan.outputs.end());
  for (size_t b = 0; b < bindings.size(); ++b) {
    const PlanTensor& t = plan.tensors[bindings[b]];
    absl::StrAppend(&out, b ? "," : "", "{\"index\":", b, ",\"name\":", Json(t.desc.name),
                    ",\"direction\":", Json(b < plan.inputs.size() ? "input" : "output"),
                    ",\"dtype\":", Json(DataTypeName(t.desc.dtype)), ",\"dims\":",
                    JsonDims(t.desc.dims), ",\"format\":", Json(TensorFormatName(t.desc.format)),
                    ",\"batched\":", (b < plan.inputs.size() ? t.batched : true) ? "true" : "false",
                    "}");
  }
  absl::StrAppend(&out, "],\"memory\":{\"activation_arena_bytes\":", plan.arena_size,
                  ",\"workspace_bytes\":", plan.workspace_size, ",\"weight_blobs\":",
                  plan.weights.size(), ",\"weight_bytes\":", WeightBytes(plan),
                  ",\"tactic_state_bytes\":", state_bytes, "}}");
  std::printf("%s\n", out.c_str());
}

void PrintText(const std::string& path, const Plan& plan, size_t file_bytes) {
  std::printf("plan %s (%s)\n", path.c_str(), FormatBytes(file_bytes).c_str());
  std::printf("  format version   %u (kiln %s)\n", plan.format_version, plan.kiln_version.c_str());
  std::printf("  backend          %s on %s\n", plan.backend.c_str(), plan.device.c_str());
  std::printf("  max batch        %d\n", plan.max_batch);
  std::printf("  build options    %s\n", plan.build_options.c_str());
  for (size_t p = 0; p < plan.profiles.size(); ++p) {
    std::printf("  profile %zu\n", p);
    for (const InputShapeRange& r : plan.profiles[p].inputs) {
      std::printf("    %-20s min %s  opt %s  max %s\n", r.name.c_str(), DimsString(r.min).c_str(),
                  DimsString(r.opt).c_str(), DimsString(r.max).c_str());
    }
  }

  std::printf("\nlayers (%zu, in execution order; tensors at %s)\n", plan.nodes.size(),
              plan.profiles.empty() ? "max batch" : "the first profile's max");
  uint64_t state_bytes = 0;
  for (size_t n = 0; n < plan.nodes.size(); ++n) {
    const PlanNode& node = plan.nodes[n];
    state_bytes += node.state.size();
    std::vector<std::string> ins, outs;
    for (int32_t t : node.inputs) {
      if (t < 0) {
        ins.push_back("-");
      } else {
        const PlanTensor& pt = plan.tensors[t];
        ins.push_back(pt.kind == PlanTensorKind::kConstant ? absl::StrCat("const ", Short(pt.desc))
                                                           : Short(pt.desc));
      }
    }
    for (int32_t t : node.outputs) outs.push_back(Short(plan.tensors[t].desc));
    std::printf("  %3zu %-24s %-18s %s%s\n", n, node.name.c_str(), node.op.c_str(),
                node.tactic.c_str(),
                IsViewLayer(plan, node) ? "  (view: shares its input's memory, copies nothing)" : "");
    std::printf("      in  %s\n      out %s", absl::StrJoin(ins, ", ").c_str(),
                absl::StrJoin(outs, ", ").c_str());
    if (node.workspace_size > 0) {
      std::printf("   workspace %s", FormatBytes(node.workspace_size).c_str());
    }
    if (!node.state.empty()) std::printf("   state %s", FormatBytes(node.state.size()).c_str());
    std::printf("\n");
  }

  std::printf("\nbindings\n");
  for (size_t b = 0; b < plan.inputs.size() + plan.outputs.size(); ++b) {
    const bool input = b < plan.inputs.size();
    const PlanTensor& t =
        plan.tensors[input ? plan.inputs[b] : plan.outputs[b - plan.inputs.size()]];
    std::printf("  %zu %-6s %-24s %s%s\n", b, input ? "input" : "output", t.desc.name.c_str(),
                Short(t.desc).c_str(), input && !t.batched ? " (not batched)" : "");
  }

  std::printf("\nmemory\n");
  std::printf("  activation arena %s\n", FormatBytes(plan.arena_size).c_str());
  std::printf("  workspace        %s\n", FormatBytes(plan.workspace_size).c_str());
  std::printf("  weights          %s in %zu blobs\n", FormatBytes(WeightBytes(plan)).c_str(),
              plan.weights.size());
  std::printf("  tactic state     %s\n", FormatBytes(state_bytes).c_str());
}

int Run(const Args& args) {
  if (args.positional.size() != 1) {
    return Fail(kName,
                args.positional.empty() ? "missing MODEL.plan; see 'kiln help inspect'"
                                        : absl::StrCat("expected one plan, got ", args.positional.size()),
                kExitUsage);
  }
  const std::string& path = args.positional[0];
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFileBytes(path);
  if (!bytes.ok()) return Fail(kName, bytes.status());
  absl::StatusOr<Plan> plan = PlanReader::ReadForInspection(*bytes);
  if (!plan.ok()) {
    return Fail(kName, absl::StrCat(path, ": ", plan.status().message()), kExitFailure);
  }
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(path, *plan, bytes->size());
  } else {
    PrintText(path, *plan, bytes->size());
  }
  return kExitOk;
}

}  // namespace

const Command& InspectCommand() {
  static const Command command{
      "inspect",
      "kiln inspect MODEL.plan [--json]",
      "Show what a plan holds: layers, tactics, precisions, formats, bindings, memory.",
      "Reads and verifies the plan without loading it, so it works on a machine that lacks\n"
      "the plan's backend. Shows the header (versions, backend, device, max batch, shape\n"
      "profiles, build options), each layer with its op, chosen tactic, input/output types, shapes "
      "and\n"
      "formats and its workspace, the bindings, and the memory the plan needs.\n"
      "\n"
      "Example:\n"
      "  kiln inspect lenet.plan --json | python3 -m json.tool\n",
      {"json"},
      Run,
  };
  return command;
}

}  // namespace cli
}  // namespace kiln
