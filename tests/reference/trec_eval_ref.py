#!/usr/bin/env python3
"""Independent reference for `cascade eval`: trec_eval 10.0 semantics in plain Python.

Written from the measure definitions in docs/eval.md (not translated from the C++), so the
two implementations can check each other. Standard library only.

    trec_eval_ref.py [-q] [-c] [-l N] [-m MEASURE]... QRELS RUN     print like trec_eval
    trec_eval_ref.py --fuzz CASCADE_BINARY [--cases N] [--seed S]   random differential test
"""

import argparse
import math
import os
import random
import subprocess
import sys
import tempfile

CUTS = [5, 10, 15, 20, 30, 100, 200, 500, 1000]
RECALL_POINTS = [i / 10 for i in range(11)]
MIN_GEO_MEAN = 0.00001
NOT_IN_POOL, UNJUDGED = -1, -2

# name -> (kind, default params, aggregate, printed per query); table order = print order.
TABLE = [
    ("runid", "none", None, "runid", False),
    ("num_q", "none", None, "count", False),
    ("num_ret", "none", None, "sum", True),
    ("num_rel", "none", None, "sum", True),
    ("num_rel_ret", "none", None, "sum", True),
    ("map", "none", None, "mean", True),
    ("gm_map", "none", None, "geo", False),
    ("Rprec", "none", None, "mean", True),
    ("bpref", "none", None, "mean", True),
    ("recip_rank", "none", None, "mean", True),
    ("iprec_at_recall", "fcut", RECALL_POINTS, "mean", True),
    ("P", "cut", CUTS, "mean", True),
    ("recall", "cut", CUTS, "mean", True),
    ("gm_bpref", "none", None, "geo", False),
    ("Rprec_mult", "fcut", [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0], "mean", True),
    ("utility", "list", [1.0, -1.0, 0.0, 0.0], "mean", True),
    ("11pt_avg", "list", RECALL_POINTS, "mean", True),
    ("binG", "none", None, "mean", True),
    ("ndcg", "none", None, "mean", True),
    ("ndcg_cut", "cut", CUTS, "mean", True),
    ("map_cut", "cut", CUTS, "mean", True),
    ("relative_P", "cut", CUTS, "mean", True),
    ("success", "cut", [1, 5, 10], "mean", True),
    ("set_P", "none", None, "mean", True),
    ("set_relative_P", "none", None, "mean", True),
    ("set_recall", "none", None, "mean", True),
    ("set_map", "none", None, "mean", True),
    ("set_F", "list", [1.0], "mean", True),
    ("num_nonrel_judged_ret", "none", None, "sum", True),
]
LONG = {"num_q", "num_ret", "num_rel", "num_rel_ret", "num_nonrel_judged_ret"}
NICK = {
    "official": ["runid", "num_q", "num_ret", "num_rel", "num_rel_ret", "map", "gm_map",
                 "Rprec", "bpref", "recip_rank", "iprec_at_recall", "P"],
    "all_trec": [t[0] for t in TABLE],
}


def read_qrels(path):
    qrels = {}
    for line in open(path, encoding="utf-8"):
        f = line.split()
        if not f or (len(f) == 3 and f[0] == "query-id"):
            continue
        qid, doc, rel = (f[0], f[2], f[3]) if len(f) == 4 else (f[0], f[1], f[2])
        qrels.setdefault(qid, {})[doc] = int(float(rel))
    return qrels


def read_run(path):
    run, tag = {}, "cascade"
    first = True
    for line in open(path, encoding="utf-8"):
        f = line.split()
        if not f:
            continue
        if first and len(f) >= 6:
            tag, first = f[5], False
        run.setdefault(f[0], []).append((f[2], float(f[4])))
    return run, tag


class Judged:
    """Ranked grades of one query plus the grade histogram of its judgments."""

    def __init__(self, entries, judgments, level):
        # Score descending; equal scores: larger document id (byte order) first.
        ranked = sorted(entries, key=lambda e: (e[1], e[0].encode()), reverse=True)
        ids = [d for d, _ in ranked]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate docs")
        self.rels = []
        for d in ids:
            g = judgments.get(d)
            self.rels.append(NOT_IN_POOL if g is None else (UNJUDGED if g < 0 else g))
        self.grades = [g for g in judgments.values() if g >= 0]
        self.level = level
        self.num_ret = len(self.rels)
        self.num_rel = sum(1 for g in self.grades if g >= level)
        self.num_rel_ret = sum(1 for r in self.rels if r >= 0 and r >= level)
        self.num_nonpool = self.rels.count(NOT_IN_POOL)
        self.num_unjudged = self.rels.count(UNJUDGED)

    def is_rel(self, i):
        return self.rels[i] >= self.level

    def rel_in_top(self, k):
        return sum(1 for i in range(min(k, self.num_ret)) if self.is_rel(i))


def ap(j):
    found, total = 0, 0.0
    for i in range(j.num_ret):
        if j.is_rel(i):
            found += 1
            total += found / (i + 1)
    return total / j.num_rel if found else 0.0


def ap_at(j, k):
    if j.num_rel == 0:
        return 0.0
    found, total = 0, 0.0
    for i in range(min(k, j.num_ret)):
        if j.is_rel(i):
            found += 1
            total += found / (i + 1)
    return total / j.num_rel


def bpref(j):
    nonrel_total = sum(1 for g in j.grades if g < j.level)
    seen_nonrel, total = 0, 0.0
    for r in j.rels:
        if r < 0:
            continue
        if r < j.level:
            seen_nonrel += 1
        else:
            total += 1.0 if seen_nonrel == 0 else \
                1.0 - min(seen_nonrel, j.num_rel) / min(nonrel_total, j.num_rel)
    return total / j.num_rel if j.num_rel else total


def interpolated(j, points):
    """Interpolated precision at recall points; point f is reached at the round(f*R)-th
    relevant document (round half away from zero, as C lround)."""
    prec_at = [j.rel_in_top(k) / k for k in range(1, j.num_ret + 1)]
    best_from = [0.0] * (j.num_ret + 1)
    for k in range(j.num_ret - 1, -1, -1):
        best_from[k] = max(prec_at[k], best_from[k + 1])
    tail = j.num_rel_ret / j.num_ret if j.num_ret else 0.0
    rel_ranks = [i for i in range(j.num_ret) if j.is_rel(i)]
    out = []
    for f in points:
        need = int(math.floor(f * j.num_rel + 0.5))
        if need > j.num_rel_ret:
            out.append(0.0)
        elif need == 0:
            out.append(max(best_from[0], tail) if j.num_ret else 0.0)
        else:
            out.append(best_from[rel_ranks[need - 1]])
    return out


def dcg_terms(gains):
    return [g / math.log2(i + 2) for i, g in enumerate(gains)]


def ndcg_at(j, k):
    got = sum(dcg_terms([max(r, 0) for r in j.rels[:k]]))
    ideal = sum(dcg_terms(sorted((g for g in j.grades if g > 0), reverse=True)[:k]))
    return got / ideal if ideal > 0 else got


def compute(name, params, j):
    if name == "num_q":
        return [1]
    if name == "num_ret":
        return [j.num_ret]
    if name == "num_rel":
        return [j.num_rel]
    if name == "num_rel_ret":
        return [j.num_rel_ret]
    if name == "num_nonrel_judged_ret":
        return [j.num_ret - j.num_nonpool - j.num_unjudged - j.num_rel_ret]
    if name == "map":
        return [ap(j)]
    if name == "gm_map":
        return [math.log(max(ap(j), MIN_GEO_MEAN))]
    if name == "Rprec":
        k = min(j.num_ret, j.num_rel)
        return [j.rel_in_top(k) / j.num_rel if k else 0.0]
    if name == "bpref":
        return [bpref(j)]
    if name == "gm_bpref":
        return [math.log(max(bpref(j), MIN_GEO_MEAN))]
    if name == "recip_rank":
        first = next((i for i in range(j.num_ret) if j.is_rel(i)), None)
        return [0.0 if first is None else 1.0 / (first + 1)]
    if name == "iprec_at_recall":
        return interpolated(j, params)
    if name == "11pt_avg":
        v = interpolated(j, sorted(params))
        return [sum(v) / len(v)]
    if name == "P":
        return [j.rel_in_top(k) / k for k in params]
    if name == "recall":
        return [j.rel_in_top(k) / j.num_rel if j.num_rel else 0.0 for k in params]
    if name == "relative_P":
        return [j.rel_in_top(k) / min(k, j.num_rel) if j.num_rel else 0.0 for k in params]
    if name == "success":
        return [1.0 if j.rel_in_top(k) else 0.0 for k in params]
    if name == "map_cut":
        return [ap_at(j, k) for k in params]
    if name == "ndcg":
        return [ndcg_at(j, 10 ** 9)]
    if name == "ndcg_cut":
        return [ndcg_at(j, k) for k in params]
    if name == "Rprec_mult":
        ks = [int(x * j.num_rel + 0.9) for x in params]
        return [j.rel_in_top(k) / k if k > 0 else 0.0 for k in ks]
    if name == "utility":
        a, b, c, d = params
        return [a * j.num_rel_ret + b * (j.num_ret - j.num_rel_ret) +
                c * (j.num_rel - j.num_rel_ret) + d * (j.num_rel_ret - j.num_ret - j.num_rel)]
    if name == "binG":
        total, nonrel = 0.0, 0
        for i in range(j.num_ret):
            if j.is_rel(i):
                total += 1 / math.log2(2 + nonrel)
            else:
                nonrel += 1
        return [total / j.num_rel if total else 0.0]
    if name == "set_P":
        return [j.num_rel_ret / j.num_ret if j.num_ret else 0.0]
    if name == "set_recall":
        return [j.num_rel_ret / j.num_rel if j.num_rel else 0.0]
    if name == "set_relative_P":
        d = min(j.num_ret, j.num_rel)
        return [j.num_rel_ret / d if d else 0.0]
    if name == "set_map":
        ok = j.num_ret and j.num_rel
        return [j.num_rel_ret ** 2 / (j.num_ret * j.num_rel) if ok else 0.0]
    if name == "set_F":
        if not j.num_rel_ret:
            return [0.0]
        p, r, x = j.num_rel_ret / j.num_ret, j.num_rel_ret / j.num_rel, params[0]
        return [(x + 1) * p * r / (x * p + r)]
    raise KeyError(name)


def select(measure_args):
    wanted, params = set(), {}
    for arg in measure_args or ["official"]:
        name, _, p = arg.partition(".")
        if p and name not in params:
            params[name] = p
        wanted.update(NICK.get(name, [name]))
    chosen = []
    for name, kind, default, agg, per_query in TABLE:
        if name not in wanted:
            continue
        p = default
        if name in params:
            p = [float(x) for x in params[name].split(",")]
            if kind in ("cut", "fcut"):
                p = sorted(p)
        if kind == "cut":
            p = [int(x) for x in p]
            names = [f"{name}_{k}" for k in p]
        elif kind == "fcut":
            names = [f"{name}_{k:3.2f}" for k in p]
        elif name in params:
            names = [f"{name}_{params[name]}"]
        else:
            names = [name]
        chosen.append((name, p, names, agg, per_query))
    return chosen


def line(name, qid, value):
    if name.split("_")[0] in ("num",) or name in LONG:
        return "%-22s\t%s\t%ld\n" % (name, qid, int(value))
    return "%-22s\t%s\t%6.4f\n" % (name, qid, value)


def evaluate(qrels, run, tag, measures, level, complete, per_query):
    chosen = select(measures)
    out, rows = [], []
    for qid in sorted(qrels, key=lambda s: s.encode()):
        if qid not in run and not complete:
            continue
        entries = run.get(qid, [("ceci_nest_pas_un_docno", 1.0)])
        j = Judged(entries, {} if qid not in run else qrels[qid], level)
        if qid not in run:  # stand-in ranking of trec_eval -c; judgments still count
            j = Judged([], qrels[qid], level)
            j.rels, j.num_ret, j.num_nonpool = [NOT_IN_POOL], 1, 1
        row = {}
        for name, p, names, _, _ in chosen:
            if name == "runid":
                continue
            for n, v in zip(names, compute(name, p, j)):
                row[n] = v
        if qid not in run and "num_ret" in row:
            row["num_ret"] = 0
        rows.append((qid, row))
    if not rows:
        raise ValueError("no queries")
    if per_query:
        for qid, row in rows:
            for name, _, names, _, pq in chosen:
                if pq:
                    out.extend(line(n, qid, row[n]) for n in names)
    divisor = len(qrels) if complete else len(rows)
    for name, _, names, agg, _ in chosen:
        if name == "runid":
            out.append("%-22s\t%s\t%s\n" % ("runid", "all", tag))
            continue
        for n in names:
            total = sum(row[n] for _, row in rows)
            if agg == "count":
                v = len(rows)
            elif agg == "sum":
                v = total
            elif agg == "geo":
                v = math.exp((total + (divisor - len(rows)) * math.log(MIN_GEO_MEAN)) / divisor)
            else:
                v = total / divisor
            out.append(line(n, "all", v))
    return "".join(out)


def random_case(rng, directory, index):
    """Writes a random qrels/run pair with ties, graded and negative grades, missing queries."""
    docs = [f"d{k}" for k in range(rng.randint(3, 30))]
    qrels_lines, run_lines = [], []
    for q in range(rng.randint(1, 6)):
        qid = str(rng.choice([q, q * 7, q + 100]))
        in_qrels, in_run = rng.random() < 0.85, rng.random() < 0.85
        if in_qrels:
            for d in rng.sample(docs, rng.randint(1, len(docs))):
                grade = rng.choice([-1, 0, 0, 0, 1, 1, 2, 3])
                qrels_lines.append(f"{qid} 0 {d} {grade}\n")
        if in_run:
            scores = [rng.choice([1.0, 2.0, 2.5, 3.0]) if rng.random() < 0.5 else
                      round(rng.uniform(-5, 5), 3) for _ in docs]
            for rank, d in enumerate(rng.sample(docs, rng.randint(1, len(docs)))):
                run_lines.append(f"{qid} Q0 {d} {rank + 1} {scores[rank]} run{index}\n")
    if not qrels_lines:
        qrels_lines.append("1 0 d0 1\n")
    rng.shuffle(run_lines)
    qrels_path = os.path.join(directory, f"q{index}.txt")
    run_path = os.path.join(directory, f"r{index}.txt")
    open(qrels_path, "w").write("".join(qrels_lines))
    open(run_path, "w").write("".join(run_lines))
    return qrels_path, run_path


def fuzz(binary, cases, seed):
    rng = random.Random(seed)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(cases):
            qrels_path, run_path = random_case(rng, tmp, index)
            level = rng.choice([1, 1, 2, 0])
            complete = rng.random() < 0.4
            measures = rng.choice([["all_trec"], ["official"], ["P.1,3,7", "ndcg_cut.2,4"],
                                   ["map", "recip_rank", "iprec_at_recall.0.25,0.5"]])
            args = [binary, "eval", "--qrels", qrels_path, "--run", run_path, "-q",
                    "-l", str(level)] + (["-c"] if complete else [])
            for m in measures:
                args += ["-m", m]
            got = subprocess.run(args, capture_output=True, text=True)
            try:
                want = evaluate(read_qrels(qrels_path), *read_run(run_path), measures, level,
                                complete, True)
            except ValueError:
                want = None
            if want is None:
                ok = got.returncode == 1
            else:
                ok = got.returncode == 0 and got.stdout == want
            if not ok:
                failures += 1
                print(f"case {index} differs: {' '.join(args[1:])}\n--- cascade\n{got.stdout}"
                      f"{got.stderr}--- reference\n{want}", file=sys.stderr)
                if failures >= 3:
                    break
    print(f"{cases - failures} passed, {failures} failed")
    return 1 if failures else 0


def main():
    ap_ = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap_.add_argument("-q", action="store_true")
    ap_.add_argument("-c", action="store_true")
    ap_.add_argument("-l", type=int, default=1)
    ap_.add_argument("-m", action="append")
    ap_.add_argument("--fuzz", metavar="CASCADE_BINARY")
    ap_.add_argument("--cases", type=int, default=300)
    ap_.add_argument("--seed", type=int, default=20240601)
    ap_.add_argument("files", nargs="*")
    a = ap_.parse_args()
    if a.fuzz:
        return fuzz(a.fuzz, a.cases, a.seed)
    if len(a.files) != 2:
        ap_.error("expected QRELS RUN")
    sys.stdout.write(evaluate(read_qrels(a.files[0]), *read_run(a.files[1]), a.m, a.l, a.c, a.q))
    return 0


if __name__ == "__main__":
    sys.exit(main())
