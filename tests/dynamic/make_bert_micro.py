#!/usr/bin/env python3
"""Writes the dynamic-shape test model and its references (tests/dynamic/):
a BERT of transformers' own code, exported exactly as bench/bert/export_dynamic.py
exports BERT-base (torch.onnx.export, opset 17, dynamic batch and seq on the
three inputs: Shape -> Gather -> Concat -> Reshape subgraphs, the padding
mask built from Range and Shape), but micro-sized (vocab 100, hidden 32,
2 heads, 2 layers, 64 positions) and with every weight and bias drawn from a
seeded normal, so that no bias is the zero a fresh model has. PyTorch fp32
outputs at four (batch, seq) shapes, with padded sequences, are the
references. The same model is also exported by torch's dynamo exporter
(torch.onnx.export(dynamo=True), opset 18: its mask is a GatherND over
Range-made index pairs) as bert_micro_dynamo.onnx, weights inline. Needs
torch, transformers, onnx and onnxscript; run on any CPU:

    python3 tests/dynamic/make_bert_micro.py tests/dynamic
"""
import os
import sys

import numpy as np
import onnx
import torch
import transformers

NAMES = ["input_ids", "attention_mask", "token_type_ids"]
SHAPES = [(1, 4), (2, 16), (3, 37), (4, 64)]
VOCAB = 100


class LastHiddenState(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.model(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state


def inputs(batch, seq, gen):
    ids = torch.randint(0, VOCAB, (batch, seq), generator=gen)
    lengths = torch.randint(max(1, seq // 2), seq + 1, (batch,), generator=gen)
    lengths[0] = seq
    mask = (torch.arange(seq)[None, :] < lengths[:, None]).to(torch.int64)
    types = torch.zeros(batch, seq, dtype=torch.int64)
    types[:, seq // 2:] = 1
    return ids, mask, types


def main():
    out = sys.argv[1]
    torch.manual_seed(20261207)
    config = transformers.BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=64,
                                     max_position_embeddings=64, attn_implementation="eager")
    model = LastHiddenState(transformers.BertModel(config, add_pooling_layer=False)).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.3)
    gen = torch.Generator().manual_seed(7)
    torch.onnx.export(model, inputs(2, 16, gen), os.path.join(out, "bert_micro.onnx"),
                      opset_version=17, input_names=NAMES, output_names=["last_hidden_state"],
                      dynamic_axes={n: {0: "batch", 1: "seq"} for n in NAMES + ["last_hidden_state"]},
                      do_constant_folding=True, dynamo=False)
    dynamo = os.path.join(out, "bert_micro_dynamo.tmp.onnx")
    batch_dim = torch.export.Dim("batch", min=1, max=8)
    seq_dim = torch.export.Dim("seq", min=2, max=64)
    dims = {n: {0: batch_dim, 1: seq_dim} for n in NAMES}
    torch.onnx.export(model, inputs(2, 16, torch.Generator().manual_seed(7)), dynamo,
                      input_names=NAMES, output_names=["last_hidden_state"], dynamic_shapes=dims,
                      dynamo=True, opset_version=18)
    onnx.save(onnx.load(dynamo), os.path.join(out, "bert_micro_dynamo.onnx"),
              save_as_external_data=False)
    os.remove(dynamo)
    if os.path.exists(dynamo + ".data"):
        os.remove(dynamo + ".data")
    for batch, seq in SHAPES:
        x = inputs(batch, seq, gen)
        with torch.no_grad():
            y = model(*x)
        tag = f"b{batch}_s{seq}"
        for name, value in zip(NAMES, x):
            np.save(os.path.join(out, f"{tag}.{name}.npy"), value.numpy())
        np.save(os.path.join(out, f"{tag}.last_hidden_state.npy"), y.numpy())
        print(tag, y.shape, float(y.abs().mean()))


if __name__ == "__main__":
    main()
