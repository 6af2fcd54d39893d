#include "graph/op_registry.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_join.h"

namespace kiln {

OpRegistry& OpRegistry::Global() {
  static OpRegistry* registry = new OpRegistry();
  return *registry;
}

absl::Status OpRegistry::Register(OpSchema schema) {
  if (schema.name.empty() || !schema.infer) {
    return absl::InvalidArgumentError("an op schema needs a name and a shape inference function");
  }
  absl::MutexLock lock(&mu_);
  if (schemas_.count(schema.name) > 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("op '", schema.name, "' is already registered; pick another name"));
  }
  std::string name = schema.name;
  schemas_.emplace(std::move(name), std::make_unique<OpSchema>(std::move(schema)));
  return absl::OkStatus();
}

const OpSchema* OpRegistry::Find(absl::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = schemas_.find(name);
  return it == schemas_.end() ? nullptr : it->second.get();
}

std::vector<std::string> OpRegistry::Names() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& kv : schemas_) names.push_back(kv.first);
  return names;
}

absl::StatusOr<std::vector<TensorDesc>> OpRegistry::Infer(const InferenceContext& ctx) const {
  const OpSchema* schema = Find(ctx.op);
  if (schema == nullptr) {
    return absl::NotFoundError(absl::StrCat("layer '", ctx.layer, "': op '", ctx.op,
                                            "' is not registered; registered ops: ",
                                            absl::StrJoin(Names(), ", ")));
  }
  const int n = static_cast<int>(ctx.inputs.size());
  if (n < schema->min_inputs || n > schema->max_inputs) {
    return ctx.Error("takes ", schema->min_inputs == schema->max_inputs
                                   ? absl::StrCat(schema->min_inputs)
                                   : absl::StrCat(schema->min_inputs, " to ", schema->max_inputs),
                     " inputs, got ", n);
  }
  for (int i = 0; i < n; ++i) {
    if (ctx.has_input(i) && !DimsValid(ctx.inputs[i].dims)) {
      return ctx.Error("input ", i, " '", ctx.inputs[i].name, "' has negative dims ",
                       DimsString(ctx.inputs[i].dims));
    }
  }
  absl::StatusOr<std::vector<TensorDesc>> outputs = schema->infer(ctx);
  if (!outputs.ok()) return outputs.status();
  if (static_cast<int>(outputs->size()) != schema->num_outputs) {
    return absl::InternalError(absl::StrCat("op '", ctx.op, "' shape inference returned ",
                                            outputs->size(), " outputs, its schema declares ",
                                            schema->num_outputs));
  }
  return outputs;
}

namespace internal {
bool RegisterOpOrDie(OpSchema schema) {
  std::string name = schema.name;
  absl::Status status = OpRegistry::Global().Register(std::move(schema));
  if (!status.ok()) {
    // Static registration of a built-in op: a programming error, caught by every test.
    std::fprintf(stderr, "kiln: registering op '%s' failed: %s\n", name.c_str(),
                 status.ToString().c_str());
    std::abort();
  }
  return true;
}
}  // namespace internal

}  // namespace kiln
