#!/usr/bin/env python3
"""Makes the tiny BERT fixture of tests/e2e/bert_tiny_test.cc (run once, on any
machine with torch, transformers and onnx; CPU is enough): a 2-layer BERT
(hidden 64, 2 heads, FFN 128, vocabulary 1000) from transformers with seeded
random weights, exported to ONNX the way a user exports BertModel (opset 17,
the TorchScript exporter, dynamic batch and sequence length, eager attention),
inputs with padding, and PyTorch's fp32 last_hidden_state for them.

    python3 tests/e2e/bert_tiny/make_bert_tiny.py tests/e2e/bert_tiny

Made with torch 2.15 (CPU) and transformers 5.25 on 2026-12-07. The exported
graph writes attention as MatMul / Div / Add(mask) / Softmax / MatMul with the
key Transpose, GELU as Div / Erf / Add / Mul / Mul and LayerNorm as one
LayerNormalization: what the fuse-attention and fuse-gelu passes must
recognise.
"""
import sys

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


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    torch.manual_seed(20261207)
    config = transformers.BertConfig(
        attn_implementation="eager", vocab_size=1000, hidden_size=64, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=128, max_position_embeddings=128)
    model = LastHiddenState(transformers.BertModel(config, add_pooling_layer=False)).eval()
    batch, seq = 2, 16
    input_ids = torch.randint(0, 1000, (batch, seq))
    attention_mask = torch.ones(batch, seq, dtype=torch.int64)
    attention_mask[1, 11:] = 0  # the second sequence is 11 tokens, then padding
    token_type_ids = torch.zeros(batch, seq, dtype=torch.int64)
    token_type_ids[:, 8:] = 1
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(model, (input_ids, attention_mask, token_type_ids),
                      f"{out}/bert_tiny.onnx", opset_version=17, input_names=names,
                      output_names=["last_hidden_state"],
                      dynamic_axes={n: {0: "batch", 1: "sequence"}
                                    for n in names + ["last_hidden_state"]},
                      do_constant_folding=True, dynamo=False)
    with torch.no_grad():
        ref = model(input_ids, attention_mask, token_type_ids)
    for name, t in zip(names, (input_ids, attention_mask, token_type_ids)):
        np.save(f"{out}/{name}.npy", t.numpy())
    np.save(f"{out}/last_hidden_state.npy", ref.numpy().astype(np.float32))
    print(f"wrote {out}/bert_tiny.onnx and the inputs and reference for batch {batch}, "
          f"sequence {seq}")


if __name__ == "__main__":
    main()
