#!/usr/bin/env python3
"""PyTorch peer for the digits sample on a GPU: the same network with the
weights read from the ONNX file, batches of --batch from the held-out split,
timed like sample_onnx_digits times kiln (wall clock around host->device copy,
run and device->host copy, median over passes after a warm-up pass). Also
prints the device-resident time (CUDA events, input already on the GPU).

    python3 bench/peers/torch_digits.py --model DIR/digits_cnn.onnx --images ... --labels ...
"""
import argparse
import os
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../samples/digits"))
from train_digits import DigitsCnn  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="samples/digits/digits_cnn.onnx")
    parser.add_argument("--images", default="samples/digits/test_x.npy")
    parser.add_argument("--labels", default="samples/digits/test_y.npy")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.benchmark = True

    model = DigitsCnn()
    weights = {t.name: torch.from_numpy(onnx.numpy_helper.to_array(t).copy())
               for t in onnx.load(args.model).graph.initializer}
    model.load_state_dict(weights)
    model = model.cuda().eval()
    x = np.load(args.images)
    y = np.load(args.labels)
    preds = np.zeros(len(y), dtype=np.int64)
    wall, device = [], []
    with torch.no_grad():
        for repeat in range(args.repeats + 1):
            for first in range(0, len(y), args.batch):
                batch = torch.from_numpy(x[first:first + args.batch])
                torch.cuda.synchronize()
                start = time.perf_counter()
                logits = model(batch.cuda()).cpu()
                ms = (time.perf_counter() - start) * 1e3
                preds[first:first + len(batch)] = logits.argmax(1).numpy()
                if repeat > 0 and len(batch) == args.batch:
                    wall.append(ms)
        resident = torch.from_numpy(x[:args.batch]).cuda()
        for i in range(args.repeats * 10 + 5):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record()
            model(resident)
            e.record()
            torch.cuda.synchronize()
            if i >= 5:
                device.append(s.elapsed_time(e))
    print(f"pytorch {torch.__version__} eager on {torch.cuda.get_device_name()}: accuracy "
          f"{100.0 * (preds == y).mean():.2f}%; per batch of {args.batch} with host copies: "
          f"median {np.median(wall):.3f} ms, min {np.min(wall):.3f} ms; device-resident "
          f"median {np.median(device):.3f} ms")


if __name__ == "__main__":
    main()
