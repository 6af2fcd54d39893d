// Conformance of every Einsum tactic against cpu_ref.einsum.direct (double
// accumulation, outer loop over the output's subscripts, inner over the
// summed ones).
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): tactics may sum the
// products in another order or in fp32 with a GEMM; fp16 tensors <= 5e-3
// (kFp16RelL2). Inputs are uniform in [-0.5, 1.5) so that sums rarely
// cancel to near zero. Cases have at least kMinElementsPerItem outputs per
// batch item (one for the 1-D outputs).

#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/einsum.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Matrix products (batched, broadcast, transposed), diagonals and traces,
// transposes, reductions, outer products, three operands and "...".
constexpr const char* kEquations[] = {
    "ij,jk->ik",   "bij,bjk->bik", "ij,kj->ik",    "ji,jk",    "ii->i",
    "bjii->bj",    "ij->ji",       "abc->cb",      "ij->j",    "ij,j->i",
    "bi,bj->bij",  "i,j,k->ijk",   "ij,jk,kl->il", "bij,jk",   "aij,aj->ai",
    "abc,abc->ab", "iij->j",       "...ij,...jk->...ik",       "b...i->b...",
    "...ii->...i",
};

// The input dims of `equation` with every letter drawn once (so repeated
// letters match); "..." covers 0 to 2 dims, right-aligned across terms. A
// dim is set to 1 (numpy broadcasting) with probability 0.15.
std::vector<Dims> RandomDims(const std::string& equation, std::mt19937& rng) {
  std::map<char, int64_t> size_of;
  const int64_t ellipsis_rank = UniformInt(rng, 0, 2);
  const Dims ellipsis = SmallDims(rng, static_cast<int>(ellipsis_rank), 5);
  const std::string lhs = equation.substr(0, equation.find("->"));
  std::vector<Dims> dims(1);
  for (size_t i = 0; i < lhs.size(); ++i) {
    const char c = lhs[i];
    if (c == ',') {
      dims.emplace_back();
    } else if (c == '.') {
      i += 2;
      const int64_t r = UniformInt(rng, 0, ellipsis_rank);
      for (int64_t k = ellipsis_rank - r; k < ellipsis_rank; ++k) {
        dims.back().push_back(Chance(rng, 0.15) ? 1 : ellipsis[k]);
      }
    } else {
      if (!size_of.count(c)) size_of[c] = SmallDim(rng, 9);
      dims.back().push_back(size_of[c]);
    }
  }
  // Broadcast dims only where the letter occurs once in its term (a
  // diagonal's dims must be equal).
  for (size_t t = 0; t < dims.size() && dims.size() > 1; ++t) {
    for (size_t d = 0; d < dims[t].size(); ++d) {
      if (Chance(rng, 0.1)) {
        bool repeated = false;
        for (size_t e = 0; e < dims[t].size(); ++e) repeated |= e != d && dims[t][e] == dims[t][d];
        if (!repeated) dims[t][d] = 1;
      }
    }
  }
  return dims;
}

// Input 0 is a network input (its dim 0 the batch); the others are
// constants. The batch-1 run is kept only when input 0's first dim is a
// subscript no other dim shares (else the batch changes other dims' sizes
// or breaks a diagonal).
OpCase RandomCase(DataType dtype, const std::string& equation, std::mt19937& rng) {
  std::vector<Dims> dims = RandomDims(equation, rng);
  OpCase c;
  c.op = kEinsumOp;
  c.attrs = EinsumParams{equation}.ToAttrs();
  std::vector<int64_t> ranks;
  for (size_t i = 0; i < dims.size(); ++i) {
    ranks.push_back(static_cast<int64_t>(dims[i].size()));
    Weights w = RandomFloatTensor(dtype, dims[i], rng, -0.5f, 1.5f);
    c.inputs.push_back(i == 0 ? Input(std::move(w)) : Constant(std::move(w)));
  }
  c.run_batch_one = false;
  absl::StatusOr<EinsumSpec> spec = ParseEinsum(equation, ranks);
  if (spec.ok() && !spec->input_labels[0].empty()) {
    int uses = 0;
    for (const auto& labels : spec->input_labels) {
      for (int label : labels) uses += label == spec->input_labels[0][0];
    }
    c.run_batch_one = uses == 1;
  }
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

std::vector<OpCase> Cases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (const char* equation : kEquations) {
    // A 1-D output has a single element per batch item.
    const std::string eq = equation;
    const size_t arrow = eq.find("->");
    const bool vector_output = arrow != std::string::npos && eq.size() - arrow == 3;
    cases.push_back(DrawWithOutputs([&] { return RandomCase(dtype, eq, rng); },
                                    vector_output ? 1 : kMinElementsPerItem));
  }
  return cases;
}

class EinsumConformanceTest : public ConformanceTest {};

TEST_P(EinsumConformanceTest, Fp32Equations) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, rng));
}

TEST_P(EinsumConformanceTest, Fp16Equations) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, rng));
}

KILN_CONFORMANCE_INSTANTIATE(EinsumConformanceTest, kEinsumOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
