#!/usr/bin/env python3
"""Export a HuggingFace extractive-QA model to the engine's model-directory layout (see model/README.md):

    <out>/model.pt        TorchScript: forward(input_ids, attention_mask, token_type_ids) -> (start_logits, end_logits)
    <out>/tokenizer.json  the fast (Rust) tokenizer
    <out>/config.json     settings read by dev.batchqa.engine.QaEngine

Needs torch, transformers and internet access (to download the model), e.g.
    pip install torch transformers
    python model/export_hf_qa.py --model mrm8488/mobilebert-uncased-finetuned-squadv2 --out build/mobilebert-squad2
Optional: --null-threshold T (a SQuAD 2.0 threshold tuned on dev data) is written as null_score_threshold.
"""
import argparse
import json
import os
import re

import torch
from transformers import AutoModelForQuestionAnswering, AutoTokenizer


class SpanLogits(torch.nn.Module):
    """Fixes the input order and returns a plain (start_logits, end_logits) tuple instead of a ModelOutput."""

    def __init__(self, model, uses_token_types):
        super().__init__()
        self.model = model
        self.uses_token_types = uses_token_types

    def forward(self, input_ids, attention_mask, token_type_ids):
        # RoBERTa/DistilBERT-style models have no segment embeddings: the input is accepted and ignored,
        # so every exported model has the same three-input interface
        if self.uses_token_types:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        else:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask)
        return out[0], out[1]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="mrm8488/mobilebert-uncased-finetuned-squadv2")
    p.add_argument("--out", required=True)
    p.add_argument("--max-seq-length", type=int, default=384)
    p.add_argument("--doc-stride", type=int, default=128, help="overlap between windows, in tokens")
    p.add_argument("--max-query-length", type=int, default=64)
    p.add_argument("--max-answer-length", type=int, default=30)
    p.add_argument("--unanswerable", action=argparse.BooleanOptionalAction, default=None,
                   help="trained with SQuAD 2.0 unanswerable questions (default: guessed from the name)")
    p.add_argument("--null-threshold", type=float, default=None)
    args = p.parse_args()

    os.makedirs(args.out, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(args.model, use_fast=True)
    model = AutoModelForQuestionAnswering.from_pretrained(args.model, torchscript=True).eval()

    # trace on a real pair with padding, so the attention mask path is exercised; the graph has dynamic shapes
    enc = tokenizer(["What is the answer?", "Who?"], ["The answer is 42, as everybody knows.", "Nobody."],
                    padding=True, return_tensors="pt")
    inputs = (enc["input_ids"], enc["attention_mask"], enc.get("token_type_ids", torch.zeros_like(enc["input_ids"])))
    uses_token_types = "token_type_ids" in tokenizer.model_input_names
    with torch.no_grad():
        traced = torch.jit.trace(SpanLogits(model, uses_token_types), inputs, strict=False)
        # shapes other than the trace example must work
        longer = tokenizer("How long?", "word " * 100, return_tensors="pt")
        start, end = traced(longer["input_ids"], longer["attention_mask"],
                            longer.get("token_type_ids", torch.zeros_like(longer["input_ids"])))
        assert start.shape == longer["input_ids"].shape and end.shape == start.shape
        ref = model(**{k: v for k, v in longer.items()})
        assert torch.allclose(ref[0], start, atol=1e-4)
    traced.save(os.path.join(args.out, "model.pt"))

    # DJL reads tokenizer.json; its own truncation/padding settings are overridden by the engine anyway
    tokenizer.backend_tokenizer.save(os.path.join(args.out, "tokenizer.json"))

    unanswerable = args.unanswerable
    if unanswerable is None:
        unanswerable = re.search(r"squad[-_]?v?2", args.model.lower()) is not None
    config = {
        "task": "extractive-question-answering",
        "source": args.model,
        "architecture": model.config.model_type,
        "model_file": "model.pt",
        "tokenizer_file": "tokenizer.json",
        "inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "outputs": ["start_logits", "end_logits"],
        "do_lower_case": bool(getattr(tokenizer, "do_lower_case", False)),
        "max_position_embeddings": model.config.max_position_embeddings,
        "max_seq_length": args.max_seq_length,
        "doc_stride": args.doc_stride,
        "max_query_length": args.max_query_length,
        "max_answer_length": args.max_answer_length,
        "trained_with_unanswerable": bool(unanswerable),
    }
    if args.null_threshold is not None:
        config["null_score_threshold"] = args.null_threshold
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    print("exported", args.model, "->", args.out)


if __name__ == "__main__":
    main()
