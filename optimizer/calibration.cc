#include "optimizer/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "graph/status_macros.h"
#include "optimizer/sample_run.h"

namespace kiln {
namespace {

constexpr int kLevels = 128;  // int8's positive levels the entropy search quantizes to
constexpr char kMagic[] = "kiln-calibration-cache";

bool IsCalibrated(const Tensor& t) {
  return !t.is_constant() &&
         (t.desc.dtype == DataType::kFloat32 || t.desc.dtype == DataType::kFloat16);
}

void AddWeights(AbsHistogram& h, const Weights& w) {
  const int64_t n = Volume(w.dims());
  if (w.dtype() == DataType::kFloat32) {
    h.Add(w.as<float>(), n);
  } else if (w.dtype() == DataType::kFloat16) {
    std::vector<float> values(n);
    for (int64_t i = 0; i < n; ++i) values[i] = HalfToFloat(w.as<uint16_t>()[i]);
    h.Add(values.data(), n);
  }
}

// The KL-divergence search: for each candidate i (kLevels..kBins bins), P is
// the first i bins with every count beyond them added to bin i-1 (clipping at
// T), Q the same i bins quantized to kLevels groups, each group's count
// spread evenly over its nonzero bins; T is the middle of bin i for the i
// with the least KL(P || Q), no more than the largest |x|.
//
// Within a group Q is one value q on its nonzero bins, so the group's share
// of KL = sum p/N log((p/N) / (q/K)) over them is (sum p log p - sum p *
// (log N + log(q/K))) / N: prefix sums of p and p log p make each group O(1)
// and the search O(kBins * kLevels) rather than O(kBins^2) logarithms. Bin
// i-1, which also takes the clipped counts, is summed on its own.
float EntropyThreshold(const AbsHistogram& h) {
  const std::vector<int64_t>& bins = h.bins();
  const int n = AbsHistogram::kBins;
  std::vector<double> prefix(n + 1, 0.0), nonzero(n + 1, 0.0), plogp(n + 1, 0.0);
  for (int j = 0; j < n; ++j) {
    const double c = static_cast<double>(bins[j]);
    prefix[j + 1] = prefix[j] + c;
    nonzero[j + 1] = nonzero[j] + (c != 0.0 ? 1.0 : 0.0);
    plogp[j + 1] = plogp[j] + (c != 0.0 ? c * std::log(c) : 0.0);
  }
  const double total = prefix[n];
  const double log_total = std::log(total);
  // Q == 0 where P > 0 (only bin i-1, when the clipped counts land on an
  // empty bin) costs as if Q were this small.
  constexpr double kEpsilon = 1e-10;
  int best = n;
  double best_kl = std::numeric_limits<double>::infinity();
  for (int i = kLevels; i <= n; ++i) {
    const double kept = prefix[i];
    if (kept == 0.0) continue;
    const double outliers = total - kept;
    double kl = 0.0;
    for (int g = 0; g < kLevels; ++g) {
      const int start = static_cast<int>(static_cast<int64_t>(g) * i / kLevels);
      const int end = static_cast<int>(static_cast<int64_t>(g + 1) * i / kLevels);
      const double group = prefix[end] - prefix[start];
      const double group_nonzero = nonzero[end] - nonzero[start];
      const double log_qn = group > 0.0 ? std::log(group / group_nonzero / kept) : 0.0;
      const int plain_end = end == i ? i - 1 : end;  // bins with P = their count
      const double c = prefix[plain_end] - prefix[start];
      if (c > 0.0) {
        kl += (plogp[plain_end] - plogp[start] - c * (log_total + log_qn)) / total;
      }
      if (end == i) {
        const double last = static_cast<double>(bins[i - 1]);
        const double p = last + outliers;
        if (p > 0.0) {
          const double pn = p / total;
          kl += pn * (std::log(pn) - (last != 0.0 ? log_qn : std::log(kEpsilon)));
        }
      }
    }
    if (kl < best_kl) {
      best_kl = kl;
      best = i;
    }
  }
  const double threshold = (best + 0.5) * h.bin_width();
  return static_cast<float>(std::min<double>(threshold, h.max_abs()));
}

float PercentileThreshold(const AbsHistogram& h, double percentile) {
  const double target = percentile / 100.0 * static_cast<double>(h.count());
  double seen = 0.0;
  const std::vector<int64_t>& bins = h.bins();
  for (int j = 0; j < AbsHistogram::kBins; ++j) {
    seen += static_cast<double>(bins[j]);
    if (seen >= target) {
      return static_cast<float>(std::min<double>((j + 1) * h.bin_width(), h.max_abs()));
    }
  }
  return h.max_abs();
}

class VectorBatches : public CalibrationBatches {
 public:
  explicit VectorBatches(std::vector<std::map<std::string, Weights>> batches)
      : batches_(std::move(batches)) {}
  absl::StatusOr<std::optional<std::map<std::string, Weights>>> Next() override {
    if (next_ >= batches_.size()) return std::nullopt;
    return std::optional<std::map<std::string, Weights>>(std::move(batches_[next_++]));
  }

 private:
  std::vector<std::map<std::string, Weights>> batches_;
  size_t next_ = 0;
};

absl::Status LineError(int line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("calibration cache line ", line, ": ", message));
}

}  // namespace

const char* CalibratorKindName(CalibratorKind kind) {
  switch (kind) {
    case CalibratorKind::kEntropy: return "entropy";
    case CalibratorKind::kMinMax: return "minmax";
    case CalibratorKind::kPercentile: return "percentile";
  }
  return "?";
}

absl::StatusOr<CalibratorKind> ParseCalibratorKind(absl::string_view name) {
  for (CalibratorKind kind :
       {CalibratorKind::kEntropy, CalibratorKind::kMinMax, CalibratorKind::kPercentile}) {
    if (name == CalibratorKindName(kind)) return kind;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown calibrator '", name, "'; use entropy, minmax or percentile"));
}

std::string CalibratorOptions::ToString() const {
  if (kind == CalibratorKind::kPercentile) return absl::StrFormat("percentile %.9g", percentile);
  return CalibratorKindName(kind);
}

void AbsHistogram::Add(const float* values, int64_t n) {
  float batch_max = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isfinite(values[i])) batch_max = std::max(batch_max, std::fabs(values[i]));
  }
  max_abs_ = std::max(max_abs_, batch_max);
  if (range_ == 0.0 && batch_max > 0.0f) {
    // Values seen so far were all 0 (bin 0 whatever the range).
    range_ = batch_max;
  }
  while (range_ > 0.0 && batch_max > range_) {
    for (int k = 0; k < kBins / 2; ++k) bins_[k] = bins_[2 * k] + bins_[2 * k + 1];
    std::fill(bins_.begin() + kBins / 2, bins_.end(), 0);
    range_ *= 2.0;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(values[i])) {
      ++nonfinite_;
      continue;
    }
    ++count_;
    const double a = std::fabs(values[i]);
    const int bin = range_ > 0.0 ? std::min(kBins - 1, static_cast<int>(a / range_ * kBins)) : 0;
    ++bins_[bin];
  }
}

absl::StatusOr<float> CalibrationThreshold(const AbsHistogram& histogram,
                                           const CalibratorOptions& options) {
  if (histogram.count() == 0) {
    return absl::InvalidArgumentError("the tensor had no finite value on the calibration batches");
  }
  if (histogram.range() == 0.0) return 0.0f;  // zero everywhere
  switch (options.kind) {
    case CalibratorKind::kMinMax: return histogram.max_abs();
    case CalibratorKind::kPercentile:
      if (!(options.percentile > 0.0 && options.percentile <= 100.0)) {
        return absl::InvalidArgumentError(absl::StrCat("the percentile calibrator's percentile is ",
                                                       options.percentile,
                                                       "; give one in (0, 100], e.g. 99.99"));
      }
      return PercentileThreshold(histogram, options.percentile);
    case CalibratorKind::kEntropy: return EntropyThreshold(histogram);
  }
  return absl::InternalError("unknown calibrator kind");
}

std::unique_ptr<CalibrationBatches> BatchesFromVector(
    std::vector<std::map<std::string, Weights>> batches) {
  return std::make_unique<VectorBatches>(std::move(batches));
}

std::vector<std::string> CalibratedTensorNames(const Graph& graph) {
  std::vector<std::string> names;
  for (TensorId t = 0; t < graph.num_tensors(); ++t) {
    if (IsCalibrated(graph.tensor(t))) names.push_back(graph.tensor(t).desc.name);
  }
  return names;
}

absl::StatusOr<std::map<std::string, float>> Calibrate(
    const Graph& graph, CalibrationBatches& batches, const CalibratorOptions& options,
    const std::function<void(int batches_done)>& progress) {
  std::map<TensorId, AbsHistogram> histograms;
  for (TensorId t = 0; t < graph.num_tensors(); ++t) {
    if (IsCalibrated(graph.tensor(t))) histograms[t];
  }
  int done = 0;
  while (true) {
    using Batch = std::optional<std::map<std::string, Weights>>;
    KILN_ASSIGN_OR_RETURN(Batch batch, batches.Next());
    if (!batch.has_value()) break;
    const std::string what = absl::StrCat("calibration batch ", done + 1);
    KILN_RETURN_IF_ERROR(
        RunOnSamples(graph, *batch, what, [&](const Node& node, const SampleValues& values) {
          for (TensorId t : node.outputs) {
            auto it = histograms.find(t);
            if (it != histograms.end() && values[t].has_value()) AddWeights(it->second, *values[t]);
          }
          return absl::OkStatus();
        }));
    // RunOnSamples checked that the batch has every input with its type.
    for (TensorId t : graph.inputs()) {
      auto it = histograms.find(t);
      if (it != histograms.end()) AddWeights(it->second, batch->at(graph.tensor(t).desc.name));
    }
    ++done;
    if (progress) progress(done);
  }
  if (done == 0) {
    return absl::InvalidArgumentError(
        "calibration got no batches; give at least one batch of every input");
  }
  std::map<std::string, float> thresholds;
  for (const auto& [t, histogram] : histograms) {
    absl::StatusOr<float> threshold = CalibrationThreshold(histogram, options);
    if (!threshold.ok()) {
      return absl::Status(threshold.status().code(),
                          absl::StrCat("calibrating tensor '", graph.tensor(t).desc.name,
                                       "': ", threshold.status().message()));
    }
    thresholds[graph.tensor(t).desc.name] = *threshold;
  }
  return thresholds;
}

std::string WriteCalibrationCache(const CalibrationCache& cache) {
  std::string text =
      absl::StrCat(kMagic, " ", CalibrationCache::kVersion, "\ncalibrator ",
                   cache.calibrator.ToString(), "\ntensors ", cache.thresholds.size(), "\n");
  for (const auto& [name, threshold] : cache.thresholds) {
    absl::StrAppend(&text, absl::CEscape(name), "\t", absl::StrFormat("%.9g", threshold), "\n");
  }
  return text;
}

absl::StatusOr<CalibrationCache> ReadCalibrationCache(absl::string_view text) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  auto field = [&](int index, absl::string_view key) -> absl::StatusOr<absl::string_view> {
    if (index >= static_cast<int>(lines.size())) {
      return LineError(index + 1, absl::StrCat("missing (expected '", key,
                                               " ...'): the file is "
                                               "truncated; calibrate again"));
    }
    absl::string_view line = lines[index];
    if (!absl::ConsumePrefix(&line, key) || !absl::ConsumePrefix(&line, " ")) {
      return LineError(index + 1, absl::StrCat("expected '", key, " ...', found '",
                                               lines[index].substr(0, 80), "'"));
    }
    return line;
  };
  absl::StatusOr<absl::string_view> version = field(0, kMagic);
  if (!version.ok()) {
    return absl::InvalidArgumentError(
        "not a kiln calibration cache (its first line is not 'kiln-calibration-cache <version>')");
  }
  int number = 0;
  if (!absl::SimpleAtoi(*version, &number) || number != CalibrationCache::kVersion) {
    return LineError(1, absl::StrCat("format version '", *version, "'; this kiln reads version ",
                                     CalibrationCache::kVersion, ": calibrate again"));
  }
  CalibrationCache cache;
  KILN_ASSIGN_OR_RETURN(absl::string_view calibrator, field(1, "calibrator"));
  std::vector<absl::string_view> words = absl::StrSplit(calibrator, ' ');
  absl::StatusOr<CalibratorKind> kind = ParseCalibratorKind(words[0]);
  if (!kind.ok()) return LineError(2, kind.status().message());
  cache.calibrator.kind = *kind;
  if (*kind == CalibratorKind::kPercentile) {
    if (words.size() != 2 || !absl::SimpleAtod(words[1], &cache.calibrator.percentile) ||
        !(cache.calibrator.percentile > 0.0 && cache.calibrator.percentile <= 100.0)) {
      return LineError(2, "the percentile calibrator needs its percentile in (0, 100]");
    }
  } else if (words.size() != 1) {
    return LineError(2, absl::StrCat("unexpected text after '", words[0], "'"));
  }
  KILN_ASSIGN_OR_RETURN(absl::string_view count_text, field(2, "tensors"));
  int64_t count = 0;
  if (!absl::SimpleAtoi(count_text, &count) || count < 0) {
    return LineError(3, absl::StrCat("bad tensor count '", count_text, "'"));
  }
  const int64_t entries = static_cast<int64_t>(lines.size()) - 3;
  if (entries != count) {
    return absl::InvalidArgumentError(
        absl::StrCat("the calibration cache lists ", count, " tensors but holds ", entries,
                     " lines of them: the file is truncated or was edited; calibrate again"));
  }
  for (size_t i = 3; i < lines.size(); ++i) {
    const int line = static_cast<int>(i) + 1;
    std::vector<absl::string_view> parts = absl::StrSplit(lines[i], '\t');
    std::string name, error;
    float threshold = 0.0f;
    if (parts.size() != 2 || !absl::CUnescape(parts[0], &name, &error)) {
      return LineError(line, "expected '<tensor name><TAB><threshold>'");
    }
    if (!absl::SimpleAtof(parts[1], &threshold) || !std::isfinite(threshold) || threshold < 0) {
      return LineError(line, absl::StrCat("tensor '", name, "': bad threshold '", parts[1],
                                          "' (a finite number >= 0)"));
    }
    if (!cache.thresholds.emplace(name, threshold).second) {
      return LineError(line, absl::StrCat("tensor '", name, "' appears twice"));
    }
  }
  return cache;
}

absl::Status CheckCalibrationCache(const CalibrationCache& cache, const Graph& graph) {
  const std::vector<std::string> names = CalibratedTensorNames(graph);
  const std::set<std::string> wanted(names.begin(), names.end());
  for (const std::string& name : names) {
    if (cache.thresholds.count(name) == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the calibration cache has no threshold for tensor '", name,
          "' of this network: it was made for another network, or the network changed since; "
          "calibrate again (give calibration data, or delete the cache)"));
    }
  }
  for (const auto& [name, threshold] : cache.thresholds) {
    if (wanted.count(name) == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the calibration cache's tensor '", name,
          "' is not in this network: it was made for another network, or the network changed "
          "since; calibrate again (give calibration data, or delete the cache)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace kiln
