// Tests of INT8 calibration (calibration.h) and of the sample runner it
// shares with the fp16 range check (sample_run.h): the |x| histogram, the three
// calibrators' thresholds on hand-checked or well-understood data, the
// calibration of a small network on two batches, and the calibration cache
// (round trip, every refusal, the check against a network).
#include "optimizer/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/element_wise.h"
#include "optimizer/sample_run.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

TEST(AbsHistogramTest, GrowsByMergingBinsWithoutLosingCounts) {
  AbsHistogram h;
  const float first[] = {-1.0f};
  h.Add(first, 1);
  EXPECT_EQ(h.range(), 1.0);
  EXPECT_EQ(h.bins()[AbsHistogram::kBins - 1], 1);  // |x| == range: the last bin
  const float second[] = {3.0f, 0.0f, NAN, INFINITY};
  h.Add(second, 4);
  EXPECT_EQ(h.range(), 4.0);  // 1 -> 2 -> 4
  EXPECT_EQ(h.max_abs(), 3.0f);
  EXPECT_EQ(h.count(), 3);
  EXPECT_EQ(h.nonfinite(), 2);
  EXPECT_EQ(h.bins()[511], 1);   // 1.0: bin 2047 of [0, 1), 1023 of [0, 2), 511 of [0, 4)
  EXPECT_EQ(h.bins()[1536], 1);  // 3.0 * 2048 / 4
  EXPECT_EQ(h.bins()[0], 1);     // 0.0
  int64_t total = 0;
  for (int64_t c : h.bins()) total += c;
  EXPECT_EQ(total, 3);
}

AbsHistogram Of(const std::vector<float>& values) {
  AbsHistogram h;
  h.Add(values.data(), static_cast<int64_t>(values.size()));
  return h;
}

float Threshold(const AbsHistogram& h, CalibratorKind kind, double percentile = 99.99) {
  CalibratorOptions options;
  options.kind = kind;
  options.percentile = percentile;
  absl::StatusOr<float> t = CalibrationThreshold(h, options);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : NAN;
}

TEST(CalibratorTest, MinMaxIsTheLargestMagnitude) {
  EXPECT_EQ(Threshold(Of({-5.0f, 2.0f, 0.5f}), CalibratorKind::kMinMax), 5.0f);
}

TEST(CalibratorTest, PercentileOfOneToAThousand) {
  std::vector<float> values;
  for (int i = 1; i <= 1000; ++i) values.push_back(static_cast<float>(i));
  const AbsHistogram h = Of(values);
  const double width = 1000.0 / AbsHistogram::kBins;
  // The upper edge of the bin holding the 990th (500th) value.
  EXPECT_NEAR(Threshold(h, CalibratorKind::kPercentile, 99.0), 990.0, width);
  EXPECT_GE(Threshold(h, CalibratorKind::kPercentile, 99.0), 990.0f);
  EXPECT_NEAR(Threshold(h, CalibratorKind::kPercentile, 50.0), 500.0, width);
  EXPECT_EQ(Threshold(h, CalibratorKind::kPercentile, 100.0), 1000.0f);
  CalibratorOptions bad;
  bad.kind = CalibratorKind::kPercentile;
  bad.percentile = 0.0;
  EXPECT_THAT(CalibrationThreshold(h, bad).status().message(), HasSubstr("(0, 100]"));
}

TEST(CalibratorTest, EntropyClipsRareOutliersAndKeepsAUniformRange) {
  const uint32_t seed = testutil::TestSeed();
  std::printf("seed %u\n", seed);
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> gaussian(100000);
  for (float& v : gaussian) v = normal(rng);
  AbsHistogram h = Of(gaussian);
  const std::vector<float> outliers(20, 30.0f);
  h.Add(outliers.data(), static_cast<int64_t>(outliers.size()));
  // min-max keeps the outliers (30); the KL search clips near 4 sigma (the
  // numpy version of the same search gives 4.0 on such data).
  EXPECT_EQ(Threshold(h, CalibratorKind::kMinMax), 30.0f);
  const float entropy = Threshold(h, CalibratorKind::kEntropy);
  std::printf("entropy threshold %.4g (max %.4g)\n", entropy, h.max_abs());
  EXPECT_GT(entropy, 2.5f);
  EXPECT_LT(entropy, 6.0f);
  // Uniform values: nothing to clip, the threshold stays at the top.
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> flat(100000);
  for (float& v : flat) v = uniform(rng);
  const AbsHistogram u = Of(flat);
  EXPECT_GT(Threshold(u, CalibratorKind::kEntropy), 0.95f * u.max_abs());
  EXPECT_LE(Threshold(u, CalibratorKind::kEntropy), u.max_abs());
}

// The KL search written out term by term (TensorRT's description): the
// oracle for the entropy calibrator's prefix-sum form.
float DirectEntropyThreshold(const AbsHistogram& h) {
  const std::vector<int64_t>& bins = h.bins();
  const int n = AbsHistogram::kBins, levels = 128;
  double total = 0.0;
  for (int64_t c : bins) total += static_cast<double>(c);
  int best = n;
  double best_kl = INFINITY;
  for (int i = levels; i <= n; ++i) {
    double kept = 0.0;
    for (int j = 0; j < i; ++j) kept += static_cast<double>(bins[j]);
    if (kept == 0.0) continue;
    std::vector<double> p(i), q(i, 0.0);
    for (int j = 0; j < i; ++j) p[j] = static_cast<double>(bins[j]);
    p[i - 1] += total - kept;
    for (int g = 0; g < levels; ++g) {
      const int start = g * i / levels, end = (g + 1) * i / levels;
      double sum = 0.0, nonzero = 0.0;
      for (int j = start; j < end; ++j) {
        sum += static_cast<double>(bins[j]);
        nonzero += bins[j] != 0 ? 1.0 : 0.0;
      }
      for (int j = start; j < end; ++j) q[j] = bins[j] != 0 ? sum / nonzero : 0.0;
    }
    double kl = 0.0;
    for (int j = 0; j < i; ++j) {
      if (p[j] == 0.0) continue;
      const double pn = p[j] / total, qn = q[j] / kept;
      kl += pn * std::log(pn / (qn > 0.0 ? qn : 1e-10));
    }
    if (kl < best_kl) {
      best_kl = kl;
      best = i;
    }
  }
  return static_cast<float>(std::min<double>((best + 0.5) * h.bin_width(), h.max_abs()));
}

// A histogram over [0, 1) with `counts[j]` values in bin j (and one at 1.0,
// which fixes the range).
AbsHistogram WithCounts(const std::vector<int>& counts) {
  std::vector<float> values = {1.0f};
  for (size_t j = 0; j < counts.size(); ++j) {
    const float centre = (static_cast<float>(j) + 0.5f) / AbsHistogram::kBins;
    values.insert(values.end(), counts[j], centre);
  }
  return Of(values);
}

TEST(CalibratorTest, EntropyMatchesTheSearchWrittenOutTermByTerm) {
  const int n = AbsHistogram::kBins;
  std::vector<int> decay(n), bumps(n), sparse(n), tail(n);
  for (int j = 0; j < n; ++j) {
    decay[j] = static_cast<int>(2000.0 * std::pow(0.993, j));
    bumps[j] = static_cast<int>(300.0 * std::exp(-std::pow((j - 100) / 30.0, 2)) +
                                40.0 * std::exp(-std::pow((j - 1500) / 60.0, 2)));
    sparse[j] = j % 7 == 0 ? j % 13 + 1 : 0;
    tail[j] = j < 300 ? 500 : (j % 97 == 0 ? 1 : 0);  // a body and rare far values
  }
  for (const auto& [name, counts] :
       {std::pair<const char*, const std::vector<int>&>{"decay", decay},
        {"bumps", bumps},
        {"sparse", sparse},
        {"tail", tail}}) {
    const AbsHistogram h = WithCounts(counts);
    const float want = DirectEntropyThreshold(h);
    EXPECT_EQ(Threshold(h, CalibratorKind::kEntropy), want) << name;
    std::printf("%s: entropy threshold %.6g of max %.6g\n", name, want, h.max_abs());
  }
}

TEST(CalibratorTest, AllZeroTensorsGetZeroAndEmptyOnesAnError) {
  EXPECT_EQ(Threshold(Of({0.0f, 0.0f}), CalibratorKind::kEntropy), 0.0f);
  AbsHistogram empty;
  EXPECT_THAT(CalibrationThreshold(empty, CalibratorOptions{}).status().message(),
              HasSubstr("no finite value"));
}

TEST(CalibratorTest, KindsParseByName) {
  for (CalibratorKind kind :
       {CalibratorKind::kEntropy, CalibratorKind::kMinMax, CalibratorKind::kPercentile}) {
    EXPECT_EQ(*ParseCalibratorKind(CalibratorKindName(kind)), kind);
  }
  EXPECT_THAT(ParseCalibratorKind("magic").status().message(),
              HasSubstr("use entropy, minmax or percentile"));
}

// x [B, 4] -> "double" (x * 2) -> "relu".
NetworkDefinition DoubleRelu() {
  NetworkDefinition net;
  const TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4});
  const TensorId two = *net.AddConstant("two", Weights::FromFloats({1}, {2.0f}));
  const TensorId d = *AddElementWise(net, "double", x, two, ElementWiseOp::kProd);
  const TensorId y = *AddActivation(net, "relu", d, {ActivationType::kRelu});
  EXPECT_TRUE(net.MarkOutput(y).ok());
  return net;
}

std::vector<std::map<std::string, Weights>> TwoBatches() {
  return {
      {{"x", Weights::FromFloats({1, 4}, {1.0f, -3.0f, 2.0f, 0.5f})}},
      {{"x", Weights::FromFloats({2, 4}, {-6.0f, 1.5f, 0.0f, 0.0f, 0.25f, 0.0f, -1.0f, 0.0f})}}};
}

TEST(CalibrateTest, MinMaxOverEveryBatchOfASmallNetwork) {
  const NetworkDefinition net = DoubleRelu();
  std::unique_ptr<CalibrationBatches> batches = BatchesFromVector(TwoBatches());
  CalibratorOptions minmax;
  minmax.kind = CalibratorKind::kMinMax;
  std::vector<int> progress;
  absl::StatusOr<std::map<std::string, float>> t =
      Calibrate(net.graph(), *batches, minmax, [&](int done) { progress.push_back(done); });
  ASSERT_TRUE(t.ok()) << t.status();
  // By hand: |x| up to 6 (batch 2), 2x up to 12, relu(2x) up to 4 (x = 2).
  EXPECT_EQ(*t, (std::map<std::string, float>{{"x", 6.0f}, {"double", 12.0f}, {"relu", 4.0f}}));
  EXPECT_EQ(progress, (std::vector<int>{1, 2}));
  EXPECT_EQ(CalibratedTensorNames(net.graph()), (std::vector<std::string>{"x", "double", "relu"}));
}

TEST(SampleRunTest, DropsEachTensorAfterItsLastReader) {
  const NetworkDefinition net = DoubleRelu();
  const Graph& graph = net.graph();
  auto id = [&](const std::string& name) {
    for (TensorId t = 0; t < graph.num_tensors(); ++t) {
      if (graph.tensor(t).desc.name == name) return t;
    }
    return TensorId{-1};
  };
  std::vector<std::string> seen;
  const absl::Status run =
      RunOnSamples(graph, TwoBatches()[0], "test", [&](const Node& node, const SampleValues& v) {
        std::string held;
        for (const char* name : {"x", "double", "relu"}) {
          if (v[id(name)].has_value()) absl::StrAppend(&held, held.empty() ? "" : ",", name);
        }
        seen.push_back(absl::StrCat(node.name, ":", held));
        return absl::OkStatus();
      });
  ASSERT_TRUE(run.ok()) << run;
  // x is gone once "double" (its only reader) ran; "double" once "relu" did.
  EXPECT_EQ(seen, (std::vector<std::string>{"double:x,double", "relu:double,relu"}));
}

TEST(CalibrateTest, RefusesNoBatchesAndBatchesThatDoNotFit) {
  const NetworkDefinition net = DoubleRelu();
  std::unique_ptr<CalibrationBatches> none = BatchesFromVector({});
  EXPECT_THAT(Calibrate(net.graph(), *none, CalibratorOptions{}).status().message(),
              HasSubstr("no batches"));
  std::unique_ptr<CalibrationBatches> wrong =
      BatchesFromVector({{{"y", Weights::FromFloats({1, 4}, {1, 2, 3, 4})}}});
  EXPECT_THAT(Calibrate(net.graph(), *wrong, CalibratorOptions{}).status().message(),
              HasSubstr("calibration batch 1 has no sample for input 'x'"));
  std::unique_ptr<CalibrationBatches> dims =
      BatchesFromVector({{{"x", Weights::FromFloats({1, 3}, {1, 2, 3})}}});
  EXPECT_THAT(Calibrate(net.graph(), *dims, CalibratorOptions{}).status().message(),
              HasSubstr("sample for input 'x' is fp32 1x3"));
}

CalibrationCache SampleCache() {
  CalibrationCache cache;
  cache.calibrator.kind = CalibratorKind::kPercentile;
  cache.calibrator.percentile = 99.9;
  cache.thresholds = {{"conv 1", 2.5f},
                      {"tab\there", 1e-3f},
                      {"new\nline", 0.0f},
                      {"pi", 3.14159274f},
                      {"\xc3\xbcnicode", 65504.0f}};
  return cache;
}

TEST(CalibrationCacheTest, RoundTripsExactly) {
  const CalibrationCache cache = SampleCache();
  const std::string text = WriteCalibrationCache(cache);
  EXPECT_TRUE(absl::StartsWith(text,
                               "kiln-calibration-cache 1\ncalibrator percentile 99.9\n"
                               "tensors 5\n"))
      << text;
  absl::StatusOr<CalibrationCache> read = ReadCalibrationCache(text);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->calibrator.kind, CalibratorKind::kPercentile);
  EXPECT_EQ(read->calibrator.percentile, 99.9);
  EXPECT_EQ(read->thresholds, cache.thresholds);
  // Without a trailing newline too.
  read = ReadCalibrationCache(text.substr(0, text.size() - 1));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->thresholds, cache.thresholds);
}

TEST(CalibrationCacheTest, RefusesWhatItCannotTrust) {
  const std::string good = WriteCalibrationCache(SampleCache());
  auto error = [](const std::string& text) {
    return std::string(ReadCalibrationCache(text).status().message());
  };
  EXPECT_THAT(error("hello\n"), HasSubstr("not a kiln calibration cache"));
  EXPECT_THAT(error(absl::StrReplaceAll(good, {{"cache 1", "cache 2"}})),
              HasSubstr("format version '2'; this kiln reads version 1"));
  EXPECT_THAT(error(absl::StrReplaceAll(good, {{"percentile 99.9", "magic"}})),
              HasSubstr("line 2: unknown calibrator 'magic'"));
  EXPECT_THAT(error(absl::StrReplaceAll(good, {{"percentile 99.9", "percentile 120"}})),
              HasSubstr("line 2: the percentile calibrator needs its percentile in (0, 100]"));
  // A line lost at the end: the count says so.
  const std::string truncated = good.substr(0, good.rfind('\n', good.size() - 2) + 1);
  EXPECT_THAT(error(truncated), HasSubstr("lists 5 tensors but holds 4"));
  EXPECT_THAT(error(absl::StrReplaceAll(good, {{"\t2.5\n", "\t-2.5\n"}})),
              HasSubstr("tensor 'conv 1': bad threshold '-2.5'"));
  EXPECT_THAT(error(absl::StrReplaceAll(good, {{"\t2.5\n", "\tnan\n"}})),
              HasSubstr("bad threshold 'nan'"));
  EXPECT_THAT(error(absl::StrReplaceAll(good, {{"pi\t", "conv 1\t"}})),
              HasSubstr("tensor 'conv 1' appears twice"));
  EXPECT_THAT(error("kiln-calibration-cache 1\n"), HasSubstr("line 2: missing"));
}

TEST(CalibrationCacheTest, MustMatchTheNetworkItIsUsedFor) {
  const NetworkDefinition net = DoubleRelu();
  CalibrationCache cache;
  cache.thresholds = {{"x", 6.0f}, {"double", 12.0f}, {"relu", 4.0f}};
  EXPECT_TRUE(CheckCalibrationCache(cache, net.graph()).ok());
  CalibrationCache missing = cache;
  missing.thresholds.erase("relu");
  EXPECT_THAT(CheckCalibrationCache(missing, net.graph()).message(),
              HasSubstr("no threshold for tensor 'relu' of this network"));
  CalibrationCache extra = cache;
  extra.thresholds["conv9"] = 1.0f;
  EXPECT_THAT(CheckCalibrationCache(extra, net.graph()).message(),
              HasSubstr("tensor 'conv9' is not in this network"));
}

}  // namespace
}  // namespace kiln
