#include "importers/onnx/import_context.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <utility>

#include "absl/strings/str_join.h"
#include "backends/cpu_ref/evaluate.h"
#include "graph/status_macros.h"
#include "ops/shuffle.h"

namespace kiln {
namespace onnx_import {

std::string ImportState::UniqueName(absl::string_view base) {
  std::string name = base.empty() ? std::string("unnamed") : std::string(base);
  auto taken = [&](const std::string& n) {
    return used_names_.count(n) > 0 || network.graph().FindTensor(n).has_value() ||
           network.graph().FindNode(n).has_value();
  };
  std::string candidate = name;
  for (int i = 1; taken(candidate); ++i) candidate = absl::StrCat(name, "_", i);
  used_names_.insert(candidate);
  return candidate;
}

std::string OnnxElemTypeName(int elem_type) {
  if (onnx::TensorProto_DataType_IsValid(elem_type)) {
    return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(elem_type));
  }
  return absl::StrCat("elem_type ", elem_type);
}

absl::StatusOr<DataType> OnnxElemTypeToKiln(int elem_type) {
  switch (elem_type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::DOUBLE:
      return DataType::kFloat32;
    case onnx::TensorProto::FLOAT16: return DataType::kFloat16;
    case onnx::TensorProto::INT8: return DataType::kInt8;
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::INT32:
      return DataType::kInt32;
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64:
    case onnx::TensorProto::INT64:
      return DataType::kInt64;
    case onnx::TensorProto::BOOL: return DataType::kBool;
    default:
      return absl::UnimplementedError(absl::StrCat(
          "data type ", OnnxElemTypeName(elem_type),
          " is not supported (kiln has fp32, fp16, int8, int32, int64, bool; uint8/int16/uint16 "
          "are read as int32, uint32/uint64 as int64, double as fp32)"));
  }
}

namespace {

// Bytes per element as ONNX stores `elem_type` in raw_data.
size_t OnnxElemSize(int elem_type) {
  switch (elem_type) {
    case onnx::TensorProto::FLOAT: case onnx::TensorProto::INT32:
    case onnx::TensorProto::UINT32: return 4;
    case onnx::TensorProto::DOUBLE: case onnx::TensorProto::INT64:
    case onnx::TensorProto::UINT64: return 8;
    case onnx::TensorProto::FLOAT16: case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16: return 2;
    default: return 1;
  }
}

// Reads one element of raw little-endian ONNX data as double / int64 / uint64.
template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

absl::StatusOr<std::string> ReadExternal(const onnx::TensorProto& tensor,
                                         const std::string& model_dir, size_t expected) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : tensor.external_data()) {
    if (kv.key() == "location") location = kv.value();
    if (kv.key() == "offset") offset = std::strtoll(kv.value().c_str(), nullptr, 10);
    if (kv.key() == "length") length = std::strtoll(kv.value().c_str(), nullptr, 10);
  }
  if (location.empty()) {
    return absl::InvalidArgumentError("external data without a 'location' entry");
  }
  if (location.find("..") != std::string::npos || location[0] == '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "external data location '", location,
        "' must be a relative path inside the model's directory"));
  }
  const std::string path = model_dir.empty() ? location : model_dir + "/" + location;
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("external data file '", path,
                                            "' cannot be opened (it must sit beside the model)"));
  }
  const int64_t file_size = static_cast<int64_t>(file.tellg());
  if (length < 0) length = static_cast<int64_t>(expected);
  if (offset < 0 || offset + length > file_size) {
    return absl::OutOfRangeError(absl::StrCat("external data file '", path, "' has ", file_size,
                                              " bytes; the tensor needs bytes [", offset, ", ",
                                              offset + length, ")"));
  }
  std::string data(static_cast<size_t>(length), '\0');
  file.seekg(offset);
  file.read(data.data(), length);
  if (!file) return absl::DataLossError(absl::StrCat("reading external data file '", path, "'"));
  return data;
}

}  // namespace

absl::StatusOr<Weights> TensorProtoToWeights(const onnx::TensorProto& tensor,
                                             const std::string& model_dir) {
  const std::string what = absl::StrCat("tensor '", tensor.name(), "'");
  const int type = tensor.data_type();
  absl::StatusOr<DataType> dtype = OnnxElemTypeToKiln(type);
  if (!dtype.ok()) return absl::UnimplementedError(absl::StrCat(what, ": ", dtype.status().message()));
  Dims dims(tensor.dims().begin(), tensor.dims().end());
  if (!DimsValid(dims)) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": negative dims ", DimsString(dims)));
  }
  const int64_t n = Volume(dims);
  Weights w(*dtype, dims);

  const std::string* raw = nullptr;
  std::string external;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    absl::StatusOr<std::string> data = ReadExternal(tensor, model_dir, n * OnnxElemSize(type));
    if (!data.ok()) return absl::Status(data.status().code(), absl::StrCat(what, ": ", data.status().message()));
    external = *std::move(data);
    raw = &external;
  } else if (tensor.has_raw_data()) {
    raw = &tensor.raw_data();
  }

  // Every element as int64 or double, then stored as the kiln type.
  std::vector<double> f;
  std::vector<int64_t> i64;
  const bool is_float = type == onnx::TensorProto::FLOAT || type == onnx::TensorProto::DOUBLE ||
                        type == onnx::TensorProto::FLOAT16;
  if (raw != nullptr) {
    const size_t es = OnnxElemSize(type);
    if (raw->size() != static_cast<size_t>(n) * es) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": raw data has ", raw->size(),
                                                     " bytes; dims ", DimsString(dims), " of ",
                                                     OnnxElemTypeName(type), " need ", n * es));
    }
    const char* p = raw->data();
    if (type == onnx::TensorProto::FLOAT16) {
      std::memcpy(w.mutable_data(), p, raw->size());
      return w;
    }
    for (int64_t k = 0; k < n; ++k, p += es) {
      switch (type) {
        case onnx::TensorProto::FLOAT: f.push_back(Load<float>(p)); break;
        case onnx::TensorProto::DOUBLE: f.push_back(Load<double>(p)); break;
        case onnx::TensorProto::INT8: i64.push_back(Load<int8_t>(p)); break;
        case onnx::TensorProto::UINT8: i64.push_back(Load<uint8_t>(p)); break;
        case onnx::TensorProto::BOOL: i64.push_back(Load<uint8_t>(p) != 0); break;
        case onnx::TensorProto::INT16: i64.push_back(Load<int16_t>(p)); break;
        case onnx::TensorProto::UINT16: i64.push_back(Load<uint16_t>(p)); break;
        case onnx::TensorProto::INT32: i64.push_back(Load<int32_t>(p)); break;
        case onnx::TensorProto::UINT32: i64.push_back(Load<uint32_t>(p)); break;
        case onnx::TensorProto::INT64: i64.push_back(Load<int64_t>(p)); break;
        case onnx::TensorProto::UINT64: {
          const uint64_t v = Load<uint64_t>(p);
          if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            return absl::OutOfRangeError(absl::StrCat(what, ": uint64 value ", v,
                                                      " does not fit kiln's int64"));
          }
          i64.push_back(static_cast<int64_t>(v));
          break;
        }
      }
    }
  } else {
    int64_t have = 0;
    switch (type) {
      case onnx::TensorProto::FLOAT:
        f.assign(tensor.float_data().begin(), tensor.float_data().end());
        have = tensor.float_data_size();
        break;
      case onnx::TensorProto::DOUBLE:
        f.assign(tensor.double_data().begin(), tensor.double_data().end());
        have = tensor.double_data_size();
        break;
      case onnx::TensorProto::INT64:
        i64.assign(tensor.int64_data().begin(), tensor.int64_data().end());
        have = tensor.int64_data_size();
        break;
      case onnx::TensorProto::UINT32:
      case onnx::TensorProto::UINT64:
        for (uint64_t v : tensor.uint64_data()) {
          if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            return absl::OutOfRangeError(absl::StrCat(what, ": value ", v,
                                                      " does not fit kiln's int64"));
          }
          i64.push_back(static_cast<int64_t>(v));
        }
        have = tensor.uint64_data_size();
        break;
      default:  // int32_data carries int32, int16, int8, uint16, uint8, bool, fp16 bits
        i64.assign(tensor.int32_data().begin(), tensor.int32_data().end());
        have = tensor.int32_data_size();
        break;
    }
    if (have != n) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": holds ", have, " values; dims ",
                                                     DimsString(dims), " need ", n));
    }
    if (type == onnx::TensorProto::FLOAT16) {
      uint16_t* out = w.mutable_as<uint16_t>();
      for (int64_t k = 0; k < n; ++k) out[k] = static_cast<uint16_t>(i64[k]);
      return w;
    }
  }
  for (int64_t k = 0; k < n; ++k) {
    switch (*dtype) {
      case DataType::kFloat32: w.mutable_as<float>()[k] = static_cast<float>(f[k]); break;
      case DataType::kInt8: w.mutable_as<int8_t>()[k] = static_cast<int8_t>(i64[k]); break;
      case DataType::kInt32: w.mutable_as<int32_t>()[k] = static_cast<int32_t>(i64[k]); break;
      case DataType::kInt64: w.mutable_as<int64_t>()[k] = i64[k]; break;
      case DataType::kBool: w.mutable_as<uint8_t>()[k] = i64[k] != 0; break;
      case DataType::kFloat16: break;  // handled above
    }
  }
  (void)is_float;
  return w;
}

ImportContext::ImportContext(ImportState& state, const onnx::NodeProto& node, int opset)
    : state_(state), node_(node), opset_(opset) {
  name_ = !node.name().empty() ? node.name()
          : node.output_size() > 0 ? node.output(0)
                                   : node.op_type();
}

std::string ImportContext::Prefix() const {
  return absl::StrCat("node '", name_, "' (", node_.op_type(), ", opset ", opset_, "): ");
}

absl::Status ImportContext::Wrap(const absl::Status& status) const {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(Prefix(), status.message()));
}

int ImportContext::OnnxInputElemType(int i) const {
  if (!has_input(i)) return 0;
  auto it = state_.onnx_elem_types.find(node_.input(i));
  return it == state_.onnx_elem_types.end() ? 0 : it->second;
}

int ImportContext::OnnxOutputElemType(int i) const {
  if (!has_output(i)) return 0;
  auto it = state_.onnx_elem_types.find(node_.output(i));
  return it == state_.onnx_elem_types.end() ? 0 : it->second;
}

TensorId ImportContext::input(int i) const {
  if (!has_input(i)) return -1;
  auto it = state_.tensors.find(node_.input(i));
  return it == state_.tensors.end() ? -1 : it->second;
}

const TensorDesc& ImportContext::desc(int i) const { return state_.network.desc(input(i)); }

bool ImportContext::IsConstant(TensorId t) const {
  return t >= 0 && state_.network.graph().tensor(t).is_constant();
}

const Weights* ImportContext::ConstantOf(TensorId t) const {
  return IsConstant(t) ? state_.network.graph().tensor(t).constant.get() : nullptr;
}

const Weights* ImportContext::constant(int i) const { return ConstantOf(input(i)); }

absl::StatusOr<TensorId> ImportContext::RequiredInput(int i) const {
  if (!has_input(i)) return Error("input ", i, " is required but missing");
  return input(i);
}

absl::StatusOr<std::vector<int64_t>> ImportContext::ConstantInts(int i) const {
  if (InputVaries(i)) read_varying_ = true;
  const Weights* w = constant(i);
  if (w == nullptr) {
    return Unsupported("input ", i, " ('", has_input(i) ? node_.input(i) : "",
                       "') must be a constant (an initializer or computable at import) for kiln");
  }
  const int64_t n = Volume(w->dims());
  std::vector<int64_t> v(n);
  for (int64_t k = 0; k < n; ++k) {
    switch (w->dtype()) {
      case DataType::kInt64: v[k] = w->as<int64_t>()[k]; break;
      case DataType::kInt32: v[k] = w->as<int32_t>()[k]; break;
      case DataType::kInt8: v[k] = w->as<int8_t>()[k]; break;
      case DataType::kBool: v[k] = w->as<uint8_t>()[k]; break;
      case DataType::kFloat32: v[k] = static_cast<int64_t>(w->as<float>()[k]); break;
      case DataType::kFloat16: v[k] = static_cast<int64_t>(HalfToFloat(w->as<uint16_t>()[k])); break;
    }
  }
  return v;
}

absl::StatusOr<std::vector<float>> ImportContext::ConstantFloats(int i) const {
  if (InputVaries(i)) read_varying_ = true;
  const Weights* w = constant(i);
  if (w == nullptr) {
    return Unsupported("input ", i, " ('", has_input(i) ? node_.input(i) : "",
                       "') must be a constant (an initializer or computable at import) for kiln");
  }
  const int64_t n = Volume(w->dims());
  std::vector<float> v(n);
  for (int64_t k = 0; k < n; ++k) {
    switch (w->dtype()) {
      case DataType::kFloat32: v[k] = w->as<float>()[k]; break;
      case DataType::kFloat16: v[k] = HalfToFloat(w->as<uint16_t>()[k]); break;
      case DataType::kInt8: v[k] = static_cast<float>(w->as<int8_t>()[k]); break;
      case DataType::kInt32: v[k] = static_cast<float>(w->as<int32_t>()[k]); break;
      case DataType::kInt64: v[k] = static_cast<float>(w->as<int64_t>()[k]); break;
      case DataType::kBool: v[k] = static_cast<float>(w->as<uint8_t>()[k]); break;
    }
  }
  return v;
}

absl::StatusOr<float> ImportContext::ConstantScalar(int i) const {
  if (InputVaries(i)) read_varying_ = true;
  const Weights* w = constant(i);
  if (w == nullptr) {
    return Unsupported("input ", i, " ('", has_input(i) ? node_.input(i) : "",
                       "') must be a constant (an initializer or computable at import) for kiln");
  }
  if (Volume(w->dims()) != 1) {
    return Error("input ", i, " must hold one value; it has dims ", DimsString(w->dims()));
  }
  switch (w->dtype()) {
    case DataType::kFloat32: return w->as<float>()[0];
    case DataType::kFloat16: return HalfToFloat(w->as<uint16_t>()[0]);
    case DataType::kInt8: return static_cast<float>(w->as<int8_t>()[0]);
    case DataType::kInt32: return static_cast<float>(w->as<int32_t>()[0]);
    case DataType::kInt64: return static_cast<float>(w->as<int64_t>()[0]);
    case DataType::kBool: return static_cast<float>(w->as<uint8_t>()[0]);
  }
  return 0.0f;
}

const onnx::AttributeProto* ImportContext::Attr(absl::string_view name) const {
  for (const auto& a : node_.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

namespace {
std::string AttrTypeName(const onnx::AttributeProto& a) {
  return onnx::AttributeProto_AttributeType_Name(a.type());
}
}  // namespace

absl::StatusOr<int64_t> ImportContext::AttrInt(absl::string_view name, int64_t fallback) const {
  const onnx::AttributeProto* a = Attr(name);
  if (a == nullptr) return fallback;
  if (a->type() != onnx::AttributeProto::INT) {
    return Error("attribute '", name, "' should be INT, found ", AttrTypeName(*a));
  }
  return a->i();
}

absl::StatusOr<float> ImportContext::AttrFloat(absl::string_view name, float fallback) const {
  const onnx::AttributeProto* a = Attr(name);
  if (a == nullptr) return fallback;
  if (a->type() == onnx::AttributeProto::INT) return static_cast<float>(a->i());
  if (a->type() != onnx::AttributeProto::FLOAT) {
    return Error("attribute '", name, "' should be FLOAT, found ", AttrTypeName(*a));
  }
  return a->f();
}

absl::StatusOr<std::string> ImportContext::AttrString(absl::string_view name,
                                                      std::string fallback) const {
  const onnx::AttributeProto* a = Attr(name);
  if (a == nullptr) return fallback;
  if (a->type() != onnx::AttributeProto::STRING) {
    return Error("attribute '", name, "' should be STRING, found ", AttrTypeName(*a));
  }
  return a->s();
}

absl::StatusOr<std::vector<int64_t>> ImportContext::AttrInts(
    absl::string_view name, std::vector<int64_t> fallback) const {
  const onnx::AttributeProto* a = Attr(name);
  if (a == nullptr) return fallback;
  if (a->type() != onnx::AttributeProto::INTS) {
    return Error("attribute '", name, "' should be INTS, found ", AttrTypeName(*a));
  }
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

absl::StatusOr<std::vector<float>> ImportContext::AttrFloats(absl::string_view name,
                                                             std::vector<float> fallback) const {
  const onnx::AttributeProto* a = Attr(name);
  if (a == nullptr) return fallback;
  if (a->type() != onnx::AttributeProto::FLOATS) {
    return Error("attribute '", name, "' should be FLOATS, found ", AttrTypeName(*a));
  }
  return std::vector<float>(a->floats().begin(), a->floats().end());
}

absl::StatusOr<Weights> ImportContext::AttrTensor(absl::string_view name) const {
  const onnx::AttributeProto* a = Attr(name);
  if (a == nullptr) return Error("attribute '", name, "' is required");
  if (a->type() != onnx::AttributeProto::TENSOR) {
    return Error("attribute '", name, "' should be TENSOR, found ", AttrTypeName(*a));
  }
  absl::StatusOr<Weights> w = TensorProtoToWeights(a->t(), state_.model_dir);
  if (!w.ok()) return Wrap(w.status());
  return w;
}

absl::StatusOr<std::vector<TensorId>> ImportContext::AddLayer(absl::string_view suffix,
                                                              absl::string_view op,
                                                              std::vector<TensorId> inputs,
                                                              AttrMap attrs) {
  const std::string base = has_output(0) ? node_.output(0) : name_;
  const std::string layer =
      state_.UniqueName(suffix.empty() ? base : absl::StrCat(base, "/", suffix));
  bool any_present = false, all_constant = true;
  std::vector<const Weights*> values;
  for (TensorId t : inputs) {
    const Weights* value = t < 0 ? nullptr : ConstantOf(t);
    if (t >= 0) {
      any_present = true;
      if (value == nullptr) all_constant = false;
    }
    values.push_back(value);
  }
  all_constant = all_constant && any_present;
  bool varying_input = false;
  for (TensorId t : inputs) varying_input = varying_input || (t >= 0 && Varies(t));
  if (all_constant) {
    absl::StatusOr<std::vector<Weights>> folded = EvaluateOp(op, attrs, values);
    // A float result of values that vary with the input dims (an embedding
    // table gathered at 0..seq-1) is computed at run time instead; integer
    // and bool ones are shape and index arithmetic, kept for the consumers.
    bool float_result = false;
    for (size_t i = 0; folded.ok() && i < folded->size(); ++i) {
      float_result = float_result || IsFloatType((*folded)[i].dtype());
    }
    if (folded.ok() && !(varying_input && float_result)) {
      std::vector<TensorId> ids;
      for (size_t i = 0; i < folded->size(); ++i) {
        const std::string out = folded->size() == 1 ? layer : absl::StrCat(layer, ":", i);
        absl::StatusOr<TensorId> id = state_.network.AddConstant(
            i == 0 ? out : state_.UniqueName(out), std::move((*folded)[i]));
        if (!id.ok()) return Wrap(id.status());
        ids.push_back(*id);
        // Until an ONNX output names it (and the probes say), a result of
        // varying values counts as varying.
        if (varying_input) state_.varies[*id] = true;
      }
      return ids;
    }
    // A layer whose op cannot be evaluated here is left for the builder.
    if (!folded.ok() && folded.status().code() != absl::StatusCode::kNotFound) {
      return Wrap(folded.status());
    }
  }
  // Varying constants read as data are made at run time from the input dims
  // where kiln can; elsewhere the network's shapes are pinned.
  for (TensorId& t : inputs) {
    if (t < 0 || !Varies(t)) continue;
    absl::StatusOr<TensorId> made = Materialize(t);
    if (made.ok()) {
      t = *made;
    } else {
      PinShapes(made.status().message());
    }
  }
  absl::StatusOr<std::vector<TensorId>> outs =
      state_.network.AddLayer(layer, op, std::move(inputs), std::move(attrs));
  if (!outs.ok()) return Wrap(outs.status());
  return outs;
}

absl::StatusOr<TensorId> ImportContext::AddLayer1(absl::string_view suffix, absl::string_view op,
                                                  std::vector<TensorId> inputs, AttrMap attrs) {
  KILN_ASSIGN_OR_RETURN(std::vector<TensorId> outs,
                        AddLayer(suffix, op, std::move(inputs), std::move(attrs)));
  if (outs.size() != 1) return Error("kiln op ", op, " gave ", outs.size(), " outputs, not 1");
  return outs[0];
}

absl::StatusOr<TensorId> ImportContext::AddConstant(absl::string_view suffix, Weights weights) {
  const std::string base = has_output(0) ? node_.output(0) : name_;
  const std::string name =
      state_.UniqueName(suffix.empty() ? base : absl::StrCat(base, "/", suffix));
  absl::StatusOr<TensorId> id = state_.network.AddConstant(name, std::move(weights));
  if (!id.ok()) return Wrap(id.status());
  return id;
}

absl::Status ImportContext::SetOutput(int i, TensorId tensor) {
  if (!has_output(i)) return absl::OkStatus();  // an unused optional output
  state_.tensors[node_.output(i)] = tensor;
  if (state_.onnx_names.emplace(tensor, node_.output(i)).second) state_.varies.erase(tensor);
  return absl::OkStatus();
}

Weights ScalarWeights(DataType dtype, double value, Dims dims) {
  Weights w(dtype, std::move(dims));
  const int64_t n = Volume(w.dims());
  for (int64_t k = 0; k < n; ++k) {
    switch (dtype) {
      case DataType::kFloat32: w.mutable_as<float>()[k] = static_cast<float>(value); break;
      case DataType::kFloat16: w.mutable_as<uint16_t>()[k] = FloatToHalf(static_cast<float>(value)); break;
      case DataType::kInt8: w.mutable_as<int8_t>()[k] = static_cast<int8_t>(value); break;
      case DataType::kInt32: w.mutable_as<int32_t>()[k] = static_cast<int32_t>(value); break;
      case DataType::kInt64: w.mutable_as<int64_t>()[k] = static_cast<int64_t>(value); break;
      case DataType::kBool: w.mutable_as<uint8_t>()[k] = value != 0; break;
    }
  }
  return w;
}

absl::StatusOr<TensorId> ReshapeTo(ImportContext& ctx, absl::string_view suffix, TensorId x,
                                   const Dims& dims, bool dim0_is_batch) {
  if (ctx.DescOf(x).dims == dims) return x;
  ShuffleParams params;
  params.has_reshape = true;
  params.reshape = dims;
  params.zero_is_placeholder = false;
  if (dim0_is_batch && ctx.any_batched() && !ctx.IsConstant(x) && !dims.empty() &&
      !ctx.DescOf(x).dims.empty() && dims[0] == ctx.DescOf(x).dims[0]) {
    bool has_zero = false;
    for (int64_t d : dims) has_zero = has_zero || d == 0;
    if (!has_zero) {
      params.zero_is_placeholder = true;
      params.reshape[0] = 0;
    }
  }
  return ctx.AddLayer1(suffix, kShuffleOp, {x}, params.ToAttrs());
}

absl::StatusOr<int64_t> NormalizeAxis(const ImportContext& ctx, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    return ctx.Error("axis ", axis, " is out of range for rank ", rank);
  }
  return axis < 0 ? axis + rank : axis;
}

ConverterRegistry& ConverterRegistry::Global() {
  static ConverterRegistry* registry = new ConverterRegistry();
  return *registry;
}

bool ConverterRegistry::Register(const std::string& op_type, OnnxConverter converter) {
  converters_[op_type] = std::move(converter);
  return true;
}

const OnnxConverter* ConverterRegistry::Find(absl::string_view op_type) const {
  auto it = converters_.find(op_type);
  return it == converters_.end() ? nullptr : &it->second;
}

std::vector<std::string> ConverterRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, fn] : converters_) names.push_back(name);
  return names;
}

}  // namespace onnx_import
}  // namespace kiln
