#include "optimizer/fp16_range.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "absl/strings/str_format.h"
#include "graph/status_macros.h"
#include "optimizer/sample_run.h"

namespace kiln {
namespace {

// The largest finite magnitude in `w` and whether it holds inf or NaN; for
// fp32 and fp16 tensors only (nullopt otherwise).
struct Range {
  float max_abs = 0.0f;
  bool nonfinite = false;
};
std::optional<Range> RangeOf(const Weights& w) {
  Range r;
  auto visit = [&r](float v) {
    if (!std::isfinite(v)) {
      r.nonfinite = true;
    } else {
      r.max_abs = std::max(r.max_abs, std::fabs(v));
    }
  };
  const int64_t n = Volume(w.dims());
  if (w.dtype() == DataType::kFloat32) {
    for (int64_t i = 0; i < n; ++i) visit(w.as<float>()[i]);
  } else if (w.dtype() == DataType::kFloat16) {
    for (int64_t i = 0; i < n; ++i) visit(HalfToFloat(w.as<uint16_t>()[i]));
  } else {
    return std::nullopt;
  }
  return r;
}

}  // namespace

std::string Fp16RangePin::ToString() const {
  return absl::StrFormat("'%s': |%s| reached %.4g%s (fp16 range check limit %.0f)", layer, tensor,
                         max_abs, nonfinite ? " and inf or NaN from finite inputs" : "",
                         kFp16RangeLimit);
}

absl::StatusOr<std::vector<Fp16RangePin>> FindFp16RangePins(
    const Graph& graph, const std::map<std::string, Weights>& samples, float limit) {
  // The range of every float tensor computed so far (and of constants).
  std::vector<std::optional<Range>> ranges(graph.num_tensors());
  std::vector<Fp16RangePin> pins;
  const absl::Status run = RunOnSamples(
      graph, samples, "the fp16 range check", [&](const Node& node, const SampleValues& values) {
        auto range_of = [&](TensorId t) -> const std::optional<Range>& {
          if (!ranges[t].has_value() && values[t].has_value()) ranges[t] = RangeOf(*values[t]);
          return ranges[t];
        };
        // A layer in fp16 reads its inputs and writes its outputs in fp16:
        // any of them out of range keeps it in fp32. Inf or NaN counts only
        // when it appears here, from finite inputs.
        bool finite_inputs = true;
        std::optional<Fp16RangePin> pin;
        auto consider = [&](TensorId t, bool output) {
          const std::optional<Range>& r = range_of(t);
          if (!r.has_value()) return;
          if (!output && r->nonfinite) finite_inputs = false;
          const bool nonfinite = output && r->nonfinite && finite_inputs;
          if ((r->max_abs > limit || nonfinite) &&
              (!pin.has_value() || r->max_abs > pin->max_abs)) {
            pin = Fp16RangePin{node.name, graph.tensor(t).desc.name, r->max_abs, nonfinite};
          }
        };
        for (TensorId t : node.inputs) {
          if (t >= 0) consider(t, /*output=*/false);
        }
        for (TensorId t : node.outputs) consider(t, /*output=*/true);
        if (pin.has_value()) pins.push_back(std::move(*pin));
        return absl::OkStatus();
      });
  KILN_RETURN_IF_ERROR(run);
  return pins;
}

}  // namespace kiln
