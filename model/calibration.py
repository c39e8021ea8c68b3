"""Calibration inputs for export_quantized.py: windows of SQuAD v1.1 questions from the FIRST half of the dev
articles (the half variants are chosen on; the second half is for reporting), tokenized as the engine does for a BERT
uncased model, without the `tokenizers` package (Debian has none): BERT's basic tokenizer (lower case, accents
stripped, punctuation split off, CJK characters alone) then greedy longest-match WordPiece over tokenizer.json's
vocabulary. Good enough for activation ranges; the engine's own tokenizer decides the answers.
"""

import gzip
import json
import unicodedata

import torch


def _basic(text):
    text = unicodedata.normalize("NFD", text.lower())
    out, word = [], []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Mn":
            continue
        if ch.isspace() or cat.startswith("C"):
            if word:
                out.append("".join(word))
                word = []
        elif cat.startswith("P") or (33 <= ord(ch) <= 47) or (58 <= ord(ch) <= 64) or (91 <= ord(ch) <= 96) \
                or (123 <= ord(ch) <= 126) or 0x4E00 <= ord(ch) <= 0x9FFF:
            if word:
                out.append("".join(word))
                word = []
            out.append(ch)
        else:
            word.append(ch)
    if word:
        out.append("".join(word))
    return out


class WordPiece:
    def __init__(self, tokenizer_json):
        with open(tokenizer_json) as f:
            model = json.load(f)["model"]
        self.vocab = model["vocab"]
        self.unk = self.vocab[model.get("unk_token", "[UNK]")]
        self.prefix = model.get("continuing_subword_prefix", "##")

    def ids(self, text):
        out = []
        for word in _basic(text):
            if len(word) > 100:
                out.append(self.unk)
                continue
            start, pieces = 0, []
            while start < len(word):
                end = len(word)
                while end > start:
                    piece = (self.prefix if start else "") + word[start:end]
                    if piece in self.vocab:
                        pieces.append(self.vocab[piece])
                        break
                    end -= 1
                if end == start:
                    pieces = [self.unk]
                    break
                start = end
            out.extend(pieces)
        return out


def first_half_windows(tokenizer_json, squad_path, count=96, max_len=384, max_query=64):
    """`count` single windows ([CLS] q [SEP] context [SEP], context cut to fit), one question per paragraph, spread
    over the first half of the articles: (input_ids, attention_mask, token_type_ids) tensors of shape [1, len]."""
    tok = WordPiece(tokenizer_json)
    opener = gzip.open if squad_path.endswith(".gz") else open
    with opener(squad_path, "rt", encoding="utf-8") as f:
        articles = json.load(f)["data"]
    paragraphs = [p for a in articles[: len(articles) // 2] for p in a["paragraphs"]]
    step = max(1, len(paragraphs) // count)
    windows = []
    for p in paragraphs[::step][:count]:
        q = tok.ids(p["qas"][0]["question"])[:max_query]
        c = tok.ids(p["context"])[: max_len - len(q) - 3]
        ids = [101] + q + [102] + c + [102]
        types = [0] * (len(q) + 2) + [1] * (len(c) + 1)
        windows.append((torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long), torch.tensor([types])))
    return windows


_DROP = None


def _answer_tokens(tok, text):
    """An answer's WordPiece ids without punctuation and English articles: SQuAD's answer normalisation, on ids."""
    global _DROP
    if _DROP is None:
        _DROP = {tok.vocab[w] for w in ("a", "an", "the") if w in tok.vocab}
    return [i for i in tok.ids(text) if i not in _DROP and not _is_punct(tok, i)]


def _is_punct(tok, i):
    if not hasattr(tok, "_inv"):
        tok._inv = {v: k for k, v in tok.vocab.items()}
    w = tok._inv.get(i, "")
    return len(w) == 1 and unicodedata.category(w).startswith("P")


def second_half_questions(tokenizer_json, squad_path, count=200, max_len=384, max_query=64):
    """The first `count` questions of the SECOND half of the articles (held out from choosing and calibrating), each
    as one window (context cut to fit, as calibration windows) with its gold answers as normalised WordPiece ids."""
    tok = WordPiece(tokenizer_json)
    opener = gzip.open if squad_path.endswith(".gz") else open
    with opener(squad_path, "rt", encoding="utf-8") as f:
        articles = json.load(f)["data"]
    out = []
    for a in articles[len(articles) // 2:]:
        for p in a["paragraphs"]:
            c_all = tok.ids(p["context"])
            for qa in p["qas"]:
                q = tok.ids(qa["question"])[:max_query]
                c = c_all[: max_len - len(q) - 3]
                ids = [101] + q + [102] + c + [102]
                types = [0] * (len(q) + 2) + [1] * (len(c) + 1)
                window = (torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long), torch.tensor([types]))
                golds = [_answer_tokens(tok, g["text"]) for g in qa["answers"]]
                out.append((window, len(q) + 2, len(ids) - 1, golds))
                if len(out) == count:
                    return tok, out
    return tok, out


def _f1(pred, gold):
    common = {}
    for i in pred:
        common[i] = min(pred.count(i), gold.count(i))
    same = sum(common.values())
    if not pred or not gold:
        return float(pred == gold)
    if same == 0:
        return 0.0
    p, r = same / len(pred), same / len(gold)
    return 2 * p * r / (p + r)


def span_f1(model, tok, questions, max_answer=30):
    """SQuAD-style F1 (x100) of the model's best span per question against the golds, on normalised WordPiece ids:
    close to the official word-level F1, for comparing variants of one model against each other."""
    total = 0.0
    with torch.no_grad():
        for window, first, end_excl, golds in questions:
            start, end = model(*window)
            s, e = start[0, first:end_excl].float(), end[0, first:end_excl].float()
            scores = s[:, None] + e[None, :]
            n = scores.shape[0]
            valid = torch.ones(n, n).triu().tril(max_answer - 1).bool()
            best = int(torch.where(valid, scores, torch.tensor(float("-inf"))).argmax())
            i, j = divmod(best, n)
            ids = window[0][0, first + i: first + j + 1].tolist()
            pred = [t for t in ids if t not in _DROP and not _is_punct(tok, t)]
            total += max(_f1(pred, g) for g in golds)
    return 100 * total / len(questions)
