#include "ops/padding.h"

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

constexpr PaddingMode kAllModes[] = {PaddingMode::kConstant, PaddingMode::kReflect,
                                     PaddingMode::kEdge};

// Integer dtypes must hold the value exactly: a silent truncation of 0.5 or
// wrap of 300 into int8 would pad with something the user did not ask for.
template <typename T>
absl::Status EncodeInteger(float value, DataType dtype, int64_t lo, int64_t hi, void* out) {
  if (!(value >= static_cast<float>(lo) && value <= static_cast<float>(hi)) ||
      std::trunc(value) != value) {
    return absl::InvalidArgumentError(
        absl::StrCat("padding value ", value, " is not representable in ", DataTypeName(dtype)));
  }
  const T v = static_cast<T>(value);
  std::memcpy(out, &v, sizeof(T));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TensorDesc>> InferPadding(const InferenceContext& ctx) {
  absl::StatusOr<PaddingParams> params = PaddingParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  const int64_t rank = x.rank();
  const std::vector<int64_t>& pads = params->pads;
  const std::string pads_text = absl::StrCat("[", absl::StrJoin(pads, ","), "]");
  if (rank < 1) return ctx.Error("input '", x.name, "' is a scalar; padding needs dims");
  if (!pads.empty() && static_cast<int64_t>(pads.size()) != 2 * rank) {
    return ctx.Error("attribute 'pads' has ", pads.size(), " values ", pads_text, "; expected ",
                     2 * rank, " (begin and end for each of the ", rank, " dims of ",
                     DimsString(x.dims), ")");
  }
  if (params->mode == PaddingMode::kConstant) {
    uint64_t scratch = 0;
    absl::Status encoded = EncodePaddingValue(params->value, x.dtype, &scratch);
    if (!encoded.ok()) return ctx.Error(encoded.message());
  }
  TensorDesc out = x;
  out.format = TensorFormat::kLinear;
  if (pads.empty()) return std::vector<TensorDesc>{out};

  if (pads[0] != 0 || pads[rank] != 0) {
    return ctx.Error("pads ", pads_text, " pad or crop dim 0, the batch; only the other dims ",
                     "may be padded");
  }
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t in_size = x.dims[i], begin = pads[i], end = pads[rank + i];
    // Reflection never repeats the edge, so it reaches at most size - 1 away.
    if (params->mode == PaddingMode::kReflect &&
        ((begin > 0 && begin >= in_size) || (end > 0 && end >= in_size))) {
      return ctx.Error("reflect pads ", begin, " and ", end, " of dim ", i, " must be smaller ",
                       "than its size ", in_size, " (input dims ", DimsString(x.dims), ")");
    }
    if (params->mode == PaddingMode::kEdge && in_size == 0 && (begin > 0 || end > 0)) {
      return ctx.Error("edge padding of dim ", i, ", which is empty, has no edge to repeat");
    }
    out.dims[i] = in_size + begin + end;
    // Empty tensors are refused at network inputs too; an op making one would
    // hand every consumer a case it never sees elsewhere.
    if (out.dims[i] <= 0) {
      return ctx.Error("pads ", pads_text, " crop dim ", i, " of size ", in_size, " to ",
                       out.dims[i], " (input dims ", DimsString(x.dims), ")");
    }
  }
  return std::vector<TensorDesc>{out};
}

OpSchema MakePaddingSchema() {
  OpSchema schema;
  schema.name = kPaddingOp;
  schema.infer = InferPadding;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakePaddingSchema());

absl::string_view PaddingModeName(PaddingMode mode) {
  switch (mode) {
    case PaddingMode::kConstant: return "constant";
    case PaddingMode::kReflect: return "reflect";
    case PaddingMode::kEdge: return "edge";
  }
  return "unknown";
}

absl::Status EncodePaddingValue(float value, DataType dtype, void* out) {
  switch (dtype) {
    case DataType::kFloat32: std::memcpy(out, &value, sizeof(float)); return absl::OkStatus();
    case DataType::kFloat16: {
      const uint16_t half = FloatToHalf(value);
      std::memcpy(out, &half, sizeof(half));
      return absl::OkStatus();
    }
    case DataType::kInt8: return EncodeInteger<int8_t>(value, dtype, -128, 127, out);
    // The upper bounds of int32 and int64 are the largest floats that fit.
    case DataType::kInt32:
      return EncodeInteger<int32_t>(value, dtype, -2147483648LL, 2147483520LL, out);
    case DataType::kInt64:
      return EncodeInteger<int64_t>(value, dtype, -9223372036854775807LL - 1, 9223371487098961920LL,
                                    out);
    case DataType::kBool: return EncodeInteger<uint8_t>(value, dtype, 0, 1, out);
  }
  return absl::InvalidArgumentError("unknown dtype");
}

AttrMap PaddingParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("pads", pads);
  attrs.Set("mode", std::string(PaddingModeName(mode)));
  attrs.Set("value", value);
  return attrs;
}

absl::StatusOr<PaddingParams> PaddingParams::FromAttrs(const AttrMap& attrs) {
  PaddingParams params;
  KILN_ASSIGN_OR_RETURN(params.pads, attrs.GetInts("pads", {}));
  KILN_ASSIGN_OR_RETURN(std::string mode, attrs.GetString("mode", "constant"));
  bool found = false;
  for (PaddingMode m : kAllModes) {
    if (PaddingModeName(m) == mode) {
      params.mode = m;
      found = true;
    }
  }
  if (!found) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown padding mode '", mode, "'; expected constant, reflect or edge"));
  }
  KILN_ASSIGN_OR_RETURN(params.value, attrs.GetFloat("value", 0.0f));
  return params;
}

absl::StatusOr<TensorId> AddPadding(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const PaddingParams& params) {
  return network.AddLayer1(name, kPaddingOp, {input}, params.ToAttrs());
}

}  // namespace kiln
