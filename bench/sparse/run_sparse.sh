#!/usr/bin/env bash
# Learned-sparse (impact) retrieval benchmark: queries/s of every top-k algorithm at k = 10 and
# k = 1000, one thread, on the synthetic SPLADE-like collection of retrieve/impact_synth.hpp;
# next to it, in the same run on the same machine, the BM25 path on its own usual synthetic
# corpus (bench/run_first_stage.sh's MS MARCO-shaped one, cached under bench/out/synth-N).
#
#   bench/sparse/run_sparse.sh                    # 1M documents, 500 timed queries
#   DOCS=300000 NQ=300 bench/sparse/run_sparse.sh
#
# Environment: BUILD (build folder configured with -DCASCADE_BUILD_BENCH=ON, default
# build-bench), DOCS, NQ (timed queries), WARMUP (untimed queries first, default 50), KS
# (default "10 1000"), ALGORITHMS (default "exhaustive maxscore wand bmw bmm"), BM25_DOCS
# (BM25 corpus size, default DOCS; 0 skips BM25), REBUILD=1 (rebuild the impact part),
# NO_BUILD=1 (use the binaries in BUILD), SPARSE_BENCH (path of sparse_bench, default
# BUILD/bench/sparse/sparse_bench).
#
# Every algorithm must return the same hits: the script compares their checksums per k and
# says so under the table. The table goes to bench/out/sparse.md; timings are printed, never
# checked.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build-bench}
docs=${DOCS:-1000000}
nq=${NQ:-500}
warmup=${WARMUP:-50}
ks=${KS:-10 1000}
algorithms=${ALGORITHMS:-exhaustive maxscore wand bmw bmm}
bm25_docs=${BM25_DOCS:-$docs}
sparse=${SPARSE_BENCH:-$build/bench/sparse/sparse_bench}
out=$root/bench/out/sparse-$docs
table=$root/bench/out/sparse.md
mkdir -p "$out"

log() { echo "run_sparse: $*" >&2; }
value() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }

targets=(sparse_bench)
[[ $bm25_docs == 0 ]] || targets+=(synth_corpus cascade_index_bench cascade_search_bench)
[[ -n "${NO_BUILD:-}" ]] || cmake --build "$build" --target "${targets[@]}" >&2

# ---- impact part ----
if [[ -n "${REBUILD:-}" || ! -f $out/impact/impact.meta || ! -f $out/build.kv ]]; then
  log "building the impact part of $docs synthetic documents"
  rm -rf "$out/impact"
  "$sparse" build --docs "$docs" --out "$out" > "$out/build.kv.tmp"
  mv "$out/build.kv.tmp" "$out/build.kv"
fi
bi=$(cat "$out/build.kv")

results=$out/search.kv
: > "$results"
for k in $ks; do
  for alg in $algorithms; do
    log "impact $alg k=$k"
    line=$("$sparse" search --docs "$docs" --out "$out" --queries "$nq" --warmup "$warmup" \
      --algorithm "$alg" --k "$k")
    echo "$line load=$(cut -d' ' -f1 /proc/loadavg)" >> "$results"
  done
done

# ---- BM25 on its own corpus ----
if [[ $bm25_docs != 0 ]]; then
  synth_out=$root/bench/out/synth-$bm25_docs
  mkdir -p "$synth_out"
  if [[ ! -f $synth_out/corpus.jsonl || ! -f $synth_out/queries.tsv ]]; then
    log "generating the BM25 corpus ($bm25_docs documents)"
    "$build/bench/synth_corpus" --docs "$bm25_docs" --queries 10000 --out "$synth_out" \
      2> "$synth_out/synth.log"
  fi
  if [[ ! -f $synth_out/cascade-index.kv ]]; then
    log "BM25 index"
    rm -rf "$synth_out/cascade-index"
    "$build/bench/cascade_index_bench" --collection "$synth_out/corpus.jsonl" \
      --index "$synth_out/cascade-index" --threads 1 > "$synth_out/cascade-index.kv.tmp"
    mv "$synth_out/cascade-index.kv.tmp" "$synth_out/cascade-index.kv"
  fi
  head -n "$((nq + warmup))" "$synth_out/queries.tsv" > "$out/bm25-queries.tsv"
  for k in $ks; do
    for alg in $algorithms; do
      log "bm25 $alg k=$k"
      line=$("$build/bench/cascade_search_bench" --index "$synth_out/cascade-index" \
        --queries "$out/bm25-queries.tsv" --algorithm "$alg" --k "$k" --threads 1 \
        --warmup "$warmup")
      echo "$line load=$(cut -d' ' -f1 /proc/loadavg)" >> "$results"
    done
  done
fi

# ---- table ----
{
  echo "Impact part: \`sparse_bench build --docs $docs\` (retrieve/impact_synth.hpp, seed 20261205):"
  echo "$(value docs "$bi") documents, $(value terms "$bi") terms, $(value postings "$bi") postings,"
  echo "$(value postings_bytes "$bi") bytes of postings ($(value bytes_per_posting "$bi") bytes/posting), built in $(value seconds "$bi") s."
  first=$(head -n 1 "$results")
  echo "Queries: $nq timed after $warmup untimed, $(value terms_per_query "$first") terms and $(value postings_per_query "$first") postings per query on average."
  if [[ $bm25_docs != 0 ]]; then
    echo "BM25: \`synth_corpus --docs $bm25_docs\` (bench/run_first_stage.sh's corpus), its first $nq queries after $warmup untimed; k1 = 0.9, b = 0.4."
  fi
  echo
  echo "| path | algorithm | k | queries/s (wall) | queries/CPU-s | mean ms | p50 ms | p99 ms | vs exhaustive | load |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for engine in cascade-impact cascade; do
    for k in $ks; do
      base=$(grep "engine=$engine .*algorithm=exhaustive k=$k " "$results" || true)
      { grep "engine=$engine .*k=$k " "$results" || true; } | while read -r line; do
        name=$([[ $engine == cascade ]] && echo "BM25 (own corpus)" || echo "impact")
        speedup=""
        [[ -n $base ]] && speedup="$(calc "$(value qps "$line") / $(value qps "$base")" 2)x"
        echo "| $name | $(value algorithm "$line") | $k | $(value qps "$line") | $(value qps_cpu "$line") | $(value mean_ms "$line") | $(value p50_ms "$line") | $(value p99_ms "$line") | $speedup | $(value load "$line") |"
      done
    done
  done
  echo
  for k in $ks; do
    n=$(grep "engine=cascade-impact .*k=$k " "$results" | sed -n 's/.*checksum=\([^ ]*\).*/\1/p' | sort -u | wc -l)
    if [[ $n == 1 ]]; then
      echo "k=$k: every impact algorithm returned the same hits and scores (one checksum)."
    else
      echo "k=$k: THE IMPACT ALGORITHMS DISAGREE ($n different checksums)."
    fi
  done
} > "$table"
cat "$table"
