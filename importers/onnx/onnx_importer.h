#ifndef KILN_IMPORTERS_ONNX_ONNX_IMPORTER_H_
#define KILN_IMPORTERS_ONNX_ONNX_IMPORTER_H_

// ONNX -> NetworkDefinition, through onnx's own protobuf bindings.
//
// Supported: the default ("ai.onnx") domain at opsets 1 to 21 (before 7, the
// legacy forms kiln cannot honour are errors: broadcast/axis attributes of
// binary ops, BatchNormalization spatial=0, Tile-1, Split-1 with sizes as an
// input, Upsample-1; consumed_inputs and is_test are ignored); the ops in
// SupportedOps(). Initializers and Constant nodes become kiln constants;
// layers whose inputs are all constant are evaluated at import (so ONNX's
// shape subgraphs, Shape -> Gather -> Concat -> Reshape, fold away).
//
// Graph inputs:
//   - a symbolic or unknown first dim makes a batched input whose dim 0 is
//     options.batch (the builder later sets it to BuildConfig::max_batch);
//   - any other symbolic dim needs options.input_shapes[name] (the whole
//     shape; its dim 0 stands for the batch of a batched input);
//   - an input whose dims are all known is imported unbatched, exactly as
//     the model states them.
// Without probes (a model with no Shape or Size node), a Reshape keeps
// working at every batch size by writing 0 (copy the input's dim) where its
// target's dim 0 equals the import batch and the data's dim 0 does too.
//
// Dynamic shapes: a model without shape arithmetic (reshapes by 0 and -1)
// imported at one shape runs at every shape of a BuildConfig profile. A model
// that computes sizes from its input shapes (Shape -> Gather -> Concat ->
// Reshape, as torch.onnx writes transformers) is imported twice more first,
// at probe dims: each symbolic dim moved by its own step (down from the
// given dims where there is room: a position table caps the sequence). What
// the probes saw tells which folded values vary with the dims and how, and
// the final import writes sizes that follow the dims at run time:
//   - a Reshape or Expand target entry that varies becomes 0 (copy) or 1
//     (keep) where it is the data's own dim, else a reference to the graph
//     input dim it equals (ops/dim_refs.h), else the Reshape's one -1;
//   - a Gather by varying indices that are 0, 1, 2, ... over all of axis 0
//     (the padding mask's flat b * seq + k), or a GatherND whose indices
//     list every index tuple of the data's leading dims in order (the same
//     mask from torch's dynamo exporter), becomes a reshape;
//   - a varying value read as data is made at run time when it is one value
//     repeated (an Expand) or 0, 1, 2, ... (a Range over an input dim, as
//     position ids are); float results of varying values are not folded.
// Where none of this applies (a value computed from the dims read as data or
// as another attribute, SAME padding, GlobalLpPool's kernel) the importer
// records it with NetworkDefinition::PinShapes, and the builder refuses a
// profile that varies more than the batch, naming the node.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/network_definition.h"
#include "graph/types.h"
#include "onnx/onnx_pb.h"

namespace kiln {

struct OnnxImportOptions {
  int batch = 1;                               // dim 0 of batched inputs
  std::map<std::string, Dims> input_shapes;    // dims of inputs with symbolic dims
  // Graph inputs fixed to these values at import: they become constants, not
  // network inputs. For models that take data kiln needs at build time (a
  // Reshape's shape, Pad's pads) as inputs, as ONNX's node tests do.
  std::map<std::string, Weights> constant_inputs;
};

inline constexpr int kMinOnnxOpset = 1;
inline constexpr int kMaxOnnxOpset = 21;

// Reads `path` (and external data files beside it).
absl::StatusOr<NetworkDefinition> ImportOnnxFile(const std::string& path,
                                                 const OnnxImportOptions& options);

// Imports a parsed model; external data is looked up in `model_dir`.
absl::StatusOr<NetworkDefinition> ImportOnnxModel(const onnx::ModelProto& model,
                                                  const std::string& model_dir,
                                                  const OnnxImportOptions& options);

// ONNX op types the importer converts, sorted.
std::vector<std::string> SupportedOnnxOps();

}  // namespace kiln

#endif  // KILN_IMPORTERS_ONNX_ONNX_IMPORTER_H_
