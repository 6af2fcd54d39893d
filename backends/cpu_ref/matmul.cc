// cpu_ref MatMul: plain triple loops (the reference) and one Eigen GEMM per
// batch matrix.
#include "ops/matmul.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "Eigen/Dense"
#include "backends/cpu_ref/activation.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// One run's geometry, from the descs of the batch being run. a is stored as
// (a_rows, a_cols) per batch matrix and b as (b_rows, b_cols); after the
// transposes, a is (m, k) and b is (k, n).
struct MatMulShape {
  int64_t a_rows, a_cols, b_rows, b_cols;
  int64_t m, k, n;
  int64_t batch_rank;   // number of output batch dims
  int64_t num_batches;  // their product
};

MatMulShape ShapeOf(const MatMulParams& p, const KernelArgs& args) {
  const Dims& a = args.input_descs[0].dims;
  const Dims& b = args.input_descs[1].dims;
  MatMulShape s;
  // A 1-D a is one row; a 1-D b is one column.
  s.a_rows = a.size() == 1 ? 1 : a[a.size() - 2];
  s.a_cols = a.back();
  s.b_rows = b.size() == 1 ? b[0] : b[b.size() - 2];
  s.b_cols = b.size() == 1 ? 1 : b.back();
  s.m = p.transpose_a ? s.a_cols : s.a_rows;
  s.k = p.transpose_a ? s.a_rows : s.a_cols;
  s.n = p.transpose_b ? s.b_rows : s.b_cols;
  s.batch_rank =
      std::max<int64_t>(std::max<int64_t>(a.size(), 2), std::max<int64_t>(b.size(), 2)) - 2;
  s.num_batches = 1;
  for (int64_t d = 0; d < s.batch_rank; ++d) s.num_batches *= args.output_descs[0].dims[d];
  return s;
}

// Element offset of the matrix of `in_dims` that output batch `batch` reads:
// batch dims are right-aligned with the output's, and a size-1 (or missing)
// dim repeats its one matrix.
int64_t MatrixOffset(const Dims& in_dims, const Dims& out_dims, int64_t out_batch_rank,
                     int64_t batch) {
  const int64_t in_rank = static_cast<int64_t>(in_dims.size());
  const int64_t in_batch_rank = std::max<int64_t>(in_rank - 2, 0);
  int64_t stride = in_rank >= 2 ? in_dims[in_rank - 2] * in_dims[in_rank - 1] : in_dims[0];
  int64_t offset = 0;
  for (int64_t d = out_batch_rank - 1; d >= 0; --d) {
    const int64_t coord = batch % out_dims[d];
    batch /= out_dims[d];
    const int64_t in_d = d - (out_batch_rank - in_batch_rank);
    if (in_d < 0) continue;
    if (in_dims[in_d] != 1) offset += coord * stride;
    stride *= in_dims[in_d];
  }
  return offset;
}

absl::Status SupportsFloatMatMul(const NodeContext& node) {
  KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
  return MatMulParams::FromAttrs(node.attrs).status();
}

// The fused activation, if any, over the whole output.
void ApplyActivation(const MatMulParams& p, const KernelArgs& args) {
  if (!p.activation.has_value()) return;
  auto* output = static_cast<float*>(args.outputs[0]);
  Activate(ActivationParams{*p.activation}, output, output, args.output_descs[0].volume());
}

class DirectKernel : public Fp32Kernel {
 public:
  explicit DirectKernel(MatMulParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const MatMulShape s = ShapeOf(params_, args);
    const Dims& out_dims = args.output_descs[0].dims;
    for (int64_t batch = 0; batch < s.num_batches; ++batch) {
      const float* a = static_cast<const float*>(args.inputs[0]) +
                       MatrixOffset(args.input_descs[0].dims, out_dims, s.batch_rank, batch);
      const float* b = static_cast<const float*>(args.inputs[1]) +
                       MatrixOffset(args.input_descs[1].dims, out_dims, s.batch_rank, batch);
      float* out = static_cast<float*>(args.outputs[0]) + batch * s.m * s.n;
      std::fill(out, out + s.m * s.n, 0.0f);
      // i-k-j order: the innermost loop walks a row of out (and of b unless transposed).
      for (int64_t i = 0; i < s.m; ++i) {
        for (int64_t k = 0; k < s.k; ++k) {
          const float a_ik = params_.transpose_a ? a[k * s.a_cols + i] : a[i * s.a_cols + k];
          for (int64_t j = 0; j < s.n; ++j) {
            const float b_kj = params_.transpose_b ? b[j * s.b_cols + k] : b[k * s.b_cols + j];
            out[i * s.n + j] += a_ik * b_kj;
          }
        }
      }
    }
    ApplyActivation(params_, args);
    return absl::OkStatus();
  }

 private:
  MatMulParams params_;
};

class EigenKernel : public Fp32Kernel {
 public:
  explicit EigenKernel(MatMulParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const MatMulShape s = ShapeOf(params_, args);
    const Dims& out_dims = args.output_descs[0].dims;
    for (int64_t batch = 0; batch < s.num_batches; ++batch) {
      Eigen::Map<const RowMajorMatrix> a(
          static_cast<const float*>(args.inputs[0]) +
              MatrixOffset(args.input_descs[0].dims, out_dims, s.batch_rank, batch),
          s.a_rows, s.a_cols);
      Eigen::Map<const RowMajorMatrix> b(
          static_cast<const float*>(args.inputs[1]) +
              MatrixOffset(args.input_descs[1].dims, out_dims, s.batch_rank, batch),
          s.b_rows, s.b_cols);
      Eigen::Map<RowMajorMatrix> out(static_cast<float*>(args.outputs[0]) + batch * s.m * s.n, s.m,
                                     s.n);
      if (!params_.transpose_a && !params_.transpose_b) {
        out.noalias() = a * b;
      } else if (params_.transpose_a && !params_.transpose_b) {
        out.noalias() = a.transpose() * b;
      } else if (!params_.transpose_a && params_.transpose_b) {
        out.noalias() = a * b.transpose();
      } else {
        out.noalias() = a.transpose() * b.transpose();
      }
    }
    ApplyActivation(params_, args);
    return absl::OkStatus();
  }

 private:
  MatMulParams params_;
};

template <typename KernelType>
class MatMulTactic : public Fp32Tactic {
 public:
  MatMulTactic(std::string name, bool is_reference)
      : Fp32Tactic(std::move(name), kMatMulOp, is_reference, /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    return SupportsFloatMatMul(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(MatMulParams params, MatMulParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<KernelType>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<MatMulTactic<DirectKernel>>("cpu_ref.matmul.direct",
                                                                  /*is_reference=*/true));
KILN_REGISTER_TACTIC(std::make_unique<MatMulTactic<EigenKernel>>("cpu_ref.matmul.eigen",
                                                                 /*is_reference=*/false));

}  // namespace cpu_ref
}  // namespace kiln
