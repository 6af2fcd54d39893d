#!/usr/bin/env python3
"""Splits scikit-learn's digits dataset (1,797 real 8x8 handwritten digits) into
a training set and the held-out test split that kiln's samples run.

    /usr/bin/python3 samples/digits/prepare_digits.py --train-dir .digits

writes samples/digits/test_x.npy (N x 1 x 8 x 8 float32, pixels scaled to
[0, 1]) and test_y.npy (N int64) — both committed — and the training split to
--train-dir (not committed; train_digits.py reads it). Needs numpy and
scikit-learn (Debian: python3-sklearn).
"""
import argparse
import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-dir", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    digits = load_digits()
    x = (digits.images.astype(np.float32) / 16.0)[:, None, :, :]
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=args.seed, stratify=y)
    here = os.path.dirname(os.path.abspath(__file__))
    np.save(os.path.join(here, "test_x.npy"), x_test)
    np.save(os.path.join(here, "test_y.npy"), y_test)
    os.makedirs(args.train_dir, exist_ok=True)
    np.save(os.path.join(args.train_dir, "train_x.npy"), x_train)
    np.save(os.path.join(args.train_dir, "train_y.npy"), y_train)
    print(f"train {len(y_train)}, test {len(y_test)} (seed {args.seed})")


if __name__ == "__main__":
    main()
