// Binary element-wise ops with numpy broadcasting: one thread per output
// element, the operand offsets recovered from the output index. fp16 is
// computed in fp32 and rounded once at the store.
#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

template <int kOp>
__device__ __forceinline__ float Apply(float a, float b) {
  if (kOp == kSum) return a + b;
  if (kOp == kSub) return a - b;
  if (kOp == kProd) return a * b;
  if (kOp == kDiv) return a / b;
  if (kOp == kMax) return fmaxf(a, b);
  if (kOp == kMin) return fminf(a, b);
  return powf(a, b);
}

template <int kOp, typename T>
__global__ void BroadcastKernel(BroadcastShape shape, int64_t n, const T* __restrict__ a,
                                const T* __restrict__ b, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    int64_t rest = i, a_off = 0, b_off = 0;
    for (int d = shape.rank - 1; d >= 0; --d) {
      const int64_t coord = rest % shape.out_dims[d];
      rest /= shape.out_dims[d];
      a_off += coord * shape.a_strides[d];
      b_off += coord * shape.b_strides[d];
    }
    StoreFloat(out, i, Apply<kOp>(LoadFloat(a, a_off), LoadFloat(b, b_off)));
  }
}

// Both operands have the output's shape: no index arithmetic.
template <int kOp, typename T>
__global__ void SameShapeKernel(int64_t n, const T* __restrict__ a, const T* __restrict__ b,
                                T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    StoreFloat(out, i, Apply<kOp>(LoadFloat(a, i), LoadFloat(b, i)));
  }
}

template <int kOp, typename T>
cudaError_t Launch(const BroadcastShape& shape, int64_t n, const T* a, const T* b, T* out,
                   cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  const int blocks = GridBlocks(n);
  bool same = true;
  int64_t stride = 1;
  for (int d = shape.rank - 1; d >= 0; --d) {
    if (shape.out_dims[d] != 1 &&
        (shape.a_strides[d] != stride || shape.b_strides[d] != stride)) {
      same = false;
    }
    stride *= shape.out_dims[d];
  }
  if (same) {
    SameShapeKernel<kOp, T><<<blocks, kFloatIoThreads, 0, stream>>>(n, a, b, out);
  } else {
    BroadcastKernel<kOp, T><<<blocks, kFloatIoThreads, 0, stream>>>(shape, n, a, b, out);
  }
  return cudaGetLastError();
}

}  // namespace

template <typename T>
cudaError_t ElementWise(int op, const BroadcastShape& shape, int64_t n, const T* a, const T* b,
                        T* out, cudaStream_t stream) {
  switch (op) {
    case kSum: return Launch<kSum>(shape, n, a, b, out, stream);
    case kSub: return Launch<kSub>(shape, n, a, b, out, stream);
    case kProd: return Launch<kProd>(shape, n, a, b, out, stream);
    case kDiv: return Launch<kDiv>(shape, n, a, b, out, stream);
    case kMax: return Launch<kMax>(shape, n, a, b, out, stream);
    case kMin: return Launch<kMin>(shape, n, a, b, out, stream);
    case kPow: return Launch<kPow>(shape, n, a, b, out, stream);
  }
  return cudaErrorInvalidValue;
}

template cudaError_t ElementWise<float>(int, const BroadcastShape&, int64_t, const float*,
                                        const float*, float*, cudaStream_t);
template cudaError_t ElementWise<__half>(int, const BroadcastShape&, int64_t, const __half*,
                                         const __half*, __half*, cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
