#include "bench/e2e/accuracy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace kiln {
namespace bench {
namespace {

// The index of the largest value; the first one on ties.
int64_t ArgMax(const float* row, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (row[i] > row[best]) best = i;
  }
  return best;
}

}  // namespace

absl::StatusOr<LogitsComparison> CompareLogits(absl::Span<const float> out,
                                               absl::Span<const float> ref, int64_t rows) {
  if (out.size() != ref.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the output has ", out.size(), " values, the reference ", ref.size()));
  }
  if (rows < 1 || out.empty() || out.size() % rows != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(out.size(), " values do not make ", rows, " rows of logits"));
  }
  LogitsComparison c;
  c.rows = rows;
  c.classes = static_cast<int64_t>(out.size()) / rows;

  double diff2 = 0, ref2 = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i])) ++c.non_finite;
    const double d = static_cast<double>(out[i]) - ref[i];
    diff2 += d * d;
    ref2 += static_cast<double>(ref[i]) * ref[i];
  }
  if (c.non_finite > 0) {
    c.rel_l2 = std::numeric_limits<double>::quiet_NaN();
  } else if (ref2 > 0) {
    c.rel_l2 = std::sqrt(diff2 / ref2);
  } else {
    c.rel_l2 = diff2 > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }

  const double ref_rms = std::sqrt(ref2 / ref.size());
  c.min_mismatch_gap = std::numeric_limits<double>::infinity();
  for (int64_t r = 0; r < rows; ++r) {
    const float* ours = out.data() + r * c.classes;
    const float* theirs = ref.data() + r * c.classes;
    const int64_t our_top = ArgMax(ours, c.classes);
    const int64_t their_top = ArgMax(theirs, c.classes);
    if (our_top == their_top) continue;
    ++c.top1_mismatches;
    const double gap = static_cast<double>(theirs[their_top]) - theirs[our_top];
    const double relative_gap = ref_rms > 0 ? gap / ref_rms : gap;
    c.min_mismatch_gap = std::min(c.min_mismatch_gap, relative_gap);
    c.max_mismatch_gap = std::max(c.max_mismatch_gap, relative_gap);
  }
  if (c.top1_mismatches == 0) c.min_mismatch_gap = 0;
  c.top1_agree = static_cast<double>(rows - c.top1_mismatches) / rows;
  return c;
}

absl::StatusOr<AccuracyBound> BoundFor(absl::string_view precision) {
  if (precision == "fp32") return AccuracyBound{1e-5, false};
  if (precision == "fp16" || precision == "tf32") return AccuracyBound{1e-2, true};
  return absl::InvalidArgumentError(
      absl::StrCat("no accuracy bound for precision '", precision, "'; use fp32, tf32 or fp16"));
}

AccuracyBound WithPeerYardstick(AccuracyBound bound, double peer_rel_l2) {
  if (std::isfinite(peer_rel_l2) && peer_rel_l2 > 0) {
    bound.max_rel_l2 = std::max(bound.max_rel_l2, 1.25 * peer_rel_l2);
  }
  return bound;
}

std::string AccuracyViolation(const LogitsComparison& c, const AccuracyBound& bound) {
  std::vector<std::string> reasons;
  if (c.non_finite > 0) {
    reasons.push_back(absl::StrCat(c.non_finite, " of ", c.rows * c.classes,
                                   " output values are NaN or infinite"));
  } else if (!(c.rel_l2 <= bound.max_rel_l2)) {  // also catches NaN
    reasons.push_back(absl::StrFormat("rel-L2 %.3g > %.3g", c.rel_l2, bound.max_rel_l2));
  }
  // A flip is only allowed on a near tie: within fp16 noise of the reference.
  const double tie_gap = 2 * bound.max_rel_l2;
  if (bound.same_top1 && c.top1_mismatches > 0 && !(c.max_mismatch_gap < tie_gap)) {
    reasons.push_back(absl::StrFormat(
        "top-1 differs on %d/%d rows, reference gaps %.3g to %.3g RMS: not all near ties "
        "(< %.3g)",
        c.top1_mismatches, c.rows, c.min_mismatch_gap, c.max_mismatch_gap, tie_gap));
  }
  return absl::StrJoin(reasons, "; ");
}

}  // namespace bench
}  // namespace kiln
