// ONNX loss functions, inference-valid math composed of kiln ops:
// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
//
// NLL, for input (N, C, d1..dk), target (N, d1..dk) and optional weight (C):
//   loss[n, d] = -input[n, target[n, d], d] * w[n, d],  w = weight[target]
// (w = 1 without weights); where target == ignore_index, loss and w are 0.
// reduction none: loss; sum: sum(loss); mean: sum(loss) / sum(w).
// SoftmaxCrossEntropyLoss is NLL of LogSoftmax(scores, axis 1), whose
// log-probabilities are its optional second output.

#include <cstdint>
#include <string>
#include <vector>

#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "ops/cast.h"
#include "ops/compare.h"
#include "ops/element_wise.h"
#include "ops/gather.h"
#include "ops/gather_elements.h"
#include "ops/reduce.h"
#include "ops/softmax.h"
#include "ops/unary.h"
#include "ops/where.h"

namespace kiln {
namespace onnx_import {
namespace {

absl::StatusOr<TensorId> Binary(ImportContext& ctx, absl::string_view suffix, TensorId a,
                                TensorId b, ElementWiseOp op) {
  return ctx.AddLayer1(suffix, kElementWiseOp, {a, b}, ElementWiseParams{op}.ToAttrs());
}

absl::StatusOr<TensorId> SumAll(ImportContext& ctx, absl::string_view suffix, TensorId x) {
  ReduceParams params;
  params.op = ReduceOp::kSum;
  params.keep_dims = false;
  return ctx.AddLayer1(suffix, kReduceOp, {x}, params.ToAttrs());
}

// The NLL of log-probabilities `input` (N, C, ...) at `target`; `weight` is
// -1 when absent.
absl::StatusOr<TensorId> NllLoss(ImportContext& ctx, TensorId input, TensorId target,
                                 TensorId weight) {
  KILN_ASSIGN_OR_RETURN(std::string reduction, ctx.AttrString("reduction", "mean"));
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    return ctx.Error("reduction '", reduction, "' is unknown (none, sum, mean)");
  }
  const TensorDesc in = ctx.DescOf(input);  // copies: adding layers moves descs
  const TensorDesc tg = ctx.DescOf(target);
  if (in.rank() < 2 || tg.rank() != in.rank() - 1) {
    return ctx.Error("input ", DimsString(in.dims), " needs (N, C, d1..dk) and target (N, d1..dk); "
                     "target is ", DimsString(tg.dims));
  }
  if (tg.dtype != DataType::kInt32 && tg.dtype != DataType::kInt64) {
    return ctx.Error("target is ", DataTypeName(tg.dtype), "; it must be int32 or int64");
  }
  const DataType ftype = in.dtype;

  // Ignored positions read class 0 (any valid index) and are masked out.
  TensorId safe_target = target;
  TensorId keep = -1;  // 1 where the target counts, 0 where ignored (ftype)
  if (ctx.HasAttr("ignore_index")) {
    KILN_ASSIGN_OR_RETURN(int64_t ignore_index, ctx.AttrInt("ignore_index", 0));
    KILN_ASSIGN_OR_RETURN(TensorId ii, ctx.AddConstant("ignore_index",
                                                       ScalarWeights(tg.dtype, ignore_index)));
    KILN_ASSIGN_OR_RETURN(TensorId ignored,
                          ctx.AddLayer1("ignored", kCompareOp, {target, ii},
                                        CompareParams{CompareOp::kEqual}.ToAttrs()));
    KILN_ASSIGN_OR_RETURN(TensorId zero, ctx.AddConstant("class0", ScalarWeights(tg.dtype, 0)));
    KILN_ASSIGN_OR_RETURN(safe_target, ctx.AddLayer1("safe_target", kWhereOp,
                                                     {ignored, zero, target}, AttrMap()));
    KILN_ASSIGN_OR_RETURN(TensorId f0, ctx.AddConstant("keep0", ScalarWeights(ftype, 0)));
    KILN_ASSIGN_OR_RETURN(TensorId f1, ctx.AddConstant("keep1", ScalarWeights(ftype, 1)));
    KILN_ASSIGN_OR_RETURN(keep, ctx.AddLayer1("keep", kWhereOp, {ignored, f0, f1}, AttrMap()));
  }

  // picked[n, d] = input[n, target[n, d], d]
  Dims idx_dims = tg.dims;
  idx_dims.insert(idx_dims.begin() + 1, 1);
  KILN_ASSIGN_OR_RETURN(TensorId idx, ReshapeTo(ctx, "target_idx", safe_target, idx_dims, true));
  GatherElementsParams gather;
  gather.axis = 1;
  KILN_ASSIGN_OR_RETURN(TensorId picked, ctx.AddLayer1("picked", kGatherElementsOp, {input, idx},
                                                       gather.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(picked, ReshapeTo(ctx, "picked_flat", picked, tg.dims, true));
  KILN_ASSIGN_OR_RETURN(TensorId loss, ctx.AddLayer1("neg", kUnaryOp, {picked},
                                                     UnaryParams{UnaryOp::kNeg}.ToAttrs()));

  TensorId w = -1;  // per-position weight (ftype), -1 when every weight is 1
  if (weight >= 0) {
    GatherParams params;
    params.axis = 0;
    KILN_ASSIGN_OR_RETURN(w, ctx.AddLayer1("w", kGatherOp, {weight, safe_target},
                                           params.ToAttrs()));
  }
  if (keep >= 0) {
    if (w >= 0) {
      KILN_ASSIGN_OR_RETURN(w, Binary(ctx, "w_kept", w, keep, ElementWiseOp::kProd));
    } else {
      w = keep;
    }
  }
  const bool none = reduction == "none";
  if (w >= 0) {
    KILN_ASSIGN_OR_RETURN(loss, Binary(ctx, none ? "" : "weighted", loss, w, ElementWiseOp::kProd));
  }
  if (none) return loss;
  if (reduction == "sum") return SumAll(ctx, "", loss);
  if (w < 0) {
    ReduceParams params;
    params.op = ReduceOp::kMean;
    params.keep_dims = false;
    return ctx.AddLayer1("", kReduceOp, {loss}, params.ToAttrs());
  }
  KILN_ASSIGN_OR_RETURN(TensorId total, SumAll(ctx, "loss_sum", loss));
  KILN_ASSIGN_OR_RETURN(TensorId w_total, SumAll(ctx, "weight_sum", w));
  return Binary(ctx, "", total, w_total, ElementWiseOp::kDiv);
}

absl::Status ConvertNll(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId input, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId target, ctx.RequiredInput(1));
  const TensorId weight = ctx.has_input(2) ? ctx.input(2) : -1;
  KILN_ASSIGN_OR_RETURN(TensorId loss, NllLoss(ctx, input, target, weight));
  return ctx.SetOutput(0, loss);
}

absl::Status ConvertSoftmaxCrossEntropy(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId scores, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId labels, ctx.RequiredInput(1));
  const TensorId weight = ctx.has_input(2) ? ctx.input(2) : -1;
  if (ctx.DescOf(scores).rank() < 2) return ctx.Error("scores need rank >= 2 (N, C, ...)");
  SoftMaxParams params;
  params.axis = 1;
  params.log = true;
  KILN_ASSIGN_OR_RETURN(TensorId log_prob,
                        ctx.AddLayer1("log_prob", kSoftMaxOp, {scores}, params.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(TensorId loss, NllLoss(ctx, log_prob, labels, weight));
  KILN_RETURN_IF_ERROR(ctx.SetOutput(0, loss));
  if (ctx.has_output(1)) KILN_RETURN_IF_ERROR(ctx.SetOutput(1, log_prob));
  return absl::OkStatus();
}

}  // namespace

KILN_REGISTER_ONNX_CONVERTER("NegativeLogLikelihoodLoss", ConvertNll);
KILN_REGISTER_ONNX_CONVERTER("SoftmaxCrossEntropyLoss", ConvertSoftmaxCrossEntropy);

}  // namespace onnx_import
}  // namespace kiln
