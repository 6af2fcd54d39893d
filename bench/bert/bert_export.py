#!/usr/bin/env python3
"""BERT-base for kiln's end-to-end check, on the GPU machine (issue 10):
exports transformers' BertModel (BertConfig() defaults: 12 layers, hidden
768, 12 heads; seeded random weights) to ONNX the way a user does (opset 17,
TorchScript exporter, dynamic batch and sequence, eager attention so the
graph holds the MatMul/Softmax pattern), writes padded inputs and PyTorch's
fp32 last_hidden_state (TF32 off) for each batch, and times PyTorch fp16
(attention through torch's SDPA) eagerly and as a CUDA graph on the same
inputs, CUDA events, median of --iters runs. One JSON line per peer timing
goes to DIR/peers.jsonl.

    python3 bert_export.py DIR --seq 128 --batches 1,128 [--compile]
"""
import argparse
import json
import os

import numpy as np
import torch
import transformers


class LastHiddenState(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.model(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state


def make(attn, seed=20261207):
    torch.manual_seed(seed)
    config = transformers.BertConfig(attn_implementation=attn)
    return LastHiddenState(transformers.BertModel(config, add_pooling_layer=False)).eval()


def inputs(batch, seq, gen):
    ids = torch.randint(0, 30522, (batch, seq), generator=gen)
    lengths = torch.randint(seq // 2, seq + 1, (batch,), generator=gen)
    lengths[0] = seq  # one full-length sequence
    mask = (torch.arange(seq)[None, :] < lengths[:, None]).to(torch.int64)
    types = torch.zeros(batch, seq, dtype=torch.int64)
    types[:, seq // 2:] = 1
    return ids, mask, types


def timed(fn, iters, warm=10):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(iters):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        torch.cuda.synchronize()
        ts.append(s.elapsed_time(e))
    ts.sort()
    return ts[len(ts) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--batches", default="1,128")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--compile", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    names = ["input_ids", "attention_mask", "token_type_ids"]
    gen = torch.Generator().manual_seed(7)
    batches = [int(b) for b in a.batches.split(",")]
    data = {b: inputs(b, a.seq, gen) for b in batches}

    eager = make("eager")
    onnx_path = os.path.join(a.dir, "bert_base.onnx")
    if not os.path.exists(onnx_path):
        torch.onnx.export(eager, data[batches[0]], onnx_path, opset_version=17,
                          input_names=names, output_names=["last_hidden_state"],
                          dynamic_axes={n: {0: "batch", 1: "sequence"}
                                        for n in names + ["last_hidden_state"]},
                          do_constant_folding=True, dynamo=False)
    eager = eager.cuda()
    for b in batches:
        with torch.no_grad():
            ref = eager(*(t.cuda() for t in data[b])).float().cpu().numpy()
        for n, t in zip(names, data[b]):
            np.save(os.path.join(a.dir, f"b{b}.{n}.npy"), t.numpy())
        np.save(os.path.join(a.dir, f"b{b}.last_hidden_state.npy"), ref)
    del eager

    fast = make("sdpa").cuda().half()
    peers = open(os.path.join(a.dir, "peers.jsonl"), "w")

    def emit(**kv):
        line = json.dumps(kv)
        print(line, flush=True)
        peers.write(line + "\n")

    with torch.inference_mode():
        for b in batches:
            x = tuple(t.cuda() for t in data[b])
            ms = timed(lambda: fast(*x), a.iters)
            emit(model="bert_base", seq=a.seq, batch=b, precision="fp16", mode="eager", ms=ms,
                 seq_per_s=b * 1000.0 / ms)
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):
                for _ in range(3):
                    fast(*x)
            torch.cuda.current_stream().wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                fast(*x)
            ms = timed(graph.replay, a.iters)
            emit(model="bert_base", seq=a.seq, batch=b, precision="fp16", mode="cuda_graph",
                 ms=ms, seq_per_s=b * 1000.0 / ms)
            if a.compile:
                compiled = torch.compile(fast)
                ms = timed(lambda: compiled(*x), a.iters, warm=3)
                emit(model="bert_base", seq=a.seq, batch=b, precision="fp16", mode="compile",
                     ms=ms, seq_per_s=b * 1000.0 / ms)


if __name__ == "__main__":
    main()
