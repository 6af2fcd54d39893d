#!/usr/bin/env python3
"""Join the end-to-end benchmark's kiln summary (e2e_bench --summary) with the
PyTorch peers (bench/peers/torch_e2e.py --out) into one markdown table:

  network x precision x batch: kiln ms and images/s, PyTorch eager, CUDA
  graph and torch.compile ms, kiln / best peer, kiln's rel-L2 and top-1
  against PyTorch fp32, kiln's build seconds cold / warm, status.

Times are medians of per-run CUDA-event times (both sides synchronize after
each run). A ratio below 1 means kiln is faster than every peer measured.

    python3 bench/e2e/report.py --kiln e2e_summary.jsonl --peers peers.jsonl \
        [--manifest models/manifest.json]
"""
import argparse
import json
import math
import os
import sys

PRECISION_ORDER = {"fp32": 0, "tf32": 1, "fp16": 2}


def read_jsonl(path):
    if not path or not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    print(f"report.py: {path}: skipped a line that is not JSON: {line[:80]}",
                          file=sys.stderr)
    return rows


def fmt(v, spec):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return format(v, spec)


def best_peer(lines):
    """The fastest line (min median_ms), or None."""
    lines = [l for l in lines if l.get("median_ms")]
    return min(lines, key=lambda l: l["median_ms"]) if lines else None


def peer_cell(line):
    if line is None:
        return "—"
    cell = fmt(line["median_ms"], ".3f")
    return cell + (" cl" if line.get("layout") == "channels_last" else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kiln", required=True, help="e2e_bench --summary file")
    parser.add_argument("--peers", default="", help="torch_e2e.py --out file")
    parser.add_argument("--manifest", default="", help="export_models.py's manifest.json")
    args = parser.parse_args()
    kiln = read_jsonl(args.kiln)
    peers = read_jsonl(args.peers)
    manifest = {}
    if args.manifest and os.path.exists(args.manifest):
        with open(args.manifest) as f:
            manifest = json.load(f)

    cases = {}  # (model, precision, batch) -> {"kiln": line, "eager": [...], ...}
    order = []

    def case(model, precision, batch):
        key = (model, precision, int(batch))
        if key not in cases:
            cases[key] = {"kiln": None, "eager": [], "graph": [], "compile": []}
            order.append(key)
        return cases[key]

    for line in kiln:
        case(line["model"], line["precision"], line["batch"])["kiln"] = line
    for line in peers:
        if line.get("kind") == "peer" and line.get("mode") in ("eager", "graph", "compile"):
            case(line["model"], line["precision"], line["batch"])[line["mode"]].append(line)
    models = []
    for model, _, _ in order:
        if model not in models:
            models.append(model)
    order.sort(key=lambda k: (models.index(k[0]), PRECISION_ORDER.get(k[1], 9), k[2]))

    env = [l for l in peers if l.get("kind") == "env"]
    backend = {l.get("backend") for l in kiln} - {None}
    print("## kiln end to end vs PyTorch\n")
    if env:
        e = env[-1]
        print(f"GPU {e.get('gpu')}; PyTorch {e.get('torch')}, cuDNN {e.get('cudnn')}; peers: "
              f"median of {e.get('iters')} runs after {e.get('warmup')} warm-up, torch.compile "
              f"mode '{e.get('compile_mode')}'. kiln backend {', '.join(sorted(backend)) or '?'}.")
    if manifest:
        print(f"Models: torchvision {manifest.get('torchvision')}, seed {manifest.get('seed')}, "
              f"ONNX opset {manifest.get('opset')}; reference logits from PyTorch fp32 "
              f"on {manifest.get('gpu')} with TF32 off.")
    print("Times in ms (median, CUDA events, data on the GPU). 'cl' = channels_last. "
          "ratio = kiln / fastest peer (< 1: kiln faster). torch rel-L2 = PyTorch's own "
          "eager error at that precision against the fp32 reference (a yardstick). top-1 = "
          "kiln's agreement with the fp32 reference; in brackets, PyTorch fp16's own top-1 "
          "flips on the same inputs (fp16 rows may flip as many near ties).\n")
    print("| network | precision | batch | kiln ms | kiln img/s | eager | graph | compile "
          "| kiln / best | rel-L2 | top-1 | torch rel-L2 | build s cold / warm | status |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    failures = []
    for key in order:
        model, precision, batch = key
        c = cases[key]
        k = c["kiln"] or {}
        eager, graph, compiled = (best_peer(c[m]) for m in ("eager", "graph", "compile"))
        best = best_peer([p for p in (eager, graph, compiled) if p])
        kiln_ms = k.get("median_ms")
        ratio = kiln_ms / best["median_ms"] if kiln_ms and best else None
        torch_rel = [l.get("rel_l2") for l in c["eager"] if l.get("rel_l2") is not None]
        status = k.get("status", "not run")
        if status == "accuracy_fail":
            status = "**FAIL**"
        if status in ("**FAIL**", "error"):
            failures.append(f"{model}/{precision}/b{batch}: {k.get('message')}")
        build = ("—" if "build_s_cold" not in k else
                 f"{fmt(k.get('build_s_cold'), '.1f')} / {fmt(k.get('build_s_warm'), '.1f')}")
        top1 = fmt(k.get("top1_agree"), ".3f")
        flips = (manifest.get("models", {}).get(model, {}).get("batches", {})
                 .get(str(batch), {}).get("torch_fp16_top1_mismatches"))
        if precision == "fp16" and flips is not None:
            top1 += f" (torch {flips}/{batch})"
        rel = fmt(k.get("rel_l2"), ".2e")
        if kiln_ms and k.get("rel_l2") is None:
            rel = "inf/NaN"  # the summary writes non-finite numbers as null
        print(f"| {model} | {precision} | {batch} | {fmt(kiln_ms, '.3f')} "
              f"| {fmt(k.get('images_per_s'), '.0f')} | {peer_cell(eager)} | {peer_cell(graph)} "
              f"| {peer_cell(compiled)} | {fmt(ratio, '.2f')} | {rel} "
              f"| {top1} | {fmt(min(torch_rel) if torch_rel else None, '.2e')} "
              f"| {build} | {status} |")

    if failures:
        print("\nkiln failures:")
        for f in failures:
            print(f"- {f}")
    skipped = [l for l in kiln if l.get("status") == "skipped"]
    if skipped:
        print("\nkiln cases not run: " + ", ".join(l["name"] for l in skipped) +
              f" ({skipped[0].get('message')})")
    compile_times = [l for l in peers if l.get("kind") == "compile_time"]
    if compile_times:
        print("\ntorch.compile time (s): " + ", ".join(
            f"{l['model']}/{l['precision']}/b{l['batch']} {l['seconds']}" for l in compile_times))
    for l in peers:
        if l.get("kind") in ("error", "skipped"):
            what = l.get("err") or l.get("why")
            print(f"\npeer {l['kind']}: {l.get('model')}/{l.get('precision', '')}/b{l.get('batch')} "
                  f"{l.get('mode', '')} {l.get('layout', '')}: {what}")
    ort = []
    for model, entry in manifest.get("models", {}).items():
        for batch, b in entry.get("batches", {}).items():
            if b.get("onnxruntime_rel_l2") is not None:
                ort.append(f"{model}/b{batch} {b['onnxruntime_rel_l2']:.1e}")
    if ort:
        print("\nExported ONNX vs PyTorch (onnxruntime CPU, rel-L2): " + ", ".join(ort))
    signal = [f"{m} {e['input_signal']:.2f}" for m, e in manifest.get("models", {}).items()
              if "input_signal" in e]
    if signal:
        print("Logits' dependence on the input (||logits - batch mean|| / ||logits||, 8 "
              "samples): " + ", ".join(signal))


if __name__ == "__main__":
    main()
