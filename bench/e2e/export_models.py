#!/usr/bin/env python3
"""Export the end-to-end benchmark's networks to ONNX, with inputs and PyTorch's
fp32 logits, for bench/e2e/e2e_bench (bench/e2e/run_e2e.sh runs both on the
GPU machine; torch, torchvision and onnx must be installed, nothing is
downloaded).

For each of torchvision's resnet50, googlenet (aux_logits=False,
init_weights=True) and mobilenet_v2, with seeded random weights:

  1. BatchNorm statistics are set from a few random batches (train mode,
     momentum=None: a cumulative average, no gradients), then eval(). With
     their initial statistics (mean 0, variance 1) the activations shrink
     layer after layer (GoogLeNet's logits keep about 1e-12 of the input), so
     the output would not depend on the input and any accuracy check would be
     vacuous. The script prints how much the logits vary with the input
     ("input signal": ||logits - batch mean|| / ||logits||) and warns when that
     is small.
  2. ONNX export: opset 17, dynamic batch on the input and the output,
     do_constant_folding=True, the TorchScript exporter (dynamo=False).
  3. For each batch: a seeded random input, (N, 3, 224, 224) fp32, and the
     PyTorch fp32 logits for it, computed on the GPU with TF32 off.

Files in OUT_DIR (the names e2e_bench reads):
  <model>.onnx  <model>.b<N>.input.npy  <model>.b<N>.ref.npy
  <model>.pt (the state dict, for bench/peers/torch_e2e.py)  manifest.json

    python3 bench/e2e/export_models.py OUT_DIR [--models resnet50,googlenet]
        [--batches 1,128] [--seed 20261207]
"""
import argparse
import copy
import inspect
import json
import os
import sys
import time
import zlib

import numpy as np
import torch
import torchvision

MODELS = ("resnet50", "googlenet", "mobilenet_v2")
DEFAULT_SEED = 20261207
INPUT_NAME = "input"
OUTPUT_NAME = "logits"


def construct(name):
    """The torchvision network, freshly initialized from the current torch seed."""
    if name == "resnet50":
        return torchvision.models.resnet50(weights=None)
    if name == "googlenet":
        return torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True)
    if name == "mobilenet_v2":
        return torchvision.models.mobilenet_v2(weights=None)
    raise SystemExit(f"unknown model {name!r}; the models are {', '.join(MODELS)}")


def model_seed(name, seed):
    """One seed per model, independent of which other models are exported."""
    return (seed + zlib.crc32(name.encode())) % (2**31)


def strict_fp32():
    """PyTorch's fp32 as the reference: no TF32, deterministic cuDNN."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True


def calibrate_batchnorm(model, device, seed, batches=4, batch_size=32):
    """Sets every BatchNorm's running statistics to the cumulative average over
    `batches` random batches, so each one normalizes what it actually sees."""
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None
    generator = torch.Generator().manual_seed(seed)
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(batch_size, 3, 224, 224, generator=generator).to(device))
    model.eval()


def build_model(name, seed=DEFAULT_SEED, device="cuda"):
    """The benchmark's network `name`: seeded weights, calibrated BatchNorm,
    eval mode, fp32, on `device`. bench/peers/torch_e2e.py uses the same."""
    torch.manual_seed(model_seed(name, seed))
    model = construct(name).to(device)
    calibrate_batchnorm(model, device, seed=model_seed(name, seed) + 1)
    return model


def make_input(name, batch, seed=DEFAULT_SEED):
    """The seeded input of `name` at `batch`, (batch, 3, 224, 224) fp32, on the CPU."""
    generator = torch.Generator().manual_seed(model_seed(name, seed) + 1000 + batch)
    return torch.randn(batch, 3, 224, 224, generator=generator)


def rel_l2(out, ref):
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    return float(np.linalg.norm(out - ref) / np.linalg.norm(ref))


def input_signal(logits):
    """||logits - their mean over the batch|| / ||logits||: near 0 when the
    output hardly depends on the input."""
    logits = np.asarray(logits, dtype=np.float64)
    return float(np.linalg.norm(logits - logits.mean(0, keepdims=True)) / np.linalg.norm(logits))


def export_onnx(model, path, opset):
    """torch.onnx.export with the batch dim dynamic; the TorchScript exporter
    where this torch has the choice (torch >= 2.9 defaults to dynamo)."""
    kwargs = dict(opset_version=opset, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                  dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                  do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    torch.onnx.export(model, (torch.zeros(1, 3, 224, 224),), path, **kwargs)
    return kwargs.get("dynamo", "n/a")


def describe_onnx(path, opset):
    """Checks the file is what e2e_bench expects; returns its op histogram."""
    import onnx
    model = onnx.load(path)
    onnx.checker.check_model(model)
    opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    if opsets.get("ai.onnx") != opset:
        raise SystemExit(f"{path}: opset {opsets} is not {opset}")
    for value in list(model.graph.input) + list(model.graph.output):
        dim0 = value.type.tensor_type.shape.dim[0]
        if not dim0.dim_param:
            raise SystemExit(f"{path}: {value.name}'s batch dim is fixed ({dim0.dim_value}), not dynamic")
    ops = {}
    for node in model.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return dict(sorted(ops.items(), key=lambda kv: -kv[1]))


def onnxruntime_rel_l2(path, x, ref):
    """rel-L2 of onnxruntime (CPU) on the exported file against PyTorch: tells an
    export problem from a kiln one. None when onnxruntime is not installed."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return rel_l2(session.run(None, {INPUT_NAME: x})[0], ref)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--batches", default="1,128")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--no-ort", action="store_true",
                        help="skip the onnxruntime check of the exported files")
    args = parser.parse_args()
    models = [m for m in args.models.split(",") if m]
    batches = [int(b) for b in args.batches.split(",") if b]
    if not torch.cuda.is_available():
        raise SystemExit("export_models.py: no CUDA device; the reference logits are computed on the GPU")
    device = "cuda"
    strict_fp32()
    os.makedirs(args.out_dir, exist_ok=True)
    manifest = {"seed": args.seed, "opset": args.opset, "torch": torch.__version__,
                "torchvision": torchvision.__version__, "gpu": torch.cuda.get_device_name(),
                "tf32": False, "models": {}}
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"{torch.cuda.get_device_name()}; seed {args.seed}", flush=True)
    weak = []
    for name in models:
        start = time.time()
        model = build_model(name, args.seed, device)
        entry = {"params": sum(p.numel() for p in model.parameters()), "batches": {}}

        path = os.path.join(args.out_dir, f"{name}.onnx")
        entry["dynamo"] = export_onnx(copy.deepcopy(model).cpu(), path, args.opset)
        entry["onnx_ops"] = describe_onnx(path, args.opset)
        print(f"wrote {path} ({os.path.getsize(path) / 2**20:.1f} MiB, opset {args.opset}, "
              f"dynamic batch; ops {entry['onnx_ops']})", flush=True)
        torch.save(model.state_dict(), os.path.join(args.out_dir, f"{name}.pt"))

        with torch.no_grad():
            probe = model(make_input(name, 8, args.seed).to(device)).float().cpu().numpy()
        entry["input_signal"] = input_signal(probe)
        entry["logits_rms"] = float(np.sqrt(np.mean(probe.astype(np.float64) ** 2)))
        if entry["input_signal"] < 1e-3:
            weak.append(name)
        for batch in batches:
            x = make_input(name, batch, args.seed)
            with torch.no_grad():
                ref = model(x.to(device)).float().cpu().numpy()
            x = x.numpy()
            base = os.path.join(args.out_dir, f"{name}.b{batch}")
            np.save(base + ".input.npy", x)
            np.save(base + ".ref.npy", ref)
            ort = None if args.no_ort else onnxruntime_rel_l2(path, x, ref)
            if ort is not None:
                # onnxruntime's fp32 error: the yardstick for kiln's fp32 bound.
                with open(base + ".onnxruntime_fp32_rel_l2.txt", "w") as f:
                    f.write(f"{ort:.6g}\n")
            # PyTorch's own fp16 error on these inputs: the yardstick for
            # kiln's fp16 bound (e2e_bench reads the .txt).
            half = copy.deepcopy(model).half()
            with torch.no_grad():
                out16 = half(torch.from_numpy(x).to(device).half()).float().cpu().numpy()
            torch16 = rel_l2(out16, ref)
            del half
            flips16 = int(np.sum(out16.argmax(axis=1) != ref.argmax(axis=1)))
            with open(base + ".torch_fp16_rel_l2.txt", "w") as f:
                f.write(f"{torch16:.6g}\n")
            with open(base + ".torch_fp16_top1_mismatches.txt", "w") as f:
                f.write(f"{flips16}\n")
            # PyTorch's own TF32 error (cuDNN and cuBLAS on TF32 tensor
            # cores): the yardstick for kiln's tf32 bound.
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
            with torch.no_grad():
                out32 = model(torch.from_numpy(x).to(device)).float().cpu().numpy()
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            torch_tf32 = rel_l2(out32, ref)
            with open(base + ".torch_tf32_rel_l2.txt", "w") as f:
                f.write(f"{torch_tf32:.6g}\n")
            entry["batches"][str(batch)] = {"onnxruntime_rel_l2": ort,
                                            "torch_fp16_rel_l2": torch16,
                                            "torch_fp16_top1_mismatches": flips16,
                                            "torch_tf32_rel_l2": torch_tf32}
            print(f"{name} b{batch}: PyTorch fp16 vs fp32 rel-L2 {torch16:.3g}, top-1 differs "
                  f"on {flips16}/{batch} rows", flush=True)
            print(f"wrote {base}.input.npy {tuple(x.shape)} fp32 and {base}.ref.npy "
                  f"{tuple(ref.shape)}: PyTorch fp32 logits"
                  + ("" if ort is None else f"; onnxruntime CPU vs PyTorch rel-L2 {ort:.2e}"),
                  flush=True)
        print(f"{name}: {entry['params'] / 1e6:.1f} M parameters, logits RMS "
              f"{entry['logits_rms']:.3g}, input signal {entry['input_signal']:.3g} "
              f"({time.time() - start:.1f} s)", flush=True)
        manifest["models"][name] = entry
        del model
        torch.cuda.empty_cache()
    with open(os.path.join(args.out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"wrote {os.path.join(args.out_dir, 'manifest.json')}", flush=True)
    if weak:
        print(f"WARNING: the logits of {', '.join(weak)} hardly depend on the input (input "
              "signal < 1e-3): an accuracy check against them proves little", file=sys.stderr)


if __name__ == "__main__":
    main()
