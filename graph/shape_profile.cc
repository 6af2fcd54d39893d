#include "graph/shape_profile.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "graph/network_definition.h"
#include "graph/status_macros.h"

namespace kiln {
namespace {

absl::StatusOr<Dims> ParseDims(absl::string_view entry, absl::string_view text) {
  Dims dims;
  for (absl::string_view d : absl::StrSplit(text, 'x')) {
    int64_t v;
    if (!absl::SimpleAtoi(d, &v) || v < 1) {
      return absl::InvalidArgumentError(absl::StrCat("profile entry '", entry, "': '", d,
                                                     "' is not a positive dimension"));
    }
    dims.push_back(v);
  }
  return dims;
}

const Dims& CornerDims(const InputShapeRange& range, ProfileCorner corner) {
  switch (corner) {
    case ProfileCorner::kMin: return range.min;
    case ProfileCorner::kOpt: return range.opt;
    case ProfileCorner::kMax: break;
  }
  return range.max;
}

std::string RangeString(const InputShapeRange& range) {
  return absl::StrCat(range.name, ":", DimsString(range.min), ",", DimsString(range.opt), ",",
                      DimsString(range.max));
}

}  // namespace

const InputShapeRange* ShapeProfile::Find(absl::string_view name) const {
  for (const InputShapeRange& range : inputs) {
    if (range.name == name) return &range;
  }
  return nullptr;
}

std::string ShapeProfile::ToString() const {
  return absl::StrJoin(inputs, ";", [](std::string* out, const InputShapeRange& range) {
    absl::StrAppend(out, RangeString(range));
  });
}

absl::StatusOr<ShapeProfile> ParseShapeProfile(absl::string_view text) {
  ShapeProfile profile;
  for (absl::string_view entry : absl::StrSplit(text, ';', absl::SkipEmpty())) {
    const size_t colon = entry.rfind(':');
    const std::vector<absl::string_view> corners =
        colon == absl::string_view::npos ? std::vector<absl::string_view>{}
                                         : absl::StrSplit(entry.substr(colon + 1), ',');
    if (colon == absl::string_view::npos || colon == 0 || corners.size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          "profile entry '", entry,
          "' is not NAME:MIN,OPT,MAX (e.g. input_ids:1x16,8x128,128x384)"));
    }
    InputShapeRange range;
    range.name = std::string(entry.substr(0, colon));
    KILN_ASSIGN_OR_RETURN(range.min, ParseDims(entry, corners[0]));
    KILN_ASSIGN_OR_RETURN(range.opt, ParseDims(entry, corners[1]));
    KILN_ASSIGN_OR_RETURN(range.max, ParseDims(entry, corners[2]));
    if (profile.Find(range.name) != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("profile names input '", range.name, "' twice"));
    }
    profile.inputs.push_back(std::move(range));
  }
  if (profile.inputs.empty()) {
    return absl::InvalidArgumentError(
        "empty profile; give NAME:MIN,OPT,MAX for each input whose shape varies");
  }
  return profile;
}

absl::string_view ProfileCornerName(ProfileCorner corner) {
  switch (corner) {
    case ProfileCorner::kMin: return "min";
    case ProfileCorner::kOpt: return "opt";
    case ProfileCorner::kMax: break;
  }
  return "max";
}

absl::Status CompleteProfiles(const Graph& graph, std::vector<ShapeProfile>& profiles) {
  std::vector<std::string> input_names;
  for (TensorId t : graph.inputs()) input_names.push_back(graph.tensor(t).desc.name);
  for (size_t p = 0; p < profiles.size(); ++p) {
    ShapeProfile& profile = profiles[p];
    for (const InputShapeRange& range : profile.inputs) {
      if (std::find(input_names.begin(), input_names.end(), range.name) == input_names.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "profile ", p, " names '", range.name, "', which is not a network input (inputs: ",
            absl::StrJoin(input_names, ", "), ")"));
      }
    }
    ShapeProfile complete;
    for (TensorId t : graph.inputs()) {
      const Tensor& tensor = graph.tensor(t);
      const std::string& name = tensor.desc.name;
      const InputShapeRange* given = profile.Find(name);
      if (given == nullptr) {
        if (tensor.batched) {
          return absl::InvalidArgumentError(absl::StrCat(
              "profile ", p, " gives no shapes for batched input '", name,
              "'; add ", name, ":MIN,OPT,MAX (its dims are ", DimsString(tensor.desc.dims),
              " with dim 0 the batch)"));
        }
        complete.inputs.push_back({name, tensor.desc.dims, tensor.desc.dims, tensor.desc.dims});
        continue;
      }
      const size_t rank = tensor.desc.dims.size();
      if (given->min.size() != rank || given->opt.size() != rank || given->max.size() != rank) {
        return absl::InvalidArgumentError(absl::StrCat(
            "profile ", p, ", input '", name, "': ", RangeString(*given),
            " does not have the input's rank ", rank, " (its dims are ",
            DimsString(tensor.desc.dims), ")"));
      }
      for (size_t d = 0; d < rank; ++d) {
        if (given->min[d] < 1 || given->min[d] > given->opt[d] || given->opt[d] > given->max[d]) {
          return absl::InvalidArgumentError(absl::StrCat(
              "profile ", p, ", input '", name, "', dim ", d, ": min ", given->min[d], ", opt ",
              given->opt[d], ", max ", given->max[d], " do not satisfy 1 <= min <= opt <= max"));
        }
      }
      complete.inputs.push_back(*given);
    }
    profile = std::move(complete);
  }
  return absl::OkStatus();
}

absl::Status SetProfileShapes(Graph& graph, const ShapeProfile& profile, ProfileCorner corner) {
  for (TensorId t : graph.inputs()) {
    Tensor& tensor = graph.tensor(t);
    const InputShapeRange* range = profile.Find(tensor.desc.name);
    if (range == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("the profile gives no shapes for input '", tensor.desc.name, "'"));
    }
    tensor.desc.dims = CornerDims(*range, corner);
  }
  return absl::OkStatus();
}

absl::StatusOr<ProfileShapes> InferProfileShapes(Graph& graph,
                                                 const std::vector<ShapeProfile>& profiles) {
  if (profiles.empty()) return absl::InvalidArgumentError("no shape profiles to infer");
  const int n = graph.num_tensors();
  ProfileShapes shapes;
  shapes.capacity.assign(n, 0);
  bool first = true;
  // The first profile's max last, so the graph is left at it.
  for (int p = static_cast<int>(profiles.size()) - 1; p >= 0; --p) {
    for (ProfileCorner corner : {ProfileCorner::kMin, ProfileCorner::kOpt, ProfileCorner::kMax}) {
      KILN_RETURN_IF_ERROR(SetProfileShapes(graph, profiles[p], corner));
      absl::Status status = ReinferShapes(graph);
      if (!status.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the network cannot run at the ", ProfileCornerName(corner), " shapes of profile ", p,
            " (", profiles[p].ToString(), "): ", status.message()));
      }
      if (p == 0 && corner == ProfileCorner::kOpt) {
        for (TensorId t = 0; t < n; ++t) shapes.opt.push_back(graph.tensor(t).desc.dims);
      }
      for (TensorId t = 0; t < n; ++t) {
        const TensorDesc& desc = graph.tensor(t).desc;
        shapes.capacity[t] = std::max<uint64_t>(shapes.capacity[t], desc.bytes());
        if (first) {
          shapes.min.push_back(desc.dims);
          shapes.max.push_back(desc.dims);
          continue;
        }
        if (desc.dims.size() != shapes.min[t].size()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "tensor '", desc.name, "' changes rank between the shapes of the profiles (",
              DimsString(shapes.min[t]), " and ", DimsString(desc.dims),
              "); kiln needs a fixed rank per tensor"));
        }
        for (size_t d = 0; d < desc.dims.size(); ++d) {
          shapes.min[t][d] = std::min(shapes.min[t][d], desc.dims[d]);
          shapes.max[t][d] = std::max(shapes.max[t][d], desc.dims[d]);
        }
      }
      first = false;
    }
  }
  return shapes;
}

absl::Status CheckInputShape(const InputShapeRange& range, const Dims& dims, int profile) {
  if (dims.size() != range.max.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input '", range.name, "': shape ", DimsString(dims), " has rank ", dims.size(),
        "; the input has rank ", range.max.size(), " (profile ", profile, ": ",
        RangeString(range), ")"));
  }
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] < range.min[d] || dims[d] > range.max[d]) {
      return absl::OutOfRangeError(absl::StrCat(
          "input '", range.name, "', dim ", d, " is ", dims[d], ", outside ", range.min[d], "..",
          range.max[d], " (profile ", profile, ": ", RangeString(range),
          "); rebuild with a profile that covers it"));
    }
  }
  return absl::OkStatus();
}

}  // namespace kiln
