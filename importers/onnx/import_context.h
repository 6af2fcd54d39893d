#ifndef KILN_IMPORTERS_ONNX_IMPORT_CONTEXT_H_
#define KILN_IMPORTERS_ONNX_IMPORT_CONTEXT_H_

// What an ONNX converter sees of one node, and the converter table.
//
// A converter maps one ONNX node onto kiln layers. It reads the node's inputs
// as TensorIds of the network being built (constant inputs also as host
// Weights: initializers, Constant nodes and folded results), reads attributes
// with ONNX's defaults, adds layers with AddLayer and binds each ONNX output
// with SetOutput. AddLayer evaluates a layer at import time when every input
// is a constant, so shape-computing subgraphs fold away as they are read.

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"
#include "onnx/onnx_pb.h"
#include "ops/dim_refs.h"

namespace kiln {
namespace onnx_import {

// Dynamic shapes (onnx_importer.h). What a probe import, made at other
// values of the graph inputs' symbolic dims, saw of one ONNX value: its dims
// and, for a constant, a hash of its bytes and (when numeric and small) its
// values.
struct ProbeValue {
  Dims dims;
  bool constant = false;
  size_t hash = 0;
  bool has_values = false;
  std::vector<double> values;
};
using ProbeRecord = std::map<std::string, ProbeValue>;
ProbeValue ProbeValueOf(const Tensor& tensor);

// State shared by every node of one import.
struct ImportState {
  NetworkDefinition network;
  std::map<std::string, TensorId> tensors;  // ONNX value name -> kiln tensor
  std::string model_dir;                    // for external data files
  int batch = 1;                            // dim 0 given to batched inputs
  bool any_batched = false;                 // some graph input is batched
  // ONNX elem_type of the values whose type the model states (initializers,
  // graph inputs and outputs, value_info): ops whose meaning depends on a
  // type kiln widens (BitShift on uint8...) read it here.
  std::map<std::string, int> onnx_elem_types;

  // Dynamic shapes: one record per probe import (empty: none was made, and
  // a value computed from input dims pins the network's shapes), the ONNX
  // name each kiln tensor was first bound to, the graph inputs, and the
  // layers made for constants that vary with the input dims.
  std::vector<ProbeRecord> probes;
  std::map<TensorId, std::string> onnx_names;
  std::vector<TensorId> graph_inputs;
  std::map<TensorId, TensorId> materialized;
  // ImportContext::Varies per constant; true for a converter's unnamed result
  // folded from varying values (an ONNX output naming it lets the probes say).
  std::map<TensorId, bool> varies;

  // `base`, or `base_1`, `base_2`... so that no tensor or layer has it yet.
  std::string UniqueName(absl::string_view base);

 private:
  std::set<std::string> used_names_;
};

// ONNX TensorProto -> Weights. Types kiln lacks are converted where the value
// survives: uint8/int16/uint16 -> int32, uint32/uint64 -> int64 (values above
// INT64_MAX are an error), double -> fp32 (rounded). Reads raw_data, the typed
// fields, and external data ("location", "offset", "length") relative to
// `model_dir`. `what` names the tensor in messages.
absl::StatusOr<Weights> TensorProtoToWeights(const onnx::TensorProto& tensor,
                                             const std::string& model_dir);

// The kiln type an ONNX elem_type is imported as (see above), or an error.
absl::StatusOr<DataType> OnnxElemTypeToKiln(int elem_type);
std::string OnnxElemTypeName(int elem_type);

class ImportContext {
 public:
  ImportContext(ImportState& state, const onnx::NodeProto& node, int opset);

  const onnx::NodeProto& node() const { return node_; }
  const std::string& op_type() const { return node_.op_type(); }
  int opset() const { return opset_; }
  // The node's name, or its first output's name when the node has none.
  const std::string& name() const { return name_; }
  NetworkDefinition& network() { return state_.network; }
  int import_batch() const { return state_.batch; }
  bool any_batched() const { return state_.any_batched; }

  // Inputs. An omitted optional input (absent or empty name) reads as -1.
  int num_inputs() const { return node_.input_size(); }
  bool has_input(int i) const { return i < node_.input_size() && !node_.input(i).empty(); }
  TensorId input(int i) const;
  const TensorDesc& desc(int i) const;     // input i must be present
  const Weights* constant(int i) const;    // nullptr unless input i is a constant
  // Input i when present, else an error saying the node needs it.
  absl::StatusOr<TensorId> RequiredInput(int i) const;
  // A constant input's values as int64 (int32/int64/int8/bool inputs), or an
  // error saying that kiln needs it constant.
  absl::StatusOr<std::vector<int64_t>> ConstantInts(int i) const;
  absl::StatusOr<float> ConstantScalar(int i) const;  // one value, any numeric type
  // A constant input's values as fp32 (any numeric type; Resize's scales,
  // OneHot's values), or the same error as ConstantInts.
  absl::StatusOr<std::vector<float>> ConstantFloats(int i) const;

  // The ONNX elem_type the model states for input i (or output i), or 0
  // (UNDEFINED) when it states none.
  int OnnxInputElemType(int i) const;
  int OnnxOutputElemType(int i) const;

  int num_outputs() const { return node_.output_size(); }
  bool has_output(int i) const { return i < node_.output_size() && !node_.output(i).empty(); }

  // Attributes, with the default when absent; a wrong type is an error.
  bool HasAttr(absl::string_view name) const { return Attr(name) != nullptr; }
  absl::StatusOr<int64_t> AttrInt(absl::string_view name, int64_t fallback) const;
  absl::StatusOr<float> AttrFloat(absl::string_view name, float fallback) const;
  absl::StatusOr<std::string> AttrString(absl::string_view name, std::string fallback) const;
  absl::StatusOr<std::vector<int64_t>> AttrInts(absl::string_view name,
                                                std::vector<int64_t> fallback) const;
  absl::StatusOr<std::vector<float>> AttrFloats(absl::string_view name,
                                                std::vector<float> fallback) const;
  absl::StatusOr<Weights> AttrTensor(absl::string_view name) const;
  const onnx::AttributeProto* Attr(absl::string_view name) const;

  // Adds a layer named after the node's output 0 (plus "/<suffix>" when
  // `suffix` is not empty): the layer that makes an output should use "" so
  // the kiln tensor keeps the ONNX name. When every present input is a
  // constant the layer is evaluated now and its outputs are constants.
  absl::StatusOr<std::vector<TensorId>> AddLayer(absl::string_view suffix, absl::string_view op,
                                                 std::vector<TensorId> inputs, AttrMap attrs);
  absl::StatusOr<TensorId> AddLayer1(absl::string_view suffix, absl::string_view op,
                                     std::vector<TensorId> inputs, AttrMap attrs);
  absl::StatusOr<TensorId> AddConstant(absl::string_view suffix, Weights weights);
  bool IsConstant(TensorId t) const;
  const Weights* ConstantOf(TensorId t) const;
  const TensorDesc& DescOf(TensorId t) const { return state_.network.desc(t); }

  // Binds ONNX output i to `tensor`.
  absl::Status SetOutput(int i, TensorId tensor);

  // "node 'name' (Conv, opset 13): <message>" as InvalidArgument / Unimplemented.
  template <typename... Args>
  absl::Status Error(const Args&... args) const {
    return absl::InvalidArgumentError(absl::StrCat(Prefix(), args...));
  }
  template <typename... Args>
  absl::Status Unsupported(const Args&... args) const {
    return absl::UnimplementedError(absl::StrCat(Prefix(), args...));
  }
  // Notes that this conversion fixed something from the import-time dims of
  // a tensor that can vary (a folded Shape, SAME padding): the network may
  // then vary only its batch (NetworkDefinition::PinShapes).
  void PinShapes(absl::string_view what) const {
    state_.network.PinShapes(absl::StrCat(Prefix(), what));
  }
  // Dynamic shapes (onnx_importer.h), when probe imports were made.
  bool dynamic() const { return !state_.probes.empty(); }
  // Whether constant `t` holds values computed from input dims that differ
  // at the probes' dims (a folded Shape, a Range over seq...).
  bool Varies(TensorId t) const;
  bool InputVaries(int i) const { return has_input(i) && Varies(input(i)); }
  // Input i's dims and, for a constant, its values at the import dims
  // (point 0) and at each probe's; nullopt where a probe did not see it.
  std::optional<std::vector<Dims>> PointDims(TensorId t) const;
  std::optional<std::vector<std::vector<double>>> PointValues(TensorId t) const;
  // The graph input dim that takes these values at the points, if any.
  struct DimSource {
    TensorId input = -1;
    int64_t dim = 0;
  };
  std::optional<DimSource> FindDimSource(const std::vector<int64_t>& per_point) const;
  // Sizes (a Reshape's, an Expand's) that may vary with the input dims, as
  // literal entries and DimRefs to extra layer inputs numbered from
  // `first_ref_input` (ops/dim_refs.h). `points[p][i]` is entry i at point
  // p; `keep(i, column)` may give a literal that stands for a varying entry
  // (0: copy the data's dim); at most one entry left over becomes -1 when
  // `minus_one_ok`. An error says which entry has no source.
  struct SymbolicSizes {
    std::vector<int64_t> values;
    std::vector<DimRef> refs;  // empty when every entry is literal
    std::vector<TensorId> ref_inputs;
  };
  absl::StatusOr<SymbolicSizes> ResolveSizes(
      const std::vector<std::vector<int64_t>>& points, int64_t first_ref_input,
      const std::function<std::optional<int64_t>(size_t, const std::vector<int64_t>&)>& keep,
      bool minus_one_ok) const;
  // `x` reshaped to dims that may vary with the input dims: `points[p]` are
  // the dims at point p (a Shuffle whose entries are literal, what `keep`
  // gives, references to graph input dims, or one -1). With
  // `zero_is_placeholder`, a literal 0 copies the data's dim. The layer is
  // named as AddLayer names it.
  absl::StatusOr<TensorId> ReshapeToPoints(
      TensorId x, const std::vector<std::vector<int64_t>>& points,
      const std::function<std::optional<int64_t>(size_t, const std::vector<int64_t>&)>& keep =
          nullptr,
      bool zero_is_placeholder = false, absl::string_view suffix = "");
  // A layer computing varying constant `t` at run time from the input dims:
  // a splat (every element one value) becomes an Expand, 0, 1, 2... a Range
  // (reshaped); anything else is an error naming it.
  absl::StatusOr<TensorId> Materialize(TensorId t);
  // Set by a converter that made its layers follow varying inputs it read
  // (with ResolveSizes); otherwise reading one pins the network's shapes.
  void MarkDynamicHandled() { dynamic_handled_ = true; }
  bool read_varying() const { return read_varying_; }
  bool dynamic_handled() const { return dynamic_handled_; }

  // Re-raises `status` (from kiln's op validation, say) with the node prefix.
  absl::Status Wrap(const absl::Status& status) const;
  std::string Prefix() const;

 private:
  ImportState& state_;
  const onnx::NodeProto& node_;
  int opset_;
  std::string name_;
  mutable bool read_varying_ = false;
  bool dynamic_handled_ = false;
};

// Helpers shared by the converter files.

// A scalar-shaped ({} dims) or 1-element tensor of `dtype` holding `value`.
Weights ScalarWeights(DataType dtype, double value, Dims dims = {});

// Reshapes `x` to `dims` (explicit sizes; no placeholders) with a Shuffle.
// When `dim0_is_batch` and the import is batched, dim 0 is written as 0
// (copy) so the layer follows the batch at run time.
absl::StatusOr<TensorId> ReshapeTo(ImportContext& ctx, absl::string_view suffix, TensorId x,
                                   const Dims& dims, bool dim0_is_batch = false);

// `axis` in [-rank, rank) made non-negative, or an error naming it.
absl::StatusOr<int64_t> NormalizeAxis(const ImportContext& ctx, int64_t axis, int64_t rank);

using OnnxConverter = std::function<absl::Status(ImportContext&)>;

// The converter table: ONNX op type (default domain) -> converter.
class ConverterRegistry {
 public:
  static ConverterRegistry& Global();
  bool Register(const std::string& op_type, OnnxConverter converter);
  const OnnxConverter* Find(absl::string_view op_type) const;
  std::vector<std::string> Names() const;  // sorted

 private:
  std::map<std::string, OnnxConverter, std::less<>> converters_;
};

#define KILN_ONNX_CONCAT_INNER_(a, b) a##b
#define KILN_ONNX_CONCAT_(a, b) KILN_ONNX_CONCAT_INNER_(a, b)
// KILN_REGISTER_ONNX_CONVERTER("Conv", ConvertConv) at namespace scope.
#define KILN_REGISTER_ONNX_CONVERTER(op_type, fn)                                      \
  static const bool KILN_ONNX_CONCAT_(kiln_onnx_converter_, __COUNTER__) =             \
      ::kiln::onnx_import::ConverterRegistry::Global().Register(op_type, fn)

}  // namespace onnx_import
}  // namespace kiln

#endif  // KILN_IMPORTERS_ONNX_IMPORT_CONTEXT_H_
