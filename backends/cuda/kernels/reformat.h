#ifndef KILN_BACKENDS_CUDA_KERNELS_REFORMAT_H_
#define KILN_BACKENDS_CUDA_KERNELS_REFORMAT_H_

// Precision and layout conversion (the Reformat op) on the GPU.

#include <cuda_runtime.h>

#include <cstdint>

namespace kiln {
namespace cuda {
namespace kernels {

// Element types a reformat reads or writes.
enum ReformatType : int {
  kReformatF32 = 0,  // float
  kReformatF16 = 1,  // IEEE half
  kReformatU8 = 2,   // any 1-byte type, copied
  kReformatU32 = 3,  // any 4-byte type other than fp32, copied
  kReformatU64 = 4,  // any 8-byte type, copied
  kReformatU16 = 5,  // any 2-byte type other than fp16, copied
};

// Converts `n` = N*C*H*W elements of logical dims [N, C, H, W] from
// `in_type` in layout `in_nhwc` to `out_type` in layout `out_nhwc`.
// fp32 -> fp16 rounds to nearest even; equal types copy bits. Tensors of
// another rank pass N = volume, C = H = W = 1 with both layouts linear.
cudaError_t Reformat(int in_type, bool in_nhwc, int out_type, bool out_nhwc, int64_t n_dim,
                     int64_t c_dim, int64_t h_dim, int64_t w_dim, const void* in, void* out,
                     cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_REFORMAT_H_
