#!/usr/bin/env bash
# Dense and hybrid retrieval with the real GloVe-derived static model on a BEIR-style
# collection: BM25, dense alone, hybrid RRF, hybrid min-max with the dense weight tuned on the
# TRAIN queries (never on test), and prf_vector after the tuned hybrid. Prints each pipeline's
# table (nDCG@10, R@100, MAP) on the test queries and `cascade compare` against BM25.
#
#   bench/dense/hybrid_effectiveness.sh BUILD COLLECTION TRAIN_QRELS TEST_QRELS [WORK]
#   e.g. bench/dense/hybrid_effectiveness.sh build data/scifact data/scifact/qrels/train.tsv \
#        data/scifact/qrels/test.tsv /tmp/hybrid-scifact
#
# TRAIN_QRELS "-" skips tuning and uses WEIGHT (default 0.05, SciFact's train choice): for
# collections without a train split, so that no weight is ever tuned on test queries.
# The model comes from scripts/fetch_glove_model (npm; SIF-weighted unless GLOVE=plain). Classic collections without a train
# split: pass the same qrels twice and read the tuned weight as tuned on test (say so).
set -euo pipefail
build=${1:?build dir}
collection=${2:?collection}
train=${3:?train qrels}
test=${4:?test qrels}
work=${5:-/tmp/cascade-hybrid}
root=$(cd "$(dirname "$0")/../.." && pwd)
cascade=$build/src/cli/cascade
# GLOVE=plain uses the unweighted vectors; the default is the SIF-weighted table.
if [[ "${GLOVE:-sif}" == plain ]]; then model=$("$root/scripts/fetch_glove_model"); else model=$("$root/scripts/fetch_glove_model" --sif); fi
queries=$collection/queries.jsonl.gz
[[ -f $queries ]] || queries=$collection/queries.jsonl
if [[ ! -f $collection/corpus.jsonl && ! -f $collection/corpus.jsonl.gz ]]; then
    # A classic collection: converted to a BEIR folder first.
    mkdir -p "$work"
    "$cascade" convert --input "$collection" --output "$work/beir" >/dev/null
    collection=$work/beir
    queries=$collection/queries.jsonl
    [[ $test == - ]] && test=$collection/qrels/test.tsv
fi
mkdir -p "$work"
idx=$work/index

if [[ ! -f $idx/dense/dense.manifest ]]; then
    "$cascade" index --quiet --collection "$collection" --index "$idx" --embedder "$model" \
        --threads "$(nproc)"
fi

pipe() {  # name yaml
    printf '%s\n' "$2" > "$work/$1.yaml"
}
pipe bm25 "name: bm25
first_stage: {type: bm25, k: 1000}"
pipe dense "name: dense
first_stage: {type: dense, k: 1000, method: exact}"
pipe rrf "name: hybrid_rrf
first_stages:
  - {type: bm25, k: 1000}
  - {type: dense, k: 1000, method: exact}
stages:
  - {type: fusion, method: rrf, k: 1000}"
minmax() {  # weight
    printf 'name: hybrid_minmax\nfirst_stages:\n  - {type: bm25, k: 1000}\n  - {type: dense, k: 1000, method: exact}\nstages:\n  - {type: fusion, method: minmax, weights: [1.0, %s], k: 1000}\n' "$1"
}

run() {  # pipeline qrels out
    "$cascade" run --pipeline "$1" --index "$idx" --queries "$queries" --qids-from "$2" \
        --qrels "$2" --run "$3" --threads "$(nproc)" 2>&1 | grep -E '^(bm25|dense|fusion|prf_vector) ' 
}
ndcg() {  # qrels run
    "$cascade" eval -m ndcg_cut.10 --qrels "$1" --run "$2" | awk '{print $3}'
}

best_w=${WEIGHT:-0.05}
best=-1
[[ $train == - ]] && echo "== dense weight $best_w, not tuned here"
[[ $train == - ]] || echo "== tuning the min-max dense weight on $train"
[[ $train == - ]] || for w in 0 0.05 0.1 0.2 0.3 0.5 0.75 1.0; do
    minmax "$w" > "$work/minmax_$w.yaml"
    run "$work/minmax_$w.yaml" "$train" "$work/train_minmax_$w.run" >/dev/null
    score=$(ndcg "$train" "$work/train_minmax_$w.run")
    echo "weight $w: train nDCG@10 $score"
    if awk -v a="$score" -v b="$best" 'BEGIN{exit !(a > b)}'; then best=$score; best_w=$w; fi
done
[[ $train == - ]] || echo "chosen dense weight: $best_w (train nDCG@10 $best)"
minmax "$best_w" > "$work/minmax.yaml"
pipe prf "name: hybrid_prf
first_stages:
  - {type: bm25, k: 1000}
  - {type: dense, k: 1000, method: exact}
stages:
  - {type: fusion, method: minmax, weights: [1.0, $best_w], k: 1000}
  - {type: prf_vector, fb_docs: 3, alpha: 1.0, beta: 1.0, k: 1000}"

echo "== test: $test"
for p in bm25 dense rrf minmax prf; do
    echo "-- $p"
    run "$work/$p.yaml" "$test" "$work/test_$p.run"
done
for p in dense rrf minmax prf; do
    echo "-- compare bm25 -> $p"
    "$cascade" compare --qrels "$test" -m ndcg_cut.10 -m recall.100 --trials 10000 --summary-only \
        "$work/test_bm25.run" "$work/test_$p.run"
done
