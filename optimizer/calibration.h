#ifndef KILN_OPTIMIZER_CALIBRATION_H_
#define KILN_OPTIMIZER_CALIBRATION_H_

// INT8 post-training calibration (issue 11): the dynamic range of every float
// tensor of a graph, measured on calibration batches the way TensorRT's
// calibrators do, and the calibration cache that carries the ranges to later
// builds. A tensor's range is a threshold T: int8 represents [-T, T] with the
// scale T / 127.
//
// Three calibrators read the same statistics, a histogram of |x| per tensor
// over every batch (AbsHistogram):
//   minmax:     T = the largest |x| seen;
//   percentile: T = the given percentile of |x| (99.99 by default);
//   entropy:    T minimizes the KL divergence between the distribution of
//               |x| clipped at T and that distribution quantized to 128
//               levels (the search of TensorRT's entropy calibrator,
//               Migacz, "8-bit Inference with TensorRT", 2017).
//
// The cache is text, one tensor per line, portable across machines and kiln
// versions that read its format version:
//   kiln-calibration-cache 1
//   calibrator entropy              (or: calibrator percentile 99.99)
//   tensors 2
//   conv1<TAB>2.71828183
//   relu1<TAB>1.5
// Names are C-escaped (a tab or newline in a name stays on its line).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "graph/types.h"

namespace kiln {

enum class CalibratorKind { kEntropy, kMinMax, kPercentile };

// "entropy", "minmax", "percentile".
const char* CalibratorKindName(CalibratorKind kind);
// The inverse; an unknown name is an error listing the three.
absl::StatusOr<CalibratorKind> ParseCalibratorKind(absl::string_view name);

struct CalibratorOptions {
  CalibratorKind kind = CalibratorKind::kEntropy;
  double percentile = 99.99;  // kPercentile only: of |x|, in (0, 100]

  // "entropy", "minmax", "percentile 99.99".
  std::string ToString() const;
};

// |x| of one tensor over every batch: the largest value and a histogram of
// kBins equal bins over [0, range). The range starts at the first nonzero
// largest |x| and doubles, merging neighbouring bins, whenever a batch goes
// past it, so one pass over the batches suffices and no count is lost.
// Non-finite values are counted apart and left out of the histogram.
class AbsHistogram {
 public:
  static constexpr int kBins = 2048;

  AbsHistogram() : bins_(kBins, 0) {}
  void Add(const float* values, int64_t n);

  int64_t count() const { return count_; }  // finite values added
  int64_t nonfinite() const { return nonfinite_; }
  float max_abs() const { return max_abs_; }
  double range() const { return range_; }  // 0 until a nonzero value came
  double bin_width() const { return range_ / kBins; }
  const std::vector<int64_t>& bins() const { return bins_; }

 private:
  std::vector<int64_t> bins_;
  double range_ = 0.0;
  float max_abs_ = 0.0f;
  int64_t count_ = 0;
  int64_t nonfinite_ = 0;
};

// The threshold `options` gives for `histogram`. 0 for a tensor that was 0
// everywhere; an error for a percentile outside (0, 100] or a tensor that
// never had a value.
absl::StatusOr<float> CalibrationThreshold(const AbsHistogram& histogram,
                                           const CalibratorOptions& options);

// The calibration batches, one at a time (as TensorRT's IInt8Calibrator
// gives them): each maps every graph input's name to a batch of data of the
// input's type and dims apart from dim 0. std::nullopt ends the stream.
class CalibrationBatches {
 public:
  virtual ~CalibrationBatches() = default;
  virtual absl::StatusOr<std::optional<std::map<std::string, Weights>>> Next() = 0;
};

// The batches in `batches`, in order.
std::unique_ptr<CalibrationBatches> BatchesFromVector(
    std::vector<std::map<std::string, Weights>> batches);

// Runs `graph` on every batch with each op's reference tactic in fp32
// (sample_run.h) and returns the threshold of every fp32 or fp16 tensor the
// graph computes or takes as input (not constants), by name. `progress`, when
// set, is called after each batch with the number done. An empty stream, a
// batch that does not fit the inputs, or a layer the reference cannot run is
// an error naming what to fix.
absl::StatusOr<std::map<std::string, float>> Calibrate(
    const Graph& graph, CalibrationBatches& batches, const CalibratorOptions& options,
    const std::function<void(int batches_done)>& progress = nullptr);

// The tensors Calibrate measures, by name: the graph's non-constant float
// tensors.
std::vector<std::string> CalibratedTensorNames(const Graph& graph);

struct CalibrationCache {
  static constexpr int kVersion = 1;
  CalibratorOptions calibrator;
  std::map<std::string, float> thresholds;  // tensor name -> T
};

std::string WriteCalibrationCache(const CalibrationCache& cache);
// Parses WriteCalibrationCache's text. Refused with the line at fault: not a
// kiln calibration cache, another format version, an unknown calibrator, a
// bad or negative threshold, a repeated tensor, a tensor count that does not
// match the lines (a truncated file).
absl::StatusOr<CalibrationCache> ReadCalibrationCache(absl::string_view text);
// OK when `cache` has a threshold for exactly the tensors Calibrate measures
// in `graph`; else names a tensor the cache lacks or one the graph lacks,
// and says to calibrate again (the network changed since the cache was made).
absl::Status CheckCalibrationCache(const CalibrationCache& cache, const Graph& graph);

}  // namespace kiln

#endif  // KILN_OPTIMIZER_CALIBRATION_H_
