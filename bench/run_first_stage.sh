#!/usr/bin/env bash
# First-stage benchmark: cascade against Xapian 1.4 on one deterministic synthetic corpus.
#
#   bench/run_first_stage.sh                 # 1M documents, first 2000 of 10000 queries
#   DOCS=100000 NQ=500 bench/run_first_stage.sh
#
# Environment: BUILD (build folder, default build-bench, configured with
# -DCASCADE_BUILD_BENCH=ON), DOCS, NQ (timed queries), ALGORITHMS (cascade --algorithm
# names), THREADS, KS, REINDEX=1 (rebuild both indexes), SKIP_CASCADE=1 (Xapian only),
# CASCADE_INDEX_THREADS (cascade index --threads; default 1, Xapian indexes on one thread),
# NO_BUILD=1 (use the binaries already in BUILD), WARMUP (untimed queries first, default 500).
#
# cascade is measured through bench/cascade_index_bench and bench/cascade_search_bench: the
# library calls behind `cascade index` / `cascade search`, timed by the same harness
# (bench/timing.hpp) as bench/xapian_driver, in wall and in CPU seconds.
#
# Corpus, indexes, runs and logs are cached under bench/out/synth-$DOCS/ (gitignored); the
# table goes to bench/out/first_stage.md. Timings are printed, never checked.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build-bench}
docs=${DOCS:-1000000}
nq=${NQ:-2000}
algorithms=${ALGORITHMS:-exhaustive maxscore wand bmw}
threads_list=${THREADS:-1 2}
ks=${KS:-10 1000}
index_threads=${CASCADE_INDEX_THREADS:-1}
out=$root/bench/out/synth-$docs
table=$root/bench/out/first_stage.md
mkdir -p "$out"

log() { echo "run_first_stage: $*" >&2; }
now() { date +%s.%N; }
# value KEY LINE: the value of KEY=... in a key=value line
value() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
# fmt EXPR: evaluates a floating-point expression with awk, 1 decimal
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }

targets=(synth_corpus xapian_driver)
[[ -n "${SKIP_CASCADE:-}" ]] || targets+=(check_analyzer cascade_index_bench cascade_search_bench)
[[ -n "${NO_BUILD:-}" ]] || cmake --build "$build" --target "${targets[@]}" >&2
synth=$build/bench/synth_corpus
xapian=$build/bench/xapian_driver

if [[ ! -f $out/corpus.jsonl || ! -f $out/queries.tsv ]]; then
  log "generating $docs documents"
  "$synth" --docs "$docs" --queries 10000 --out "$out" 2> "$out/synth.log"
fi
cat "$out/synth.log" >&2 || true
head -n "$nq" "$out/queries.tsv" > "$out/queries-$nq.tsv"
head -n 1 "$out/queries.tsv" > "$out/queries-1.tsv"

# Same terms in both engines: cascade's default analyzer must keep every word as it is.
if [[ -z "${SKIP_CASCADE:-}" && ! -f $out/check_analyzer.log ]]; then
  "$build/bench/check_analyzer" "$out/corpus.jsonl" > "$out/check_analyzer.log"
fi

# ---- Xapian index (single-threaded: Xapian has no parallel indexer) ----
if [[ -n "${REINDEX:-}" || ! -f $out/xapian-index.kv ]]; then
  log "xapian index"
  rm -rf "$out/xapian" "$out/xapian-compact"
  "$xapian" index --collection "$out/corpus.jsonl" --db "$out/xapian" \
    --compact-to "$out/xapian-compact" > "$out/xapian-index.kv"
fi
xi=$(cat "$out/xapian-index.kv")
postings=$(value postings "$xi")
postlist_bytes=$(stat -c %s "$out/xapian-compact/postlist.glass")

# ---- cascade index ----
if [[ -z "${SKIP_CASCADE:-}" ]] && [[ -n "${REINDEX:-}" || ! -f $out/cascade-index.kv ]]; then
  log "cascade index --threads $index_threads"
  rm -rf "$out/cascade-index"
  # The library call behind `cascade index` (default analyzer, no positions), timed in-process.
  "$build/bench/cascade_index_bench" --collection "$out/corpus.jsonl" \
    --index "$out/cascade-index" --threads "$index_threads" > "$out/cascade-index.kv.tmp"
  mv "$out/cascade-index.kv.tmp" "$out/cascade-index.kv"
fi

# ---- queries ----
results=$out/search.kv
: > "$results"
for k in $ks; do
  for t in $threads_list; do
    for ids in with-ids no-ids; do
      flag=(); [[ $ids == no-ids ]] && flag=(--no-ids)
      log "xapian k=$k threads=$t $ids"
      line=$("$xapian" search --db "$out/xapian-compact" --queries "$out/queries-$nq.tsv" \
        --k "$k" --threads "$t" --warmup "${WARMUP:-500}" --run "$out/xapian-$ids-k$k.run" "${flag[@]}")
      echo "$line load=$(cut -d' ' -f1 /proc/loadavg)" >> "$results"
    done
    [[ -n "${SKIP_CASCADE:-}" ]] && continue
    for alg in $algorithms; do
      log "cascade $alg k=$k threads=$t"
      line=$("$build/bench/cascade_search_bench" --index "$out/cascade-index" \
        --queries "$out/queries-$nq.tsv" --algorithm "$alg" --k "$k" --threads "$t" \
        --warmup "${WARMUP:-500}" --run "$out/cascade-$alg-k$k.run")
      echo "$line load=$(cut -d' ' -f1 /proc/loadavg)" >> "$results"
    done
  done
done

# ---- agreement: top-10 overlap of cascade (exhaustive) with Xapian ----
overlap() {  # overlap RUN_A RUN_B: mean |top10(A) ∩ top10(B)| / 10 over queries of A
  awk '$4 <= 10 { if (FILENAME == ARGV[1]) a[$1 " " $3] = 1; else if (($1 " " $3) in a) hit++;
                  if (FILENAME == ARGV[1]) q[$1] = 1 }
       END { n = 0; for (x in q) n++; printf "%.3f", n ? hit / (10 * n) : 0 }' "$1" "$2"
}

# ---- table ----
{
  echo "Corpus: \`synth_corpus --docs $docs --queries 10000\` (seed 20261125): $(cut -d, -f1-3 "$out/synth.log" | sed 's/^synth_corpus: //')."
  echo "Timed queries: the first $nq; k1 = 0.9, b = 0.4."
  [[ -f $out/check_analyzer.log ]] && tail -n 1 "$out/check_analyzer.log"
  echo
  echo "| index build | docs/s (wall) | docs/CPU-s | wall s | CPU s | index bytes | bytes/posting |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  echo "| Xapian 1.4 (glass, 1 thread) | $(value docs_per_s "$xi") | $(calc "$docs / $(value cpu_seconds "$xi")" 0) | $(value seconds "$xi") | $(value cpu_seconds "$xi") | $(value bytes "$xi") | $(value bytes_per_posting "$xi") |"
  echo "| Xapian 1.4, then compacted | | | +$(value compact_seconds "$xi") | | $(value compact_bytes "$xi") | $(value compact_bytes_per_posting "$xi") |"
  echo "| Xapian 1.4 compacted, postlist table only | | | | | $postlist_bytes | $(calc "$postlist_bytes / $postings" 3) |"
  if [[ -f $out/cascade-index.kv ]]; then
    ci=$(cat "$out/cascade-index.kv")
    echo "| cascade (--threads $(value threads "$ci")) | $(value docs_per_s "$ci") | $(calc "$docs / $(value cpu_seconds "$ci")" 0) | $(value seconds "$ci") | $(value cpu_seconds "$ci") | $(value bytes "$ci") | $(value bytes_per_posting "$ci") |"
    echo "| cascade, postings files only | | | | | $(value postings_bytes "$ci") | $(value postings_bytes_per_posting "$ci") |"
  fi
  echo
  echo "Postings (document-term pairs, the same in both engines): $postings."
  [[ -f $out/cascade-index.kv ]] && echo "cascade counts $(value postings "$(cat "$out/cascade-index.kv")") postings and $(value terms "$(cat "$out/cascade-index.kv")") terms."
  echo
  echo "| engine | algorithm | k | threads | queries/s (wall) | queries/CPU-s | wall vs Xapian | CPU vs Xapian | load |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  for k in $ks; do
    for t in $threads_list; do
      base=$(grep "engine=xapian .*variant=with-ids k=$k threads=$t " "$results")
      bq=$(value qps "$base")
      bc=$(value qps_cpu "$base")
      row() {  # row NAME ALGORITHM LINE
        local q c
        q=$(value qps "$3")
        c=$(value qps_cpu "$3")
        echo "| $1 | $2 | $k | $t | $q | $c | $(calc "$q / $bq" 2) | $(calc "$c / $bc" 2) | $(value load "$3") |"
      }
      row "Xapian 1.4" "matcher + external ids" "$base"
      row "Xapian 1.4" "matcher only (no id lookup)" \
        "$(grep "engine=xapian .*variant=no-ids k=$k threads=$t " "$results")"
      { grep "engine=cascade .*k=$k threads=$t " "$results" || true; } | while read -r line; do
        row cascade "$(value algorithm "$line")" "$line"
      done
    done
  done
  if [[ -f $out/cascade-exhaustive-k10.run ]]; then
    echo
    echo "Top-10 overlap, cascade exhaustive vs Xapian: $(overlap "$out/cascade-exhaustive-k10.run" "$out/xapian-with-ids-k10.run")"
  fi
} > "$table"
cat "$table"
