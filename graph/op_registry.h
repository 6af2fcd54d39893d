#ifndef KILN_GRAPH_OP_REGISTRY_H_
#define KILN_GRAPH_OP_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "graph/attributes.h"
#include "graph/types.h"

namespace kiln {

// What shape inference sees of a layer. Pure data: no graph, no backend.
struct InferenceContext {
  absl::string_view layer;  // layer name, for messages
  absl::string_view op;
  const AttrMap& attrs;
  absl::Span<const TensorDesc> inputs;  // an omitted optional input has an empty name
  // Per input: the constant's data when that input is a constant, else nullptr.
  absl::Span<const Weights* const> constants;

  bool has_input(size_t i) const { return i < inputs.size() && !inputs[i].name.empty(); }

  // "layer 'conv2' (Convolution): <message>" as InvalidArgument.
  template <typename... Args>
  absl::Status Error(const Args&... args) const {
    return absl::InvalidArgumentError(absl::StrCat("layer '", layer, "' (", op, "): ", args...));
  }
};

// Returns one TensorDesc per output (dtype, dims, format); names are filled
// by the caller.
using ShapeInferenceFn =
    std::function<absl::StatusOr<std::vector<TensorDesc>>(const InferenceContext&)>;

struct OpSchema {
  std::string name;
  int min_inputs = 1;
  int max_inputs = 1;
  int num_outputs = 1;
  ShapeInferenceFn infer;
};

// The global table of ops. Ops register from their own files at static
// initialization (KILN_REGISTER_OP); plugins register when loaded.
class OpRegistry {
 public:
  static OpRegistry& Global();

  absl::Status Register(OpSchema schema);
  const OpSchema* Find(absl::string_view name) const;
  std::vector<std::string> Names() const;

  // Checks the input count and runs the op's shape inference.
  absl::StatusOr<std::vector<TensorDesc>> Infer(const InferenceContext& ctx) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<OpSchema>, std::less<>> schemas_ ABSL_GUARDED_BY(mu_);
};

namespace internal {
bool RegisterOpOrDie(OpSchema schema);
}  // namespace internal

#define KILN_REGISTER_OP_CONCAT_INNER_(a, b) a##b
#define KILN_REGISTER_OP_CONCAT_(a, b) KILN_REGISTER_OP_CONCAT_INNER_(a, b)
// KILN_REGISTER_OP(MakeConvolutionSchema()) at namespace scope.
#define KILN_REGISTER_OP(...)                                             \
  static const bool KILN_REGISTER_OP_CONCAT_(kiln_op_registered_, __COUNTER__) = \
      ::kiln::internal::RegisterOpOrDie(__VA_ARGS__)

}  // namespace kiln

#endif  // KILN_GRAPH_OP_REGISTRY_H_
