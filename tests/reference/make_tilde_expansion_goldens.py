#!/usr/bin/python3
"""Writes the TILDE expansion model folder (tests/golden/model/tilde-expand-tiny/) and the
reference expansion + expanded TILDEv2 weights (tilde-expand-tiny.golden.json), in float64
numpy (no torch needed), following ielab/TILDE:

- expansion.py: BertLMHeadModel (bidirectional: is_decoder unset), input [CLS] passage [SEP]
  cut to 128 tokens (p_max_len) with input_ids[0] = 1, padded to 128 with id 0 and attention 0;
  logits[:, 0]; torch.topk(logits, m).indices (descending); np.setdiff1d(selected, padded
  passage ids, assume_unique=True) then np.setdiff1d(..., bad_ids) (order kept); bad_ids from
  clean_vacab: the single-token NLTK English stop words (whole list) and "definition", every
  vocabulary entry not starting with '#' (or just "#") that is not [A-Za-z0-9_-]*, and ##s
  (expansion.py hard-codes 2015, its id in bert-base-uncased). The stored passage ("psg") is
  the input ids after position 0 without id 0, then the expansion ids.
- indexingv2.py: TILDEv2 encodes encode_plus(psg, max_length=192, truncation='only_first'),
  i.e. [CLS] psg[:190] [SEP]; weights ReLU(tok_proj(h)); stored per distinct id not in the
  TILDEv2 stop-id set (tilde-tiny.golden.json's stop_ids), the max over occurrences.

The TILDEv2 model is the committed tests/golden/model/tilde-tiny. Token ids come from Hugging
Face's tokenizer (npm `tokenizers`):

    mkdir -p /tmp/hf && (cd /tmp/hf && npm install tokenizers@0.23.2)
    /usr/bin/python3 tests/reference/make_tilde_expansion_goldens.py /tmp/hf/node_modules/tokenizers
"""
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "golden", "model")
HIDDEN, LAYERS, HEADS, FFN, MAX_POSITIONS = 32, 2, 2, 64, 512
EXPANSION_MAX_LENGTH, TILDE_MAX_LENGTH, MARKER = 128, 192, 1
TERMS = [1, 10, 40, 200]

# NLTK's English stop words (the 179-word list ielab/TILDE used in 2021) and clean_vacab's
# addition.
NLTK = """i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself
yourselves he him his himself she she's her hers herself it it's its itself they them their
theirs themselves what which who whom this that that'll these those am is are was were be been
being have has had having do does did doing a an the and but if or because as until while of at
by for with about against between into through during before after above below to from up down
in out on off over under again further then once here there when where why how all any both
each few more most other some such no nor not only own same so than too very s t can will just
don don't should should've now d ll m o re ve y ain aren aren't couldn couldn't didn didn't doesn
doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't needn
needn't shan shan't shouldn shouldn't wasn wasn't weren weren't won won't wouldn wouldn't""".split()
EXTRA = ["definition"]

TEXTS = [
    "",
    "The cat sat on the mat.",
    "What is the capital of France? Paris!",
    "river bank interest rate and money deposit account",
    "how do cats swim? the cat swims; the dogs run, running quickly",
    "the quick brown fox jumps over the lazy dog " * 30,
    "sparse retrieval, dense retrieval & late interaction",
]


def hf_encode(module, tok_path, requests):
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


def save_safetensors(tensors, path):
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name in sorted(tensors):
        v = tensors[name].astype(np.float32)
        header[name] = {"dtype": "F32", "shape": list(v.shape),
                        "data_offsets": [offset, offset + v.nbytes]}
        offset += v.nbytes
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name in sorted(tensors):
            f.write(tensors[name].astype(np.float32).tobytes())


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        assert h["dtype"] == "F32", (name, h["dtype"])
        a, b = h["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(h["shape"]).astype(np.float64)
    return out


_erf = np.vectorize(math.erf)


def gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def layer_norm(x, w, b, eps=1e-12):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def bert_hidden(s, ids, attention):
    """Last hidden states [L, H] of BertModel (post-LN, absolute positions, token type 0)."""
    e = "bert.embeddings."
    ids = np.asarray(ids)
    x = (s[e + "word_embeddings.weight"][ids] + s[e + "position_embeddings.weight"][:len(ids)]
         + s[e + "token_type_embeddings.weight"][0])
    x = layer_norm(x, s[e + "LayerNorm.weight"], s[e + "LayerNorm.bias"])
    bias = np.where(np.asarray(attention) > 0, 0.0, np.finfo(np.float64).min)
    d = HIDDEN // HEADS
    for i in range(LAYERS):
        p = f"bert.encoder.layer.{i}."

        def lin(name, v):
            return v @ s[p + name + ".weight"].T + s[p + name + ".bias"]

        q, k, v = (lin("attention.self." + n, x).reshape(len(ids), HEADS, d).transpose(1, 0, 2)
                   for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d) + bias
        scores -= scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(1, 0, 2).reshape(len(ids), HIDDEN)
        x = layer_norm(lin("attention.output.dense", ctx) + x,
                       s[p + "attention.output.LayerNorm.weight"],
                       s[p + "attention.output.LayerNorm.bias"])
        h = gelu(lin("intermediate.dense", x))
        x = layer_norm(lin("output.dense", h) + x, s[p + "output.LayerNorm.weight"],
                       s[p + "output.LayerNorm.bias"])
    return x


def make_folder():
    """A BertLMHeadModel with seeded random weights, the decoder tied (no decoder.weight)."""
    rng = np.random.default_rng(4300)
    with open(os.path.join(GOLDEN, "tilde-tiny", "tokenizer.json"), encoding="utf-8") as f:
        vocab = len(json.load(f)["model"]["vocab"])
    w = {}

    def normal(shape, std):
        return rng.standard_normal(shape) * std

    def linear(name, n_in, n_out):
        w[name + ".weight"] = normal((n_out, n_in), n_in ** -0.5)
        w[name + ".bias"] = normal((n_out,), 0.1)

    def norm(name):
        w[name + ".weight"] = 1.0 + normal((HIDDEN,), 0.1)
        w[name + ".bias"] = normal((HIDDEN,), 0.1)

    e = "bert.embeddings."
    w[e + "word_embeddings.weight"] = normal((vocab, HIDDEN), 1.0)
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
    linear("cls.predictions.transform.dense", HIDDEN, HIDDEN)
    norm("cls.predictions.transform.LayerNorm")
    w["cls.predictions.bias"] = normal((vocab,), 1.0)
    d = os.path.join(GOLDEN, "tilde-expand-tiny")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    config = {"architectures": ["BertLMHeadModel"], "model_type": "bert",
              "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
              "intermediate_size": FFN, "vocab_size": vocab, "hidden_act": "gelu",
              "max_position_embeddings": MAX_POSITIONS, "type_vocab_size": 2, "pad_token_id": 0,
              "layer_norm_eps": 1e-12, "position_embedding_type": "absolute"}
    with open(os.path.join(d, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    shutil.copy(os.path.join(GOLDEN, "tilde-tiny", "tokenizer.json"), d)
    save_safetensors(w, os.path.join(d, "model.safetensors"))
    return d, load_safetensors(os.path.join(d, "model.safetensors"))


def bad_ids(module, tok, vocab):
    """expansion.py clean_vacab."""
    bad = {ids[0] for ids in hf_encode(module, tok, [(w, False, 0) for w in NLTK + EXTRA])
           if len(ids) == 1}
    for token, i in vocab.items():
        if i in bad:
            continue
        if token[0] == "#" and len(token) > 1:
            continue
        if not re.match("^[A-Za-z0-9_-]*$", token):
            bad.add(i)
    bad.add(vocab["##s"])
    return bad


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_tilde_expansion_goldens.py <npm tokenizers module>")
    module = sys.argv[1]
    d, s = make_folder()
    tok = os.path.join(d, "tokenizer.json")
    with open(tok, encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"]
    bad = bad_ids(module, tok, vocab)
    tilde = load_safetensors(os.path.join(GOLDEN, "tilde-tiny", "model.safetensors"))
    with open(os.path.join(GOLDEN, "tilde-tiny.golden.json"), encoding="utf-8") as f:
        stops = set(json.load(f)["stop_ids"])
    p = "cls.predictions."
    cases = []
    encoded = hf_encode(module, tok, [(t, True, EXPANSION_MAX_LENGTH) for t in TEXTS])
    min_gap = math.inf
    for ti, ids in enumerate(encoded):
        ids = [MARKER] + ids[1:]
        padded = ids + [0] * (EXPANSION_MAX_LENGTH - len(ids))
        attention = [1] * len(ids)
        h0 = bert_hidden(s, ids, attention)[0]
        t = gelu(h0 @ s[p + "transform.dense.weight"].T + s[p + "transform.dense.bias"])
        t = layer_norm(t, s[p + "transform.LayerNorm.weight"], s[p + "transform.LayerNorm.bias"])
        logits = t @ s["bert.embeddings.word_embeddings.weight"].T + s[p + "bias"]
        order = np.argsort(-logits, kind="stable")
        ranked = logits[order]
        for m in TERMS:
            m_eff = min(m, len(logits))
            selected = order[:m_eff]
            # the top-m boundary and the order inside it must not hinge on float32 rounding
            gaps = np.abs(np.diff(ranked[:min(m_eff + 1, len(ranked))]))
            if len(gaps):
                min_gap = min(min_gap, float(gaps.min()))
            exp = np.setdiff1d(np.setdiff1d(selected, np.array(padded), assume_unique=True),
                               np.array(sorted(bad)), assume_unique=True)
            psg = [i for i in ids[1:] if i != 0] + [int(i) for i in exp]
            tilde_ids = [vocab["[CLS]"]] + psg[:TILDE_MAX_LENGTH - 2] + [vocab["[SEP]"]]
            ht = bert_hidden(tilde, tilde_ids, [1] * len(tilde_ids))
            weights = np.maximum(0.0, ht @ tilde["tok_proj.weight"].T + tilde["tok_proj.bias"])[:, 0]
            best = {}
            for tid, wt in zip(tilde_ids, weights.tolist()):
                if tid not in stops:
                    best[tid] = max(best.get(tid, 0.0), wt)
            cases.append({"text": ti, "terms": m, "ids": ids, "expansion": [int(i) for i in exp],
                          "psg": psg, "tilde_ids": tilde_ids, "token_weights": weights.tolist(),
                          "distinct": [[k, best[k]] for k in sorted(best)]})
    out = {"model": "tilde-expand-tiny", "tilde_model": "tilde-tiny", "tolerance": 1e-4,
           "texts": TEXTS, "bad_ids": sorted(int(i) for i in bad),
           "min_logit_gap": min_gap,
           "note": "made by tests/reference/make_tilde_expansion_goldens.py (float64 numpy, "
                   "ielab/TILDE expansion.py + indexingv2.py)",
           "cases": cases}
    with open(os.path.join(GOLDEN, "tilde-expand-tiny.golden.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("written to", GOLDEN, "min logit gap in the top m:", min_gap)


if __name__ == "__main__":
    main()
