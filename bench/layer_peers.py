"""PyTorch peers of bench/tactic_bench's cases: the same convolution and
FullyConnected shapes, fp32 strict (TF32 off), timed with CUDA events (median
of 50 after 10 warm-ups). Prints one line per case: name, ms, TFLOP/s.
Usage on the GPU machine: python3 bench/layer_peers.py"""
import torch
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
dev = "cuda"

# name: (cin, cout, k, stride, pad, hw), as in tactic_bench_lib.cc
CONVS = {
    "resnet_conv1": (3, 64, 7, 2, 3, 224),
    "resnet_l1_conv3x3": (64, 64, 3, 1, 1, 56),
    "resnet_l1_conv1x1_expand": (64, 256, 1, 1, 0, 56),
    "resnet_l2_downsample": (256, 512, 1, 2, 0, 56),
    "resnet_l2_conv3x3": (128, 128, 3, 1, 1, 28),
    "resnet_l4_conv3x3_s2": (512, 512, 3, 2, 1, 14),
    "resnet_l4_conv3x3": (512, 512, 3, 1, 1, 7),
}
FCS = {"resnet_fc": (2048, 1000), "bert_ffn_up": (768, 3072)}


def timed(fn, iters=50, warm=10):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(iters):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); torch.cuda.synchronize()
        ts.append(s.elapsed_time(e))
    ts.sort()
    return ts[len(ts) // 2]


print("peer", torch.__version__, "cudnn", torch.backends.cudnn.version(), torch.cuda.get_device_name())
with torch.inference_mode():
    for name, (cin, cout, k, s, p, hw) in CONVS.items():
        x = torch.randn(1, cin, hw, hw, device=dev)
        w = torch.randn(cout, cin, k, k, device=dev)
        b = torch.randn(cout, device=dev)
        ms = timed(lambda: F.conv2d(x, w, b, s, p))
        out = (hw + 2 * p - k) // s + 1
        flop = 2 * cout * out * out * cin * k * k
        print(f"peer {name}_b1 {ms:.4f} ms {flop / ms / 1e9:.2f} TFLOP/s")
    for name, (kin, kout) in FCS.items():
        for bsz in (1, 16):
            x = torch.randn(bsz, kin, device=dev)
            w = torch.randn(kout, kin, device=dev)
            b = torch.randn(kout, device=dev)
            ms = timed(lambda: F.linear(x, w, b))
            print(f"peer {name}_b{bsz} {ms:.4f} ms {2 * bsz * kin * kout / ms / 1e9:.3f} TFLOP/s")
