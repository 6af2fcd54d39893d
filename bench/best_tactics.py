#!/usr/bin/env python3
"""Markdown table of the fastest tactic per (group, precision, case) from a
tactic_bench JSON file (--benchmark_out_format=json), with its TFLOP/s and
fraction of the precision's ceiling (the bench's counters).

    python3 bench/best_tactics.py run.json[.gz] [--group gemm]
"""
import argparse
import gzip
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--group", help="only this group (gemm, conv)")
    args = ap.parse_args()
    opener = gzip.open if args.json.endswith(".gz") else open
    with opener(args.json, "rt") as f:
        data = json.load(f)
    best = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred") or b.get("run_type") == "aggregate":
            continue
        group, precision, tactic, case = b["name"].split("/")[:4]
        if args.group and group != args.group:
            continue
        key = (group, precision, case)
        if key not in best or b["real_time"] < best[key]["real_time"]:
            best[key] = dict(b, tactic=tactic)
    print("| group | precision | case | fastest tactic | µs | TFLOP/s | % of ceiling |")
    print("|---|---|---|---|---:|---:|---:|")
    for (group, precision, case), b in sorted(best.items()):
        scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3}[b["time_unit"]]
        print(f"| {group} | {precision} | {case} | {b['tactic']} | {b['real_time'] * scale:.1f} | "
              f"{b.get('TFLOPS', 0):.1f} | {100 * b.get('ceiling_frac', 0):.1f}% |")


if __name__ == "__main__":
    main()
