#!/bin/bash
# Cross-query batching in `cascade run`: a BM25 -> cross-encoder pipeline on the SciFact test
# queries (top 20 per query, MiniLM-L6-H384-shaped random-weight cross-encoder, the model of
# bench/model), run with --batch 1 and --batch 16 on the same threads, alternating, REPEAT
# times each. Prints pairs/s of the cross-encoder stage (its summed stage time) and of the
# whole run (wall) -- pairs = the stage's candidates out -- and checks that every run file is byte-identical.
#
#   bench/pipeline/batch.sh BUILD_DIR [THREADS] [REPEAT]
set -euo pipefail
BUILD=${1:?build dir}
THREADS=${2:-2}
REPEAT=${3:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${CASCADE_BENCH_DIR:-/tmp/cascade-batch-bench}
BIN=$BUILD/src/cli/cascade
DATA=$ROOT/data/scifact
mkdir -p "$WORK"
[ -f "$WORK/model/model.safetensors" ] || /usr/bin/python3 "$ROOT/bench/model/make_bench_inputs.py" "$WORK" 20 >/dev/null
[ -d "$WORK/index" ] || "$BIN" index --collection "$DATA" --index "$WORK/index" 2>/dev/null
cat > "$WORK/ce.yaml" <<YAML
name: bm25-ce
first_stage: {type: bm25, k: 100}
stages:
  - {type: cross_encoder, model: $WORK/model, k: 20, max_length: 256}
YAML
echo "# $(lscpu | grep 'Model name' | sed 's/ \+/ /g'), $(nproc) cpus, load $(cut -d' ' -f1 /proc/loadavg); $(date -u)"
echo "# 300 SciFact test queries x top 20 = 6000 pairs per run, $THREADS thread(s)"
printf "%-6s %-4s %10s %12s %12s\n" batch try wall_s stage_pairs/s run_pairs/s
for r in $(seq 1 "$REPEAT"); do
  for b in 1 16; do
    start=$(date +%s.%N)
    "$BIN" run --pipeline "$WORK/ce.yaml" --index "$WORK/index" --queries "$DATA/queries.jsonl.gz" \
      --qids-from "$DATA/qrels/test.tsv" --threads "$THREADS" --batch "$b" \
      --run "$WORK/run.b$b" > "$WORK/table.b$b" 2>&1
    end=$(date +%s.%N)
    stage_s=$(awk '$1 == "cross_encoder" {print $6}' "$WORK/table.b$b")
    pairs=$(awk '$1 == "cross_encoder" {printf "%d", $3 * 300 + 0.5}' "$WORK/table.b$b")
    awk -v b="$b" -v r="$r" -v s="$start" -v e="$end" -v st="$stage_s" -v p="$pairs" -v t="$THREADS" \
      'BEGIN { printf "%-6s %-4s %10.2f %12.1f %12.1f\n", b, r, e - s, p / (st / t), p / (e - s) }'
  done
  cmp -s "$WORK/run.b1" "$WORK/run.b16" || { echo "run files differ between --batch 1 and 16" >&2; exit 1; }
done
echo "# run files identical across batch sizes"
