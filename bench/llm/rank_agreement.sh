#!/bin/bash
# Rank agreement of the reduced-precision LLM re-ranker paths with fp32 (issue 11: Spearman
# >= 0.99 over 1,000 SciFact pairs): a random-weight Qwen3-Reranker-0.6B-shaped model cut to
# LAYERS blocks (every width as in 0.6B; fewer blocks so 1,000 pairs take minutes, not an
# hour), QUERIES SciFact test queries x DOCS abstracts each, scored by cascade in fp32, bf16
# and int8 (shared prefix on). Prints Spearman over all pairs and the mean per-query Spearman.
#
#   bench/llm/rank_agreement.sh BUILD_DIR [QUERIES] [DOCS] [LAYERS] [THREADS]
# BUILD_DIR must be configured with -DCASCADE_BUILD_BENCH=ON and have bench_decoder built.
set -euo pipefail
BUILD=${1:?build dir}
QUERIES=${2:-50}
DOCS=${3:-20}
LAYERS=${4:-4}
THREADS=${5:-2}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${CASCADE_BENCH_DIR:-/tmp/cascade-llm-agreement}-$QUERIES-$DOCS-$LAYERS
mkdir -p "$WORK"
[ -f "$WORK/model/model.safetensors" ] ||
    /usr/bin/python3 "$ROOT/bench/llm/make_model.py" "$WORK/model" "$QUERIES" "$DOCS" "$LAYERS"
BENCH="$BUILD/bench/llm/bench_decoder"
echo "# $(lscpu | grep 'Model name' | sed 's/ \+/ /g'), $(nproc) cpus; $(date -u)"
echo "# $QUERIES queries x $DOCS documents, $LAYERS blocks of the 0.6B shape, $THREADS threads"
"$BENCH" "$WORK/model" "$WORK/model/pairs.jsonl" "$THREADS" --scores "$WORK/fp32.scores"
"$BENCH" "$WORK/model" "$WORK/model/pairs.jsonl" "$THREADS" --bf16 --scores "$WORK/bf16.scores"
"$BENCH" "$WORK/model" "$WORK/model/pairs.jsonl" "$THREADS" --int8 --scores "$WORK/int8.scores"
/usr/bin/python3 - "$WORK" "$DOCS" <<'PY'
import sys
w, per = sys.argv[1], int(sys.argv[2])
read = lambda n: [float(x) for x in open(f"{w}/{n}.scores")]

def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    i = 0
    while i < len(order):  # average ranks over ties
        j = i
        while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r

def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    n = len(a)
    ma, mb = sum(ra) / n, sum(rb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    va = sum((x - ma) ** 2 for x in ra) ** 0.5
    vb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (va * vb)

fp32 = read("fp32")
for name in ("bf16", "int8"):
    other = read(name)
    per_query = [spearman(fp32[q:q + per], other[q:q + per]) for q in range(0, len(fp32), per)]
    print("%s vs fp32: Spearman %.4f over %d pairs; per query mean %.4f, min %.4f; "
          "max |logit difference| %.3f" %
          (name, spearman(fp32, other), len(fp32), sum(per_query) / len(per_query),
           min(per_query), max(abs(a - b) for a, b in zip(fp32, other))))
PY
