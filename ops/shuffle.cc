#include "ops/shuffle.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

std::string ListString(const std::vector<int64_t>& values) {
  return absl::StrCat("[", absl::StrJoin(values, ","), "]");
}

// `perm` must be a permutation of 0..rank-1 of the tensor `dims`.
absl::Status CheckPermutation(absl::string_view attr, const std::vector<int64_t>& perm,
                              const Dims& dims) {
  const int64_t rank = static_cast<int64_t>(dims.size());
  if (static_cast<int64_t>(perm.size()) != rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        attr, " ", ListString(perm), " has ", perm.size(), " entries but the tensor it permutes (",
        DimsString(dims), ") has rank ", rank, "; give a permutation of 0..", rank - 1));
  }
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank) {
      return absl::InvalidArgumentError(absl::StrCat(attr, " ", ListString(perm), " has entry ", p,
                                                     ", outside 0..", rank - 1));
    }
    if (seen[p]) {
      return absl::InvalidArgumentError(absl::StrCat(
          attr, " ", ListString(perm), " repeats ", p, "; it must be a permutation of 0..",
          rank - 1));
    }
    seen[p] = true;
  }
  return absl::OkStatus();
}

Dims Permute(const Dims& dims, const std::vector<int64_t>& perm) {
  Dims out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = dims[perm[i]];
  return out;
}

absl::StatusOr<Dims> ApplyReshape(const ShuffleParams& params, const Dims& dims) {
  const std::vector<int64_t>& reshape = params.reshape;
  Dims shape(reshape.size());
  int64_t infer_at = -1;
  int64_t known_volume = 1;  // product of every entry but the -1
  for (size_t i = 0; i < reshape.size(); ++i) {
    int64_t size = reshape[i];
    if (size == -1) {
      if (infer_at >= 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "reshape ", ListString(reshape), " has more than one -1; at most one size can be "
            "inferred"));
      }
      infer_at = static_cast<int64_t>(i);
      continue;
    }
    if (size < -1) {
      return absl::InvalidArgumentError(absl::StrCat("reshape ", ListString(reshape), " entry ", i,
                                                     " is ", size, "; sizes must be >= -1"));
    }
    if (size == 0 && params.zero_is_placeholder) {
      if (i >= dims.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "reshape ", ListString(reshape), " entry ", i, " is 0 (copy input dim ", i,
            ") but the tensor being reshaped (", DimsString(dims), ") has rank ", dims.size(),
            "; set zero_is_placeholder=0 for a literal 0"));
      }
      size = dims[i];
    }
    shape[i] = size;
    if (__builtin_mul_overflow(known_volume, size, &known_volume)) {
      return absl::InvalidArgumentError(
          absl::StrCat("reshape ", ListString(reshape), " has a volume that overflows int64"));
    }
  }
  const int64_t volume = Volume(dims);
  if (infer_at >= 0) {
    if (known_volume == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "reshape ", ListString(reshape), " cannot infer its -1: the other sizes multiply to 0"));
    }
    if (volume % known_volume != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "reshape ", ListString(reshape), " cannot infer its -1: the input volume ", volume,
          " (", DimsString(dims), ") is not a multiple of ", known_volume));
    }
    shape[infer_at] = volume / known_volume;
  } else if (known_volume != volume) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reshape ", ListString(reshape), " gives ", DimsString(shape), " (volume ", known_volume,
        ") but the input ", DimsString(dims), " has volume ", volume, "; volumes must match"));
  }
  return shape;
}

// The data and up to 7 tensors whose dims reshape_refs read.
constexpr int kMaxShuffleInputs = 8;

absl::StatusOr<std::vector<TensorDesc>> InferShuffle(const InferenceContext& ctx) {
  absl::StatusOr<ShuffleParams> params = ShuffleParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  if (!ctx.has_input(0)) return ctx.Error("input 0 is omitted; Shuffle needs its input");
  absl::StatusOr<Dims> dims = InferShuffleDims(*params, ctx.inputs);
  if (!dims.ok()) {
    return ctx.Error("input '", ctx.inputs[0].name, "' (", DimsString(ctx.inputs[0].dims),
                     "): ", dims.status().message());
  }
  TensorDesc out;
  out.dtype = ctx.inputs[0].dtype;
  out.dims = *std::move(dims);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeShuffleSchema() {
  OpSchema schema;
  schema.name = kShuffleOp;
  schema.max_inputs = kMaxShuffleInputs;
  schema.infer = InferShuffle;
  return schema;
}

absl::StatusOr<bool> GetFlag(const AttrMap& attrs, absl::string_view name, bool fallback) {
  KILN_ASSIGN_OR_RETURN(int64_t value, attrs.GetInt(name, fallback ? 1 : 0));
  if (value != 0 && value != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute '", name, "' is ", value, "; expected 0 or 1"));
  }
  return value == 1;
}

}  // namespace

KILN_REGISTER_OP(MakeShuffleSchema());

absl::StatusOr<Dims> InferShuffleDims(const ShuffleParams& params, const Dims& input) {
  Dims dims = input;
  if (!params.first_transpose.empty()) {
    KILN_RETURN_IF_ERROR(CheckPermutation("first_transpose", params.first_transpose, dims));
    dims = Permute(dims, params.first_transpose);
  }
  if (params.has_reshape) {
    KILN_ASSIGN_OR_RETURN(dims, ApplyReshape(params, dims));
  }
  if (!params.second_transpose.empty()) {
    KILN_RETURN_IF_ERROR(CheckPermutation("second_transpose", params.second_transpose, dims));
    dims = Permute(dims, params.second_transpose);
  }
  return dims;
}

absl::StatusOr<Dims> InferShuffleDims(const ShuffleParams& params,
                                      absl::Span<const TensorDesc> inputs) {
  if (params.reshape_refs.empty()) return InferShuffleDims(params, inputs[0].dims);
  ShuffleParams resolved = params;
  resolved.reshape_refs.clear();
  absl::StatusOr<std::vector<int64_t>> reshape =
      ResolveDimRefs(params.reshape_refs, params.reshape, inputs, /*first_ref_input=*/1);
  if (!reshape.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("reshape_refs: ", reshape.status().message()));
  }
  resolved.reshape = *std::move(reshape);
  return InferShuffleDims(resolved, inputs[0].dims);
}

AttrMap ShuffleParams::ToAttrs() const {
  AttrMap attrs;
  if (!first_transpose.empty()) attrs.Set("first_transpose", first_transpose);
  attrs.Set("has_reshape", has_reshape);
  // A reshape without has_reshape is written too, so FromAttrs reports the
  // contradiction instead of the layer silently dropping the reshape.
  if (has_reshape || !reshape.empty()) attrs.Set("reshape", reshape);
  attrs.Set("zero_is_placeholder", zero_is_placeholder);
  SetDimRefs(attrs, "reshape_refs", reshape_refs);
  if (!second_transpose.empty()) attrs.Set("second_transpose", second_transpose);
  return attrs;
}

absl::StatusOr<ShuffleParams> ShuffleParams::FromAttrs(const AttrMap& attrs) {
  ShuffleParams params;
  KILN_ASSIGN_OR_RETURN(params.first_transpose, attrs.GetInts("first_transpose", {}));
  KILN_ASSIGN_OR_RETURN(params.reshape, attrs.GetInts("reshape", {}));
  // Without "has_reshape" an empty list cannot mean "reshape to a scalar".
  KILN_ASSIGN_OR_RETURN(params.has_reshape,
                        GetFlag(attrs, "has_reshape", !params.reshape.empty()));
  if (!params.has_reshape && !params.reshape.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'has_reshape' is 0 but 'reshape' is ", ListString(params.reshape),
        "; drop one of them"));
  }
  KILN_ASSIGN_OR_RETURN(params.zero_is_placeholder, GetFlag(attrs, "zero_is_placeholder", true));
  KILN_ASSIGN_OR_RETURN(params.reshape_refs,
                        DimRefsFromAttrs(attrs, "reshape_refs", params.reshape.size()));
  KILN_ASSIGN_OR_RETURN(params.second_transpose, attrs.GetInts("second_transpose", {}));
  return params;
}

absl::StatusOr<TensorId> AddShuffle(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const ShuffleParams& params) {
  return network.AddLayer1(name, kShuffleOp, {input}, params.ToAttrs());
}

absl::StatusOr<TensorId> AddReshape(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, Dims dims) {
  ShuffleParams params;
  params.has_reshape = true;
  params.reshape = std::move(dims);
  return AddShuffle(network, name, input, params);
}

absl::StatusOr<TensorId> AddTranspose(NetworkDefinition& network, absl::string_view name,
                                      TensorId input, std::vector<int64_t> perm) {
  ShuffleParams params;
  params.first_transpose = std::move(perm);
  return AddShuffle(network, name, input, params);
}

}  // namespace kiln
