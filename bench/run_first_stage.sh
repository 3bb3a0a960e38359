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
# NO_BUILD=1 (use the binaries already in BUILD), XAPIAN_VARIANTS (default "with-ids no-ids";
# "with-ids" alone skips the matcher-only rows), WARMUP (untimed queries first, default 500),
# QTERMS=MIN-MAX (time only queries of MIN..MAX words, e.g. 2-5; the table then goes to
# first_stage-qMINtoMAX.md), REPEATS (query passes, default 1; with more, every queries/s
# column is the median over passes and every "vs Xapian" ratio the median of the ratios taken
# within one pass, each pass running Xapian and cascade alternately).
#
# cascade is measured through bench/cascade_index_bench and bench/cascade_search_bench: the
# library calls behind `cascade index` / `cascade search`, timed by the same harness
# (bench/timing.hpp) as bench/xapian_driver, in wall and in CPU seconds.
#
# Corpus, indexes, runs and logs are cached under bench/out/synth-$DOCS/ (gitignored); the
# table goes to bench/out/first_stage.md. Timings are printed, never checked.
set -euo pipefail

# shellcheck source=bench/first_stage_common.sh
source "$(dirname "$0")/first_stage_common.sh"
algorithms=${ALGORITHMS:-exhaustive maxscore wand bmw}
threads_list=${THREADS:-1 2}
ks=${KS:-10 1000}
index_threads=${CASCADE_INDEX_THREADS:-1}
repeats=${REPEATS:-1}
table=$root/bench/out/first_stage$label.md
mkdir -p "$out"

log() { echo "run_first_stage: $*" >&2; }

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
queries=$(first_stage_queries)
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
results=$out/search$label.kv
: > "$results"
for rep in $(seq 1 "$repeats"); do
for k in $ks; do
  for t in $threads_list; do
    for ids in ${XAPIAN_VARIANTS:-with-ids no-ids}; do
      flag=(); [[ $ids == no-ids ]] && flag=(--no-ids)
      log "xapian k=$k threads=$t $ids"
      line=$("$xapian" search --db "$out/xapian-compact" --queries "$queries" \
        --k "$k" --threads "$t" --warmup "${WARMUP:-500}" --run "$out/xapian-$ids-k$k.run" "${flag[@]}")
      echo "$line load=$(cut -d' ' -f1 /proc/loadavg) rep=$rep" >> "$results"
    done
    [[ -n "${SKIP_CASCADE:-}" ]] && continue
    for alg in $algorithms; do
      log "cascade $alg k=$k threads=$t"
      line=$("$build/bench/cascade_search_bench" --index "$out/cascade-index" \
        --queries "$queries" --algorithm "$alg" --k "$k" --threads "$t" \
        --warmup "${WARMUP:-500}" --run "$out/cascade-$alg-k$k.run")
      echo "$line load=$(cut -d' ' -f1 /proc/loadavg) rep=$rep" >> "$results"
    done
  done
done
done

# Runs must not depend on the algorithm: every cascade run equals the exhaustive one.
for k in $ks; do
  for alg in $algorithms; do
    [[ -f $out/cascade-exhaustive-k$k.run && -f $out/cascade-$alg-k$k.run ]] || continue
    cmp -s "$out/cascade-exhaustive-k$k.run" "$out/cascade-$alg-k$k.run" ||
      log "WARNING: cascade $alg k=$k run differs from exhaustive"
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
  if [[ -n $qterms ]]; then
    echo "Timed queries: the first $(wc -l < "$queries") of $qterms words; k1 = 0.9, b = 0.4."
  else
    echo "Timed queries: the first $nq; k1 = 0.9, b = 0.4."
  fi
  echo "Passes: $repeats (queries/s: median over passes; vs Xapian: median of per-pass ratios; load: min-max)."
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
      base_pattern="engine=xapian .*variant=with-ids k=$k threads=$t "
      row() {  # row NAME ALGORITHM PATTERN: medians over passes of the lines matching PATTERN
        awk -v name="$1" -v alg="$2" -v k="$k" -v t="$t" -v pattern="$3" -v base="$base_pattern" '
          function median(a, n,   i, j, x) {
            for (i = 2; i <= n; ++i) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; --j) a[j + 1] = a[j]; a[j + 1] = x }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
          { delete v; for (i = 1; i <= NF; ++i) { e = index($i, "="); if (e) v[substr($i, 1, e - 1)] = substr($i, e + 1) } }
          NR == FNR { if ($0 ~ base) { bq[v["rep"]] = v["qps"]; bc[v["rep"]] = v["qps_cpu"] } next }
          $0 ~ pattern { n++; q[n] = v["qps"]; c[n] = v["qps_cpu"]; rq[n] = q[n] / bq[v["rep"]]
                         rc[n] = c[n] / bc[v["rep"]]; l = v["load"] + 0
                         if (n == 1 || l < lo) lo = l; if (n == 1 || l > hi) hi = l }
          END { if (n == 0) exit
                printf "| %s | %s | %s | %s | %.1f | %.1f | %.2f | %.2f | %.2f-%.2f |\n", name, alg, k, t,
                  median(q, n), median(c, n), median(rq, n), median(rc, n), lo, hi }' "$results" "$results"
      }
      row "Xapian 1.4" "matcher + external ids" "$base_pattern"
      row "Xapian 1.4" "matcher only (no id lookup)" "engine=xapian .*variant=no-ids k=$k threads=$t "
      for alg in $algorithms; do
        [[ -n "${SKIP_CASCADE:-}" ]] || row cascade "$alg" "engine=cascade .*algorithm=$alg k=$k threads=$t "
      done
    done
  done
  if [[ -f $out/cascade-exhaustive-k10.run ]]; then
    echo
    echo "Top-10 overlap, cascade exhaustive vs Xapian: $(overlap "$out/cascade-exhaustive-k10.run" "$out/xapian-with-ids-k10.run")"
  fi
} > "$table"
cat "$table"
