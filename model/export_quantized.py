#!/usr/bin/env python3
"""Exports faster numeric variants of the MiniLM QA stand-in (a BERT span model traced with torch 1.13): fp32 and bf16
with fused attention, and dynamic int8 (per channel, optionally SmoothQuant-scaled) with chosen Linear groups kept in
fp32; each checked against fp32 on held-out questions.

Why not quantize the traced file directly: quantizing a TorchScript module (quantize_dynamic_jit) freezes it and gives
no say over which layers stay fp32 by name; and a bf16 cast of the traced file breaks, because the traced graph builds
the attention mask in float32 (`to(6)`), which promotes the bf16 scores back to fp32 before `softmax @ value`. So this
script rebuilds the same network as an eager module (`QaBert`, the traced graph's code written out), loads the traced
file's weights into it, checks that both give the same logits, and exports each variant from the eager module.

Variants (names are the file names, `<name>.pt`):
  int8-pc            per-channel dynamic int8 (qint8 weights, per output channel; activations quantized per call)
                     for every Linear of the encoder and the span head
  int8-pc-<groups>   the same, with the named groups kept in fp32; groups: qkv (query/key/value), attn_out, inter
                     (FFN up), out (FFN down), head (qa_outputs), L<i> (all Linears of layer i)
  int8-pt            per-tensor dynamic int8 of every Linear (what the committed model-int8.pt is), for reference
  int8-sq<A>-pc[-<groups>]  SmoothQuant (alpha A/100, scales from calibration windows of the first half of the dev
                     articles, --data) before per-channel int8: activation outliers moved into the weights
  <int8 variant>-fused  the same with the fused attention (below)
  Measured under --isa avx2 (scripts/bench-throughput, FBGEMM's AVX2 int8 kernels, first half of the dev articles;
  docs/evaluation.md, "int8 under AVX2"): none stays within 0.5 F1 of fp32; the best trade-off is
  int8-sq50-pc-out-fused (FFN down-projection kept fp32), which is written by default but not named a default.
  bf16               every weight in bfloat16 (attention mask and logits follow the model dtype; logits are returned
                     as float32), attention fused (below). Needs a CPU with avx512_bf16 or AMX to be fast: the engine
                     checks at load.
  fp32               the fp32 weights of model.pt with the attention fused: the same answers, less CPU.
  bf16-written-out   bf16 with the attention written out (what bf16 was before), to measure the fusion against.

Fused attention: `softmax(q k^T / sqrt(d) + mask) v` written out costs four passes over a [batch, heads, seq, seq]
tensor per layer (scale, mask add, softmax, copy); in libtorch 2.7.1 `scaled_dot_product_attention` runs it as one
flash-attention kernel that never materialises the scores. perf on a MiniLM bf16 [8, 256] pass: the written-out
attention's element-wise kernels took 32% of the samples, the fused kernel 16%; SQuAD CPU per question fell by 12%
(docs/evaluation.md). torch 1.13 (Debian's, the only one here) has no such op, so the layers call a placeholder op,
`batchqa_export::sdpa`, registered below with the written-out math as its implementation: the trace runs and is checked
against model.pt with it, and the saved TorchScript's code then names `torch.scaled_dot_product_attention` instead
(`save_fused`). The file needs libtorch >= 2.0 to load (DJL 0.36: 2.7.1); torch 1.13 cannot load it back.

Usage (Debian's torch, python3-torch 1.13; no PyPI):
  /usr/bin/python3 model/export_quantized.py --model ../shared/models/minilm-squad1 \
      [--out model/build/minilm-variants] [--data dev-v1.1.json.gz] [--variants fp32,bf16,int8-sq50-pc-out-fused]
      [--int8-default NAME] [--check-questions 200]
Writes OUT/<variant>.pt for every variant (by default all a deployment uses: fp32, bf16 and the best int8), copies
model.pt and tokenizer.json of the source into OUT and writes its config.json with `"model_file": "fp32.pt"`. With
--data every variant's F1 against fp32 is checked on held-out questions (the second half of the articles; one window
each, WordPiece-level F1, torch 1.13's kernels) and recorded under `variant_checks`; `bf16_model_file` and
`int8_model_file` (only with --int8-default) name a variant only if it is within MAX_F1_LOSS (0.5) F1 of fp32.
Without --data nothing is checked and only fp32 is named. The engine then picks bf16 where native, int8 where
named and its kernels are fast, else fp32 (model/README.md); `QA_MODEL_FILE=<variant>.pt` picks any file. Exported
files are not committed (model/build/ is ignored).
"""

import argparse
import copy
import io
import json
import math
import os
import shutil
import sys
import zipfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig, quantize_dynamic

# The placeholder for torch.scaled_dot_product_attention (see the module's doc): same arguments, same math.
PLACEHOLDER = b"ops.batchqa_export.sdpa("
FUSED = b"torch.scaled_dot_product_attention("
_lib = torch.library.Library("batchqa_export", "DEF")
_lib.define("sdpa(Tensor query, Tensor key, Tensor value, Tensor attn_mask) -> Tensor")


def written_out_attention(q, k, v, mask_add, head_dim=None):
    # head_dim from the caller when tracing: a traced q.size(-1) turned into a float is a constant with a warning
    scores = q @ k.transpose(-1, -2) / math.sqrt(head_dim or q.size(-1)) + mask_add
    return torch.softmax(scores, -1) @ v


_lib.impl("sdpa", written_out_attention, "CPU")

# What a deployment uses (the Dockerfile copies them all): fp32 everywhere, bf16 where native, and the best int8
# trade-off found (docs/evaluation.md, "int8 under AVX2"), written for QA_MODEL_FILE. It is not named in config.json
# by default: on the first half of the dev articles under --isa avx2 it lost 0.67 F1, over the limit, and this
# script's own check (torch 1.13's oneDNN int8, not the FBGEMM AVX2 kernels the engine runs) is too lenient to
# overrule that. --int8-default NAME names one, if it also passes the check here.
BEST_INT8 = "int8-sq50-pc-out-fused"
DEFAULT_INT8 = None
DEFAULT_VARIANTS = ("fp32", "bf16", BEST_INT8)
# a variant losing more F1 than this against fp32 on the held-out questions is not named as a default
MAX_F1_LOSS = 0.5

# calibration windows (first half of the SQuAD dev articles) when --data is given; see calibration.py
CALIBRATION = None

LINEARS = ("query", "key", "value", "attn_out", "inter", "out")
GROUPS = {"qkv": ("query", "key", "value"), "attn_out": ("attn_out",), "inter": ("inter",), "out": ("out",)}


class Embeddings(nn.Module):
    def __init__(self, vocab, hidden, positions, types):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Embedding(positions, hidden)
        self.token_type_embeddings = nn.Embedding(types, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(0.0)

    def forward(self, input_ids, token_type_ids):
        positions = torch.arange(input_ids.size(1), dtype=torch.long, device=input_ids.device).unsqueeze(0)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(x + self.position_embeddings(positions))


class Layer(nn.Module):
    def __init__(self, hidden, heads, intermediate):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.attn_ln = nn.LayerNorm(hidden, eps=1e-12)
        self.inter = nn.Linear(hidden, intermediate)
        self.out = nn.Linear(intermediate, hidden)
        self.out_ln = nn.LayerNorm(hidden, eps=1e-12)
        self.fused = False  # export with the placeholder op (save_fused makes it scaled_dot_product_attention)

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x, mask_add):
        b, s, h = x.shape
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        if self.fused:
            ctx = torch.ops.batchqa_export.sdpa(q, k, v, mask_add)
        else:
            ctx = written_out_attention(q, k, v, mask_add, self.head_dim)
        ctx = ctx.transpose(1, 2).reshape(b, s, h)
        x = self.attn_ln(x + self.attn_out(ctx))
        return self.out_ln(x + self.out(F.gelu(self.inter(x))))


class Bert(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, intermediate, positions, types):
        super().__init__()
        self.embeddings = Embeddings(vocab, hidden, positions, types)
        self.layers = nn.ModuleList([Layer(hidden, heads, intermediate) for _ in range(layers)])

    def forward(self, input_ids, token_type_ids, attention_mask):
        x = self.embeddings(input_ids, token_type_ids)
        dtype = self.embeddings.word_embeddings.weight.dtype
        # additive mask in the model's dtype (bf16 included), with that dtype's lowest value as the traced model does
        mask_add = (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
        for layer in self.layers:
            x = layer(x, mask_add)
        return x


class QaBert(nn.Module):
    """forward(input_ids, attention_mask, token_type_ids) -> (start_logits, end_logits), float32 [batch, seq]."""

    def __init__(self, **shape):
        super().__init__()
        self.bert = Bert(**shape)
        self.qa_outputs = nn.Linear(shape["hidden"], 2)

    def forward(self, input_ids, attention_mask, token_type_ids):
        logits = self.qa_outputs(self.bert(input_ids, token_type_ids, attention_mask)).float()
        return logits[:, :, 0].contiguous(), logits[:, :, 1].contiguous()


def rebuild(traced):
    state = {k: v for k, v in traced.state_dict().items()}
    layers = 1 + max(int(k.split(".")[2]) for k in state if k.startswith("bert.layers."))
    hidden = state["bert.embeddings.word_embeddings.weight"].shape[1]
    shape = dict(vocab=state["bert.embeddings.word_embeddings.weight"].shape[0], hidden=hidden, layers=layers,
                 heads=hidden // 32, intermediate=state["bert.layers.0.inter.weight"].shape[0],
                 positions=state["bert.embeddings.position_embeddings.weight"].shape[0],
                 types=state["bert.embeddings.token_type_embeddings.weight"].shape[0])
    model = QaBert(**shape).eval()
    model.load_state_dict(state, strict=True)
    return model, layers


def example(batch=2, seq=48, pad=9, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1000, 20000, (batch, seq), generator=g)
    mask = torch.ones(batch, seq, dtype=torch.long)
    mask[1, seq - pad:] = 0
    ids[1, seq - pad:] = 0
    types = torch.zeros(batch, seq, dtype=torch.long)
    types[:, seq // 3:] = 1
    return ids, mask, types


def max_diff(a, b, inputs):
    with torch.no_grad():
        ya, yb = a(*inputs), b(*inputs)
    mask = inputs[1].bool()  # logits at padded positions are meaningless
    return max(float((x.float() - y.float())[mask].abs().max()) for x, y in zip(ya, yb))


def linear_names(layers, keep_fp32):
    """Names of the Linears to quantize: all of them except those in the groups named in keep_fp32."""
    names = []
    for i in range(layers):
        if f"L{i}" in keep_fp32:
            continue
        for lin in LINEARS:
            if not any(lin in GROUPS[g] for g in keep_fp32 if g in GROUPS):
                names.append(f"bert.layers.{i}.{lin}")
    if "head" not in keep_fp32:
        names.append("qa_outputs")
    return names


class Smoothed(nn.Module):
    """SmoothQuant (Xiao et al. 2023): `x / s` then the Linear with its input columns times `s`, the same product;
    s_j = max|x_j|^alpha / max|W_:,j|^(1-alpha) moves the activation outliers, which per-tensor activation
    quantization cannot represent, into the weights, which are quantized per output channel. BERT is post-LN (the
    LayerNorm output is also the residual), so `1/s` cannot be folded into the LayerNorm: it is an element-wise
    multiply per Linear, small against the product."""

    def __init__(self, linear, scale):
        super().__init__()
        self.register_buffer("inv_scale", 1.0 / scale)
        self.linear = linear
        with torch.no_grad():
            self.linear.weight.mul_(scale[None, :])

    def forward(self, x):
        return self.linear(x * self.inv_scale)


def activation_ranges(model, windows):
    """Per Linear, the largest |input| per input channel over the calibration windows."""
    ranges, hooks = {}, []
    for name, mod in model.named_modules():
        if isinstance(mod, nn.Linear):
            def hook(m, inputs, _out, name=name):
                r = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(0)
                ranges[name] = torch.maximum(ranges[name], r) if name in ranges else r
            hooks.append(mod.register_forward_hook(hook))
    with torch.no_grad():
        for w in windows:
            model(*w)
    for h in hooks:
        h.remove()
    return ranges


def smooth(model, names, ranges, alpha):
    """A copy of the model with the named Linears wrapped in Smoothed; returns it and the wrapped Linears' names."""
    m = copy.deepcopy(model)
    inner = []
    for name in names:
        parent_name, _, attr = name.rpartition(".")
        parent = m.get_submodule(parent_name) if parent_name else m
        lin = getattr(parent, attr)
        w_max = lin.weight.detach().abs().amax(0).clamp(min=1e-5)
        scale = (ranges[name].clamp(min=1e-5) ** alpha / w_max ** (1 - alpha)).clamp(min=1e-2, max=1e2)
        setattr(parent, attr, Smoothed(lin, scale))
        inner.append(name + ".linear")
    return m, inner


def fused(model):
    m = copy.deepcopy(model)
    for layer in m.bert.layers:
        layer.fused = True
    return m


def save_fused(traced, path):
    """Saves the traced module with the placeholder op renamed to torch.scaled_dot_product_attention in its code.
    The code's debug tables (*.debug_pkl: source ranges of the original text) are left out: they would point into the
    old text, and libtorch loads a module without them."""
    buf = io.BytesIO()
    torch.jit.save(traced, buf)
    renamed = 0
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            if info.filename.endswith(".debug_pkl"):
                continue
            data = src.read(info.filename)
            if info.filename.endswith(".py"):
                renamed += data.count(PLACEHOLDER)
                data = data.replace(PLACEHOLDER, FUSED)
            left = b"batchqa_export" in data
            dst.writestr(info.filename, data)
            if left:
                break
    # a traced module has one attention call per layer, a scripted one per attention class; none may be left over
    if renamed == 0 or left:
        os.remove(path)
        raise SystemExit(f"{path}: {renamed} attention calls renamed, placeholder left: {left}")


def export(model, layers, variant, out_dir):
    # "<int8 variant>-fused": the same quantization of the model with the fused attention
    fuse = variant.startswith("int8") and variant.endswith("-fused")
    name = variant
    if fuse:
        variant = variant[:-len("-fused")]
        model, reference = fused(model), model
    else:
        reference = model
    if variant == "bf16":
        m = fused(model).to(torch.bfloat16)
        note = "bf16 weights and activations, fused attention, float32 logits"
    elif variant == "bf16-written-out":
        m = copy.deepcopy(model).to(torch.bfloat16)
        note = "bf16 weights and activations, attention written out, float32 logits"
    elif variant == "fp32":
        m = fused(model)
        note = "fp32, fused attention"
    elif variant == "int8-pt":
        m = quantize_dynamic(model, {nn.Linear: default_dynamic_qconfig}, dtype=torch.qint8)
        note = "per-tensor dynamic int8, every Linear"
    elif variant.startswith("int8-sq"):
        # int8-sq<alpha x 100>-pc[-groups]: SmoothQuant scales from the calibration windows, then as int8-pc
        head, _, rest = variant[len("int8-sq"):].partition("-pc")
        alpha = int(head) / 100
        keep = [g for g in rest.split("-") if g]
        if CALIBRATION is None:
            raise SystemExit(f"{variant} needs calibration windows: --data SQUAD_DEV")
        names = linear_names(layers, keep)
        ranges = activation_ranges(model, CALIBRATION)
        smoothed, inner = smooth(model, names, ranges, alpha)
        m = quantize_dynamic(smoothed, {n: per_channel_dynamic_qconfig for n in inner}, dtype=torch.qint8)
        note = (f"SmoothQuant alpha {alpha} + per-channel dynamic int8 of {len(names)} Linears, "
                f"fp32: {','.join(keep) or 'none'}")
    elif variant.startswith("int8-pc"):
        keep = [g for g in variant[len("int8-pc"):].split("-") if g]
        unknown = [g for g in keep if g not in GROUPS and g != "head" and not (g[0] == "L" and g[1:].isdigit())]
        if unknown:
            raise SystemExit(f"unknown group(s) {unknown} in {variant}")
        names = linear_names(layers, keep)
        m = quantize_dynamic(model, {n: per_channel_dynamic_qconfig for n in names}, dtype=torch.qint8)
        note = f"per-channel dynamic int8 of {len(names)} Linears, fp32: {','.join(keep) or 'none'}"
    else:
        raise SystemExit(f"unknown variant {variant}")
    with torch.no_grad():
        traced = torch.jit.trace(m, example(), check_trace=False)
    # a different shape than the trace's: batch and sequence length must stay dynamic
    diff = max_diff(reference, traced, example(batch=3, seq=77, pad=20, seed=1))
    path = os.path.join(out_dir, name + ".pt")
    if variant in ("bf16", "fp32") or fuse:
        save_fused(traced, path)
    else:
        torch.jit.save(traced, path)
    print(f"{name}: {note}{', fused attention' if fuse else ''}; max |logit diff| vs fp32 {diff:.4f}; {os.path.getsize(path) / 1e6:.1f} MB -> {path}",
          flush=True)
    return m


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="source model directory (model.pt, config.json, tokenizer.json)")
    p.add_argument("--out", default="model/build/minilm-variants")
    p.add_argument("--variants", default=",".join(DEFAULT_VARIANTS))
    p.add_argument("--data", help="SQuAD v1.1 dev json(.gz): calibration windows from the first half of the articles; "
                   "each variant's F1 against fp32 checked on questions of the second half")
    p.add_argument("--int8-default", default=DEFAULT_INT8,
                   help="the int8 variant the config names for the engine (if it passes the F1 check); default none")
    p.add_argument("--check-questions", type=int, default=200)
    a = p.parse_args()
    if a.data:
        global CALIBRATION
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from calibration import first_half_windows
        CALIBRATION = first_half_windows(os.path.join(a.model, "tokenizer.json"), a.data)
    # Debian's torch has no fbgemm; the packed weights are stored unpacked and re-packed by the loading libtorch
    torch.backends.quantized.engine = "onednn" if "onednn" in torch.backends.quantized.supported_engines else "qnnpack"
    os.makedirs(a.out, exist_ok=True)
    traced = torch.jit.load(os.path.join(a.model, "model.pt")).eval()
    try:
        model, layers = rebuild(traced)
    except (KeyError, ValueError, RuntimeError) as e:
        # another layout (e.g. export_hf_qa.py's MobileBERT): the directory still has to be a model directory
        # for the image, with model.pt alone
        print(f"{a.model}/model.pt is not the BERT layout this script rebuilds ({type(e).__name__}: {e}); "
              f"writing model.pt, tokenizer.json and config.json only: no variants", flush=True)
        for name in ("model.pt", "tokenizer.json", "config.json"):
            shutil.copyfile(os.path.join(a.model, name), os.path.join(a.out, name))
        return
    parity = max_diff(traced, model, example())
    print(f"eager rebuild vs traced model.pt: max |logit diff| {parity:.2e} ({layers} layers)")
    if parity > 1e-4:
        sys.exit("the eager rebuild does not reproduce model.pt; not exporting")
    # copies, not links: the image build copies this directory, and a link would point outside the build context
    for name in ("model.pt", "tokenizer.json"):
        target = os.path.join(a.out, name)
        if os.path.islink(target):
            os.remove(target)
        if not os.path.exists(target):
            shutil.copyfile(os.path.join(a.model, name), target)
    variants = [v for v in a.variants.split(",") if v]
    check = None
    if a.data:
        from calibration import second_half_questions, span_f1
        tok, held_out = second_half_questions(os.path.join(a.model, "tokenizer.json"), a.data, a.check_questions)
        base_f1 = span_f1(model, tok, held_out)
        print(f"F1 check: fp32 {base_f1:.2f} on {len(held_out)} questions of the second half of the articles "
              f"(one window each, WordPiece-level F1); limit {MAX_F1_LOSS} F1 below fp32", flush=True)
        check = lambda m: span_f1(m, tok, held_out) - base_f1  # noqa: E731
    checks = {}
    for variant in variants:
        m = export(model, layers, variant, a.out)
        if check is not None and variant != "fp32":
            delta = check(m)
            checks[variant] = {"delta_f1": round(delta, 2), "questions": len(held_out),
                               "within_limit": delta >= -MAX_F1_LOSS, "default": False}
            print(f"  {variant}: F1 {delta:+.2f} against fp32 -> "
                  f"{'within the limit' if delta >= -MAX_F1_LOSS else 'OVER THE LIMIT: not a default'}", flush=True)
    # config.json of the source, naming the variants the engine may choose (ModelVariants): only those whose F1 was
    # checked and within the limit; the others stay in the directory for QA_MODEL_FILE
    with open(os.path.join(a.model, "config.json")) as f:
        config = json.load(f)
    config_path = os.path.join(a.out, "config.json")
    if os.path.lexists(config_path):
        os.remove(config_path)  # an older run's symlink to the source's config.json
    if os.path.isfile(os.path.join(a.out, "fp32.pt")):
        config["model_file"] = "fp32.pt"
    if not os.path.isfile(os.path.join(a.out, config.get("quantized_model_file") or "-")):
        config.pop("quantized_model_file", None)  # the source's own int8 file is not copied
    for key, variant in (("bf16_model_file", "bf16"), ("int8_model_file", a.int8_default)):
        if variant is None:
            continue
        if checks.get(variant, {}).get("within_limit"):
            config[key] = variant + ".pt"
            checks[variant]["default"] = True
        elif variant in variants:
            print(f"{variant}: {'not checked (no --data)' if check is None else 'over the F1 limit'}; "
                  f"not named in config.json", flush=True)
    if checks:
        config["variant_checks"] = checks
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
