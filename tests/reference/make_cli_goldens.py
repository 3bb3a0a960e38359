#!/usr/bin/python3
"""End-to-end goldens for `cascade rerank` / `cascade embed` on the committed micro models
(real BERT vocabulary and tokenizer.json, random weights from make_goldens.py).

  mkdir -p /tmp/tok-npm && (cd /tmp/tok-npm && npm install tokenizers@0.23.2)
  /usr/bin/python3 tests/reference/make_cli_goldens.py /tmp/tok-npm/node_modules/tokenizers

Inputs are SciFact queries and documents plus edge cases; token ids come from Hugging Face's
tokenizer (tokenize_inputs.js, truncation 128 as the tokenizer.json says), scores from the
float64 reference.
"""
import json
import os
import subprocess
import sys

import safetensors_io
from bert_reference import Encoder

ROOT = os.path.dirname(os.path.abspath(__file__))
GOLD = os.path.join(os.path.dirname(ROOT), "golden", "model")
SCIFACT = "/work/shared/data/scifact"
MAX_LENGTH = 128


def read_jsonl(path, n):
    with open(path) as f:
        return [json.loads(l) for _, l in zip(range(n), f)]


def tokenize(module, model, inputs_path):
    out = subprocess.run(["node", os.path.join(ROOT, "tokenize_inputs.js"), module,
                          os.path.join(GOLD, model, "tokenizer.json"), inputs_path,
                          str(MAX_LENGTH)], check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines()]


def reference(model, head, pooling="cls"):
    d = os.path.join(GOLD, model)
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    return Encoder(cfg, safetensors_io.load(os.path.join(d, "model.safetensors")), head=head,
                   pooling=pooling)


def main():
    module = sys.argv[1]
    out = os.path.join(GOLD, "cli")
    os.makedirs(out, exist_ok=True)
    queries = [q["text"] for q in read_jsonl(os.path.join(SCIFACT, "queries.jsonl"), 8)]
    docs = [(d.get("title", "") + " " + d["text"]).strip()
            for d in read_jsonl(os.path.join(SCIFACT, "corpus.jsonl"), 8)]
    pairs = [{"query": q, "document": d} for q, d in zip(queries, docs)]
    pairs += [{"query": queries[0], "document": "short"},
              {"query": "Naïve café — ÜBER straße 中文 🦙", "document": docs[1]},
              {"query": " ".join(queries), "document": " ".join(docs)}]  # both truncated
    texts = [{"text": t} for t in queries[:5] + docs[:3] + ["Ünïcödé TEXT 中文字符"]]
    for name, rows in (("pairs.jsonl", pairs), ("texts.jsonl", texts)):
        with open(os.path.join(out, name), "w") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)

    ce = reference("bert-micro-ce", "classification")
    ids = tokenize(module, "bert-micro-ce", os.path.join(out, "pairs.jsonl"))
    scores = ce.forward([(e["input_ids"], e["token_type_ids"]) for e in ids])
    with open(os.path.join(out, "rerank.golden.jsonl"), "w") as f:
        f.writelines(json.dumps({"score": s[0], "tokens": len(e["input_ids"])}) + "\n"
                     for s, e in zip(scores, ids))
    bi = reference("bert-micro-bi", "embedding", pooling="cls")
    ids = tokenize(module, "bert-micro-bi", os.path.join(out, "texts.jsonl"))
    vecs = bi.forward([(e["input_ids"], e["token_type_ids"]) for e in ids])
    with open(os.path.join(out, "embed.golden.jsonl"), "w") as f:
        f.writelines(json.dumps({"embedding": v}) + "\n" for v in vecs)
    print("written to", out)


if __name__ == "__main__":
    main()
