#!/usr/bin/python3
"""Writes the benchmark model and inputs into OUT_DIR (not committed):
- model/: a MiniLM-L6-H384-shaped cross-encoder (BertForSequenceClassification, 6 layers,
  hidden 384, 12 heads, FFN 1536, real 30,522-token vocabulary, fp32 random weights, HF layout);
- pairs.jsonl: N SciFact (query, document) pairs: every test query with its judged documents,
  then with the next corpus documents, until N pairs.
Usage: make_bench_inputs.py OUT_DIR [N]
"""
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "reference"))
import make_goldens  # noqa: E402
import safetensors_io  # noqa: E402

SCIFACT = "/work/shared/data/scifact"


def main():
    out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    spec = dict(arch="BertForSequenceClassification", hidden=384, layers=6, heads=12, ffn=1536,
                vocab=30522, dtype=torch.float32, num_labels=1, shards=1)
    cfg = make_goldens.make_config(spec)
    weights = make_goldens.make_weights(spec, cfg, torch.Generator().manual_seed(7))
    d = os.path.join(out, "model")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    safetensors_io.save(weights, os.path.join(d, "model.safetensors"))
    shutil.copy(make_goldens.TOKENIZER, os.path.join(d, "tokenizer.json"))
    queries = {}
    with open(os.path.join(SCIFACT, "queries.jsonl")) as f:
        for line in f:
            q = json.loads(line)
            queries[q["_id"]] = q["text"]
    docs = []
    with open(os.path.join(SCIFACT, "corpus.jsonl")) as f:
        for line in f:
            doc = json.loads(line)
            docs.append((doc["_id"], (doc.get("title", "") + " " + doc["text"]).strip()))
    by_id = dict(docs)
    pairs = []
    with open(os.path.join(SCIFACT, "qrels", "test.tsv")) as f:
        next(f)
        for line in f:
            qid, did, _ = line.split("\t")
            if qid in queries and did in by_id:
                pairs.append((queries[qid], by_id[did]))
    qlist = list(queries.values())
    i = 0
    while len(pairs) < n:
        pairs.append((qlist[i % len(qlist)], docs[i % len(docs)][1]))
        i += 1
    with open(os.path.join(out, "pairs.jsonl"), "w") as f:
        for q, doc in pairs[:n]:
            f.write(json.dumps({"query": q, "document": doc}) + "\n")


if __name__ == "__main__":
    main()
