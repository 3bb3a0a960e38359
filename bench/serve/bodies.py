"""Writes request bodies for the load test, one JSON per line, from the bundled SciFact:
search.jsonl ({"query", "k": 10} per test query) and rerank.jsonl (query + 20 documents).
Usage: python3 bench/serve/bodies.py DATA_DIR OUT_DIR"""
import gzip
import json
import os
import sys

data, out = sys.argv[1], sys.argv[2]
with gzip.open(os.path.join(data, "queries.jsonl.gz"), "rt") as f:
    queries = [json.loads(line)["text"] for line in f][:200]
with gzip.open(os.path.join(data, "corpus.jsonl.gz"), "rt") as f:
    docs = [json.loads(line)["text"] for _, line in zip(range(2000), f)]
with open(os.path.join(out, "search.jsonl"), "w") as f:
    for q in queries:
        f.write(json.dumps({"query": q, "k": 10}) + "\n")
with open(os.path.join(out, "rerank.jsonl"), "w") as f:
    for i, q in enumerate(queries):
        batch = [docs[(i * 20 + j) % len(docs)] for j in range(20)]
        f.write(json.dumps({"query": q, "documents": batch, "top_n": 5}) + "\n")
