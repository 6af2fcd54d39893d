#ifndef KILN_OPS_STFT_H_
#define KILN_OPS_STFT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kStftOp[] = "STFT";

// ONNX STFT (opset 17): the short-time Fourier transform. Input 0 is the
// signal [batch, length, 1] (real) or [batch, length, 2] (complex); optional
// input 1 the window [frame_length] (absent: all ones). Output
// [batch, frames, bins, 2] with frames = (length - frame_length) / frame_step
// + 1 and bins = frame_length / 2 + 1 when onesided, else frame_length;
// frame f is the DFT of signal[f * frame_step + t] * window[t], t < frame_length.
// fp32 or fp16.
//   frame_step:   hop between frames (ONNX input 1), >= 1.
//   frame_length: samples per frame (ONNX input 3); 0 = the window's size, or
//                 the whole signal when there is no window.
//   onesided:     keep only the non-redundant frequencies (default 1).
struct StftParams {
  int64_t frame_step = 1;
  int64_t frame_length = 0;
  bool onesided = true;

  AttrMap ToAttrs() const;  // "frame_step", "frame_length", "onesided"
  static absl::StatusOr<StftParams> FromAttrs(const AttrMap& attrs);
};

// `window` may be -1 (none).
absl::StatusOr<TensorId> AddStft(NetworkDefinition& network, absl::string_view name,
                                 TensorId signal, TensorId window, const StftParams& params);

}  // namespace kiln

#endif  // KILN_OPS_STFT_H_
