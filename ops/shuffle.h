#ifndef KILN_OPS_SHUFFLE_H_
#define KILN_OPS_SHUFFLE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "ops/dim_refs.h"

namespace kiln {

inline constexpr char kShuffleOp[] = "Shuffle";

// TensorRT's IShuffleLayer: transpose, reshape, transpose, each step optional.
// Any dtype; the data is moved, never converted.
//   1. first_transpose: a permutation of 0..r-1 (r = input rank); output dim i
//      is input dim perm[i]. Empty: none.
//   2. reshape (when has_reshape): the new dims, row-major order kept. An
//      entry 0 copies dim i of the (first-transposed) tensor when
//      zero_is_placeholder, else it is a literal 0; one entry may be -1, the
//      size that makes the volumes match. Use 0 for the batch so the layer
//      works at every batch size.
//      An entry may instead be read from another input's dims at shape
//      inference (reshape_refs, ops/dim_refs.h): inputs 1 and up are read for
//      their shapes only, so one layer reshapes [B*S, 1] to [B, 1, 1, S]
//      at every B and S of a profile.
//   3. second_transpose: a permutation of the reshaped tensor's dims.
// Attributes: "first_transpose", "reshape", "has_reshape" (0/1; absent means
// "reshape is present and non-empty", so set it to 1 for a reshape to a
// scalar), "zero_is_placeholder" (0/1, default 1), "reshape_refs",
// "second_transpose".
struct ShuffleParams {
  std::vector<int64_t> first_transpose;
  bool has_reshape = false;
  Dims reshape;
  bool zero_is_placeholder = true;
  std::vector<DimRef> reshape_refs;  // empty, or one per reshape entry
  std::vector<int64_t> second_transpose;

  AttrMap ToAttrs() const;
  static absl::StatusOr<ShuffleParams> FromAttrs(const AttrMap& attrs);
};

// The output dims of `params` applied to a tensor of `input` dims, or an
// error saying which step does not fit. Pure; shape inference uses it.
// `params.reshape_refs` must be empty here; the overload below resolves them.
absl::StatusOr<Dims> InferShuffleDims(const ShuffleParams& params, const Dims& input);
// The output dims for the layer's inputs (0: the data; 1 and up: read by
// reshape_refs).
absl::StatusOr<Dims> InferShuffleDims(const ShuffleParams& params,
                                      absl::Span<const TensorDesc> inputs);

absl::StatusOr<TensorId> AddShuffle(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const ShuffleParams& params);

// A shuffle that only reshapes (0 = copy the input dim, -1 = infer).
absl::StatusOr<TensorId> AddReshape(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, Dims dims);

// A shuffle that only transposes: output dim i is input dim perm[i].
absl::StatusOr<TensorId> AddTranspose(NetworkDefinition& network, absl::string_view name,
                                      TensorId input, std::vector<int64_t> perm);

}  // namespace kiln

#endif  // KILN_OPS_SHUFFLE_H_
