#!/bin/bash
# Transformer inference benchmark: cascade (fp32, int8, bf16) vs PyTorch 1.13 (fp32, bf16) on
# the same MiniLM-L6-H384-shaped cross-encoder weights and the same SciFact token ids, 128 and
# 256 tokens, 1 and 2 threads; plus the OpenBLAS sgemm peak and int8-vs-fp32 Spearman.
#
#   bench/model/run.sh BUILD_DIR [TOKENIZERS_NPM_MODULE] [PAIRS]
# BUILD_DIR must be configured with -DCASCADE_BUILD_BENCH=ON and have bench_encoder and
# sgemm_peak built. The npm module defaults to /tmp/tok-npm/node_modules/tokenizers
# (npm install tokenizers@0.23.2).
set -euo pipefail
BUILD=${1:?build dir}
NPM=${2:-/tmp/tok-npm/node_modules/tokenizers}
PAIRS=${3:-256}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${CASCADE_BENCH_DIR:-/tmp/cascade-model-bench}
mkdir -p "$WORK"
[ -f "$WORK/model/model.safetensors" ] || /usr/bin/python3 "$ROOT/bench/model/make_bench_inputs.py" "$WORK" 1000
for len in 128 256; do
  [ -f "$WORK/ids$len.jsonl" ] || node "$ROOT/tests/reference/tokenize_inputs.js" "$NPM" \
      "$WORK/model/tokenizer.json" "$WORK/pairs.jsonl" $len > "$WORK/ids$len.jsonl"
  head -n "$PAIRS" "$WORK/ids$len.jsonl" > "$WORK/bench$len.jsonl"
done
echo "# $(lscpu | grep 'Model name' | sed 's/ \+/ /g'), $(nproc) cpus; $(date -u)"
for t in 1 2; do "$BUILD/bench/model/sgemm_peak" $t; done
for len in 128 256; do
  for t in 1 2; do
    echo "## tokens<=$len threads=$t"
    /usr/bin/python3 "$ROOT/bench/model/torch_bench.py" "$WORK/model" "$WORK/bench$len.jsonl" $t
    /usr/bin/python3 "$ROOT/bench/model/torch_bench.py" "$WORK/model" "$WORK/bench$len.jsonl" $t --bf16
    "$BUILD/bench/model/bench_encoder" "$WORK/model" "$WORK/bench$len.jsonl" $t
    "$BUILD/bench/model/bench_encoder" "$WORK/model" "$WORK/bench$len.jsonl" $t --int8
    "$BUILD/bench/model/bench_encoder" "$WORK/model" "$WORK/bench$len.jsonl" $t --bf16
  done
done
echo "## int8 vs fp32 ranking agreement, 1000 pairs, 128 tokens"
"$BUILD/bench/model/bench_encoder" "$WORK/model" "$WORK/ids128.jsonl" 1 --int8 --spearman
echo "## bf16 vs fp32 ranking agreement, 1000 pairs, 128 tokens"
"$BUILD/bench/model/bench_encoder" "$WORK/model" "$WORK/ids128.jsonl" 1 --bf16 --spearman
