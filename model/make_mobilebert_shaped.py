#!/usr/bin/env python3
"""Writes a MobileBERT-shaped extractive-QA model with RANDOM weights, for speed measurements only.

The module follows MobileBERT (Sun et al. 2020, "MobileBERT: a Compact Task-Agnostic BERT for Resource-Limited
Devices"; the HuggingFace `MobileBertForQuestionAnswering` layout with the `google/mobilebert-uncased` config):

- embeddings: 30522 x 128 word embeddings; the 3-gram "trigram input" concatenates each token's embedding with its
  right and left neighbours' (128 * 3 = 384) and projects it to 512 (Linear 384 -> 512); + 512 position and 2
  token-type embeddings (512 wide); NoNorm
- 24 layers, hidden 512, each:
  - input bottleneck Linear 512 -> 128 + NoNorm (the layer's working width, "intra-block size" 128)
  - attention bottleneck Linear 512 -> 128 + NoNorm shared by query and key (key_query_shared_bottleneck); the value
    is projected from the 512-wide layer input
  - self-attention on 128 dims, 4 heads of 32; output Linear 128 -> 128 + residual + NoNorm
  - 4 stacked feed-forward blocks (num_feedforward_networks = 4): Linear 128 -> 512, ReLU, Linear 512 -> 128,
    residual + NoNorm
  - output bottleneck Linear 128 -> 512 + residual (the layer input) + NoNorm
- NoNorm (x * weight + bias, elementwise) everywhere MobileBERT uses it instead of LayerNorm
- span head Linear 512 -> 2 -> (start_logits, end_logits)

About 24.6M parameters (MobileBERT: 25.3M; the difference is mostly its pooler, which QA does not use).
forward(input_ids, attention_mask, token_type_ids), all int64 [batch, seq], seq <= 512, returns (start_logits,
end_logits) float32 [batch, seq]; scripted (torch.jit.script), so batch and sequence length are dynamic.

Also writes config.json in the engine's layout (the keys of the MiniLM stand-in's config.json; max_seq_length 384,
doc_stride 128) and a tokenizer.json:
- `--tokenizer PATH`: copy that HuggingFace tokenizer.json (e.g. the MiniLM stand-in's, a BERT uncased WordPiece
  vocabulary of 30522 entries) into the output directory. The engine benchmark does this so that English text
  tokenizes as with a real BERT vocabulary.
- otherwise: generate a plain BERT-uncased WordPiece tokenizer.json with a generated 30522-entry vocabulary (BERT's
  special-token layout, single characters, '##' characters, then generated syllables and syllable pairs). Valid and
  loadable, but English words split into more pieces than with a real vocabulary.

Run with Debian's torch (python3-torch, 1.13):
  /usr/bin/python3 model/make_mobilebert_shaped.py [OUT_DIR] [--tokenizer tokenizer.json] [--seed 0] [--int8]
Default OUT_DIR: model/build/mobilebert-shaped/ (not committed).
"""

import argparse
import copy
import itertools
import json
import os
import shutil
import string
import sys
import time

import torch
from torch import nn
from torch import Tensor
from typing import Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_quantized import save_fused  # noqa: E402  (also registers the placeholder op batchqa_export::sdpa)

VOCAB = 30522
HIDDEN = 512
EMBEDDING = 128
INTRA = 128
HEADS = 4
INTERMEDIATE = 512
LAYERS = 24
FFN_STACK = 4
MAX_POSITIONS = 512


class NoNorm(nn.Module):
    """MobileBERT's replacement for LayerNorm: an elementwise affine map, no statistics."""

    def __init__(self, size: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.bias = nn.Parameter(torch.zeros(size))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.weight + self.bias


class Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word = nn.Embedding(VOCAB, EMBEDDING, padding_idx=0)
        self.transform = nn.Linear(EMBEDDING * 3, HIDDEN)  # trigram input -> hidden
        self.position = nn.Embedding(MAX_POSITIONS, HIDDEN)
        self.token_type = nn.Embedding(2, HIDDEN)
        self.norm = NoNorm(HIDDEN)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor) -> Tensor:
        e = self.word(input_ids)  # [b, s, 128]
        seq = input_ids.size(1)
        zero = torch.zeros_like(e[:, :1])
        right = torch.cat([e[:, 1:], zero], dim=1)   # token i+1
        left = torch.cat([zero, e[:, :-1]], dim=1)   # token i-1
        x = self.transform(torch.cat([right, e, left], dim=2))
        positions = torch.arange(seq, device=input_ids.device).unsqueeze(0)
        x = x + self.position(positions) + self.token_type(token_type_ids)
        return self.norm(x)


class FeedForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.Linear(INTRA, INTERMEDIATE)
        self.down = nn.Linear(INTERMEDIATE, INTRA)
        self.norm = NoNorm(INTRA)

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(self.down(torch.relu(self.up(x))) + x)


class WrittenOutAttention(nn.Module):
    def __init__(self, scale: float):
        super().__init__()
        self.scale = scale

    def forward(self, q: Tensor, k: Tensor, v: Tensor, mask_bias: Tensor) -> Tensor:
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale + mask_bias
        return torch.matmul(torch.softmax(scores, dim=-1), v)


class FusedAttention(nn.Module):
    """torch.scaled_dot_product_attention through export_quantized's placeholder (its scale is 1/sqrt(head_dim))."""

    def forward(self, q: Tensor, k: Tensor, v: Tensor, mask_bias: Tensor) -> Tensor:
        return torch.ops.batchqa_export.sdpa(q, k, v, mask_bias)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.bottleneck_in = nn.Linear(HIDDEN, INTRA)
        self.bottleneck_in_norm = NoNorm(INTRA)
        self.bottleneck_qk = nn.Linear(HIDDEN, INTRA)
        self.bottleneck_qk_norm = NoNorm(INTRA)
        self.query = nn.Linear(INTRA, INTRA)
        self.key = nn.Linear(INTRA, INTRA)
        self.value = nn.Linear(HIDDEN, INTRA)
        self.attention_out = nn.Linear(INTRA, INTRA)
        self.attention_norm = NoNorm(INTRA)
        self.ffn = nn.ModuleList([FeedForward() for _ in range(FFN_STACK)])
        self.bottleneck_out = nn.Linear(INTRA, HIDDEN)
        self.out_norm = NoNorm(HIDDEN)
        self.heads = HEADS
        self.head_dim = INTRA // HEADS
        self.attention = WrittenOutAttention(1.0 / float(INTRA // HEADS) ** 0.5)

    def forward(self, hidden: Tensor, mask_bias: Tensor) -> Tensor:
        b = hidden.size(0)
        s = hidden.size(1)
        layer_input = self.bottleneck_in_norm(self.bottleneck_in(hidden))
        shared = self.bottleneck_qk_norm(self.bottleneck_qk(hidden))
        q = self.query(shared).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.key(shared).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        v = self.value(hidden).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        context = self.attention(q, k, v, mask_bias).transpose(1, 2).reshape(b, s, -1)
        x = self.attention_norm(self.attention_out(context) + layer_input)
        for ffn in self.ffn:
            x = ffn(x)
        return self.out_norm(self.bottleneck_out(x) + hidden)


class MobileBertShapedQa(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = Embeddings()
        self.layers = nn.ModuleList([Layer() for _ in range(LAYERS)])
        self.qa = nn.Linear(HIDDEN, 2)

    def forward(self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor) -> Tuple[Tensor, Tensor]:
        # the mask bias in the weights' dtype: a float32 bias would promote a bf16 copy's attention back to float32
        dtype = self.qa.weight.dtype
        mask_bias = (1.0 - attention_mask.to(dtype)).unsqueeze(1).unsqueeze(2) * -10000.0
        x = self.embeddings(input_ids, token_type_ids)
        for layer in self.layers:
            x = layer(x, mask_bias)
        logits = self.qa(x).to(torch.float32)  # the engine reads float32 logits whatever the weights' dtype
        return logits[:, :, 0].contiguous(), logits[:, :, 1].contiguous()


def init_weights(model: nn.Module, seed: int) -> None:
    """BERT-style init (normal std 0.02, zero bias); NoNorm stays identity. Keeps 24 un-normalized layers finite."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * 0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                m.bias.zero_()


def bert_vocab() -> list:
    """A generated BERT-uncased-style vocabulary of exactly 30522 entries."""
    vocab = ["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    chars += [chr(c) for c in range(0xA1, 0x250) if chr(c).isprintable() and chr(c).lower() == chr(c)]
    vocab += chars + ["##" + c for c in chars]
    consonants = "bcdfghjklmnprstvwz"
    vowels = "aeiou"
    syllables = [c + v for c in consonants for v in vowels] + [v + c for v in vowels for c in consonants]
    syllables += [c + v + d for c in consonants for v in vowels for d in "nrst"]
    seen = set(vocab)
    for piece in itertools.chain(syllables, ("##" + s for s in syllables),
                                 (a + b for a in syllables for b in syllables)):
        if len(vocab) == VOCAB:
            break
        if piece not in seen:
            seen.add(piece)
            vocab.append(piece)
    assert len(vocab) == VOCAB, len(vocab)
    return vocab


def tokenizer_json(vocab: list) -> dict:
    special = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for t, i in special.items()],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [101], "tokens": ["[CLS]"]},
                               "[SEP]": {"id": "[SEP]", "ids": [102], "tokens": ["[SEP]"]}},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(vocab)}},
    }


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out", nargs="?", default=os.path.join(here, "build", "mobilebert-shaped"))
    p.add_argument("--tokenizer", help="copy this tokenizer.json instead of generating one")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--int8", action="store_true", help="also write model-int8.pt (dynamic int8 quantized Linear)")
    p.add_argument("--bf16", action="store_true",
                   help="also write bf16.pt (every weight in bfloat16, attention fused as in export_quantized.py; "
                        "config.json names it bf16_model_file)")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)

    model = MobileBertShapedQa().eval()
    init_weights(model, args.seed)
    params = sum(t.numel() for t in model.parameters())
    print(f"parameters: {params:,} ({params / 1e6:.1f}M)")

    with torch.no_grad():
        scripted = torch.jit.script(model)
        # dynamic shapes: batch and sequence length vary; padded positions masked
        for b, s in ((1, 16), (3, 384), (2, 130)):
            ids = torch.randint(1000, VOCAB, (b, s))
            mask = torch.ones(b, s, dtype=torch.long)
            mask[-1, s // 2:] = 0
            types = torch.zeros(b, s, dtype=torch.long)
            types[:, s // 3:] = 1
            start, end = scripted(ids, mask, types)
            ref_start, ref_end = model(ids, mask, types)
            assert start.shape == (b, s) and end.shape == (b, s) and start.dtype == torch.float32
            assert torch.isfinite(start).all() and torch.isfinite(end).all()
            assert torch.allclose(start, ref_start, atol=1e-4) and torch.allclose(end, ref_end, atol=1e-4)
        model_path = os.path.join(args.out, "model.pt")
        scripted.save(model_path)
        print(f"wrote {model_path} ({os.path.getsize(model_path) / 1e6:.1f} MB), torch {torch.__version__}")
        quantized_file = None
        if args.int8:
            # every Linear but the span head, whose weight's dtype forward() reads (a quantized Linear has none)
            names = {n for n, m in model.named_modules() if isinstance(m, nn.Linear) and n != "qa"}
            q = torch.quantization.quantize_dynamic(model, names, dtype=torch.qint8)
            qs = torch.jit.script(q)
            quantized_file = "model-int8.pt"
            qs.save(os.path.join(args.out, quantized_file))
            print(f"wrote {quantized_file} ({os.path.getsize(os.path.join(args.out, quantized_file)) / 1e6:.1f} MB)")

        bf16_file = None
        if args.bf16:
            fused = copy.deepcopy(model).to(torch.bfloat16)
            for layer in fused.layers:
                layer.attention = FusedAttention()
            bs = torch.jit.script(fused)
            bf16_file = "bf16.pt"
            save_fused(bs, os.path.join(args.out, bf16_file))  # attention fused, as MiniLM's bf16.pt
            print(f"wrote {bf16_file} ({os.path.getsize(os.path.join(args.out, bf16_file)) / 1e6:.1f} MB)")

        torch.set_num_threads(1)
        ids = torch.randint(1000, VOCAB, (1, 384))
        ones = torch.ones(1, 384, dtype=torch.long)
        for _ in range(2):
            scripted(ids, ones, ones)
        t0 = time.perf_counter()
        for _ in range(3):
            scripted(ids, ones, ones)
        print(f"python torch {torch.__version__}, 1 thread, batch 1, seq 384: "
              f"{(time.perf_counter() - t0) / 3 * 1000:.0f} ms per forward pass")

    config = {
        "task": "extractive-question-answering",
        "architecture": "mobilebert",
        "model_file": "model.pt",
        "quantized_model_file": quantized_file,
        "tokenizer_file": "tokenizer.json",
        "inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "outputs": ["start_logits", "end_logits"],
        "do_lower_case": True,
        "max_position_embeddings": MAX_POSITIONS,
        "max_seq_length": 384,
        "doc_stride": 128,
        "max_query_length": 64,
        "max_answer_length": 30,
        "trained_max_seq_length": 384,
        "trained_with_unanswerable": False,
        "random_weights": True,
        "parameters": params,
    }
    if bf16_file:
        config["bf16_model_file"] = bf16_file  # the engine picks it on CPUs with native bf16 (ModelVariants)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    tok_path = os.path.join(args.out, "tokenizer.json")
    if args.tokenizer:
        shutil.copyfile(args.tokenizer, tok_path)
        print(f"copied tokenizer {args.tokenizer}")
    else:
        with open(tok_path, "w") as f:
            json.dump(tokenizer_json(bert_vocab()), f, ensure_ascii=False)
        print("generated tokenizer.json (BERT uncased WordPiece layout, generated 30522-entry vocabulary)")
    print(f"wrote {args.out}/config.json and tokenizer.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
