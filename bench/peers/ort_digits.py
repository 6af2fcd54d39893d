#!/usr/bin/env python3
"""Times onnxruntime (CPU) on the digits model the way sample_onnx_digits times
kiln: batches of --batch images from the held-out split, median over repeats.
Run on the same machine, in the same session, as the kiln figure it is
compared with.

    python3 bench/peers/ort_digits.py --batch 32 --threads 2
"""
import argparse
import time

import numpy as np
import onnxruntime as ort


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="samples/digits/digits_cnn.onnx")
    parser.add_argument("--images", default="samples/digits/test_x.npy")
    parser.add_argument("--labels", default="samples/digits/test_y.npy")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0, help="0 = onnxruntime's default")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--provider", default="CPUExecutionProvider",
                        help="e.g. CUDAExecutionProvider on a GPU machine")
    args = parser.parse_args()
    opts = ort.SessionOptions()
    if args.threads:
        opts.intra_op_num_threads = args.threads
    sess = ort.InferenceSession(args.model, opts, providers=[args.provider])
    x = np.load(args.images)
    y = np.load(args.labels)
    preds = np.zeros(len(y), dtype=np.int64)
    times = []
    for repeat in range(args.repeats + 1):
        for first in range(0, len(y), args.batch):
            batch = x[first:first + args.batch]
            start = time.perf_counter()
            logits = sess.run(None, {"image": batch})[0]
            ms = (time.perf_counter() - start) * 1e3
            preds[first:first + len(batch)] = logits.argmax(1)
            if repeat > 0 and len(batch) == args.batch:
                times.append(ms)
    print(f"onnxruntime {ort.__version__} {sess.get_providers()[0]}, threads={args.threads or 'default'}: "
          f"accuracy {100.0 * (preds == y).mean():.2f}%; per batch of {args.batch}: "
          f"median {np.median(times):.3f} ms, min {np.min(times):.3f} ms")


if __name__ == "__main__":
    main()
