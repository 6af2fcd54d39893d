#!/usr/bin/env python3
"""PyTorch peers of the end-to-end benchmark (bench/e2e/e2e_bench): the very
networks and inputs that bench/e2e/export_models.py exported (its state dicts
and .npy inputs; without them the same seeds rebuild the same networks), on the
same GPU, timed the same way as kiln: data already on the GPU, CUDA events
around one forward, synchronized after each, median after warm-up.

Modes, per model x precision x batch:
  eager    fp32 NCHW (TF32 off, or on for tf32); fp16 NCHW and channels_last
  graph    one CUDA-graph replay of the same (both layouts for fp16)
  compile  torch.compile(mode=--compile_mode, dynamic=False), fp16
           channels_last by default (--compile_precisions); slow to compile,
           so it runs last and stops starting new compiles once --budget_s is
           spent
fp16 peers take fp16 inputs (model.half()); kiln's fp16 plans keep fp32
inputs and outputs. Each eager line also gives PyTorch's own rel-L2 against
the fp32 reference, a yardstick for kiln's.

One JSON line per measurement on stdout and appended to --out:
  {"kind": "peer", "model", "precision", "batch", "mode", "layout",
   "median_ms", "images_per_s", ...}
plus "env", "compile_time", "skipped" and "error" lines.

    python3 bench/peers/torch_e2e.py --models_dir /tmp/kiln-e2e/models --out peers.jsonl
"""
import argparse
import copy
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
# In the repository bench/peers -> bench/e2e; in a GPU bundle data/peers -> data/e2e.
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import export_models  # noqa: E402


class Emitter:
    def __init__(self, path):
        self.path = path

    def __call__(self, **kv):
        line = json.dumps(kv)
        print(line, flush=True)
        if self.path:
            with open(self.path, "a") as f:
                f.write(line + "\n")


def set_tf32(on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def timed_ms(fn, iters, warmup):
    """Median ms of `fn`, CUDA events around each call, synchronized after each."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for _ in range(iters):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return float(np.median(times))


def load_model(name, models_dir, seed):
    """The exported network: its saved state dict, else rebuilt from the seed."""
    path = os.path.join(models_dir, f"{name}.pt") if models_dir else ""
    if path and os.path.exists(path):
        model = export_models.construct(name)
        model.load_state_dict(torch.load(path, map_location="cpu"))
        return model.cuda().eval(), "state dict " + path
    return export_models.build_model(name, seed, "cuda").eval(), f"rebuilt from seed {seed}"


def load_input(name, batch, models_dir, seed):
    path = os.path.join(models_dir, f"{name}.b{batch}.input.npy") if models_dir else ""
    if path and os.path.exists(path):
        return torch.from_numpy(np.load(path))
    return export_models.make_input(name, batch, seed)


def load_reference(name, batch, models_dir):
    path = os.path.join(models_dir, f"{name}.b{batch}.ref.npy") if models_dir else ""
    return np.load(path) if path and os.path.exists(path) else None


def variant(model, x, precision, layout):
    """A copy of (model, input) in the precision and memory layout asked for;
    `model` itself stays fp32 NCHW (Module.to converts in place)."""
    dtype = torch.float16 if precision == "fp16" else torch.float32
    m, x = copy.deepcopy(model).to(dtype), x.to(dtype)
    if layout == "channels_last":
        m, x = m.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    return m, x


def capture_graph(m, x):
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(3):
            m(x)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        m(x)
    return graph.replay


def layouts_for(precision):
    return ["nchw", "channels_last"] if precision == "fp16" else ["nchw"]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models_dir", default="", help="export_models.py's output folder")
    parser.add_argument("--models", default=",".join(export_models.MODELS))
    parser.add_argument("--precisions", default="fp32,fp16")
    parser.add_argument("--batches", default="1,128")
    parser.add_argument("--modes", default="eager,graph,compile")
    parser.add_argument("--compile_precisions", default="fp16")
    parser.add_argument("--compile_mode", default="default",
                        help="torch.compile mode: default, max-autotune-no-cudagraphs, ...")
    parser.add_argument("--budget_s", type=float, default=0,
                        help="no new torch.compile starts after this many seconds (0 = no limit)")
    parser.add_argument("--iters", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=export_models.DEFAULT_SEED)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    emit = Emitter(args.out)
    models = [m for m in args.models.split(",") if m]
    precisions = [p for p in args.precisions.split(",") if p]
    batches = [int(b) for b in args.batches.split(",") if b]
    modes = set(m for m in args.modes.split(",") if m)
    began = time.time()
    torch.backends.cudnn.benchmark = True
    emit(kind="env", torch=torch.__version__, cudnn=torch.backends.cudnn.version(),
         gpu=torch.cuda.get_device_name(), iters=args.iters, warmup=args.warmup,
         compile_mode=args.compile_mode)

    def measure(name, precision, batch, mode, layout, fn, **extra):
        ms = timed_ms(fn, args.iters, args.warmup)
        emit(kind="peer", model=name, precision=precision, batch=batch, mode=mode, layout=layout,
             median_ms=round(ms, 4), images_per_s=round(batch * 1e3 / ms, 1), **extra)

    compile_jobs = []
    for name in models:
        base, source = load_model(name, args.models_dir, args.seed)
        emit(kind="model", model=name, weights=source)
        for precision in precisions:
            set_tf32(precision == "tf32")
            for batch in batches:
                ref = load_reference(name, batch, args.models_dir)
                x_host = load_input(name, batch, args.models_dir, args.seed)
                for layout in layouts_for(precision):
                    try:
                        m, x = variant(base, x_host.cuda(), precision, layout)
                        with torch.inference_mode():
                            extra = {}
                            if ref is not None:
                                extra["rel_l2"] = export_models.rel_l2(m(x).float().cpu().numpy(), ref)
                            if "eager" in modes:
                                measure(name, precision, batch, "eager", layout, lambda: m(x), **extra)
                            if "graph" in modes:
                                measure(name, precision, batch, "graph", layout, capture_graph(m, x))
                    except Exception as ex:  # a peer that cannot run is reported, not fatal
                        emit(kind="error", model=name, precision=precision, batch=batch,
                             layout=layout, err=str(ex)[:300])
                    m = x = None
                    torch.cuda.empty_cache()
                if "compile" in modes and precision in args.compile_precisions.split(","):
                    compile_jobs.append((name, precision, batch))
        del base
        torch.cuda.empty_cache()
    set_tf32(False)

    # torch.compile last: minutes per model, so it is what the budget cuts.
    longest = 0.0
    for name, precision, batch in compile_jobs:
        spent = time.time() - began
        if args.budget_s and spent + max(longest, 30.0) > args.budget_s:
            emit(kind="skipped", model=name, precision=precision, batch=batch, mode="compile",
                 why=f"time budget: {spent:.0f} of {args.budget_s:.0f} s spent")
            continue
        try:
            set_tf32(precision == "tf32")
            torch._dynamo.reset()
            base, _ = load_model(name, args.models_dir, args.seed)
            m, x = variant(base, load_input(name, batch, args.models_dir, args.seed).cuda(),
                           precision, "channels_last")
            with torch.inference_mode():
                t0 = time.time()
                cm = torch.compile(m, mode=args.compile_mode, dynamic=False)
                cm(x)
                cm(x)
                torch.cuda.synchronize()
                seconds = time.time() - t0
                longest = max(longest, seconds)
                emit(kind="compile_time", model=name, precision=precision, batch=batch,
                     compile_mode=args.compile_mode, seconds=round(seconds, 1))
                measure(name, precision, batch, "compile", "channels_last", lambda: cm(x),
                        compile_mode=args.compile_mode)
            del base, m, cm
        except Exception as ex:
            emit(kind="error", model=name, precision=precision, batch=batch, mode="compile",
                 err=str(ex)[:300])
        torch.cuda.empty_cache()
    emit(kind="done", seconds=round(time.time() - began, 1))


if __name__ == "__main__":
    main()
