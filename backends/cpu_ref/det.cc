// cpu_ref Det: Gaussian elimination with partial pivoting (LU) on a double
// copy of each matrix in the workspace; the determinant is the product of
// the pivots, negated once per row swap.
#include <cmath>
#include <cstdint>
#include <memory>
#include <utility>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/det.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Destroys `a` (m x m, row-major).
double Determinant(double* a, int64_t m) {
  double det = 1.0;
  for (int64_t col = 0; col < m; ++col) {
    int64_t pivot = col;
    for (int64_t row = col + 1; row < m; ++row) {
      if (std::fabs(a[row * m + col]) > std::fabs(a[pivot * m + col])) pivot = row;
    }
    if (a[pivot * m + col] == 0.0) return 0.0;  // singular
    if (pivot != col) {
      for (int64_t k = 0; k < m; ++k) std::swap(a[col * m + k], a[pivot * m + k]);
      det = -det;
    }
    const double diag = a[col * m + col];
    det *= diag;
    for (int64_t row = col + 1; row < m; ++row) {
      const double factor = a[row * m + col] / diag;
      for (int64_t k = col + 1; k < m; ++k) a[row * m + k] -= factor * a[col * m + k];
    }
  }
  return det;
}

class DetKernel : public Fp32Kernel {
 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const int64_t m = x.back();
    const int64_t count = Volume(Dims(x.begin(), x.end() - 2));
    const auto* in = static_cast<const float*>(args.inputs[0]);
    auto* out = static_cast<float*>(args.outputs[0]);
    auto* scratch = static_cast<double*>(args.workspace);  // one m x m matrix
    for (int64_t i = 0; i < count; ++i) {
      for (int64_t e = 0; e < m * m; ++e) scratch[e] = in[i * m * m + e];
      out[i] = static_cast<float>(Determinant(scratch, m));
    }
    return absl::OkStatus();
  }
};

class DetTactic : public Fp32Tactic {
 public:
  DetTactic()
      : Fp32Tactic("cpu_ref.det.direct", kDetOp, /*is_reference=*/true, /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<DetKernel>());
  }

 protected:
  size_t KernelWorkspaceSize(const NodeContext& node) const override {
    const int64_t m = node.inputs[0].dims.back();
    return static_cast<size_t>(m * m) * sizeof(double);
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DetTactic>());

}  // namespace cpu_ref
}  // namespace kiln
