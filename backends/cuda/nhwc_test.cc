// NHWC paths of the element-wise family's cuda tactics, checked against
// their NCHW paths on the same data transposed by hand on the host (the
// conformance harness cannot feed NHWC tensors yet): pooling through its
// kernel launchers, element_wise through its tactic (the dims permutation
// lives there). Max pooling and element_wise must match bit for bit, average
// pooling within 1e-6. Supports' refusals (these tactics', the small-channel
// convolution's and the chunked attention's) are checked without a device;
// the rest needs a GPU and skips with the reason elsewhere.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/cuda/backend.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/tactic.h"
#include "backends/tactic_registry.h"
#include "graph/types.h"
#include "gtest/gtest.h"
#include "ops/attention.h"
#include "ops/convolution.h"
#include "ops/element_wise.h"
#include "ops/pooling.h"

namespace kiln {
namespace cuda {
namespace {

struct Nchw {
  int64_t n, c, h, w;
  int64_t volume() const { return n * c * h * w; }
};

// x[n][c][y][x] -> x[n][y][x][c].
template <typename T>
std::vector<T> ToNhwc(const std::vector<T>& x, Nchw d) {
  std::vector<T> out(x.size());
  for (int64_t n = 0; n < d.n; ++n) {
    for (int64_t c = 0; c < d.c; ++c) {
      for (int64_t y = 0; y < d.h; ++y) {
        for (int64_t w = 0; w < d.w; ++w) {
          out[((n * d.h + y) * d.w + w) * d.c + c] = x[((n * d.c + c) * d.h + y) * d.w + w];
        }
      }
    }
  }
  return out;
}

// Random values in [-1, 1), exactly representable in fp16 when `half`.
std::vector<float> RandomValues(int64_t count, bool half, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = half ? HalfToFloat(FloatToHalf(dist(rng))) : dist(rng);
  return v;
}

// Device buffer holding fp32 or fp16 elements.
class DeviceTensor {
 public:
  DeviceTensor(const std::vector<float>& values, bool half)
      : count_(static_cast<int64_t>(values.size())), half_(half) {
    EXPECT_EQ(cudaMalloc(&ptr_, bytes()), cudaSuccess);
    std::vector<uint8_t> host(bytes());
    for (int64_t i = 0; i < count_; ++i) {
      if (half_) {
        const uint16_t h = FloatToHalf(values[i]);
        std::memcpy(host.data() + 2 * i, &h, 2);
      } else {
        std::memcpy(host.data() + 4 * i, &values[i], 4);
      }
    }
    EXPECT_EQ(cudaMemcpy(ptr_, host.data(), bytes(), cudaMemcpyHostToDevice), cudaSuccess);
  }
  DeviceTensor(int64_t count, bool half)
      : DeviceTensor(std::vector<float>(count, std::nanf("")), half) {}
  ~DeviceTensor() { cudaFree(ptr_); }
  DeviceTensor(const DeviceTensor&) = delete;
  DeviceTensor& operator=(const DeviceTensor&) = delete;

  void* get() const { return ptr_; }
  size_t bytes() const { return static_cast<size_t>(count_) * (half_ ? 2 : 4); }
  // The elements' bit patterns, widened to 32 bits (fp16 stays fp16 bits).
  std::vector<uint32_t> Bits() const {
    std::vector<uint8_t> host(bytes());
    EXPECT_EQ(cudaMemcpy(host.data(), ptr_, bytes(), cudaMemcpyDeviceToHost), cudaSuccess);
    std::vector<uint32_t> bits(count_);
    for (int64_t i = 0; i < count_; ++i) {
      if (half_) {
        uint16_t h;
        std::memcpy(&h, host.data() + 2 * i, 2);
        bits[i] = h;
      } else {
        std::memcpy(&bits[i], host.data() + 4 * i, 4);
      }
    }
    return bits;
  }
  std::vector<float> Values() const {
    std::vector<float> v;
    for (uint32_t b : Bits()) {
      float f;
      if (half_) {
        f = HalfToFloat(static_cast<uint16_t>(b));
      } else {
        std::memcpy(&f, &b, 4);
      }
      v.push_back(f);
    }
    return v;
  }

 private:
  void* ptr_ = nullptr;
  int64_t count_;
  bool half_;
};

class NhwcTest : public ::testing::TestWithParam<bool> {  // param: fp16
 protected:
  void SetUp() override {
    if (absl::Status s = DeviceAvailable(); !s.ok()) {
      GTEST_SKIP() << "needs a CUDA device: " << s;
    }
  }
  bool half() const { return GetParam(); }
};

struct PoolCase {
  Nchw in;
  int64_t kernel_h, kernel_w, stride_h, stride_w;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  bool ceil_mode;
};

kernels::PoolShape ShapeOf(const PoolCase& p, bool is_max, bool count_include_pad) {
  auto out = [&](int64_t in, int64_t k, int64_t s, int64_t pads) {
    const int64_t span = in + pads - k;
    return (p.ceil_mode ? (span + s - 1) / s : span / s) + 1;
  };
  kernels::PoolShape s;
  s.planes = p.in.n * p.in.c;
  s.channels = p.in.c;
  s.height = p.in.h;
  s.width = p.in.w;
  s.out_h = out(p.in.h, p.kernel_h, p.stride_h, p.pad_top + p.pad_bottom);
  s.out_w = out(p.in.w, p.kernel_w, p.stride_w, p.pad_left + p.pad_right);
  s.kernel_h = p.kernel_h;
  s.kernel_w = p.kernel_w;
  s.stride_h = p.stride_h;
  s.stride_w = p.stride_w;
  s.pad_top = p.pad_top;
  s.pad_left = p.pad_left;
  s.pad_bottom = p.pad_bottom;
  s.pad_right = p.pad_right;
  s.is_max = is_max;
  s.count_include_pad = count_include_pad;
  return s;
}

cudaError_t LaunchPooling(bool nhwc, bool half, const kernels::PoolShape& s, const void* in,
                          void* out) {
  if (half) {
    const auto* x = static_cast<const __half*>(in);
    auto* y = static_cast<__half*>(out);
    return nhwc ? kernels::PoolingNhwc<__half>(s, x, y, nullptr)
                : kernels::Pooling<__half>(s, x, y, nullptr);
  }
  const auto* x = static_cast<const float*>(in);
  auto* y = static_cast<float*>(out);
  return nhwc ? kernels::PoolingNhwc<float>(s, x, y, nullptr)
              : kernels::Pooling<float>(s, x, y, nullptr);
}

TEST_P(NhwcTest, PoolingNhwcMatchesNchw) {
  const PoolCase cases[] = {
      {{2, 5, 7, 6}, 3, 2, 2, 1, 1, 0, 1, 1, false},
      {{1, 3, 5, 5}, 2, 2, 2, 2, 0, 0, 0, 0, true},   // ceil mode: windows past the end
      {{3, 17, 4, 9}, 3, 3, 1, 2, 1, 1, 1, 1, false},
      {{1, 1, 1, 1}, 1, 1, 1, 1, 0, 0, 0, 0, false},
      {{2, 8, 6, 5}, 2, 3, 3, 2, 1, 2, 1, 2, true},
  };
  std::mt19937 rng(20240611);
  for (const PoolCase& p : cases) {
    std::vector<float> x = RandomValues(p.in.volume(), half(), rng);
    x[rng() % x.size()] = std::nanf("");  // max pooling must carry it
    const DeviceTensor nchw_in(x, half());
    const DeviceTensor nhwc_in(ToNhwc(x, p.in), half());
    for (int mode = 0; mode < 3; ++mode) {
      const bool is_max = mode == 0;
      const kernels::PoolShape s = ShapeOf(p, is_max, /*count_include_pad=*/mode == 2);
      const Nchw out_dims{p.in.n, p.in.c, s.out_h, s.out_w};
      SCOPED_TRACE(::testing::Message()
                   << "input " << p.in.n << "x" << p.in.c << "x" << p.in.h << "x" << p.in.w
                   << " output " << s.out_h << "x" << s.out_w << " mode " << mode
                   << (half() ? " fp16" : " fp32"));
      DeviceTensor nchw_out(out_dims.volume(), half());
      DeviceTensor nhwc_out(out_dims.volume(), half());
      ASSERT_EQ(LaunchPooling(false, half(), s, nchw_in.get(), nchw_out.get()), cudaSuccess);
      ASSERT_EQ(LaunchPooling(true, half(), s, nhwc_in.get(), nhwc_out.get()), cudaSuccess);
      ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
      if (is_max) {
        // Compare bit patterns, in NHWC order.
        const std::vector<uint32_t> want = ToNhwc(nchw_out.Bits(), out_dims);
        const std::vector<uint32_t> got = nhwc_out.Bits();
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_EQ(got[i], want[i]) << "element " << i;
        }
      } else {
        const std::vector<float> want = ToNhwc(nchw_out.Values(), out_dims);
        const std::vector<float> got = nhwc_out.Values();
        for (size_t i = 0; i < got.size(); ++i) {
          if (std::isnan(want[i])) {
            EXPECT_TRUE(std::isnan(got[i])) << "element " << i;
          } else {
            ASSERT_NEAR(got[i], want[i], 1e-6) << "element " << i;
          }
        }
      }
    }
  }
}

// The node of `op` over a (N,C,H,W) and b, every tensor in `format`.
NodeContext ElementWiseNode(ElementWiseOp op, const Dims& a, const Dims& b, DataType dtype,
                            TensorFormat format) {
  NodeContext node;
  node.name = "ew";
  node.op = kElementWiseOp;
  node.attrs = ElementWiseParams{op}.ToAttrs();
  node.inputs = {TensorDesc{"a", dtype, a, format}, TensorDesc{"b", dtype, b, format}};
  node.outputs = {TensorDesc{"y", dtype, a, format}};
  node.constants = {nullptr, nullptr};
  return node;
}

const Tactic& ElementWiseTacticFor(bool half) {
  const Tactic* t = TacticRegistry::Global().Find(half ? "cuda.element_wise.kernel.fp16"
                                                       : "cuda.element_wise.kernel.fp32");
  EXPECT_NE(t, nullptr);
  return *t;
}

TEST_P(NhwcTest, ElementWiseNhwcMatchesNchw) {
  const DataType dtype = half() ? DataType::kFloat16 : DataType::kFloat32;
  const Tactic& tactic = ElementWiseTacticFor(half());
  absl::StatusOr<std::unique_ptr<CudaResources>> resources = CudaResources::Create();
  ASSERT_TRUE(resources.ok()) << resources.status();
  const Nchw a_dims{2, 5, 3, 7};
  struct Case {
    ElementWiseOp op;
    Nchw b;
  };
  const Case cases[] = {
      {ElementWiseOp::kSum, {1, 5, 1, 1}},  // per-channel bias
      {ElementWiseOp::kProd, {2, 1, 3, 7}},  // per-pixel mask
      {ElementWiseOp::kMax, {2, 5, 3, 7}},
      {ElementWiseOp::kSub, {1, 5, 3, 1}},
  };
  std::mt19937 rng(7);
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "op " << static_cast<int>(c.op) << " b " << c.b.n
                                      << "x" << c.b.c << "x" << c.b.h << "x" << c.b.w);
    const std::vector<float> a = RandomValues(a_dims.volume(), half(), rng);
    const std::vector<float> b = RandomValues(c.b.volume(), half(), rng);
    std::vector<uint32_t> results[2];
    for (int nhwc = 0; nhwc < 2; ++nhwc) {
      const TensorFormat format = nhwc ? TensorFormat::kNHWC : TensorFormat::kLinear;
      const NodeContext node =
          ElementWiseNode(c.op, {a_dims.n, a_dims.c, a_dims.h, a_dims.w},
                          {c.b.n, c.b.c, c.b.h, c.b.w}, dtype, format);
      ASSERT_TRUE(tactic.Supports(node).ok()) << tactic.Supports(node);
      absl::StatusOr<std::unique_ptr<Kernel>> kernel = tactic.CreateKernel(node, {});
      ASSERT_TRUE(kernel.ok()) << kernel.status();
      const DeviceTensor a_dev(nhwc ? ToNhwc(a, a_dims) : a, half());
      const DeviceTensor b_dev(nhwc ? ToNhwc(b, c.b) : b, half());
      DeviceTensor y_dev(a_dims.volume(), half());
      const void* inputs[] = {a_dev.get(), b_dev.get()};
      void* outputs[] = {y_dev.get()};
      KernelArgs args;
      args.input_descs = node.inputs;
      args.output_descs = node.outputs;
      args.inputs = inputs;
      args.outputs = outputs;
      args.resources = resources->get();
      ASSERT_TRUE((*kernel)->Run(args).ok());
      ASSERT_EQ(cudaStreamSynchronize((*resources)->stream()), cudaSuccess);
      results[nhwc] = y_dev.Bits();
    }
    // Bring the NCHW result to NHWC order and compare bit patterns.
    const std::vector<uint32_t> want = ToNhwc(results[0], a_dims);
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(results[1][i], want[i]) << "element " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Precisions, NhwcTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "Fp16" : "Fp32");
                         });

// Supports needs no device: formats the tactics must refuse.
TEST(NhwcSupportsTest, ElementWiseNeedsEveryTensor4dNhwc) {
  const Tactic& tactic = ElementWiseTacticFor(false);
  EXPECT_TRUE(tactic.Supports(ElementWiseNode(ElementWiseOp::kSum, {2, 3, 4, 5}, {1, 3, 1, 1},
                                              DataType::kFloat32, TensorFormat::kNHWC))
                  .ok());
  NodeContext mixed = ElementWiseNode(ElementWiseOp::kSum, {2, 3, 4, 5}, {2, 3, 4, 5},
                                      DataType::kFloat32, TensorFormat::kNHWC);
  mixed.inputs[1].format = TensorFormat::kLinear;
  EXPECT_TRUE(absl::IsUnimplemented(tactic.Supports(mixed)));
  NodeContext rank3 = ElementWiseNode(ElementWiseOp::kSum, {2, 3, 4, 5}, {3, 4, 5},
                                      DataType::kFloat32, TensorFormat::kNHWC);
  EXPECT_TRUE(absl::IsUnimplemented(tactic.Supports(rank3)));
  EXPECT_TRUE(absl::IsUnimplemented(
      ElementWiseTacticFor(true).Supports(ElementWiseNode(
          ElementWiseOp::kSum, {2, 3, 4, 5}, {2, 3, 4, 5}, DataType::kFloat32,
          TensorFormat::kLinear))));
}

TEST(NhwcSupportsTest, PoolingTacticsReadTheirOwnLayout) {
  PoolingParams params;
  params.kernel = {2, 2};
  params.strides = {2, 2};
  NodeContext node;
  node.name = "pool";
  node.op = kPoolingOp;
  node.attrs = params.ToAttrs();
  node.inputs = {TensorDesc{"x", DataType::kFloat16, {1, 3, 4, 4}, TensorFormat::kNHWC}};
  node.outputs = {TensorDesc{"y", DataType::kFloat16, {1, 3, 2, 2}, TensorFormat::kNHWC}};
  node.constants = {nullptr};
  const Tactic* nhwc = TacticRegistry::Global().Find("cuda.pooling.kernel.nhwc.fp16");
  const Tactic* nchw = TacticRegistry::Global().Find("cuda.pooling.kernel.nchw.fp16");
  ASSERT_NE(nhwc, nullptr);
  ASSERT_NE(nchw, nullptr);
  EXPECT_TRUE(nhwc->Supports(node).ok()) << nhwc->Supports(node);
  EXPECT_TRUE(absl::IsUnimplemented(nchw->Supports(node)));
  node.inputs[0].format = node.outputs[0].format = TensorFormat::kLinear;
  EXPECT_TRUE(nchw->Supports(node).ok()) << nchw->Supports(node);
  EXPECT_TRUE(absl::IsUnimplemented(nhwc->Supports(node)));
}

// A 2-D convolution node in NHWC `dtype`: x [2, C, 32, 32], K filters of
// 3x3 (or `kernel`) at stride 2, pad 1, with a bias.
NodeContext ConvNode(int64_t channels, int64_t filters, int64_t group, DataType dtype,
                     int64_t kernel = 3) {
  ConvolutionParams params;
  params.strides = {2, 2};
  params.pads = {1, 1, 1, 1};
  params.group = group;
  const int64_t out = (32 + 2 - kernel) / 2 + 1;
  NodeContext node;
  node.name = "stem";
  node.op = kConvolutionOp;
  node.attrs = params.ToAttrs();
  node.inputs = {
      TensorDesc{"x", dtype, {2, channels, 32, 32}, TensorFormat::kNHWC},
      TensorDesc{"w", dtype, {filters, channels / group, kernel, kernel}, TensorFormat::kNHWC},
      TensorDesc{"b", dtype, {filters}, TensorFormat::kLinear}};
  node.outputs = {TensorDesc{"y", dtype, {2, filters, out, out}, TensorFormat::kNHWC}};
  node.constants = {nullptr, nullptr, nullptr};
  return node;
}

// The small-channel convolution takes an RGB stem and says why it refuses
// anything else.
TEST(NhwcSupportsTest, SmallChannelConvolutionTakesFewChannelInputs) {
  const Tactic* fp16 = TacticRegistry::Global().Find("cuda.convolution.small_channel.nhwc.fp16");
  const Tactic* fp32 = TacticRegistry::Global().Find("cuda.convolution.small_channel.nhwc.fp32");
  ASSERT_NE(fp16, nullptr);
  ASSERT_NE(fp32, nullptr);
  EXPECT_TRUE(fp16->Supports(ConvNode(3, 32, 1, DataType::kFloat16)).ok())
      << fp16->Supports(ConvNode(3, 32, 1, DataType::kFloat16));
  EXPECT_TRUE(fp32->Supports(ConvNode(4, 8, 1, DataType::kFloat32)).ok());
  EXPECT_TRUE(absl::IsUnimplemented(fp32->Supports(ConvNode(3, 32, 1, DataType::kFloat16))));
  auto refusal = [&](const NodeContext& node) {
    return std::string(fp16->Supports(node).message());
  };
  EXPECT_NE(refusal(ConvNode(8, 32, 1, DataType::kFloat16)).find("more than 4 input channels"),
            std::string::npos);
  EXPECT_NE(refusal(ConvNode(3, 12, 1, DataType::kFloat16)).find("not a multiple of 8"),
            std::string::npos);
  EXPECT_NE(refusal(ConvNode(3, 24, 3, DataType::kFloat16)).find("group 3"), std::string::npos);
  // 7x7x4 filters, 64 of them: 50 KiB in fp32.
  EXPECT_NE(refusal(ConvNode(4, 64, 1, DataType::kFloat16, 7)).find("48 KiB"), std::string::npos);
  NodeContext linear = ConvNode(3, 32, 1, DataType::kFloat16);
  for (TensorDesc& t : linear.inputs) t.format = TensorFormat::kLinear;
  linear.outputs[0].format = TensorFormat::kLinear;
  EXPECT_TRUE(absl::IsUnimplemented(fp16->Supports(linear)));
}

// The chunked attention kernel stages a head of up to 256 elements per row;
// the row kernel takes any width.
TEST(NhwcSupportsTest, ChunkedAttentionTakesHeadsUpTo256) {
  const Tactic* chunked = TacticRegistry::Global().Find("cuda.attention.chunked.fp32");
  const Tactic* rows = TacticRegistry::Global().Find("cuda.attention.kernel.fp32");
  ASSERT_NE(chunked, nullptr);
  ASSERT_NE(rows, nullptr);
  auto node = [](int64_t d) {
    NodeContext n;
    n.name = "attention";
    n.op = kAttentionOp;
    n.attrs = AttentionParams{}.ToAttrs();
    const Dims dims = {1, 2, 16, d};
    n.inputs = {TensorDesc{"q", DataType::kFloat32, dims, TensorFormat::kLinear},
                TensorDesc{"k", DataType::kFloat32, dims, TensorFormat::kLinear},
                TensorDesc{"v", DataType::kFloat32, dims, TensorFormat::kLinear}};
    n.outputs = {TensorDesc{"y", DataType::kFloat32, dims, TensorFormat::kLinear}};
    n.constants = {nullptr, nullptr, nullptr};
    return n;
  };
  EXPECT_TRUE(chunked->Supports(node(256)).ok()) << chunked->Supports(node(256));
  const absl::Status wide = chunked->Supports(node(257));
  EXPECT_TRUE(absl::IsUnimplemented(wide));
  EXPECT_NE(std::string(wide.message()).find("head size 257"), std::string::npos) << wide;
  EXPECT_TRUE(rows->Supports(node(257)).ok()) << rows->Supports(node(257));
}

}  // namespace
}  // namespace cuda
}  // namespace kiln
