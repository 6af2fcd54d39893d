#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/backend.h"
#include "backends/tactic_registry.h"
#include "flatbuffers/flatbuffers.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"
#include "serialization/plan_generated.h"
#include "serialization/plan_io.h"

namespace kiln {
namespace {

namespace fb = ::kiln::fb;

template <typename T>
T GetLE(const uint8_t* src) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(src[i]) << (8 * i);
  return value;
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("plan is corrupted: ", what,
                                          "; rebuild the plan with this version of kiln"));
}

std::string Str(const flatbuffers::String* s) { return s == nullptr ? "" : s->str(); }

absl::StatusOr<Dims> ReadDims(const flatbuffers::Vector<int64_t>* dims, absl::string_view what) {
  Dims out;
  if (dims == nullptr) return out;
  if (dims->size() > 16) return Corrupt(absl::StrCat(what, " has rank ", dims->size()));
  for (int64_t d : *dims) {
    if (d < 0 || d > (int64_t{1} << 40)) return Corrupt(absl::StrCat(what, " has dim ", d));
    out.push_back(d);
  }
  // Guard the element count against overflow before anything multiplies it.
  int64_t volume = 1;
  for (int64_t d : out) {
    if (d != 0 && volume > (int64_t{1} << 40) / d) {
      return Corrupt(absl::StrCat(what, " has more than 2^40 elements"));
    }
    volume *= d;
  }
  return out;
}

absl::StatusOr<DataType> ReadDataType(uint8_t v, absl::string_view what) {
  if (v > static_cast<uint8_t>(DataType::kBool)) {
    return Corrupt(absl::StrCat(what, " has unknown data type ", v));
  }
  return static_cast<DataType>(v);
}

absl::StatusOr<AttrMap> ReadAttrs(const fb::Node& node) {
  AttrMap attrs;
  if (node.attrs() == nullptr) return attrs;
  for (const fb::Attr* a : *node.attrs()) {
    const std::string name = a->name()->str();
    switch (a->type()) {
      case fb::AttrType::Int: attrs.Set(name, a->i()); break;
      case fb::AttrType::Float: attrs.Set(name, a->f()); break;
      case fb::AttrType::String: attrs.Set(name, Str(a->s())); break;
      case fb::AttrType::Ints:
        attrs.Set(name, a->ints() ? std::vector<int64_t>(a->ints()->begin(), a->ints()->end())
                                  : std::vector<int64_t>{});
        break;
      case fb::AttrType::Floats:
        attrs.Set(name, a->floats()
                            ? std::vector<float>(a->floats()->begin(), a->floats()->end())
                            : std::vector<float>{});
        break;
      default:
        return Corrupt(absl::StrCat("attribute '", name, "' of layer '", node.name()->str(),
                                    "' has unknown type"));
    }
  }
  return attrs;
}

absl::StatusOr<std::vector<int32_t>> ReadIndices(const flatbuffers::Vector<int32_t>* v,
                                                 size_t num_tensors, bool allow_omitted,
                                                 absl::string_view what) {
  std::vector<int32_t> out;
  if (v == nullptr) return out;
  for (int32_t i : *v) {
    if ((i < 0 && !(allow_omitted && i == -1)) || i >= static_cast<int32_t>(num_tensors)) {
      return Corrupt(absl::StrCat(what, " refers to tensor ", i, " of ", num_tensors));
    }
    out.push_back(i);
  }
  return out;
}

absl::StatusOr<Plan> ReadImpl(absl::Span<const uint8_t> bytes, bool check_device) {
  if (bytes.size() < kPlanHeaderSize) {
    return absl::DataLossError(absl::StrCat("plan is truncated: ", bytes.size(),
                                            " bytes, shorter than the ", kPlanHeaderSize,
                                            "-byte header"));
  }
  if (std::memcmp(bytes.data(), "KILNPLAN", 8) != 0) {
    return absl::InvalidArgumentError(
        "not a kiln plan: the file does not start with \"KILNPLAN\"");
  }
  const uint32_t version = GetLE<uint32_t>(bytes.data() + 8);
  if (version != kPlanFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "plan format version ", version, " is not supported by this kiln (", kKilnVersion,
        ", format ", kPlanFormatVersion, "); rebuild the plan with this version"));
  }
  if (GetLE<uint32_t>(bytes.data() + 12) != kPlanHeaderSize) return Corrupt("bad header size");
  for (size_t i = 32; i < kPlanHeaderSize; ++i) {
    if (bytes[i] != 0) return Corrupt("header padding is not zero");
  }
  const uint64_t payload_size = GetLE<uint64_t>(bytes.data() + 16);
  if (payload_size != bytes.size() - kPlanHeaderSize) {
    return absl::DataLossError(absl::StrCat(
        "plan is truncated or has trailing bytes: header says ", payload_size,
        " payload bytes, file has ", bytes.size() - kPlanHeaderSize));
  }
  const absl::Span<const uint8_t> payload = bytes.subspan(kPlanHeaderSize);
  if (Fnv1a64(payload) != GetLE<uint64_t>(bytes.data() + 24)) {
    return Corrupt("checksum mismatch");
  }
  // flatbuffers reads scalars in place: give it an aligned copy.
  std::vector<uint64_t> aligned((payload.size() + 7) / 8);
  std::memcpy(aligned.data(), payload.data(), payload.size());
  const auto* buf = reinterpret_cast<const uint8_t*>(aligned.data());
  flatbuffers::Verifier verifier(buf, payload.size(), /*max_depth=*/64,
                                 /*max_tables=*/10000000);
  if (!fb::PlanBufferHasIdentifier(buf) || !fb::VerifyPlanBuffer(verifier)) {
    return Corrupt("flatbuffers verification failed");
  }
  const fb::Plan* root = fb::GetPlan(buf);

  Plan plan;
  plan.format_version = root->format_version();
  if (plan.format_version != version) return Corrupt("format versions disagree");
  plan.kiln_version = Str(root->kiln_version());
  plan.backend = Str(root->backend());
  plan.device = Str(root->device());
  plan.max_batch = root->max_batch();
  if (plan.max_batch < 1 || plan.max_batch > kMaxBatchLimit) return Corrupt(absl::StrCat("max batch ", plan.max_batch));
  plan.build_options = Str(root->build_options());
  plan.target.allow_tf32 = root->allow_tf32();
  plan.target.allow_fp16 = root->allow_fp16();
  plan.target.workspace_limit = root->workspace_limit();
  plan.arena_size = root->arena_size();
  plan.workspace_size = root->workspace_size();
  if (plan.arena_size > (uint64_t{1} << 44) || plan.workspace_size > (uint64_t{1} << 44)) {
    return Corrupt("arena or workspace larger than 16 TiB");
  }

  if (check_device) {
    const Backend* backend = BackendRegistry::Global().Find(plan.backend);
    if (backend == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "plan was built for backend '", plan.backend,
          "', which is not part of this build of kiln; link the backend or rebuild the plan"));
    }
    KILN_RETURN_IF_ERROR(backend->Available());
    if (backend->DeviceSignature() != plan.device) {
      return absl::FailedPreconditionError(absl::StrCat(
          "plan was built for device '", plan.device, "' but this machine is '",
          backend->DeviceSignature(), "'; rebuild the plan on this machine"));
    }
  }

  if (root->weights() != nullptr) {
    for (const fb::Blob* blob : *root->weights()) {
      const std::string what = absl::StrCat("weight blob ", plan.weights.size());
      KILN_ASSIGN_OR_RETURN(DataType dtype, ReadDataType(blob->dtype(), what));
      KILN_ASSIGN_OR_RETURN(Dims dims, ReadDims(blob->dims(), what));
      const size_t expected = Volume(dims) * DataTypeSize(dtype);
      const size_t got = blob->data() ? blob->data()->size() : 0;
      if (got != expected) {
        return Corrupt(absl::StrCat(what, " has ", got, " bytes, its shape needs ", expected));
      }
      plan.weights.push_back(
          Weights::FromBytes(dtype, std::move(dims), got ? blob->data()->data() : nullptr, got));
    }
  }

  if (root->tensors() != nullptr) {
    for (const fb::Tensor* t : *root->tensors()) {
      PlanTensor pt;
      pt.desc.name = t->name()->str();
      const std::string what = absl::StrCat("tensor '", pt.desc.name, "'");
      KILN_ASSIGN_OR_RETURN(pt.desc.dtype, ReadDataType(t->dtype(), what));
      KILN_ASSIGN_OR_RETURN(pt.desc.dims, ReadDims(t->dims(), what));
      if (t->format() > static_cast<uint8_t>(TensorFormat::kNHWC)) {
        return Corrupt(absl::StrCat(what, " has unknown format"));
      }
      pt.desc.format = static_cast<TensorFormat>(t->format());
      if (t->kind() > static_cast<uint8_t>(PlanTensorKind::kConstant)) {
        return Corrupt(absl::StrCat(what, " has unknown kind"));
      }
      pt.kind = static_cast<PlanTensorKind>(t->kind());
      pt.arena_offset = t->arena_offset();
      pt.weight = t->weight();
      pt.batched = t->batched();
      if (pt.batched && (pt.kind != PlanTensorKind::kInput || pt.desc.dims.empty())) {
        return Corrupt(absl::StrCat(what, " is marked batched but is not a ranked input"));
      }
      KILN_ASSIGN_OR_RETURN(pt.min_dims, ReadDims(t->min_dims(), what));
      KILN_ASSIGN_OR_RETURN(pt.opt_dims, ReadDims(t->opt_dims(), what));
      KILN_ASSIGN_OR_RETURN(pt.max_dims, ReadDims(t->max_dims(), what));
      pt.capacity = t->capacity();
      if (pt.capacity > 0 && pt.capacity < pt.desc.bytes()) {
        return Corrupt(absl::StrCat(what, " has less memory than its shape needs"));
      }
      if (pt.kind == PlanTensorKind::kActivation &&
          (pt.arena_offset > plan.arena_size ||
           pt.planned_bytes() > plan.arena_size - pt.arena_offset)) {
        return Corrupt(absl::StrCat(what, " lies outside the activation arena"));
      }
      if (pt.kind == PlanTensorKind::kConstant) {
        if (pt.weight < 0 || pt.weight >= static_cast<int32_t>(plan.weights.size())) {
          return Corrupt(absl::StrCat(what, " refers to weight ", pt.weight));
        }
        const Weights& w = plan.weights[pt.weight];
        if (w.dtype() != pt.desc.dtype || w.dims() != pt.desc.dims) {
          return Corrupt(absl::StrCat(what, " does not match its weight blob"));
        }
      }
      plan.tensors.push_back(std::move(pt));
    }
  }
  const size_t num_tensors = plan.tensors.size();

  if (root->nodes() != nullptr) {
    for (const fb::Node* n : *root->nodes()) {
      PlanNode node;
      node.name = n->name()->str();
      node.op = n->op()->str();
      node.backend = n->backend()->str();
      node.tactic = n->tactic()->str();
      const std::string what = absl::StrCat("layer '", node.name, "'");
      KILN_ASSIGN_OR_RETURN(node.attrs, ReadAttrs(*n));
      KILN_ASSIGN_OR_RETURN(node.inputs, ReadIndices(n->inputs(), num_tensors, true, what));
      KILN_ASSIGN_OR_RETURN(node.outputs, ReadIndices(n->outputs(), num_tensors, false, what));
      if (n->state() != nullptr) node.state.assign(n->state()->begin(), n->state()->end());
      node.workspace_size = n->workspace_size();
      if (node.workspace_size > plan.workspace_size) {
        return Corrupt(absl::StrCat(what, " needs more workspace than the plan provides"));
      }
      if (OpRegistry::Global().Find(node.op) == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            what, " uses op '", node.op,
            "', which is not registered in this build; load the plugin that provides it"));
      }
      const Tactic* tactic = TacticRegistry::Global().Find(node.tactic);
      if (tactic == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            what, " uses tactic '", node.tactic,
            "', which does not exist in this build of kiln; load the plugin that provides it "
            "or rebuild the plan"));
      }
      if (tactic->op() != node.op || tactic->backend() != node.backend) {
        return Corrupt(absl::StrCat(what, ": tactic '", node.tactic, "' runs op '", tactic->op(),
                                    "' on '", tactic->backend(), "', not '", node.op, "' on '",
                                    node.backend, "'"));
      }
      plan.nodes.push_back(std::move(node));
    }
  }

  if (root->profiles() != nullptr) {
    for (const fb::Profile* p : *root->profiles()) {
      const std::string what = absl::StrCat("profile ", plan.profiles.size());
      ShapeProfile profile;
      if (p->inputs() != nullptr) {
        for (const fb::InputRange* r : *p->inputs()) {
          InputShapeRange range;
          range.name = r->name()->str();
          KILN_ASSIGN_OR_RETURN(range.min, ReadDims(r->min(), what));
          KILN_ASSIGN_OR_RETURN(range.opt, ReadDims(r->opt(), what));
          KILN_ASSIGN_OR_RETURN(range.max, ReadDims(r->max(), what));
          profile.inputs.push_back(std::move(range));
        }
      }
      plan.profiles.push_back(std::move(profile));
    }
  }
  KILN_ASSIGN_OR_RETURN(plan.inputs, ReadIndices(root->inputs(), num_tensors, false, "bindings"));
  KILN_ASSIGN_OR_RETURN(plan.outputs,
                        ReadIndices(root->outputs(), num_tensors, false, "bindings"));
  for (int32_t i : plan.inputs) {
    if (plan.tensors[i].kind != PlanTensorKind::kInput) return Corrupt("input binding kind");
  }
  for (int32_t i : plan.outputs) {
    if (plan.tensors[i].kind != PlanTensorKind::kOutput) return Corrupt("output binding kind");
  }
  return plan;
}

}  // namespace

absl::StatusOr<Plan> PlanReader::Read(absl::Span<const uint8_t> bytes) {
  return ReadImpl(bytes, /*check_device=*/true);
}

absl::StatusOr<Plan> PlanReader::ReadForInspection(absl::Span<const uint8_t> bytes) {
  return ReadImpl(bytes, /*check_device=*/false);
}

}  // namespace kiln
