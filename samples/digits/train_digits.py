#!/usr/bin/env python3
"""Trains a small LeNet-like CNN on the digits training split with PyTorch,
exports it to ONNX (opset 17, dynamic batch) and reports the test accuracy in
PyTorch and in onnxruntime on the committed held-out split.

    python3 samples/digits/train_digits.py --train-dir .digits --out samples/digits

Deterministic for a given --seed on CPU; on a GPU, cuDNN may differ in the
last bits. Writes digits_cnn.onnx and prints one JSON line with the results.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn


class DigitsCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),                               # 32 x 4 x 4
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    here = os.path.dirname(os.path.abspath(__file__))
    x_train = torch.from_numpy(np.load(os.path.join(args.train_dir, "train_x.npy")))
    y_train = torch.from_numpy(np.load(os.path.join(args.train_dir, "train_y.npy")))
    x_test = np.load(os.path.join(here, "test_x.npy"))
    y_test = np.load(os.path.join(here, "test_y.npy"))

    model = DigitsCnn()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    n = len(y_train)
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(n)
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        torch_logits = model(torch.from_numpy(x_test)).numpy()
    torch_acc = float((torch_logits.argmax(1) == y_test).mean())

    path = os.path.join(args.out, "digits_cnn.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 8, 8), path, opset_version=17,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                      dynamo=False)
    result = {"torch_test_accuracy": torch_acc, "test_samples": int(len(y_test)),
              "epochs": args.epochs, "seed": args.seed, "torch": torch.__version__}
    try:
        import onnxruntime as ort
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        ort_logits = sess.run(None, {"image": x_test})[0]
        result["onnxruntime_test_accuracy"] = float((ort_logits.argmax(1) == y_test).mean())
        result["max_abs_diff_torch_vs_ort"] = float(np.abs(ort_logits - torch_logits).max())
        times = []
        for _ in range(200):
            t = time.perf_counter()
            sess.run(None, {"image": x_test})
            times.append((time.perf_counter() - t) * 1e3)
        result["onnxruntime_cpu_ms_full_split_median"] = float(np.median(times))
        result["onnxruntime"] = ort.__version__
    except ImportError:
        pass
    np.save(os.path.join(args.out, "torch_logits.npy"), torch_logits)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
