// ONNX math ops: elementwise binary (Add ... Pow, variadic Sum/Mean/Max/Min),
// comparisons and logic, unary math, activations, Softmax/LogSoftmax, Gemm,
// MatMul, the Reduce* family, Mod, Shrink, Celu, Einsum, BitShift and Det.

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "ops/activation.h"
#include "ops/bit_shift.h"
#include "ops/cast.h"
#include "ops/celu.h"
#include "ops/compare.h"
#include "ops/det.h"
#include "ops/einsum.h"
#include "ops/element_wise.h"
#include "ops/fully_connected.h"
#include "ops/logical.h"
#include "ops/matmul.h"
#include "ops/mod.h"
#include "ops/prelu.h"
#include "ops/reduce.h"
#include "ops/shrink.h"
#include "ops/shuffle.h"
#include "ops/softmax.h"
#include "ops/unary.h"

namespace kiln {
namespace onnx_import {
namespace {

absl::StatusOr<TensorId> Binary(ImportContext& ctx, absl::string_view suffix, TensorId a,
                                TensorId b, ElementWiseOp op) {
  return ctx.AddLayer1(suffix, kElementWiseOp, {a, b}, ElementWiseParams{op}.ToAttrs());
}

// A scalar constant of x's type.
absl::StatusOr<TensorId> ScalarLike(ImportContext& ctx, absl::string_view suffix, TensorId x,
                                    double value) {
  return ctx.AddConstant(suffix, ScalarWeights(ctx.DescOf(x).dtype, value));
}

// Casts `x` to `type` when it differs (Pow's exponent, for one).
absl::StatusOr<TensorId> CastTo(ImportContext& ctx, absl::string_view suffix, TensorId x,
                                DataType type) {
  if (ctx.DescOf(x).dtype == type) return x;
  return ctx.AddLayer1(suffix, kCastOp, {x}, CastParams{type}.ToAttrs());
}

OnnxConverter BinaryConverter(ElementWiseOp op) {
  return [op](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(TensorId a, ctx.RequiredInput(0));
    KILN_ASSIGN_OR_RETURN(TensorId b, ctx.RequiredInput(1));
    if (ctx.opset() < 7 && ctx.HasAttr("broadcast")) {
      return ctx.Unsupported("legacy 'broadcast'/'axis' attributes are not supported");
    }
    if (op == ElementWiseOp::kPow) {
      KILN_ASSIGN_OR_RETURN(b, CastTo(ctx, "exponent", b, ctx.DescOf(a).dtype));
    }
    KILN_ASSIGN_OR_RETURN(TensorId y, Binary(ctx, "", a, b, op));
    return ctx.SetOutput(0, y);
  };
}

// Sum, Max, Min, Mean over any number of inputs (numpy broadcasting).
OnnxConverter VariadicConverter(ElementWiseOp op, bool mean) {
  return [op, mean](ImportContext& ctx) -> absl::Status {
    std::vector<TensorId> inputs;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (ctx.has_input(i)) inputs.push_back(ctx.input(i));
    }
    if (inputs.empty()) return ctx.Error("needs at least one input");
    // kiln's ElementWise has no int8 arithmetic: int8 runs widened to int32
    // (exact for max/min/sum of in-range values) and is narrowed at the end.
    const DataType type = ctx.DescOf(inputs[0]).dtype;
    const bool widen = type == DataType::kInt8 && inputs.size() > 1;
    if (widen) {
      for (size_t i = 0; i < inputs.size(); ++i) {
        KILN_ASSIGN_OR_RETURN(inputs[i], CastTo(ctx, absl::StrCat("in", i, "_i32"), inputs[i],
                                                DataType::kInt32));
      }
    }
    TensorId acc = inputs[0];
    for (size_t i = 1; i < inputs.size(); ++i) {
      const bool last = i + 1 == inputs.size() && !mean && !widen;
      KILN_ASSIGN_OR_RETURN(acc, Binary(ctx, last ? "" : absl::StrCat("acc", i), acc, inputs[i], op));
    }
    if (mean && inputs.size() > 1) {
      KILN_ASSIGN_OR_RETURN(TensorId n, ScalarLike(ctx, "count", acc, inputs.size()));
      KILN_ASSIGN_OR_RETURN(acc, Binary(ctx, widen ? "mean" : "", acc, n, ElementWiseOp::kDiv));
    }
    if (widen) {
      KILN_ASSIGN_OR_RETURN(acc, ctx.AddLayer1("", kCastOp, {acc}, CastParams{type}.ToAttrs()));
    }
    return ctx.SetOutput(0, acc);
  };
}

OnnxConverter CompareConverter(CompareOp op) {
  return [op](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(TensorId a, ctx.RequiredInput(0));
    KILN_ASSIGN_OR_RETURN(TensorId b, ctx.RequiredInput(1));
    KILN_ASSIGN_OR_RETURN(TensorId y,
                          ctx.AddLayer1("", kCompareOp, {a, b}, CompareParams{op}.ToAttrs()));
    return ctx.SetOutput(0, y);
  };
}

OnnxConverter LogicalConverter(LogicalOp op) {
  return [op](ImportContext& ctx) -> absl::Status {
    std::vector<TensorId> inputs;
    KILN_ASSIGN_OR_RETURN(TensorId a, ctx.RequiredInput(0));
    inputs.push_back(a);
    if (op != LogicalOp::kNot) {
      KILN_ASSIGN_OR_RETURN(TensorId b, ctx.RequiredInput(1));
      inputs.push_back(b);
    }
    KILN_ASSIGN_OR_RETURN(TensorId y,
                          ctx.AddLayer1("", kLogicalOp, inputs, LogicalParams{op}.ToAttrs()));
    return ctx.SetOutput(0, y);
  };
}

OnnxConverter UnaryConverter(UnaryOp op) {
  return [op](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
    const DataType type = ctx.DescOf(x).dtype;
    if (!IsFloatType(type) && (op == UnaryOp::kNeg || op == UnaryOp::kAbs)) {
      // kiln's Unary is float-only; integer Neg/Abs (shape arithmetic in
      // expanded functions) go through ElementWise: -x = 0 - x, |x| = max(x, -x).
      KILN_ASSIGN_OR_RETURN(TensorId zero, ScalarLike(ctx, "zero", x, 0.0));
      KILN_ASSIGN_OR_RETURN(TensorId neg, Binary(ctx, op == UnaryOp::kNeg ? "" : "neg", zero, x,
                                                 ElementWiseOp::kSub));
      if (op == UnaryOp::kNeg) return ctx.SetOutput(0, neg);
      KILN_ASSIGN_OR_RETURN(TensorId y, Binary(ctx, "", x, neg, ElementWiseOp::kMax));
      return ctx.SetOutput(0, y);
    }
    KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kUnaryOp, {x}, UnaryParams{op}.ToAttrs()));
    return ctx.SetOutput(0, y);
  };
}

// An activation whose alpha/beta come from ONNX attributes with defaults.
struct ActivationSpec {
  ActivationType type;
  const char* alpha_attr;
  float alpha_default;
  const char* beta_attr;
  float beta_default;
};

OnnxConverter ActivationConverter(ActivationSpec spec) {
  return [spec](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
    ActivationParams params;
    params.type = spec.type;
    params.alpha = spec.alpha_default;
    params.beta = spec.beta_default;
    if (spec.alpha_attr != nullptr) {
      KILN_ASSIGN_OR_RETURN(params.alpha, ctx.AttrFloat(spec.alpha_attr, spec.alpha_default));
    }
    if (spec.beta_attr != nullptr) {
      KILN_ASSIGN_OR_RETURN(params.beta, ctx.AttrFloat(spec.beta_attr, spec.beta_default));
    }
    KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kActivationOp, {x}, params.ToAttrs()));
    return ctx.SetOutput(0, y);
  };
}

absl::Status ConvertClip(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  ActivationParams params;
  params.type = ActivationType::kClip;
  params.alpha = -std::numeric_limits<float>::infinity();
  params.beta = std::numeric_limits<float>::infinity();
  if (ctx.opset() < 11) {
    KILN_ASSIGN_OR_RETURN(params.alpha, ctx.AttrFloat("min", params.alpha));
    KILN_ASSIGN_OR_RETURN(params.beta, ctx.AttrFloat("max", params.beta));
  } else {
    if (ctx.has_input(1)) {
      KILN_ASSIGN_OR_RETURN(params.alpha, ctx.ConstantScalar(1));
    }
    if (ctx.has_input(2)) {
      KILN_ASSIGN_OR_RETURN(params.beta, ctx.ConstantScalar(2));
    }
  }
  const DataType type = ctx.DescOf(x).dtype;
  if (!IsFloatType(type)) {
    // Integer Clip: max(min(x, hi), lo) in ElementWise, bounds rounded toward
    // the inside; int8 runs widened to int32 (ElementWise has no int8).
    const DataType work = type == DataType::kInt8 ? DataType::kInt32 : type;
    KILN_ASSIGN_OR_RETURN(TensorId v, CastTo(ctx, "wide", x, work));
    if (params.beta < std::numeric_limits<float>::infinity()) {
      KILN_ASSIGN_OR_RETURN(TensorId hi, ctx.AddConstant("max", ScalarWeights(work, std::floor(params.beta))));
      KILN_ASSIGN_OR_RETURN(v, Binary(ctx, "upper", v, hi, ElementWiseOp::kMin));
    }
    if (params.alpha > -std::numeric_limits<float>::infinity()) {
      KILN_ASSIGN_OR_RETURN(TensorId lo, ctx.AddConstant("min", ScalarWeights(work, std::ceil(params.alpha))));
      KILN_ASSIGN_OR_RETURN(v, Binary(ctx, "lower", v, lo, ElementWiseOp::kMax));
    }
    if (v == x) return ctx.SetOutput(0, x);
    KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kCastOp, {v}, CastParams{type}.ToAttrs()));
    return ctx.SetOutput(0, y);
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kActivationOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertGelu(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(std::string approximate, ctx.AttrString("approximate", "none"));
  if (approximate != "none" && approximate != "tanh") {
    return ctx.Unsupported("approximate='", approximate, "' is not a GELU form ('none' or 'tanh')");
  }
  ActivationParams params;
  params.type = approximate == "tanh" ? ActivationType::kGeluTanh : ActivationType::kGelu;
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kActivationOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// y = x < 0 ? slope * x : x, slope broadcast to x.
absl::Status ConvertPRelu(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId slope, ctx.RequiredInput(1));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kPReluOp, {x, slope}, AttrMap()));
  return ctx.SetOutput(0, y);
}

// Before opset 13, Softmax/LogSoftmax flatten the input to 2-D at `axis`
// (default 1) and normalize each row; from 13 they normalize along `axis`
// (default -1).
OnnxConverter SoftmaxConverter(bool log) {
  return [log](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
    const Dims dims = ctx.DescOf(x).dims;
    const int64_t rank = static_cast<int64_t>(dims.size());
    SoftMaxParams params;
    params.log = log;
    if (ctx.opset() >= 13) {
      KILN_ASSIGN_OR_RETURN(params.axis, ctx.AttrInt("axis", -1));
      KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kSoftMaxOp, {x}, params.ToAttrs()));
      return ctx.SetOutput(0, y);
    }
    KILN_ASSIGN_OR_RETURN(int64_t axis_attr, ctx.AttrInt("axis", 1));
    const int64_t axis = axis_attr < 0 ? axis_attr + rank : axis_attr;
    if (axis < 0 || axis > rank) return ctx.Error("axis ", axis_attr, " is out of range");
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= dims[d];
    params.axis = 1;
    KILN_ASSIGN_OR_RETURN(TensorId flat, ReshapeTo(ctx, "2d", x, {outer, inner}, axis == 1));
    const bool reshaped = flat != x;
    KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1(reshaped ? "softmax" : "", kSoftMaxOp, {flat},
                                                    params.ToAttrs()));
    if (reshaped) {
      KILN_ASSIGN_OR_RETURN(y, ReshapeTo(ctx, "", y, dims, axis == 1));
    }
    return ctx.SetOutput(0, y);
  };
}

absl::Status ConvertMatMul(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId a, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId b, ctx.RequiredInput(1));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kMatMulOp, {a, b}, MatMulParams{}.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// Y = alpha * op(A) * op(B) + beta * C.
// Gemm as FullyConnected, the layer GEMM tactics run with the bias (and a
// fused activation) in their epilogue: when A is a rank-2 activation (not
// transposed), B a constant matrix and C absent or a constant with one value
// per output column. alpha and beta are folded into the weights and bias.
// Returns false (and adds nothing) for other Gemms.
absl::StatusOr<bool> TryGemmAsFullyConnected(ImportContext& ctx, TensorId a, float alpha,
                                             float beta, bool trans_a, bool trans_b) {
  const Weights* b = ctx.constant(1);
  if (trans_a || ctx.IsConstant(a) || ctx.DescOf(a).rank() != 2 || b == nullptr ||
      b->dims().size() != 2 || !IsFloatType(b->dtype()) || ctx.DescOf(a).dtype != b->dtype()) {
    return false;
  }
  const int64_t k = trans_b ? b->dims()[1] : b->dims()[0];
  const int64_t n = trans_b ? b->dims()[0] : b->dims()[1];
  if (ctx.DescOf(a).dims[1] != k) return false;  // the MatMul path reports it
  std::optional<std::vector<float>> bias;
  if (ctx.has_input(2) && beta != 0.0f) {
    const Weights* c = ctx.constant(2);
    if (c == nullptr || Volume(c->dims()) != n || c->dims().empty() ||
        c->dims().back() != n) {
      return false;
    }
    KILN_ASSIGN_OR_RETURN(std::vector<float> values, ctx.ConstantFloats(2));
    for (float& v : values) v *= beta;
    bias = std::move(values);
  }
  KILN_ASSIGN_OR_RETURN(std::vector<float> bv, ctx.ConstantFloats(1));
  std::vector<float> weight(n * k);  // (N, K)
  for (int64_t row = 0; row < n; ++row) {
    for (int64_t col = 0; col < k; ++col) {
      weight[row * k + col] = alpha * (trans_b ? bv[row * k + col] : bv[col * n + row]);
    }
  }
  auto typed = [&](Dims dims, const std::vector<float>& values) {
    if (b->dtype() != DataType::kFloat16) return Weights::FromFloats(std::move(dims), values);
    Weights w(DataType::kFloat16, std::move(dims));
    for (size_t i = 0; i < values.size(); ++i) w.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
    return w;
  };
  KILN_ASSIGN_OR_RETURN(TensorId w_id, ctx.AddConstant("weight", typed({n, k}, weight)));
  TensorId bias_id = -1;
  if (bias.has_value()) {
    KILN_ASSIGN_OR_RETURN(bias_id, ctx.AddConstant("bias", typed({n}, *bias)));
  }
  FullyConnectedParams params;
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kFullyConnectedOp, {a, w_id, bias_id},
                                                  params.ToAttrs()));
  KILN_RETURN_IF_ERROR(ctx.SetOutput(0, y));
  return true;
}

absl::Status ConvertGemm(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId a, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId b, ctx.RequiredInput(1));
  KILN_ASSIGN_OR_RETURN(float alpha, ctx.AttrFloat("alpha", 1.0f));
  KILN_ASSIGN_OR_RETURN(float beta, ctx.AttrFloat("beta", 1.0f));
  MatMulParams params;
  KILN_ASSIGN_OR_RETURN(int64_t trans_a, ctx.AttrInt("transA", 0));
  KILN_ASSIGN_OR_RETURN(int64_t trans_b, ctx.AttrInt("transB", 0));
  params.transpose_a = trans_a != 0;
  params.transpose_b = trans_b != 0;
  KILN_ASSIGN_OR_RETURN(bool fully_connected,
                        TryGemmAsFullyConnected(ctx, a, alpha, beta, params.transpose_a,
                                                params.transpose_b));
  if (fully_connected) return absl::OkStatus();
  const bool has_c = ctx.has_input(2) && beta != 0.0f;
  const bool scale = alpha != 1.0f;
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1(has_c || scale ? "matmul" : "", kMatMulOp,
                                                  {a, b}, params.ToAttrs()));
  if (scale) {
    KILN_ASSIGN_OR_RETURN(TensorId k, ScalarLike(ctx, "alpha", y, alpha));
    KILN_ASSIGN_OR_RETURN(y, Binary(ctx, has_c ? "scaled" : "", y, k, ElementWiseOp::kProd));
  }
  if (has_c) {
    TensorId c = ctx.input(2);
    if (beta != 1.0f) {
      KILN_ASSIGN_OR_RETURN(TensorId k, ScalarLike(ctx, "beta", c, beta));
      KILN_ASSIGN_OR_RETURN(c, Binary(ctx, "bias", c, k, ElementWiseOp::kProd));
    }
    KILN_ASSIGN_OR_RETURN(y, Binary(ctx, "", y, c, ElementWiseOp::kSum));
  }
  return ctx.SetOutput(0, y);
}

// Reduce*: axes are an attribute before `axes_input_since` (13 for
// ReduceSum, 18 for the others) and an optional input after;
// noop_with_empty_axes (from then) makes empty axes an identity.
OnnxConverter ReduceConverter(ReduceOp op, int axes_input_since) {
  return [op, axes_input_since](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
    ReduceParams params;
    params.op = op;
    KILN_ASSIGN_OR_RETURN(int64_t keepdims, ctx.AttrInt("keepdims", 1));
    params.keep_dims = keepdims != 0;
    if (ctx.opset() < axes_input_since) {
      KILN_ASSIGN_OR_RETURN(params.axes, ctx.AttrInts("axes", {}));
    } else {
      if (ctx.has_input(1)) {
        KILN_ASSIGN_OR_RETURN(params.axes, ctx.ConstantInts(1));
      }
      KILN_ASSIGN_OR_RETURN(int64_t noop, ctx.AttrInt("noop_with_empty_axes", 0));
      if (params.axes.empty() && noop != 0) return ctx.SetOutput(0, x);
    }
    KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kReduceOp, {x}, params.ToAttrs()));
    return ctx.SetOutput(0, y);
  };
}

// IsNaN: x != x. IsInf: x == +inf (detect_positive) or x == -inf (detect_negative).
absl::Status ConvertIsNaN(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId eq, ctx.AddLayer1("equal", kCompareOp, {x, x},
                                                   CompareParams{CompareOp::kEqual}.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kLogicalOp, {eq},
                                                  LogicalParams{LogicalOp::kNot}.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertIsInf(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(int64_t positive, ctx.AttrInt("detect_positive", 1));
  KILN_ASSIGN_OR_RETURN(int64_t negative, ctx.AttrInt("detect_negative", 1));
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<TensorId> hits;
  if (positive != 0) {
    KILN_ASSIGN_OR_RETURN(TensorId k, ScalarLike(ctx, "pos_inf", x, inf));
    KILN_ASSIGN_OR_RETURN(TensorId h, ctx.AddLayer1(negative ? "is_pos" : "", kCompareOp, {x, k},
                                                    CompareParams{CompareOp::kEqual}.ToAttrs()));
    hits.push_back(h);
  }
  if (negative != 0) {
    KILN_ASSIGN_OR_RETURN(TensorId k, ScalarLike(ctx, "neg_inf", x, -inf));
    KILN_ASSIGN_OR_RETURN(TensorId h, ctx.AddLayer1(positive ? "is_neg" : "", kCompareOp, {x, k},
                                                    CompareParams{CompareOp::kEqual}.ToAttrs()));
    hits.push_back(h);
  }
  if (hits.empty()) {  // detects nothing: x != x && x == x is false everywhere
    KILN_ASSIGN_OR_RETURN(TensorId t, ctx.AddConstant("", ScalarWeights(DataType::kBool, 0, ctx.DescOf(x).dims)));
    return ctx.SetOutput(0, t);
  }
  TensorId y = hits[0];
  if (hits.size() == 2) {
    KILN_ASSIGN_OR_RETURN(y, ctx.AddLayer1("", kLogicalOp, hits,
                                           LogicalParams{LogicalOp::kOr}.ToAttrs()));
  }
  return ctx.SetOutput(0, y);
}

absl::Status ConvertMod(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId a, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId b, ctx.RequiredInput(1));
  ModParams params;
  KILN_ASSIGN_OR_RETURN(int64_t fmod, ctx.AttrInt("fmod", 0));
  params.fmod = fmod != 0;
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kModOp, {a, b}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertShrink(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  ShrinkParams params;
  KILN_ASSIGN_OR_RETURN(params.lambd, ctx.AttrFloat("lambd", 0.5f));
  KILN_ASSIGN_OR_RETURN(params.bias, ctx.AttrFloat("bias", 0.0f));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kShrinkOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertCelu(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  CeluParams params;
  KILN_ASSIGN_OR_RETURN(params.alpha, ctx.AttrFloat("alpha", 1.0f));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kCeluOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertEinsum(ImportContext& ctx) {
  std::vector<TensorId> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    KILN_ASSIGN_OR_RETURN(TensorId t, ctx.RequiredInput(i));
    inputs.push_back(t);
  }
  EinsumParams params;
  KILN_ASSIGN_OR_RETURN(params.equation, ctx.AttrString("equation", ""));
  if (params.equation.empty()) return ctx.Error("attribute 'equation' is required");
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kEinsumOp, inputs, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// BitShift is defined on unsigned types, which kiln imports widened (uint8
// and uint16 as int32, uint32 and uint64 as int64): the op is told the
// original width so that left shifts wrap as they would in that type.
absl::Status ConvertBitShift(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.RequiredInput(1));
  BitShiftParams params;
  KILN_ASSIGN_OR_RETURN(std::string direction, ctx.AttrString("direction", ""));
  if (direction != "LEFT" && direction != "RIGHT") {
    return ctx.Error("attribute 'direction' is '", direction, "'; expected LEFT or RIGHT");
  }
  params.left = direction == "LEFT";
  int elem_type = ctx.OnnxInputElemType(0);
  if (elem_type == 0) elem_type = ctx.OnnxInputElemType(1);
  if (elem_type == 0) elem_type = ctx.OnnxOutputElemType(0);
  switch (elem_type) {
    case onnx::TensorProto::UINT8: params.width = 8; break;
    case onnx::TensorProto::UINT16: params.width = 16; break;
    case onnx::TensorProto::UINT32: params.width = 32; break;
    case onnx::TensorProto::UINT64: params.width = 64; break;
    case 0:
      return ctx.Unsupported("the model does not state the type of input 0, and kiln needs its "
                             "unsigned width (it imports uint8/uint16 as int32, uint32/uint64 as "
                             "int64)");
    default:
      return ctx.Error("input 0 is ", OnnxElemTypeName(elem_type),
                       "; BitShift takes uint8, uint16, uint32 or uint64");
  }
  KILN_ASSIGN_OR_RETURN(TensorId z, ctx.AddLayer1("", kBitShiftOp, {x, y}, params.ToAttrs()));
  return ctx.SetOutput(0, z);
}

absl::Status ConvertDet(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kDetOp, {x}, AttrMap()));
  return ctx.SetOutput(0, y);
}

}  // namespace

KILN_REGISTER_ONNX_CONVERTER("BitShift", ConvertBitShift);
KILN_REGISTER_ONNX_CONVERTER("Det", ConvertDet);

KILN_REGISTER_ONNX_CONVERTER("Mod", ConvertMod);
KILN_REGISTER_ONNX_CONVERTER("Shrink", ConvertShrink);
KILN_REGISTER_ONNX_CONVERTER("Celu", ConvertCelu);
KILN_REGISTER_ONNX_CONVERTER("Einsum", ConvertEinsum);
KILN_REGISTER_ONNX_CONVERTER("Add", BinaryConverter(ElementWiseOp::kSum));
KILN_REGISTER_ONNX_CONVERTER("Sub", BinaryConverter(ElementWiseOp::kSub));
KILN_REGISTER_ONNX_CONVERTER("Mul", BinaryConverter(ElementWiseOp::kProd));
KILN_REGISTER_ONNX_CONVERTER("Div", BinaryConverter(ElementWiseOp::kDiv));
KILN_REGISTER_ONNX_CONVERTER("Pow", BinaryConverter(ElementWiseOp::kPow));
KILN_REGISTER_ONNX_CONVERTER("Sum", VariadicConverter(ElementWiseOp::kSum, false));
KILN_REGISTER_ONNX_CONVERTER("Mean", VariadicConverter(ElementWiseOp::kSum, true));
KILN_REGISTER_ONNX_CONVERTER("Max", VariadicConverter(ElementWiseOp::kMax, false));
KILN_REGISTER_ONNX_CONVERTER("Min", VariadicConverter(ElementWiseOp::kMin, false));

KILN_REGISTER_ONNX_CONVERTER("Equal", CompareConverter(CompareOp::kEqual));
KILN_REGISTER_ONNX_CONVERTER("Less", CompareConverter(CompareOp::kLess));
KILN_REGISTER_ONNX_CONVERTER("LessOrEqual", CompareConverter(CompareOp::kLessOrEqual));
KILN_REGISTER_ONNX_CONVERTER("Greater", CompareConverter(CompareOp::kGreater));
KILN_REGISTER_ONNX_CONVERTER("GreaterOrEqual", CompareConverter(CompareOp::kGreaterOrEqual));
KILN_REGISTER_ONNX_CONVERTER("And", LogicalConverter(LogicalOp::kAnd));
KILN_REGISTER_ONNX_CONVERTER("Or", LogicalConverter(LogicalOp::kOr));
KILN_REGISTER_ONNX_CONVERTER("Xor", LogicalConverter(LogicalOp::kXor));
KILN_REGISTER_ONNX_CONVERTER("Not", LogicalConverter(LogicalOp::kNot));
KILN_REGISTER_ONNX_CONVERTER("IsNaN", ConvertIsNaN);
KILN_REGISTER_ONNX_CONVERTER("IsInf", ConvertIsInf);

KILN_REGISTER_ONNX_CONVERTER("Exp", UnaryConverter(UnaryOp::kExp));
KILN_REGISTER_ONNX_CONVERTER("Log", UnaryConverter(UnaryOp::kLog));
KILN_REGISTER_ONNX_CONVERTER("Sqrt", UnaryConverter(UnaryOp::kSqrt));
KILN_REGISTER_ONNX_CONVERTER("Reciprocal", UnaryConverter(UnaryOp::kRecip));
KILN_REGISTER_ONNX_CONVERTER("Abs", UnaryConverter(UnaryOp::kAbs));
KILN_REGISTER_ONNX_CONVERTER("Neg", UnaryConverter(UnaryOp::kNeg));
KILN_REGISTER_ONNX_CONVERTER("Sin", UnaryConverter(UnaryOp::kSin));
KILN_REGISTER_ONNX_CONVERTER("Cos", UnaryConverter(UnaryOp::kCos));
KILN_REGISTER_ONNX_CONVERTER("Tan", UnaryConverter(UnaryOp::kTan));
KILN_REGISTER_ONNX_CONVERTER("Asin", UnaryConverter(UnaryOp::kAsin));
KILN_REGISTER_ONNX_CONVERTER("Acos", UnaryConverter(UnaryOp::kAcos));
KILN_REGISTER_ONNX_CONVERTER("Atan", UnaryConverter(UnaryOp::kAtan));
KILN_REGISTER_ONNX_CONVERTER("Sinh", UnaryConverter(UnaryOp::kSinh));
KILN_REGISTER_ONNX_CONVERTER("Cosh", UnaryConverter(UnaryOp::kCosh));
KILN_REGISTER_ONNX_CONVERTER("Asinh", UnaryConverter(UnaryOp::kAsinh));
KILN_REGISTER_ONNX_CONVERTER("Acosh", UnaryConverter(UnaryOp::kAcosh));
KILN_REGISTER_ONNX_CONVERTER("Atanh", UnaryConverter(UnaryOp::kAtanh));
KILN_REGISTER_ONNX_CONVERTER("Ceil", UnaryConverter(UnaryOp::kCeil));
KILN_REGISTER_ONNX_CONVERTER("Floor", UnaryConverter(UnaryOp::kFloor));
KILN_REGISTER_ONNX_CONVERTER("Round", UnaryConverter(UnaryOp::kRound));
KILN_REGISTER_ONNX_CONVERTER("Erf", UnaryConverter(UnaryOp::kErf));
KILN_REGISTER_ONNX_CONVERTER("Sign", UnaryConverter(UnaryOp::kSign));

KILN_REGISTER_ONNX_CONVERTER("Relu", ActivationConverter({ActivationType::kRelu, nullptr, 0, nullptr, 0}));
KILN_REGISTER_ONNX_CONVERTER("LeakyRelu", ActivationConverter({ActivationType::kLeakyRelu, "alpha", 0.01f, nullptr, 0}));
KILN_REGISTER_ONNX_CONVERTER("Elu", ActivationConverter({ActivationType::kElu, "alpha", 1.0f, nullptr, 0}));
KILN_REGISTER_ONNX_CONVERTER("Selu", ActivationConverter({ActivationType::kSelu, "alpha", 1.67326319217681884765625f, "gamma", 1.05070102214813232421875f}));
KILN_REGISTER_ONNX_CONVERTER("Sigmoid", ActivationConverter({ActivationType::kSigmoid, nullptr, 0, nullptr, 0}));
KILN_REGISTER_ONNX_CONVERTER("HardSigmoid", ActivationConverter({ActivationType::kHardSigmoid, "alpha", 0.2f, "beta", 0.5f}));
KILN_REGISTER_ONNX_CONVERTER("HardSwish", ActivationConverter({ActivationType::kHardSwish, nullptr, 0, nullptr, 0}));
KILN_REGISTER_ONNX_CONVERTER("Tanh", ActivationConverter({ActivationType::kTanh, nullptr, 0, nullptr, 0}));
KILN_REGISTER_ONNX_CONVERTER("Softplus", ActivationConverter({ActivationType::kSoftplus, nullptr, 0, nullptr, 0}));
KILN_REGISTER_ONNX_CONVERTER("Softsign", ActivationConverter({ActivationType::kSoftsign, nullptr, 0, nullptr, 0}));
KILN_REGISTER_ONNX_CONVERTER("ThresholdedRelu", ActivationConverter({ActivationType::kThresholdedRelu, "alpha", 1.0f, nullptr, 0}));
KILN_REGISTER_ONNX_CONVERTER("Clip", ConvertClip);
KILN_REGISTER_ONNX_CONVERTER("Gelu", ConvertGelu);
KILN_REGISTER_ONNX_CONVERTER("PRelu", ConvertPRelu);

KILN_REGISTER_ONNX_CONVERTER("Softmax", SoftmaxConverter(false));
KILN_REGISTER_ONNX_CONVERTER("LogSoftmax", SoftmaxConverter(true));
KILN_REGISTER_ONNX_CONVERTER("MatMul", ConvertMatMul);
KILN_REGISTER_ONNX_CONVERTER("Gemm", ConvertGemm);

KILN_REGISTER_ONNX_CONVERTER("ReduceSum", ReduceConverter(ReduceOp::kSum, 13));
KILN_REGISTER_ONNX_CONVERTER("ReduceMean", ReduceConverter(ReduceOp::kMean, 18));
KILN_REGISTER_ONNX_CONVERTER("ReduceMax", ReduceConverter(ReduceOp::kMax, 18));
KILN_REGISTER_ONNX_CONVERTER("ReduceMin", ReduceConverter(ReduceOp::kMin, 18));
KILN_REGISTER_ONNX_CONVERTER("ReduceProd", ReduceConverter(ReduceOp::kProd, 18));
KILN_REGISTER_ONNX_CONVERTER("ReduceSumSquare", ReduceConverter(ReduceOp::kSumSquare, 18));
KILN_REGISTER_ONNX_CONVERTER("ReduceL1", ReduceConverter(ReduceOp::kL1, 18));
KILN_REGISTER_ONNX_CONVERTER("ReduceL2", ReduceConverter(ReduceOp::kL2, 18));
KILN_REGISTER_ONNX_CONVERTER("ReduceLogSum", ReduceConverter(ReduceOp::kLogSum, 18));
KILN_REGISTER_ONNX_CONVERTER("ReduceLogSumExp", ReduceConverter(ReduceOp::kLogSumExp, 18));

}  // namespace onnx_import
}  // namespace kiln
