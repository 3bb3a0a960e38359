#!/usr/bin/python3
"""Writes the token-level encoder folders (SPLADE, ColBERT, TILDEv2) and their goldens.

    mkdir -p /tmp/hf && (cd /tmp/hf && npm install tokenizers@0.23.2)
    /usr/bin/python3 tests/reference/make_token_goldens.py /tmp/hf/node_modules/tokenizers

Folders under tests/golden/model/ (random seeded weights in Hugging Face layout, hidden 32,
2 layers, a 128-token WordPiece vocabulary written here, so every folder stays small):
- splade-tiny/: BertForMaskedLM, F32, the MLM decoder tied to the word embeddings (no
  `cls.predictions.decoder.weight`) and its bias as `cls.predictions.bias`.
- splade-tiny-untied/: its own `cls.predictions.decoder.weight` and the bias stored as
  `cls.predictions.decoder.bias` only; BF16; config vocab_size 2100, past the tokenizer's 128
  entries (a padded vocabulary, and more than one 2,048-entry decoder block in C++).
- colbert-tiny/: HF_ColBERT as colbert-ai saves it (`bert.*`, `linear.weight` [8, 32] without
  bias, `artifact.metadata` with query_maxlen 12, doc_maxlen 16), F16.
- tilde-tiny/: TILDEv2 as ielab/TILDE's modelingv2.py saves it (`bert.*` with the pooler,
  `tok_proj.weight` [1, 32], `tok_proj.bias` [1]), F32.

Token ids come from Hugging Face's tokenizer (npm `tokenizers`); outputs are computed in float64
by tests/reference/bert_reference.py from the weights as stored, following:
- SPLADE (naver/splade, splade/models/transformer_rep.py, Splade.encode with agg="max"):
  w_j = max_i log(1 + ReLU(logit_ij)) over the attended tokens, special tokens included.
- ColBERT (stanford-futuredata/ColBERT, colbert/modeling/tokenization/*.py and
  colbert/modeling/colbert.py): queries [CLS] [Q] text [SEP] padded with [MASK] to query_maxlen,
  the [MASK]s not attended to unless attend_to_mask_tokens, every vector kept; documents
  [CLS] [D] text [SEP] cut to doc_maxlen, punctuation ids (the first id of each
  string.punctuation symbol) dropped; vectors L2-normalised.
- TILDEv2 (ielab/TILDE, modelingv2.py TILDEv2.encode, indexingv2.py, inferencev2.py, tools.py
  get_stop_ids): ReLU(tok_proj(h)) per token of [CLS] passage [SEP] (cut to p_max_len);
  tokens in the stop-id set (NLTK stop words minus wh-words, special tokens, `##s`, and whole
  word tokens that are not [A-Za-z0-9_-]*) are not stored; one weight per distinct id, the
  max over its occurrences. Queries: ids without special tokens, stop ids removed, duplicates
  kept.
"""
import json
import math
import os
import re
import shutil
import string
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from bert_reference import Encoder  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "golden", "model")
HIDDEN, LAYERS, HEADS, FFN, MAX_POSITIONS = 32, 2, 2, 64, 512
COLBERT_DIM, QUERY_MAXLEN, DOC_MAXLEN = 8, 12, 16
TILDE_MAX_LENGTH = 192  # indexingv2.py --p_max_len default

SPECIAL = ["[PAD]", "[unused0]", "[unused1]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [
    "the", "a", "an", "of", "is", "are", "and", "in", "to", "for", "it", "this", "that", "with",
    "on", "by", "do", "s", "t", "don", "what", "how", "when", "who", "why", "where", "which",
    "cat", "cats", "dog", "sat", "mat", "swim", "run", "river", "bank", "money", "water",
    "flows", "deposit", "account", "interest", "rate", "quick", "brown", "fox", "jumps", "over",
    "lazy", "paris", "france", "capital", "city", "population", "2024", "1", "42", "retrieval",
    "sparse", "dense", "late", "interaction", "query", "document", "search", "engine", "learned",
    "neural", "bert", "colbert", "splade", "tilde", "token", "model", "cafe", "naive", "tokens",
    "中", "文", "°", "é",
    "##s", "##ing", "##ning", "##ly", "##ed", "##er", "##bert", "##ade",
]
TOKENS = SPECIAL + list(string.punctuation) + WORDS

TEXTS = [
    "",
    "The cat sat on the mat.",
    "What is the capital of France? Paris!",
    "Sparse retrieval, dense retrieval & late interaction: (ColBERT) [SPLADE] {TILDE}...",
    "zebra xylophone",
    "Café naïve — the river bank's interest rates (2024)",
    "中文 and cats",
    "how do cats swim? the cat swims; the dogs run, running quickly",
    "the quick brown fox jumps over the lazy dog " * 30,
    "query",
    "[MASK] tokens in a query [SEP] and the document",
    "dogs, cats & cats: the cat's mat -- the cats' mats! 42 1 42",
    "...",
]


def tokenizer_json():
    vocab = {t: i for i, t in enumerate(TOKENS)}
    added = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": True}
             for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", vocab["[SEP]"]],
                           "cls": ["[CLS]", vocab["[CLS]"]]},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }


VOCAB = {t: i for i, t in enumerate(TOKENS)}
PAD, CLS, SEP, MASK = VOCAB["[PAD]"], VOCAB["[CLS]"], VOCAB["[SEP]"], VOCAB["[MASK]"]
SPECIAL_IDS = {VOCAB[t] for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")}


def hf_encode(module, tok_path, requests):
    """requests: [(text, add_special_tokens, max_length or 0)] -> ids per request, from Hugging
    Face's tokenizer (truncation LongestFirst to max_length, no padding)."""
    script = """
const { Tokenizer } = require(process.argv[1]);
const fs = require('fs');
(async () => {
  const reqs = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  const out = [];
  for (const [text, special, maxLength] of reqs) {
    const tok = Tokenizer.fromFile(process.argv[2]);
    tok.disablePadding();
    if (maxLength > 0) tok.setTruncation(maxLength, { strategy: 'LongestFirst' });
    else tok.disableTruncation();
    out.push((await tok.encode(text, null, { addSpecialTokens: special })).getIds());
  }
  console.log(JSON.stringify(out));
})();
"""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(requests, f)
    try:
        out = subprocess.run(["node", "-e", script, os.path.abspath(module), tok_path, f.name],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    return json.loads(out)


def write_json(path, obj, compact=False):
    with open(path, "w", encoding="utf-8") as f:
        if compact:
            json.dump(obj, f, separators=(",", ":"), ensure_ascii=False)
        else:
            json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def bert_config(architecture, vocab_size=len(TOKENS)):
    return {
        "architectures": [architecture], "model_type": "bert", "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": FFN,
        "vocab_size": vocab_size, "hidden_act": "gelu",
        "max_position_embeddings": MAX_POSITIONS, "type_vocab_size": 2, "pad_token_id": PAD,
        "layer_norm_eps": 1e-12, "position_embedding_type": "absolute",
    }


def encoder_weights(gen, pooler, vocab_size=len(TOKENS)):
    """BERT encoder weights under `bert.` (scales as make_goldens.py: activations O(1))."""
    w = {}

    def normal(shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * std

    def linear(name, n_in, n_out, bias=True):
        w[name + ".weight"] = normal((n_out, n_in), 1.0 / n_in ** 0.5)
        if bias:
            w[name + ".bias"] = normal((n_out,), 0.1)

    def norm(name):
        w[name + ".weight"] = 1.0 + normal((HIDDEN,), 0.1)
        w[name + ".bias"] = normal((HIDDEN,), 0.1)

    e = "bert.embeddings."
    w[e + "word_embeddings.weight"] = normal((vocab_size, HIDDEN), 1.0)
    w[e + "position_embeddings.weight"] = normal((MAX_POSITIONS, HIDDEN), 0.5)
    w[e + "token_type_embeddings.weight"] = normal((2, HIDDEN), 0.5)
    norm(e + "LayerNorm")
    for i in range(LAYERS):
        p = f"bert.encoder.layer.{i}."
        for n in ("query", "key", "value"):
            linear(p + "attention.self." + n, HIDDEN, HIDDEN)
        linear(p + "attention.output.dense", HIDDEN, HIDDEN)
        norm(p + "attention.output.LayerNorm")
        linear(p + "intermediate.dense", HIDDEN, FFN)
        linear(p + "output.dense", FFN, HIDDEN)
        norm(p + "output.LayerNorm")
    if pooler:
        linear("bert.pooler.dense", HIDDEN, HIDDEN)
    return w, normal, linear, norm


def save_folder(name, config, weights, dtype, extra=None):
    d = os.path.join(GOLDEN, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    write_json(os.path.join(d, "config.json"), config)
    write_json(os.path.join(d, "tokenizer.json"), tokenizer_json())
    stored = {k: v.to(dtype) for k, v in weights.items()}
    safetensors_io.save(stored, os.path.join(d, "model.safetensors"), {"format": "pt"})
    for fname, obj in (extra or {}).items():
        write_json(os.path.join(d, fname), obj)
    # The reference reads the weights back as stored (fp16/bf16 widened to float64).
    return d, {k: v.to(torch.float64) for k, v in
               safetensors_io.load(os.path.join(d, "model.safetensors")).items()}


def hidden(config, state, ids, attention=None):
    """Last hidden states [L, H] of one sequence; `attention` the 0/1 mask (all ones if None)."""
    enc = Encoder(config, state, head="embedding")
    t = torch.tensor([ids])
    mask = torch.ones_like(t) if attention is None else torch.tensor([attention])
    return enc.hidden_states(t, torch.zeros_like(t), mask)[0]


def gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


# ---------------------------------------------------------------------------------------- SPLADE

def splade(module, name, seed, tied, dtype, vocab_size, bias_shift):
    """vocab_size > len(TOKENS) pads the model's vocabulary past the tokenizer's (ids without a
    vocabulary entry, as padded checkpoints have), and spans several of the C++ decoder's
    vocabulary blocks."""
    gen = torch.Generator().manual_seed(seed)
    config = bert_config("BertForMaskedLM", vocab_size)
    w, normal, linear, norm = encoder_weights(gen, pooler=False, vocab_size=vocab_size)
    linear("cls.predictions.transform.dense", HIDDEN, HIDDEN)
    norm("cls.predictions.transform.LayerNorm")
    bias = normal((vocab_size,), 1.0) - bias_shift  # most logits negative: sparse outputs
    if tied:
        w["cls.predictions.bias"] = bias
    else:
        w["cls.predictions.decoder.weight"] = normal((vocab_size, HIDDEN), 1.0)
        w["cls.predictions.decoder.bias"] = bias
    d, s = save_folder(name, config, w, dtype)
    decoder = s["bert.embeddings.word_embeddings.weight"] if tied else s[
        "cls.predictions.decoder.weight"]
    bias = s["cls.predictions.bias"] if tied else s["cls.predictions.decoder.bias"]

    def logits(ids):
        h = hidden(config, s, ids)
        t = gelu(torch.nn.functional.linear(h, s["cls.predictions.transform.dense.weight"],
                                            s["cls.predictions.transform.dense.bias"]))
        t = torch.nn.functional.layer_norm(t, (HIDDEN,),
                                           s["cls.predictions.transform.LayerNorm.weight"],
                                           s["cls.predictions.transform.LayerNorm.bias"], 1e-12)
        return torch.nn.functional.linear(t, decoder, bias)

    requests = [(t, True, m) for m in (0, 8) for t in TEXTS]
    ids_all = hf_encode(module, os.path.join(d, "tokenizer.json"),
                        [(t, s_, m if m else MAX_POSITIONS) for t, s_, m in requests])
    cases = []
    for n, ((text, _, max_length), ids) in enumerate(zip(requests, ids_all)):
        lg = logits(ids)
        weights = torch.log1p(torch.relu(lg)).max(dim=0).values
        case = {"text": TEXTS.index(text), "max_length": max_length, "ids": ids,
                "nonzero": [[j, w] for j, w in enumerate(weights.tolist()) if w > 0]}
        if n < (4 if vocab_size <= 256 else 1):  # a few rows: whole vocabulary rows are large
            rows = sorted({0, len(ids) // 2, len(ids) - 1})
            case.update({"logit_rows": rows, "logits": [lg[r].tolist() for r in rows]})
        cases.append(case)
    write_json(os.path.join(GOLDEN, name + ".golden.json"),
               {"model": name, "tolerance": 1e-4, "texts": TEXTS, "vocab_size": vocab_size,
                "note": "made by tests/reference/make_token_goldens.py; max_length 0 = the "
                        "model's position limit; nonzero = [id, weight] for weight > 0, every "
                        "other weight is 0", "cases": cases}, compact=True)


# --------------------------------------------------------------------------------------- ColBERT

def colbert(module):
    gen = torch.Generator().manual_seed(4100)
    config = bert_config("HF_ColBERT")
    w, normal, _, _ = encoder_weights(gen, pooler=False)
    w["linear.weight"] = normal((COLBERT_DIM, HIDDEN), 1.0 / HIDDEN ** 0.5)
    metadata = {"query_token_id": "[unused0]", "doc_token_id": "[unused1]",
                "query_token": "[Q]", "doc_token": "[D]", "query_maxlen": QUERY_MAXLEN,
                "doc_maxlen": DOC_MAXLEN, "dim": COLBERT_DIM, "mask_punctuation": True,
                "attend_to_mask_tokens": False, "similarity": "cosine", "interaction": "colbert",
                "checkpoint": "colbert-tiny", "meta": {"version": "colbert-v0.4"}}
    d, s = save_folder("colbert-tiny", config, w, torch.float16,
                       {"artifact.metadata": metadata})
    tok = os.path.join(d, "tokenizer.json")
    q_marker, d_marker = VOCAB["[unused0]"], VOCAB["[unused1]"]
    # ColBERT.__init__: the first id of each punctuation symbol, without special tokens.
    skip = sorted({ids[0] for ids in hf_encode(module, tok,
                                               [(p, False, 0) for p in string.punctuation])})

    def vectors(ids, attention, keep):
        h = hidden(config, s, ids, attention)
        v = torch.nn.functional.linear(h, s["linear.weight"])
        v = torch.nn.functional.normalize(v, p=2, dim=1)
        return [v[i].tolist() for i in range(len(ids)) if keep[i]]

    def query(ids, max_length, attend_all):
        # QueryTokenizer.tensorize: [CLS] text [SEP] cut to query_maxlen - 1, [Q] inserted
        # after [CLS], pads become [MASK]; the mask is 0 on them unless attend_to_mask_tokens.
        ids = ids[:1] + [q_marker] + ids[1:]
        n = len(ids)
        ids = ids + [MASK] * (max_length - n)
        attention = [1] * len(ids) if attend_all else [1] * n + [0] * (len(ids) - n)
        return ids, attention, vectors(ids, attention, [True] * len(ids))

    q_ids = hf_encode(module, tok, [(t, True, QUERY_MAXLEN - 1) for t in TEXTS])
    d_ids = hf_encode(module, tok, [(t, True, DOC_MAXLEN - 1) for t in TEXTS])
    q_default = hf_encode(module, tok, [(t, True, 32 - 1) for t in TEXTS])
    queries, documents, attend_all, defaults = [], [], [], []
    for i, ids in enumerate(q_ids):
        full, attention, vec = query(ids, QUERY_MAXLEN, False)
        queries.append({"text": i, "ids": full, "attention": attention, "vectors": vec})
        attend_all.append({"text": i, "vectors": query(ids, QUERY_MAXLEN, True)[2]})
    for i, ids in enumerate(q_default):  # no artifact.metadata: colbert-ai's defaults
        full, attention, vec = query(ids, 32, False)
        defaults.append({"text": i, "ids": full, "vectors": vec})
    for i, ids in enumerate(d_ids):
        full = ids[:1] + [d_marker] + ids[1:]
        keep = [t not in skip for t in full]
        documents.append({"text": i, "ids": full, "kept": [k for k, x in enumerate(keep) if x],
                          "vectors": vectors(full, None, keep)})
    write_json(os.path.join(GOLDEN, "colbert-tiny.golden.json"),
               {"model": "colbert-tiny", "tolerance": 1e-4, "texts": TEXTS, "skiplist": skip,
                "query_maxlen": QUERY_MAXLEN, "doc_maxlen": DOC_MAXLEN, "dim": COLBERT_DIM,
                "note": "made by tests/reference/make_token_goldens.py",
                "queries": queries, "queries_attend_to_mask_tokens": attend_all,
                "queries_default_metadata": defaults, "documents": documents}, compact=True)


# ---------------------------------------------------------------------------------------- TILDE

STOP_WORDS = {
    'i', 'me', 'my', 'myself', 'we', 'our', 'ours', 'ourselves', 'you', "you're", "you've",
    "you'll", "you'd", 'your', 'yours', 'yourself', 'yourselves', 'he', 'him', 'his', 'himself',
    'she', "she's", 'her', 'hers', 'herself', 'it', "it's", 'its', 'itself', 'they', 'them',
    'their', 'theirs', 'themselves', 'what', 'which', 'who', 'whom', 'this', 'that', "that'll",
    'these', 'those', 'am', 'is', 'are', 'was', 'were', 'be', 'been', 'being', 'have', 'has',
    'had', 'having', 'do', 'does', 'did', 'doing', 'a', 'an', 'the', 'and', 'but', 'if', 'or',
    'because', 'as', 'until', 'while', 'of', 'at', 'by', 'for', 'with', 'about', 'against',
    'between', 'into', 'through', 'during', 'before', 'after', 'above', 'below', 'to', 'from',
    'up', 'down', 'in', 'out', 'on', 'off', 'over', 'under', 'again', 'further', 'then', 'once',
    'here', 'there', 'when', 'where', 'why', 'how', 'all', 'any', 'both', 'each', 'few', 'more',
    'most', 'other', 'some', 'such', 'no', 'nor', 'not', 'only', 'own', 'same', 'so', 'than',
    'too', 'very', 's', 't', 'can', 'will', 'just', 'don', "don't", 'should', "should've", 'now',
    'd', 'll', 'm', 'o', 're', 've', 'y', 'ain', 'aren', "aren't", 'couldn', "couldn't", 'didn',
    "didn't", 'doesn', "doesn't", 'hadn', "hadn't", 'hasn', "hasn't", 'haven', "haven't", 'isn',
    "isn't", 'ma', 'mightn', "mightn't", 'mustn', "mustn't", 'needn', "needn't", 'shan',
    "shan't", 'shouldn', "shouldn't", 'wasn', "wasn't", 'weren', "weren't", 'won', "won't",
    'wouldn', "wouldn't"} - {"where", "how", "what", "when", "which", "why", "who"}


def stop_ids(module, tok):
    """tools.py get_stop_ids, plus the special ids indexingv2.py adds."""
    words = sorted(STOP_WORDS)
    out = {ids[0] for ids in hf_encode(module, tok, [(w, False, 0) for w in words])
           if len(ids) == 1}
    for token, i in VOCAB.items():
        if i in out:
            continue
        if token == "##s":
            out.add(i)
        if token[0] == "#" and len(token) > 1:
            continue
        if not re.match("^[A-Za-z0-9_-]*$", token):
            out.add(i)
    return sorted(out | SPECIAL_IDS)


def tilde(module):
    gen = torch.Generator().manual_seed(4200)
    config = bert_config("TILDEv2")
    w, normal, linear, _ = encoder_weights(gen, pooler=True)
    linear("tok_proj", HIDDEN, 1)
    d, s = save_folder("tilde-tiny", config, w, torch.float32)
    tok = os.path.join(d, "tokenizer.json")
    stops = stop_ids(module, tok)
    cases = []
    requests = [(t, True, m) for m in (TILDE_MAX_LENGTH, 10) for t in TEXTS]
    for (text, _, max_length), ids in zip(requests, hf_encode(module, tok, requests)):
        h = hidden(config, s, ids)
        weights = torch.relu(torch.nn.functional.linear(h, s["tok_proj.weight"],
                                                        s["tok_proj.bias"]))[:, 0]
        best = {}
        for t, wt in zip(ids, weights.tolist()):
            if t not in stops:
                best[t] = max(best.get(t, 0.0), wt)
        cases.append({"text": TEXTS.index(text), "max_length": max_length, "ids": ids,
                      "token_weights": weights.tolist(),
                      "distinct": [[t, best[t]] for t in sorted(best)]})
    queries = [{"text": i, "ids": [t for t in ids if t not in stops]} for i, ids in
               enumerate(hf_encode(module, tok, [(t, False, 0) for t in TEXTS]))]
    write_json(os.path.join(GOLDEN, "tilde-tiny.golden.json"),
               {"model": "tilde-tiny", "tolerance": 1e-4, "texts": TEXTS, "stop_ids": stops,
                "note": "made by tests/reference/make_token_goldens.py",
                "documents": cases, "queries": queries}, compact=True)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_token_goldens.py <npm tokenizers module>")
    torch.set_num_threads(2)
    splade(sys.argv[1], "splade-tiny", 4000, tied=True, dtype=torch.float32,
           vocab_size=len(TOKENS), bias_shift=8.0)
    splade(sys.argv[1], "splade-tiny-untied", 4001, tied=False, dtype=torch.bfloat16,
           vocab_size=2100, bias_shift=12.0)
    colbert(sys.argv[1])
    tilde(sys.argv[1])
    print("written to", GOLDEN)


if __name__ == "__main__":
    main()
