// Checks the cuda_library rule end to end: nvcc compiles this for sm_80 and
// sm_90, the object links into a cc_test, and the kernel runs on a device.
#include <cuda_runtime.h>

#include "bazel/cuda_smoke.h"

namespace {

__global__ void Saxpy(int n, float a, const float* x, float* y) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

}  // namespace

int CudaSmokeDeviceCount() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return 0;
  return count;
}

int CudaSmokeSaxpy(int n, float a, const float* x, float* y) {
  float *dx = nullptr, *dy = nullptr;
  const size_t bytes = n * sizeof(float);
  if (cudaMalloc(&dx, bytes) != cudaSuccess) return 1;
  if (cudaMalloc(&dy, bytes) != cudaSuccess) return 2;
  cudaMemcpy(dx, x, bytes, cudaMemcpyHostToDevice);
  cudaMemcpy(dy, y, bytes, cudaMemcpyHostToDevice);
  Saxpy<<<(n + 255) / 256, 256>>>(n, a, dx, dy);
  const cudaError_t status = cudaMemcpy(y, dy, bytes, cudaMemcpyDeviceToHost);
  cudaFree(dx);
  cudaFree(dy);
  return status == cudaSuccess ? 0 : 3;
}
