#!/usr/bin/env python3
"""rel-L2 of kiln's output against PyTorch's fp32 reference:
    python3 compare.py KILN.npy REFERENCE.npy"""
import sys

import numpy as np

out, ref = np.load(sys.argv[1]).astype(np.float64), np.load(sys.argv[2]).astype(np.float64)
if out.shape != ref.shape:
    sys.exit(f"shape {out.shape} != reference {ref.shape}")
print(f"rel-L2 {np.linalg.norm(out - ref) / np.linalg.norm(ref):.3e} "
      f"(max abs diff {np.abs(out - ref).max():.3e}, NaN {int(np.isnan(out).sum())})")
