#ifndef KILN_TOOLS_CHECK_LIB_H_
#define KILN_TOOLS_CHECK_LIB_H_

// What `kiln check` does: run a plan once, layer by layer, and compare every
// layer's outputs with the cpu_ref oracle computed from the very inputs that
// layer received in the plan's run (DESIGN.md, "The oracle policy"). Because
// each oracle starts from the plan's own inputs, an error does not spread:
// the first wrong layer stands out even when every later one is off too.
//
// The oracle works on fp32 (any float type is converted) in the linear
// layout; the plan's tensors, weights included, are converted to that form
// before the oracle reads them and before its results are compared.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "graph/types.h"
#include "runtime/engine.h"
#include "serialization/plan.h"

namespace kiln {
namespace cli {

// The largest rel-L2 error a layer's output may have against the oracle, by
// the precision the layer computes in. Defaults are DESIGN.md's policy.
struct CheckBounds {
  double fp32 = 1e-5;
  double tf32 = 1e-3;  // fp32 layers of a plan built with allow_tf32
  double fp16 = 5e-3;  // layers with any fp16 tensor
};

struct CheckOptions {
  CheckBounds bounds;
  int max_layers = 0;  // check the first N layers (plan order) only; 0 = all
  // After the checked run, run the plan this many times more as a program
  // does (see RerunReport) and compare its outputs with the checked run's.
  int reruns = 0;
};

// How one tensor of the plan's run (`got`) compares with the oracle's
// (`want`). Float data is compared over the elements finite on both sides;
// the others must agree exactly (NaN with NaN, +Inf with +Inf).
struct Comparison {
  bool exact = false;       // non-float data: compared element by element
  // ||got - want||_2 / ||want||_2; 0 when both are 0, +inf when only want is.
  double rel_l2 = 0.0;
  double max_abs = 0.0;     // max |got - want|
  int64_t non_finite = 0;   // NaN or Inf elements of `got`
  int64_t mismatched = 0;   // exact: differing elements; float: non-finite disagreements
};

// Both in oracle form (see ToOracleForm) with equal dims and dtypes.
Comparison Compare(const Weights& got, const Weights& want);

// `data`, laid out as `desc` says (any dtype and format, host memory), in
// oracle form: fp32 for float types, other dtypes unchanged; linear layout.
Weights ToOracleForm(const TensorDesc& desc, const void* data);

enum class Verdict { kOk, kFail, kSkipped };
absl::string_view VerdictName(Verdict verdict);  // "ok", "FAIL", "skipped"

struct LayerReport {
  int index = 0;                     // in the plan's node list
  std::string name;
  std::string op;
  std::string tactic;                // the plan's
  std::string oracle;                // the cpu_ref tactic that made the reference
  std::string precision;             // "fp32", "tf32" or "fp16": which bound applies
  double bound = 0.0;
  std::vector<TensorDesc> outputs;   // as the plan ran them, at the run's batch
  Comparison worst;                  // the worst of the outputs
  Verdict verdict = Verdict::kOk;
  std::string message;               // why FAIL or skipped
};

// Computes the oracle of `plan.nodes[index]` from `inputs` (per node input:
// oracle-form data, nullptr for an omitted one) and compares it with the
// plan's `outputs` (oracle form, one per node output). Never fails: a layer
// the oracle cannot compute is reported as skipped, saying why.
LayerReport CheckLayer(const Plan& plan, int index, const std::vector<const Weights*>& inputs,
                       const std::vector<Weights>& outputs, const CheckBounds& bounds);

// The observer that does the work while an ExecutionContext runs: copies
// each layer's outputs to the host, checks the layer, and frees what no later
// layer reads (the memory held is about what the plan's own arena holds).
class LayerChecker : public LayerObserver {
 public:
  // `host_inputs`: per input binding, the data the run is given, laid out as
  // the binding (its dtype, linear) at the run's batch. `on_layer` sees each
  // report as soon as it is made.
  LayerChecker(const Engine& engine, const std::vector<Weights>& host_inputs,
               CheckOptions options, std::function<void(const LayerReport&)> on_layer);

  absl::Status OnLayerDone(int index, const PlanNode& node,
                           absl::Span<const TensorDesc> output_descs,
                           absl::Span<void* const> outputs) override;

  const std::vector<LayerReport>& reports() const { return reports_; }

 private:
  const Weights* Tensor(int32_t t);  // oracle form; nullptr if not captured
  void Release(int index);           // drops what no layer after `index` reads

  const Engine& engine_;
  CheckOptions options_;
  std::function<void(const LayerReport&)> on_layer_;
  std::vector<int> last_reader_;        // per tensor: last node reading it, -1 if none
  std::map<int32_t, Weights> captured_;  // per tensor index, oracle form
  std::vector<LayerReport> reports_;
};

// One output of one normal run (no observer) against the checked run. The
// checked run waits for every layer and runs eagerly; a normal run does not
// wait between layers and uses CUDA graphs where the runtime has them. A
// difference there is what no layer-by-layer check can see: a race between
// layers, or a graph captured or replayed wrong.
struct RerunReport {
  int run = 0;          // 1-based
  std::string output;   // binding name
  Comparison comparison;
  double bound = 0.0;   // the plan's precision's
  bool ok = true;
};

struct CheckSummary {
  std::vector<LayerReport> layers;
  int ok = 0;
  int failed = 0;
  int skipped = 0;
  int first_failure = -1;  // index into `layers`, -1 when none failed
  // The run's own error (a kernel failed); `layers` holds what ran before it.
  absl::Status run_status;
  std::vector<RerunReport> reruns;  // per rerun, per output
  absl::Status rerun_status;        // a rerun's own error
};

// 0 when the runs finished, no layer failed and the reruns agreed, else 1
// (skipped layers do not fail a check).
int CheckExitCode(const CheckSummary& summary);

// Runs `engine` once at `batch` with `bindings` (as Execute takes them),
// whose input bindings hold `host_inputs` (see LayerChecker), checks every
// layer, then makes `options.reruns` normal runs (RerunReport). An error means the run could not start; a failed run is
// CheckSummary::run_status, oracle troubles are skipped layers.
absl::StatusOr<CheckSummary> CheckEngine(const Engine& engine, int batch,
                                         absl::Span<void* const> bindings,
                                         const std::vector<Weights>& host_inputs,
                                         const CheckOptions& options,
                                         std::function<void(const LayerReport&)> on_layer);

// The table `kiln check` prints: a header, then one line per layer.
std::string LayerTableHeader();
std::string LayerLine(const LayerReport& report);
std::string RerunLine(const RerunReport& report);
// "fp16 nhwc 8x32x112x112"
std::string DescSummary(const TensorDesc& desc);

// The whole table as JSON (non-finite numbers as null).
std::string CheckJson(const std::string& model, const Plan& plan, int batch,
                      const CheckOptions& options, const CheckSummary& summary);

}  // namespace cli
}  // namespace kiln

#endif  // KILN_TOOLS_CHECK_LIB_H_
