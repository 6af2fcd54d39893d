#include <vector>

#include "bazel/cuda_smoke.h"
#include "gtest/gtest.h"

TEST(CudaLibraryRuleTest, KernelCompiledByNvccRuns) {
  if (CudaSmokeDeviceCount() == 0) {
    GTEST_SKIP() << "no CUDA device on this machine; the kernel compiled and linked, "
                    "run on a GPU machine to execute it";
  }
  const int n = 1000;
  std::vector<float> x(n), y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = static_cast<float>(i);
    y[i] = 1.0f;
  }
  ASSERT_EQ(CudaSmokeSaxpy(n, 2.0f, x.data(), y.data()), 0);
  for (int i = 0; i < n; ++i) ASSERT_EQ(y[i], 2.0f * i + 1.0f) << i;
}
