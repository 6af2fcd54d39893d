#include "tools/check_lib.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backends/cpu_ref/evaluate.h"
#include "backends/tactic_registry.h"
#include "graph/reformat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace cli {
namespace {

// Element i of oracle-form data as a double (float types are fp32 there).
double ValueAt(const Weights& w, int64_t i) {
  switch (w.dtype()) {
    case DataType::kFloat32: return w.as<float>()[i];
    case DataType::kFloat16: return HalfToFloat(w.as<uint16_t>()[i]);
    case DataType::kInt8: return w.as<int8_t>()[i];
    case DataType::kInt32: return w.as<int32_t>()[i];
    case DataType::kInt64: return static_cast<double>(w.as<int64_t>()[i]);
    case DataType::kBool: return w.as<uint8_t>()[i] ? 1.0 : 0.0;
  }
  return 0.0;
}

// Which bound applies: a layer touching any fp16 tensor computes in fp16;
// otherwise a plan built with TF32 allowed may use it in any fp32 layer.
std::string Precision(const Plan& plan, const PlanNode& node) {
  bool fp16 = false;
  for (const std::vector<int32_t>* list : {&node.inputs, &node.outputs}) {
    for (int32_t t : *list) fp16 |= t >= 0 && plan.tensors[t].desc.dtype == DataType::kFloat16;
  }
  if (fp16) return "fp16";
  return plan.target.allow_tf32 ? "tf32" : "fp32";
}

double BoundFor(absl::string_view precision, const CheckBounds& bounds) {
  if (precision == "fp16") return bounds.fp16;
  if (precision == "tf32") return bounds.tf32;
  return bounds.fp32;
}

// The cpu_ref tactic that computes `node`: the op's reference tactic when it
// supports the node, else the first other cpu_ref tactic that does. Error
// says why none fits.
absl::StatusOr<const Tactic*> OracleTactic(const NodeContext& node) {
  const TacticRegistry& registry = TacticRegistry::Global();
  std::vector<const Tactic*> candidates;
  if (const Tactic* reference = registry.Reference(node.op); reference != nullptr) {
    candidates.push_back(reference);
  }
  for (const Tactic* t : registry.Candidates("cpu_ref", node.op)) {
    if (!t->is_reference()) candidates.push_back(t);
  }
  if (candidates.empty()) {
    return absl::NotFoundError(absl::StrCat("no cpu_ref tactic for op ", node.op));
  }
  std::string why;
  for (const Tactic* t : candidates) {
    absl::Status supported = t->Supports(node);
    if (supported.ok()) return t;
    absl::StrAppend(&why, why.empty() ? "" : "; ", t->name(), ": ", supported.message());
  }
  return absl::UnimplementedError(absl::StrCat("no cpu_ref tactic supports it (", why, ")"));
}

// The NodeContext the oracle runs: the plan node's op and attributes over
// oracle-form inputs, with outputs from the op's shape inference.
absl::StatusOr<NodeContext> OracleContext(const Plan& plan, const PlanNode& node,
                                          const std::vector<const Weights*>& inputs) {
  NodeContext ctx;
  ctx.name = node.name;
  ctx.op = node.op;
  ctx.attrs = node.attrs;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const int32_t t = node.inputs[i];
    const Weights* data = i < inputs.size() ? inputs[i] : nullptr;
    if (t < 0 || data == nullptr) {
      if (t >= 0) return absl::InternalError(absl::StrCat("input ", i, " was not captured"));
      ctx.inputs.emplace_back();
      ctx.constants.push_back(nullptr);
      continue;
    }
    ctx.inputs.push_back(
        TensorDesc{plan.tensors[t].desc.name, data->dtype(), data->dims(), TensorFormat::kLinear});
    ctx.constants.push_back(plan.tensors[t].kind == PlanTensorKind::kConstant ? data : nullptr);
  }
  InferenceContext inference{ctx.name, ctx.op, ctx.attrs, ctx.inputs, ctx.constants};
  KILN_ASSIGN_OR_RETURN(ctx.outputs, OpRegistry::Global().Infer(inference));
  for (size_t i = 0; i < ctx.outputs.size() && i < node.outputs.size(); ++i) {
    ctx.outputs[i].name = plan.tensors[node.outputs[i]].desc.name;
  }
  // Tactics size their scratch by max_batch; the run's batch is dim 0 of the
  // first input that has one.
  for (const TensorDesc& d : ctx.inputs) {
    if (!d.name.empty() && !d.dims.empty()) {
      ctx.max_batch = static_cast<int>(std::max<int64_t>(1, d.dims[0]));
      break;
    }
  }
  return ctx;
}

std::string Number(double v);

// Compares one output of a layer with the oracle's, folds the result into
// `worst` and returns what is wrong with it ("" when nothing).
std::string CompareOutput(const Weights& got, const Weights& want, double bound,
                          Comparison& worst) {
  if (want.dims() != got.dims() || want.dtype() != got.dtype()) {
    worst.mismatched += Volume(got.dims());
    return absl::StrCat("the plan's is ", DataTypeName(got.dtype()), "[", DimsString(got.dims()),
                        "], the oracle's ", DataTypeName(want.dtype()), "[",
                        DimsString(want.dims()), "]");
  }
  const Comparison c = Compare(got, want);
  worst.exact |= c.exact;
  if (!std::isnan(worst.rel_l2) && !(c.rel_l2 <= worst.rel_l2)) worst.rel_l2 = c.rel_l2;
  worst.max_abs = std::max(worst.max_abs, c.max_abs);
  worst.non_finite += c.non_finite;
  worst.mismatched += c.mismatched;
  if (c.exact) {
    return c.mismatched == 0 ? ""
                             : absl::StrCat(c.mismatched, " of ", Volume(got.dims()),
                                            " elements differ");
  }
  std::string why;
  if (c.mismatched > 0) {
    why = absl::StrCat(c.mismatched, " elements are NaN/Inf on one side only (or differ in kind)");
  }
  if (!(c.rel_l2 <= bound)) {
    absl::StrAppend(&why, why.empty() ? "" : ", ", "rel-L2 ", Number(c.rel_l2), " > ", bound);
  }
  return why;
}

std::string Number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return absl::StrFormat("%.2e", v);
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string JsonNumber(double v) { return std::isfinite(v) ? absl::StrCat(v) : "null"; }

}  // namespace

Weights ToOracleForm(const TensorDesc& desc, const void* data) {
  TensorDesc out = desc;
  out.dtype = IsFloatType(desc.dtype) ? DataType::kFloat32 : desc.dtype;
  out.format = TensorFormat::kLinear;
  Weights w(out.dtype, desc.dims);
  if (desc.volume() > 0) ReformatHost(desc, data, out, w.mutable_data());
  return w;
}

Comparison Compare(const Weights& got, const Weights& want) {
  Comparison c;
  c.exact = !IsFloatType(got.dtype());
  double diff2 = 0.0, want2 = 0.0;
  const int64_t n = Volume(got.dims());
  for (int64_t i = 0; i < n; ++i) {
    const double g = ValueAt(got, i), w = ValueAt(want, i);
    if (!std::isfinite(g)) ++c.non_finite;
    if (std::isfinite(g) && std::isfinite(w)) {
      const double d = std::abs(g - w);
      diff2 += d * d;
      want2 += w * w;
      c.max_abs = std::max(c.max_abs, d);
      if (c.exact && g != w) ++c.mismatched;
    } else if (!(std::isnan(g) && std::isnan(w)) && g != w) {
      ++c.mismatched;
    }
  }
  if (want2 > 0.0) {
    c.rel_l2 = std::sqrt(diff2 / want2);
  } else {
    c.rel_l2 = diff2 > 0.0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  return c;
}

absl::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOk: return "ok";
    case Verdict::kFail: return "FAIL";
    case Verdict::kSkipped: return "skipped";
  }
  return "?";
}

LayerReport CheckLayer(const Plan& plan, int index, const std::vector<const Weights*>& inputs,
                       const std::vector<Weights>& outputs, const CheckBounds& bounds) {
  const PlanNode& node = plan.nodes[index];
  LayerReport r;
  r.index = index;
  r.name = node.name;
  r.op = node.op;
  r.tactic = node.tactic;
  r.precision = Precision(plan, node);
  r.bound = BoundFor(r.precision, bounds);
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    TensorDesc d = plan.tensors[node.outputs[i]].desc;
    if (i < outputs.size()) d.dims = outputs[i].dims();
    r.outputs.push_back(std::move(d));
  }
  auto skip = [&r](absl::string_view why) {
    r.verdict = Verdict::kSkipped;
    r.message = std::string(why);
    return r;
  };
  if (outputs.size() != node.outputs.size()) {
    return skip(absl::StrCat("got ", outputs.size(), " outputs, the layer has ",
                             node.outputs.size()));
  }

  absl::StatusOr<NodeContext> ctx = OracleContext(plan, node, inputs);
  if (!ctx.ok()) return skip(absl::StrCat("oracle: ", ctx.status().message()));
  absl::StatusOr<const Tactic*> tactic = OracleTactic(*ctx);
  if (!tactic.ok()) return skip(absl::StrCat("oracle: ", tactic.status().message()));
  r.oracle = (*tactic)->name();
  std::vector<const void*> data;
  for (const Weights* w : inputs) data.push_back(w == nullptr ? nullptr : w->data());
  data.resize(ctx->inputs.size(), nullptr);
  absl::StatusOr<std::vector<Weights>> want = RunTacticOnHost(**tactic, *ctx, data);
  if (!want.ok()) return skip(absl::StrCat("oracle: ", want.status().message()));

  std::string why;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Weights expected = ToOracleForm(ctx->outputs[i], (*want)[i].data());
    const std::string problem = CompareOutput(outputs[i], expected, r.bound, r.worst);
    if (problem.empty()) continue;
    absl::StrAppend(&why, why.empty() ? "" : "; ",
                    outputs.size() > 1 ? absl::StrCat("output ", i, ": ") : "", problem);
  }
  if (!why.empty()) {
    r.verdict = Verdict::kFail;
    r.message = why;
  }
  return r;
}

LayerChecker::LayerChecker(const Engine& engine, const std::vector<Weights>& host_inputs,
                           CheckOptions options, std::function<void(const LayerReport&)> on_layer)
    : engine_(engine), options_(options), on_layer_(std::move(on_layer)) {
  const Plan& plan = engine.plan();
  last_reader_.assign(plan.tensors.size(), -1);
  for (size_t n = 0; n < plan.nodes.size(); ++n) {
    for (int32_t t : plan.nodes[n].inputs) {
      if (t >= 0) last_reader_[t] = static_cast<int>(n);
    }
  }
  for (size_t i = 0; i < host_inputs.size() && i < plan.inputs.size(); ++i) {
    TensorDesc desc = plan.tensors[plan.inputs[i]].desc;
    desc.dims = host_inputs[i].dims();
    desc.dtype = host_inputs[i].dtype();
    captured_[plan.inputs[i]] = ToOracleForm(desc, host_inputs[i].data());
  }
}

const Weights* LayerChecker::Tensor(int32_t t) {
  auto it = captured_.find(t);
  if (it != captured_.end()) return &it->second;
  const Plan& plan = engine_.plan();
  const PlanTensor& pt = plan.tensors[t];
  if (pt.kind != PlanTensorKind::kConstant) return nullptr;
  // Weights the builder pre-formatted for an fp16 or NHWC layer go back to
  // fp32 linear (the reverse of precision assignment's ReformatWeights).
  const Weights& w = plan.weights[pt.weight];
  TensorDesc desc = pt.desc;
  desc.dims = w.dims();
  desc.dtype = w.dtype();
  return &(captured_[t] = ToOracleForm(desc, w.data()));
}

void LayerChecker::Release(int index) {
  for (auto it = captured_.begin(); it != captured_.end();) {
    it = last_reader_[it->first] <= index ? captured_.erase(it) : std::next(it);
  }
}

absl::Status LayerChecker::OnLayerDone(int index, const PlanNode& node,
                                       absl::Span<const TensorDesc> output_descs,
                                       absl::Span<void* const> outputs) {
  if (options_.max_layers > 0 && index >= options_.max_layers) {
    captured_.clear();
    return absl::OkStatus();
  }
  std::vector<Weights> got;
  for (size_t i = 0; i < output_descs.size(); ++i) {
    const TensorDesc& d = output_descs[i];
    Weights raw(d.dtype, d.dims);
    if (d.bytes() > 0) {
      KILN_RETURN_IF_ERROR(engine_.backend().CopyToHost(raw.mutable_data(), outputs[i], d.bytes()));
    }
    got.push_back(ToOracleForm(d, raw.data()));
  }
  std::vector<const Weights*> inputs;
  for (int32_t t : node.inputs) inputs.push_back(t < 0 ? nullptr : Tensor(t));
  reports_.push_back(CheckLayer(engine_.plan(), index, inputs, got, options_.bounds));
  for (size_t i = 0; i < got.size() && i < node.outputs.size(); ++i) {
    captured_[node.outputs[i]] = std::move(got[i]);
  }
  Release(index);
  if (on_layer_) on_layer_(reports_.back());
  return absl::OkStatus();
}

namespace {

// Every output binding after a run, in oracle form.
absl::StatusOr<std::vector<Weights>> ReadOutputs(const Engine& engine, int batch,
                                                 absl::Span<void* const> bindings) {
  std::vector<Weights> outputs;
  for (int i = engine.num_inputs(); i < engine.num_bindings(); ++i) {
    KILN_ASSIGN_OR_RETURN(TensorDesc desc, engine.binding_desc(i, batch));
    Weights raw(desc.dtype, desc.dims);
    if (desc.bytes() > 0) {
      KILN_RETURN_IF_ERROR(engine.backend().CopyToHost(raw.mutable_data(), bindings[i], desc.bytes()));
    }
    outputs.push_back(ToOracleForm(desc, raw.data()));
  }
  return outputs;
}

// The normal runs of CheckEngine, on a context of their own, compared with
// the outputs the checked run left in `bindings`.
absl::Status Rerun(const Engine& engine, int batch, absl::Span<void* const> bindings,
                   const CheckOptions& options, std::vector<RerunReport>& reports) {
  KILN_ASSIGN_OR_RETURN(std::vector<Weights> expected, ReadOutputs(engine, batch, bindings));
  const Plan& plan = engine.plan();
  const double bound = plan.target.allow_fp16   ? options.bounds.fp16
                       : plan.target.allow_tf32 ? options.bounds.tf32
                                         : options.bounds.fp32;
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> context,
                        engine.CreateExecutionContext());
  for (int run = 1; run <= options.reruns; ++run) {
    KILN_RETURN_IF_ERROR(context->Execute(batch, bindings));
    KILN_ASSIGN_OR_RETURN(std::vector<Weights> got, ReadOutputs(engine, batch, bindings));
    for (size_t o = 0; o < got.size(); ++o) {
      RerunReport r;
      r.run = run;
      r.output = engine.binding_name(engine.num_inputs() + static_cast<int>(o));
      r.comparison = Compare(got[o], expected[o]);
      r.bound = bound;
      r.ok = r.comparison.mismatched == 0 &&
             (r.comparison.exact || r.comparison.rel_l2 <= bound);
      reports.push_back(std::move(r));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CheckSummary> CheckEngine(const Engine& engine, int batch,
                                         absl::Span<void* const> bindings,
                                         const std::vector<Weights>& host_inputs,
                                         const CheckOptions& options,
                                         std::function<void(const LayerReport&)> on_layer) {
  LayerChecker checker(engine, host_inputs, options, std::move(on_layer));
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> context,
                        engine.CreateExecutionContext());
  context->set_layer_observer(&checker);
  CheckSummary summary;
  summary.run_status = context->Execute(batch, bindings);
  summary.layers = checker.reports();
  if (summary.run_status.ok() && options.reruns > 0) {
    summary.rerun_status = Rerun(engine, batch, bindings, options, summary.reruns);
  }
  for (size_t i = 0; i < summary.layers.size(); ++i) {
    switch (summary.layers[i].verdict) {
      case Verdict::kOk: ++summary.ok; break;
      case Verdict::kSkipped: ++summary.skipped; break;
      case Verdict::kFail:
        if (summary.failed++ == 0) summary.first_failure = static_cast<int>(i);
        break;
    }
  }
  return summary;
}

int CheckExitCode(const CheckSummary& summary) {
  bool ok = summary.run_status.ok() && summary.rerun_status.ok() && summary.failed == 0;
  for (const RerunReport& r : summary.reruns) ok &= r.ok;
  return ok ? 0 : 1;
}

std::string DescSummary(const TensorDesc& desc) {
  return absl::StrCat(DataTypeName(desc.dtype), " ", TensorFormatName(desc.format), " ",
                      DimsString(desc.dims));
}

std::string LayerTableHeader() {
  return absl::StrFormat("%5s  %-7s  %-9s  %-8s  %-9s  %7s  %-26s  %s", "layer", "verdict",
                         "rel-L2", "bound", "max-abs", "nan/inf", "output as run",
                         "name (op, tactic)");
}

std::string LayerLine(const LayerReport& r) {
  std::string output = r.outputs.empty() ? "-" : DescSummary(r.outputs[0]);
  if (r.outputs.size() > 1) absl::StrAppend(&output, " +", r.outputs.size() - 1);
  const bool measured = r.verdict != Verdict::kSkipped;
  std::string line = absl::StrFormat(
      "%5d  %-7s  %-9s  %-8s  %-9s  %7s  %-26s  %s (%s, %s)", r.index, VerdictName(r.verdict),
      !measured ? "-" : r.worst.exact ? (r.worst.mismatched ? "differ" : "exact")
                                      : Number(r.worst.rel_l2),
      r.worst.exact ? "exact" : absl::StrFormat("%.0e", r.bound),
      measured ? Number(r.worst.max_abs) : "-",
      measured ? absl::StrCat(r.worst.non_finite) : "-", output, r.name, r.op, r.tactic);
  if (!r.message.empty()) absl::StrAppend(&line, "  <- ", r.message);
  return line;
}

std::string RerunLine(const RerunReport& r) {
  return absl::StrFormat("  run %d  %-7s  rel-L2 %s (bound %.0e)  max-abs %s  nan/inf %lld  %s",
                         r.run, r.ok ? "ok" : "FAIL", Number(r.comparison.rel_l2), r.bound,
                         Number(r.comparison.max_abs),
                         static_cast<long long>(r.comparison.non_finite), r.output);
}

std::string CheckJson(const std::string& model, const Plan& plan, int batch,
                      const CheckOptions& options, const CheckSummary& summary) {
  std::string out = absl::StrCat(
      "{\"model\":", JsonString(model), ",\"backend\":", JsonString(plan.backend),
      ",\"device\":", JsonString(plan.device), ",\"build_options\":",
      JsonString(plan.build_options), ",\"batch\":", batch, ",\"bounds\":{\"fp32\":",
      options.bounds.fp32, ",\"tf32\":", options.bounds.tf32, ",\"fp16\":", options.bounds.fp16,
      "},\"plan_layers\":", plan.nodes.size(), ",\"checked\":", summary.layers.size(),
      ",\"ok\":", summary.ok, ",\"failed\":", summary.failed, ",\"skipped\":", summary.skipped,
      ",\"first_failure\":",
      summary.first_failure < 0 ? std::string("null")
                                : absl::StrCat(summary.layers[summary.first_failure].index),
      ",\"run_error\":",
      summary.run_status.ok() ? std::string("null")
                              : JsonString(summary.run_status.message()),
      ",\"layers\":[");
  for (size_t i = 0; i < summary.layers.size(); ++i) {
    const LayerReport& r = summary.layers[i];
    absl::StrAppend(&out, i ? "," : "", "\n{\"index\":", r.index, ",\"name\":",
                    JsonString(r.name), ",\"op\":", JsonString(r.op), ",\"tactic\":",
                    JsonString(r.tactic), ",\"oracle\":", JsonString(r.oracle),
                    ",\"precision\":", JsonString(r.precision), ",\"outputs\":[");
    for (size_t o = 0; o < r.outputs.size(); ++o) {
      const TensorDesc& d = r.outputs[o];
      absl::StrAppend(&out, o ? "," : "", "{\"name\":", JsonString(d.name), ",\"dtype\":",
                      JsonString(DataTypeName(d.dtype)), ",\"format\":",
                      JsonString(TensorFormatName(d.format)), ",\"dims\":[");
      for (size_t k = 0; k < d.dims.size(); ++k) absl::StrAppend(&out, k ? "," : "", d.dims[k]);
      absl::StrAppend(&out, "]}");
    }
    // A skipped layer was not measured: its numbers are null.
    const bool measured = r.verdict != Verdict::kSkipped;
    auto measure = [measured](const std::string& v) { return measured ? v : "null"; };
    absl::StrAppend(&out, "],\"verdict\":", JsonString(VerdictName(r.verdict)),
                    ",\"exact\":", r.worst.exact ? "true" : "false",
                    ",\"bound\":", JsonNumber(r.bound), ",\"rel_l2\":",
                    measure(JsonNumber(r.worst.rel_l2)), ",\"max_abs\":",
                    measure(JsonNumber(r.worst.max_abs)), ",\"nan_inf\":",
                    measure(absl::StrCat(r.worst.non_finite)), ",\"mismatched\":",
                    measure(absl::StrCat(r.worst.mismatched)), ",\"message\":",
                    JsonString(r.message), "}");
  }
  absl::StrAppend(&out, "\n],\"rerun_error\":",
                  summary.rerun_status.ok() ? std::string("null")
                                            : JsonString(summary.rerun_status.message()),
                  ",\"reruns\":[");
  for (size_t i = 0; i < summary.reruns.size(); ++i) {
    const RerunReport& r = summary.reruns[i];
    absl::StrAppend(&out, i ? "," : "", "\n{\"run\":", r.run, ",\"output\":",
                    JsonString(r.output), ",\"ok\":", r.ok ? "true" : "false",
                    ",\"bound\":", JsonNumber(r.bound), ",\"rel_l2\":",
                    JsonNumber(r.comparison.rel_l2), ",\"max_abs\":",
                    JsonNumber(r.comparison.max_abs), ",\"nan_inf\":",
                    r.comparison.non_finite, ",\"mismatched\":", r.comparison.mismatched, "}");
  }
  return out + "\n]}\n";
}

}  // namespace cli
}  // namespace kiln
