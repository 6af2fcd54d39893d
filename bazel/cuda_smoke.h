#ifndef KILN_BAZEL_CUDA_SMOKE_H_
#define KILN_BAZEL_CUDA_SMOKE_H_

int CudaSmokeDeviceCount();
// y = a*x + y on the device; 0 on success.
int CudaSmokeSaxpy(int n, float a, const float* x, float* y);

#endif  // KILN_BAZEL_CUDA_SMOKE_H_
