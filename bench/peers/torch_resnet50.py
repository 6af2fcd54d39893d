#!/usr/bin/env python3
"""PyTorch peer for `kiln run` on ResNet-50 (torchvision, random weights, as
kiln's --sample=resnet50): batch --batch at 224x224, timed the way `kiln run`
times an Execute (host wall clock around one call plus a device sync, inputs
already on the GPU, median after warm-up). Modes: fp32 (TF32 off, like
kiln's default strict fp32), tf32, fp16, fp16 channels_last, and fp16
channels_last replayed from a CUDA graph. One JSON line per measurement.

    python3 bench/peers/torch_resnet50.py --batch 32
"""
import argparse
import json
import time

import torch
import torchvision


def timed(fn, iters, warm=10):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--iters", type=int, default=50)
    args = parser.parse_args()
    torch.backends.cudnn.benchmark = True
    print(json.dumps({"kind": "env", "torch": torch.__version__,
                      "cudnn": torch.backends.cudnn.version(),
                      "gpu": torch.cuda.get_device_name()}), flush=True)
    for mode in ("fp32", "tf32", "fp16", "fp16_channels_last", "fp16_channels_last_graph"):
        tf32 = mode == "tf32"
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        dtype = torch.float16 if mode.startswith("fp16") else torch.float32
        model = torchvision.models.resnet50().eval().cuda().to(dtype)
        x = torch.randn(args.batch, 3, 224, 224, device="cuda", dtype=dtype)
        if "channels_last" in mode:
            model = model.to(memory_format=torch.channels_last)
            x = x.to(memory_format=torch.channels_last)
        with torch.inference_mode():
            fn = lambda: model(x)
            if mode.endswith("graph"):
                stream = torch.cuda.Stream()
                stream.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(stream):
                    for _ in range(3):
                        model(x)
                torch.cuda.current_stream().wait_stream(stream)
                graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(graph):
                    model(x)
                fn = graph.replay
            ms = timed(fn, args.iters)
        print(json.dumps({"kind": "peer", "model": "resnet50", "mode": mode, "batch": args.batch,
                          "median_ms": round(ms, 3),
                          "images_per_s": round(args.batch * 1e3 / ms, 1)}), flush=True)
        del model
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
