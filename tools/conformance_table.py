#!/usr/bin/env python3
"""Turns the conformance tests' summary lines into the markdown error table of
tests/conformance/CUDA_RESULTS.md: one row per tactic, worst over its tests.

    grep -h '\\[conformance\\] summary' logs/*_test.log | python3 tools/conformance_table.py
"""
import re
import sys

LINE = re.compile(r"summary op=(\S+) tactic=(\S+) test=(\S+) cases=(\d+) ran=(\d+) worst: "
                  r"max_abs=(\S+) max_ulp=(\S+) rel_l2=(\S+) bit_mismatches=(\d+) bad=(\d+) "
                  r"\((\d+) elements\)")


def main():
    rows = {}
    for line in sys.stdin:
        m = LINE.search(line)
        if not m:
            continue
        op, tactic, test, cases, ran = m.group(1), m.group(2), m.group(3), int(m.group(4)), int(m.group(5))
        max_abs, max_ulp, rel_l2 = (float(m.group(i)) for i in (6, 7, 8))
        mism, bad, elems = (int(m.group(i)) for i in (9, 10, 11))
        r = rows.setdefault(tactic, dict(op=op, tests=0, cases=0, ran=0, max_abs=0.0, max_ulp=0.0,
                                          rel_l2=0.0, mism=0, bad=0, elems=0))
        r["tests"] += 1
        r["cases"] += cases
        r["ran"] += ran
        r["max_abs"] = max(r["max_abs"], max_abs)
        r["max_ulp"] = max(r["max_ulp"], max_ulp)
        r["rel_l2"] = max(r["rel_l2"], rel_l2)
        r["mism"] += mism
        r["bad"] += bad
        r["elems"] += elems
    print("| op | tactic | tests | cases run / given | max_abs | max_ulp | rel_l2 | bit mismatches / elements | bad |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for tactic, r in sorted(rows.items(), key=lambda kv: (kv[1]["op"], kv[0])):
        print(f"| {r['op']} | {tactic} | {r['tests']} | {r['ran']} / {r['cases']} | {r['max_abs']:.3g} | "
              f"{r['max_ulp']:.0f} | {r['rel_l2']:.3g} | {r['mism']} / {r['elems']} | {r['bad']} |")
    print(f"\n{len(rows)} cuda tactics over {len(set(r['op'] for r in rows.values()))} ops.")


if __name__ == "__main__":
    main()
