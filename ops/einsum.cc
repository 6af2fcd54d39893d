#include "ops/einsum.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// One term split into its letters before and after "...".
struct Term {
  std::string before, after;
  bool ellipsis = false;
};

absl::StatusOr<Term> ParseTerm(absl::string_view text) {
  Term term;
  size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, 3) == "...") {
      if (term.ellipsis) {
        return absl::InvalidArgumentError(absl::StrCat("term '", text, "' has two '...'"));
      }
      term.ellipsis = true;
      i += 3;
      continue;
    }
    if (!IsLetter(text[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "term '", text, "' has '", text.substr(i, 1), "'; expected letters and one '...'"));
    }
    (term.ellipsis ? term.after : term.before) += text[i];
    ++i;
  }
  return term;
}

absl::StatusOr<std::vector<TensorDesc>> InferEinsum(const InferenceContext& ctx) {
  absl::StatusOr<EinsumParams> params = EinsumParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  std::vector<int64_t> ranks;
  std::vector<Dims> dims;
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    const TensorDesc& t = ctx.inputs[i];
    if (!ctx.has_input(i)) return ctx.Error("input ", i, " is missing");
    if (!IsFloatType(t.dtype) || t.dtype != ctx.inputs[0].dtype) {
      return ctx.Error("input ", i, " '", t.name, "' is ", DataTypeName(t.dtype),
                       "; Einsum takes fp32 or fp16 inputs, all of one type");
    }
    ranks.push_back(t.rank());
    dims.push_back(t.dims);
  }
  absl::StatusOr<EinsumSpec> spec = ParseEinsum(params->equation, ranks);
  if (!spec.ok()) return ctx.Error("equation '", params->equation, "': ", spec.status().message());
  absl::StatusOr<std::vector<int64_t>> sizes = EinsumLabelSizes(*spec, dims);
  if (!sizes.ok()) {
    return ctx.Error("equation '", params->equation, "': ", sizes.status().message());
  }
  TensorDesc out{"", ctx.inputs[0].dtype, {}, TensorFormat::kLinear};
  for (int label : spec->output_labels) out.dims.push_back((*sizes)[label]);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeEinsumSchema() {
  OpSchema schema;
  schema.name = kEinsumOp;
  schema.min_inputs = 1;
  schema.max_inputs = kEinsumMaxInputs;
  schema.infer = InferEinsum;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeEinsumSchema());

absl::StatusOr<EinsumSpec> ParseEinsum(absl::string_view equation,
                                       const std::vector<int64_t>& input_ranks) {
  std::string eq;
  for (char c : equation) {
    if (c != ' ') eq += c;
  }
  const size_t arrow = eq.find("->");
  const bool explicit_output = arrow != std::string::npos;
  const std::string lhs = explicit_output ? eq.substr(0, arrow) : eq;
  std::vector<std::string> term_texts = absl::StrSplit(lhs, ',');
  if (term_texts.size() != input_ranks.size()) {
    return absl::InvalidArgumentError(absl::StrCat("has ", term_texts.size(), " input terms for ",
                                                   input_ranks.size(), " inputs"));
  }
  // Letters get labels by ASCII order, which makes the implicit output order
  // the label order; "..." dims come after the letters.
  std::map<char, int> letter_count;
  std::vector<Term> terms;
  int64_t ellipsis_rank = 0;
  for (size_t i = 0; i < term_texts.size(); ++i) {
    KILN_ASSIGN_OR_RETURN(Term term, ParseTerm(term_texts[i]));
    const int64_t letters = static_cast<int64_t>(term.before.size() + term.after.size());
    if (term.ellipsis ? letters > input_ranks[i] : letters != input_ranks[i]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "term ", i, " '", term_texts[i], "' names ", letters, " dims but input ", i, " has ",
          input_ranks[i]));
    }
    if (term.ellipsis) ellipsis_rank = std::max(ellipsis_rank, input_ranks[i] - letters);
    for (char c : term.before + term.after) ++letter_count[c];
    terms.push_back(std::move(term));
  }
  EinsumSpec spec;
  std::map<char, int> label_of;
  for (const auto& [c, count] : letter_count) label_of[c] = spec.num_labels++;
  const int first_ellipsis_label = spec.num_labels;
  spec.num_labels += static_cast<int>(ellipsis_rank);
  for (size_t i = 0; i < terms.size(); ++i) {
    std::vector<int> labels;
    for (char c : terms[i].before) labels.push_back(label_of[c]);
    const int64_t r = input_ranks[i] - static_cast<int64_t>(terms[i].before.size() +
                                                            terms[i].after.size());
    for (int64_t k = 0; terms[i].ellipsis && k < r; ++k) {
      labels.push_back(first_ellipsis_label + static_cast<int>(ellipsis_rank - r + k));
    }
    for (char c : terms[i].after) labels.push_back(label_of[c]);
    spec.input_labels.push_back(std::move(labels));
  }

  if (!explicit_output) {
    for (int k = 0; k < ellipsis_rank; ++k) spec.output_labels.push_back(first_ellipsis_label + k);
    for (const auto& [c, count] : letter_count) {
      if (count == 1) spec.output_labels.push_back(label_of[c]);
    }
    return spec;
  }
  KILN_ASSIGN_OR_RETURN(Term out, ParseTerm(eq.substr(arrow + 2)));
  if (!out.ellipsis && ellipsis_rank > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the inputs' '...' covers ", ellipsis_rank, " dims but the output has no '...'"));
  }
  std::vector<bool> used(spec.num_labels, false);
  auto add_letters = [&](const std::string& letters) -> absl::Status {
    for (char c : letters) {
      auto it = label_of.find(c);
      if (it == label_of.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("output letter '", std::string(1, c), "' is in no input term"));
      }
      if (used[it->second]) {
        return absl::InvalidArgumentError(
            absl::StrCat("output letter '", std::string(1, c), "' appears twice"));
      }
      used[it->second] = true;
      spec.output_labels.push_back(it->second);
    }
    return absl::OkStatus();
  };
  KILN_RETURN_IF_ERROR(add_letters(out.before));
  for (int k = 0; out.ellipsis && k < ellipsis_rank; ++k) {
    spec.output_labels.push_back(first_ellipsis_label + k);
  }
  KILN_RETURN_IF_ERROR(add_letters(out.after));
  return spec;
}

absl::StatusOr<std::vector<int64_t>> EinsumLabelSizes(const EinsumSpec& spec,
                                                      const std::vector<Dims>& input_dims) {
  std::vector<int64_t> sizes(spec.num_labels, 1);
  for (size_t i = 0; i < spec.input_labels.size(); ++i) {
    const std::vector<int>& labels = spec.input_labels[i];
    for (size_t d = 0; d < labels.size(); ++d) {
      const int64_t size = input_dims[i][d];
      // A repeated label within one input (a diagonal) must match exactly.
      for (size_t e = 0; e < d; ++e) {
        if (labels[e] == labels[d] && input_dims[i][e] != size) {
          return absl::InvalidArgumentError(absl::StrCat(
              "input ", i, " takes a diagonal of dims ", e, " and ", d, " of different sizes (",
              DimsString(input_dims[i]), ")"));
        }
      }
      int64_t& known = sizes[labels[d]];
      if (size == known || size == 1) continue;
      if (known != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "input ", i, " dim ", d, " has size ", size, " where another input has ", known,
            " for the same subscript (input dims ", DimsString(input_dims[i]), ")"));
      }
      known = size;
    }
  }
  return sizes;
}

AttrMap EinsumParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("equation", equation);
  return attrs;
}

absl::StatusOr<EinsumParams> EinsumParams::FromAttrs(const AttrMap& attrs) {
  EinsumParams params;
  KILN_ASSIGN_OR_RETURN(params.equation, attrs.GetString("equation", ""));
  if (params.equation.empty()) {
    return absl::InvalidArgumentError("attribute 'equation' is missing or empty");
  }
  return params;
}

absl::StatusOr<TensorId> AddEinsum(NetworkDefinition& network, absl::string_view name,
                                   std::vector<TensorId> inputs, const EinsumParams& params) {
  return network.AddLayer1(name, kEinsumOp, std::move(inputs), params.ToAttrs());
}

}  // namespace kiln
