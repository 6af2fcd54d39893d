#ifndef KILN_OPS_EMBEDDING_LAYER_NORM_H_
#define KILN_OPS_EMBEDDING_LAYER_NORM_H_

#include "absl/status/statusor.h"
#include "graph/attributes.h"

namespace kiln {

inline constexpr char kEmbeddingLayerNormOp[] = "EmbeddingLayerNorm";

// A transformer's embedding layer in one pass (made by the
// fuse-embedding-layer-norm pass): rows gathered from one or two tables,
// summed with an optional dense addend, then LayerNormalization over the
// embedding width C. Inputs (an omitted optional one is -1):
//   0 Ids         int32/int64, dims I (e.g. [B, S])
//   1 Table       fp32/fp16 [V, C]
//   2 SegmentIds  optional, int32/int64, dims I
//   3 SegmentTable optional (given exactly when 2 is) [T, C], Table's dtype
//   4 Addend      optional, Table's dtype: dims I + [C] with any number of
//                 leading dims 1 (e.g. the position embeddings [1, S, C],
//                 shared by every batch)
//   5 Scale       [C], Table's dtype
//   6 B           optional [C], Table's dtype
// With e = Table[Ids] + SegmentTable[SegmentIds] + Addend, summed in fp32,
// Y = (e - mean(e)) / sqrt(var(e) + epsilon) * Scale + B per row of C,
// statistics in double as LayerNormalization's. Y: Table's dtype, dims I +
// [C]. An id outside [-V, V) (negative ones count from the end, as Gather)
// is an error on cpu_ref; cuda reads it as a zero row, as its Gather does.
struct EmbeddingLayerNormParams {
  float epsilon = 1e-5f;  // "epsilon", >= 0

  AttrMap ToAttrs() const;
  static absl::StatusOr<EmbeddingLayerNormParams> FromAttrs(const AttrMap& attrs);
};

// Input slots.
inline constexpr int kEmbedIds = 0, kEmbedTable = 1, kEmbedSegmentIds = 2, kEmbedSegmentTable = 3,
                     kEmbedAddend = 4, kEmbedScale = 5, kEmbedBias = 6;

}  // namespace kiln

#endif  // KILN_OPS_EMBEDDING_LAYER_NORM_H_
