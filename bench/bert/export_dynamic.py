#!/usr/bin/env python3
"""Exports BERT (bert_export.py's model: seeded random weights, eager
attention) with dynamic batch and sequence, as DYNAMIC_EXPORT.md analyses:
a 2-layer, hidden-128 "tiny" config and BERT-base. Runs on the CPU (needs
torch, transformers, onnx).

    python3 export_dynamic.py OUT_DIR [tiny] [base]
"""
import os
import sys

import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_export import LastHiddenState, inputs, make  # noqa: E402

NAMES = ["input_ids", "attention_mask", "token_type_ids"]


def tiny():
    torch.manual_seed(20261207)
    config = transformers.BertConfig(num_hidden_layers=2, hidden_size=128, num_attention_heads=2,
                                     intermediate_size=512, attn_implementation="eager")
    return LastHiddenState(transformers.BertModel(config, add_pooling_layer=False)).eval()


def export(model, path):
    example = inputs(2, 16, torch.Generator().manual_seed(7))
    torch.onnx.export(model, example, path, opset_version=17, input_names=NAMES,
                      output_names=["last_hidden_state"],
                      dynamic_axes={n: {0: "batch", 1: "seq"} for n in NAMES + ["last_hidden_state"]},
                      do_constant_folding=True, dynamo=False)
    print("exported", path, os.path.getsize(path), "bytes")


def main():
    out = sys.argv[1]
    which = sys.argv[2:] or ["tiny", "base"]
    os.makedirs(out, exist_ok=True)
    if "tiny" in which:
        export(tiny(), os.path.join(out, "bert_tiny.onnx"))
    if "base" in which:
        export(make("eager"), os.path.join(out, "bert_base.onnx"))


if __name__ == "__main__":
    main()
