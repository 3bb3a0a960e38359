#!/usr/bin/env python3
"""Writes SciFact's test-query subsets split by document overlap with the train split.

A test query is in the *no shared document* subset when none of its judged-relevant documents
(grade > 0) is judged relevant to any train query; the rest form the *shared document* subset.
A learning-to-rank model trained on the train split can learn which documents are cited
instead of how to rank; `cascade compare --subset FILE` evaluates the two subsets apart.

Usage: scripts/make_scifact_subsets.py [--data data/scifact] [--check 104,196]
Writes DATA/subsets/test-no-shared-doc.txt and DATA/subsets/test-shared-doc.txt: one query
id per line, in the order of qrels/test.tsv.
"""

import argparse
import os
import sys


def read_qrels(path):
    """query id -> {doc id: grade}, in file order; skips a BEIR header line."""
    qrels = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0] == "query-id":
                continue
            if len(fields) == 4:  # TREC: qid iter docid grade
                qid, doc, grade = fields[0], fields[2], fields[3]
            elif len(fields) == 3:  # BEIR: query-id corpus-id score
                qid, doc, grade = fields
            else:
                sys.exit(f"{path}: malformed line: {line.rstrip()}")
            qrels.setdefault(qid, {})[doc] = int(grade)
    return qrels


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "data", "scifact"))
    parser.add_argument("--check", default="", help="expected counts 'NO_SHARED,SHARED'; exit 1 if they differ")
    args = parser.parse_args()
    train = read_qrels(os.path.join(args.data, "qrels", "train.tsv"))
    test = read_qrels(os.path.join(args.data, "qrels", "test.tsv"))
    train_relevant = {doc for judged in train.values() for doc, grade in judged.items() if grade > 0}
    no_shared, shared = [], []
    for qid, judged in test.items():
        seen = any(grade > 0 and doc in train_relevant for doc, grade in judged.items())
        (shared if seen else no_shared).append(qid)
    out = os.path.join(args.data, "subsets")
    os.makedirs(out, exist_ok=True)
    for name, qids in (("test-no-shared-doc.txt", no_shared), ("test-shared-doc.txt", shared)):
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write("".join(q + "\n" for q in qids))
    print(f"test queries {len(test)}: no shared document {len(no_shared)}, shared {len(shared)}")
    if args.check:
        want = [int(x) for x in args.check.split(",")]
        if want != [len(no_shared), len(shared)]:
            print(f"expected {want[0]}/{want[1]}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
