// Converters for the signal-processing and text ops: DFT, STFT,
// TfIdfVectorizer and RoiAlign. Values ONNX passes as (constant) inputs,
// such as DFT's dft_length or STFT's frame_step, become kiln attributes.

#include <string>
#include <vector>

#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "ops/dft.h"
#include "ops/roi_align.h"
#include "ops/stft.h"
#include "ops/tf_idf_vectorizer.h"

namespace kiln {
namespace onnx_import {
namespace {

// The single value of constant input i, or an error (a scalar or 1-element
// tensor is expected).
absl::StatusOr<int64_t> ConstantInt(const ImportContext& ctx, int i, const char* what) {
  KILN_ASSIGN_OR_RETURN(std::vector<int64_t> values, ctx.ConstantInts(i));
  if (values.size() != 1) {
    return ctx.Error(what, " (input ", i, ") has ", values.size(), " values; expected a scalar");
  }
  return values[0];
}

absl::Status ConvertDft(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  DftParams params;
  if (ctx.has_input(1)) {
    KILN_ASSIGN_OR_RETURN(params.dft_length, ConstantInt(ctx, 1, "dft_length"));
    if (params.dft_length < 1) {
      return ctx.Error("dft_length is ", params.dft_length, "; expected >= 1");
    }
  }
  if (ctx.opset() >= 20) {
    // Opset 20 moved axis to input 2 (default -2, the last signal dim).
    params.axis = -2;
    if (ctx.has_input(2)) {
      KILN_ASSIGN_OR_RETURN(params.axis, ConstantInt(ctx, 2, "axis"));
    }
  } else {
    KILN_ASSIGN_OR_RETURN(params.axis, ctx.AttrInt("axis", 1));
  }
  KILN_ASSIGN_OR_RETURN(int64_t inverse, ctx.AttrInt("inverse", 0));
  KILN_ASSIGN_OR_RETURN(int64_t onesided, ctx.AttrInt("onesided", 0));
  params.inverse = inverse != 0;
  params.onesided = onesided != 0;
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kDftOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertStft(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId signal, ctx.RequiredInput(0));
  StftParams params;
  KILN_ASSIGN_OR_RETURN(params.frame_step, ConstantInt(ctx, 1, "frame_step"));
  if (ctx.has_input(3)) {
    KILN_ASSIGN_OR_RETURN(params.frame_length, ConstantInt(ctx, 3, "frame_length"));
    if (params.frame_length < 1) {
      return ctx.Error("frame_length is ", params.frame_length, "; expected >= 1");
    }
  }
  KILN_ASSIGN_OR_RETURN(int64_t onesided, ctx.AttrInt("onesided", 1));
  params.onesided = onesided != 0;
  std::vector<TensorId> inputs = {signal};
  if (ctx.has_input(2)) inputs.push_back(ctx.input(2));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kStftOp, inputs, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertTfIdfVectorizer(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  if (ctx.HasAttr("pool_strings")) {
    return ctx.Unsupported("pool_strings (string tokens) is not supported: kiln has no string "
                           "type; use pool_int64s");
  }
  TfIdfVectorizerParams params;
  KILN_ASSIGN_OR_RETURN(params.mode, ctx.AttrString("mode", ""));
  KILN_ASSIGN_OR_RETURN(params.min_gram_length, ctx.AttrInt("min_gram_length", 1));
  KILN_ASSIGN_OR_RETURN(params.max_gram_length, ctx.AttrInt("max_gram_length", 1));
  KILN_ASSIGN_OR_RETURN(params.max_skip_count, ctx.AttrInt("max_skip_count", 0));
  KILN_ASSIGN_OR_RETURN(params.ngram_counts, ctx.AttrInts("ngram_counts", {}));
  KILN_ASSIGN_OR_RETURN(params.ngram_indexes, ctx.AttrInts("ngram_indexes", {}));
  KILN_ASSIGN_OR_RETURN(params.pool_int64s, ctx.AttrInts("pool_int64s", {}));
  KILN_ASSIGN_OR_RETURN(params.weights, ctx.AttrFloats("weights", {}));
  KILN_ASSIGN_OR_RETURN(TensorId y,
                        ctx.AddLayer1("", kTfIdfVectorizerOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertRoiAlign(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId rois, ctx.RequiredInput(1));
  KILN_ASSIGN_OR_RETURN(TensorId batch_indices, ctx.RequiredInput(2));
  RoiAlignParams params;
  // Opset 10 had no coordinate_transformation_mode and behaved as
  // output_half_pixel; opset 16 added it with half_pixel the default.
  KILN_ASSIGN_OR_RETURN(params.coordinate_transformation_mode,
                        ctx.AttrString("coordinate_transformation_mode",
                                       ctx.opset() >= 16 ? "half_pixel" : "output_half_pixel"));
  KILN_ASSIGN_OR_RETURN(params.mode, ctx.AttrString("mode", "avg"));
  KILN_ASSIGN_OR_RETURN(params.output_height, ctx.AttrInt("output_height", 1));
  KILN_ASSIGN_OR_RETURN(params.output_width, ctx.AttrInt("output_width", 1));
  KILN_ASSIGN_OR_RETURN(params.sampling_ratio, ctx.AttrInt("sampling_ratio", 0));
  KILN_ASSIGN_OR_RETURN(params.spatial_scale, ctx.AttrFloat("spatial_scale", 1.0f));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kRoiAlignOp, {x, rois, batch_indices},
                                                  params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

}  // namespace

KILN_REGISTER_ONNX_CONVERTER("DFT", ConvertDft);
KILN_REGISTER_ONNX_CONVERTER("RoiAlign", ConvertRoiAlign);
KILN_REGISTER_ONNX_CONVERTER("TfIdfVectorizer", ConvertTfIdfVectorizer);
KILN_REGISTER_ONNX_CONVERTER("STFT", ConvertStft);

}  // namespace onnx_import
}  // namespace kiln
