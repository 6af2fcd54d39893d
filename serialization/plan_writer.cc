#include <cstring>

#include "absl/strings/str_cat.h"
#include "flatbuffers/flatbuffers.h"
#include "serialization/plan_generated.h"
#include "serialization/plan_io.h"

namespace kiln {
namespace {

namespace fb = ::kiln::fb;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

template <typename T>
void PutLE(uint8_t* dst, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) dst[i] = static_cast<uint8_t>(value >> (8 * i));
}

Offset<flatbuffers::Vector<uint8_t>> AlignedBytes(FlatBufferBuilder& b, const void* data,
                                                  size_t size) {
  b.ForceVectorAlignment(size, 1, 64);
  return b.CreateVector(static_cast<const uint8_t*>(data), size);
}

Offset<fb::Attr> WriteAttr(FlatBufferBuilder& b, const std::string& name, const AttrValue& v) {
  auto name_off = b.CreateString(name);
  Offset<flatbuffers::String> s;
  Offset<flatbuffers::Vector<int64_t>> ints;
  Offset<flatbuffers::Vector<float>> floats;
  fb::AttrType type = fb::AttrType::Int;
  if (const auto* x = std::get_if<std::string>(&v)) {
    s = b.CreateString(*x);
    type = fb::AttrType::String;
  } else if (const auto* x = std::get_if<std::vector<int64_t>>(&v)) {
    ints = b.CreateVector(*x);
    type = fb::AttrType::Ints;
  } else if (const auto* x = std::get_if<std::vector<float>>(&v)) {
    floats = b.CreateVector(*x);
    type = fb::AttrType::Floats;
  } else if (std::holds_alternative<float>(v)) {
    type = fb::AttrType::Float;
  }
  fb::AttrBuilder ab(b);
  ab.add_name(name_off);
  ab.add_type(type);
  if (const auto* x = std::get_if<int64_t>(&v)) ab.add_i(*x);
  if (const auto* x = std::get_if<float>(&v)) ab.add_f(*x);
  if (!s.IsNull()) ab.add_s(s);
  if (!ints.IsNull()) ab.add_ints(ints);
  if (!floats.IsNull()) ab.add_floats(floats);
  return ab.Finish();
}

}  // namespace

uint64_t Fnv1a64(absl::Span<const uint8_t> bytes) {
  uint64_t h = 14695981039346656037ull;
  for (uint8_t c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

absl::StatusOr<std::vector<uint8_t>> PlanWriter::Write(const Plan& plan) {
  FlatBufferBuilder b(1 << 16);

  std::vector<Offset<fb::Tensor>> tensors;
  for (const PlanTensor& t : plan.tensors) {
    auto name = b.CreateString(t.desc.name);
    auto dims = b.CreateVector(t.desc.dims);
    auto min_dims = t.min_dims.empty() ? 0 : b.CreateVector(t.min_dims);
    auto opt_dims = t.opt_dims.empty() ? 0 : b.CreateVector(t.opt_dims);
    auto max_dims = t.max_dims.empty() ? 0 : b.CreateVector(t.max_dims);
    tensors.push_back(fb::CreateTensor(b, name, static_cast<uint8_t>(t.desc.dtype), dims,
                                       static_cast<uint8_t>(t.desc.format),
                                       static_cast<uint8_t>(t.kind), t.arena_offset, t.weight,
                                       t.batched, min_dims, opt_dims, max_dims, t.capacity));
  }
  std::vector<Offset<fb::Node>> nodes;
  for (const PlanNode& n : plan.nodes) {
    std::vector<Offset<fb::Attr>> attrs;
    for (const auto& kv : n.attrs.values()) attrs.push_back(WriteAttr(b, kv.first, kv.second));
    auto attrs_off = b.CreateVector(attrs);
    auto name = b.CreateString(n.name);
    auto op = b.CreateString(n.op);
    auto inputs = b.CreateVector(n.inputs);
    auto outputs = b.CreateVector(n.outputs);
    auto backend = b.CreateString(n.backend);
    auto tactic = b.CreateString(n.tactic);
    auto state = AlignedBytes(b, n.state.data(), n.state.size());
    nodes.push_back(fb::CreateNode(b, name, op, attrs_off, inputs, outputs, backend, tactic,
                                   state, n.workspace_size));
  }
  std::vector<Offset<fb::Blob>> weights;
  for (const Weights& w : plan.weights) {
    auto dims = b.CreateVector(w.dims());
    auto data = AlignedBytes(b, w.data(), w.bytes());
    weights.push_back(fb::CreateBlob(b, static_cast<uint8_t>(w.dtype()), dims, data));
  }
  std::vector<Offset<fb::Profile>> profiles;
  for (const ShapeProfile& profile : plan.profiles) {
    std::vector<Offset<fb::InputRange>> ranges;
    for (const InputShapeRange& r : profile.inputs) {
      ranges.push_back(fb::CreateInputRange(b, b.CreateString(r.name), b.CreateVector(r.min),
                                            b.CreateVector(r.opt), b.CreateVector(r.max)));
    }
    profiles.push_back(fb::CreateProfile(b, b.CreateVector(ranges)));
  }
  auto root = fb::CreatePlan(
      b, plan.format_version, b.CreateString(plan.kiln_version), b.CreateString(plan.backend),
      b.CreateString(plan.device), plan.max_batch, b.CreateString(plan.build_options),
      b.CreateVector(tensors), b.CreateVector(nodes), b.CreateVector(weights),
      b.CreateVector(plan.inputs), b.CreateVector(plan.outputs), plan.arena_size,
      plan.workspace_size, plan.target.allow_tf32, plan.target.allow_fp16,
      plan.target.workspace_limit, b.CreateVector(profiles));
  fb::FinishPlanBuffer(b, root);

  const uint8_t* payload = b.GetBufferPointer();
  const size_t payload_size = b.GetSize();
  std::vector<uint8_t> out(kPlanHeaderSize + payload_size, 0);
  std::memcpy(out.data(), "KILNPLAN", 8);
  PutLE<uint32_t>(out.data() + 8, plan.format_version);
  PutLE<uint32_t>(out.data() + 12, kPlanHeaderSize);
  PutLE<uint64_t>(out.data() + 16, payload_size);
  PutLE<uint64_t>(out.data() + 24, Fnv1a64({payload, payload_size}));
  std::memcpy(out.data() + kPlanHeaderSize, payload, payload_size);
  return out;
}

}  // namespace kiln
