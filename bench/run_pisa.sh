#!/usr/bin/env bash
# First stage against PISA (github.com/pisa-engine/pisa), on bench/run_first_stage.sh's corpus
# and query selection, in the same run.
#
#   bench/run_first_stage.sh                  # once: corpus, queries, cascade and Xapian indexes
#   PISA_SRC=/path/to/pisa bench/build_pisa.sh
#   PISA_BIN=/path/to/pisa/build-cascade/bin NQ=4000 REPEATS=5 PIN=1 bench/run_pisa.sh
#   PISA_BIN=... QTERMS=2-5 NQ=4000 REPEATS=5 PIN=1 bench/run_pisa.sh
#
# PISA is not a dependency and none of it is in this repository: bench/build_pisa.sh builds it
# from its own tree (or point PISA_BIN at any build holding parse_collection, invert,
# compress_inverted_index, create_wand_data, queries and evaluate_queries).
#
# Environment:
#   PISA_BIN     required; BUILD: cascade's build folder (default build-bench)
#   DOCS, NQ, QTERMS   as in run_first_stage.sh
#   ALGORITHMS   cascade names, each timed against PISA's counterpart: maxscore -> maxscore,
#                bmw -> block_max_wand, bmm -> block_max_maxscore, wand -> wand (default
#                "maxscore bmw bmm"; set to nothing to time only the whole processes)
#   KS           default "10 1000"
#   REPEATS      passes; each runs Xapian once per k (when run_first_stage.sh's Xapian index
#                is there; XAPIAN=0 skips it), then PISA and cascade alternately
#   WARMUP       cascade's untimed queries before the timed ones, default all of them (PISA's
#                `queries` first reads every list its queries will read); XAPIAN_WARMUP 300
#   PIN          a CPU to pin every engine to with taskset
#   ENCODING     PISA's index encoding (default block_simdbp); BLOCK: its block-max block
#                size (default 64, as in PISA's own benchmark scripts)
#   REINDEX=1    rebuild the PISA index
#
# Both engines index the same terms: PISA with its English tokenizer and the lowercase filter
# only, cascade with its default analyzer, which bench/check_analyzer shows leaves every word
# of this corpus as it is. Scores differ slightly (cascade is Lucene-exact BM25, with its
# one-byte document lengths; PISA uses exact lengths, and keeps the (k1 + 1) factor Lucene
# drops, which changes no ranking), so the top-10 overlap is printed too.
#
# Timing: PISA's `queries --runs 1` times each query alone (term lookup excluded) and reports
# the mean; its q/s is 1e6 / mean microseconds. cascade's q/s is queries / wall seconds of the
# whole batch, term lookup included. Timings are printed, never checked.
set -euo pipefail

# shellcheck source=bench/first_stage_common.sh
source "$(dirname "$0")/first_stage_common.sh"
algorithms=${ALGORITHMS-maxscore bmw bmm}
ks=${KS:-10 1000}
repeats=${REPEATS:-1}
encoding=${ENCODING:-block_simdbp}
block=${BLOCK:-64}
pisa_dir=$out/pisa
table=$root/bench/out/pisa$label.md

log() { echo "run_pisa: $*" >&2; }
die() { echo "run_pisa: error: $*" >&2; exit 1; }
pin=(); [[ -n "${PIN:-}" ]] && pin=(taskset -c "$PIN")

[[ -n "${PISA_BIN:-}" ]] || die "set PISA_BIN to the folder holding PISA's tools (see the header of $0)"
for tool in parse_collection invert compress_inverted_index create_wand_data queries evaluate_queries; do
  [[ -x $PISA_BIN/$tool ]] || die "PISA_BIN=$PISA_BIN has no executable '$tool'"
done
[[ -f $out/corpus.jsonl && -f $out/cascade-index.kv ]] ||
  die "no corpus or cascade index under $out: run bench/run_first_stage.sh (same DOCS) first"
command -v python3 > /dev/null || die "python3 is needed to convert the JSONL corpus for PISA"
[[ -n "${NO_BUILD:-}" ]] || cmake --build "$build" --target cascade_search_bench cascade >&2
cascade_cli=$build/src/cli/cascade
[[ -x $cascade_cli ]] || die "no $cascade_cli: build the 'cascade' target in $build"

# ---- queries: the selection run_first_stage.sh times, as PISA's "id:text" lines ----
queries=$(first_stage_queries)
mkdir -p "$pisa_dir"
pisa_queries=$pisa_dir/queries$label-$nq.txt
awk -F'\t' '{ print $1 ":" $2 }' "$queries" > "$pisa_queries"

# ---- PISA index, each step on one thread and timed ----
if [[ -n "${REINDEX:-}" || ! -f $pisa_dir/index.kv ]]; then
  log "PISA index ($encoding, block-max blocks of $block)"
  python3 -c '
import json, sys
for line in sys.stdin:
    doc = json.loads(line)
    sys.stdout.write(doc["id"] + " " + " ".join(doc["contents"].split()) + "\n")
' < "$out/corpus.jsonl" > "$pisa_dir/corpus.txt"
  t0=$(now)
  log "PISA parse_collection, invert, compress_inverted_index, create_wand_data (logs in $pisa_dir)"
  "$PISA_BIN/parse_collection" -j 1 -F lowercase -f plaintext -o "$pisa_dir/fwd" \
    < "$pisa_dir/corpus.txt" 2> "$pisa_dir/parse.log"
  t1=$(now)
  "$PISA_BIN/invert" -i "$pisa_dir/fwd" -o "$pisa_dir/inv" --threads 1 2> "$pisa_dir/invert.log"
  t2=$(now)
  "$PISA_BIN/compress_inverted_index" -e "$encoding" -c "$pisa_dir/inv" \
    -o "$pisa_dir/inv.$encoding" > "$pisa_dir/compress.log" 2>&1
  t3=$(now)
  "$PISA_BIN/create_wand_data" -c "$pisa_dir/inv" -o "$pisa_dir/inv.bm25.bmw" -s bm25 \
    -b "$block" 2> "$pisa_dir/wand.log"
  t4=$(now)
  terms=$(wc -l < "$pisa_dir/fwd.terms")
  # inv.docs: one list [1, documents] and then [n, n docids] per term, all 32-bit.
  postings=$(( $(stat -c %s "$pisa_dir/inv.docs") / 4 - 2 - terms ))
  echo "engine=pisa encoding=$encoding block=$block terms=$terms postings=$postings" \
    "parse_s=$(calc "$t1 - $t0" 2) invert_s=$(calc "$t2 - $t1" 2)" \
    "compress_s=$(calc "$t3 - $t2" 2) wand_s=$(calc "$t4 - $t3" 2) total_s=$(calc "$t4 - $t0" 2)" \
    "index_bytes=$(stat -c %s "$pisa_dir/inv.$encoding")" \
    "wand_bytes=$(stat -c %s "$pisa_dir/inv.bm25.bmw")" \
    "lexicon_bytes=$(( $(stat -c %s "$pisa_dir/fwd.termlex") + $(stat -c %s "$pisa_dir/fwd.doclex") ))" \
    > "$pisa_dir/index.kv"
  rm -f "$pisa_dir/corpus.txt" "$pisa_dir/fwd"
fi
pi=$(cat "$pisa_dir/index.kv")
ci=$(cat "$out/cascade-index.kv")
[[ $(value postings "$pi") == $(value postings "$ci") ]] ||
  log "WARNING: PISA counts $(value postings "$pi") postings, cascade $(value postings "$ci")"

pisa_name() {
  case $1 in
    maxscore) echo maxscore ;; bmw) echo block_max_wand ;; bmm) echo block_max_maxscore ;;
    wand) echo wand ;; *) die "no PISA counterpart for cascade's --algorithm $1" ;;
  esac
}
for alg in $algorithms; do pisa_name "$alg" > /dev/null; done  # die here, not in a $(...)
pisa_common=(-e "$encoding" -i "$pisa_dir/inv.$encoding" -w "$pisa_dir/inv.bm25.bmw"
  --terms "$pisa_dir/fwd.termlex" -F lowercase -s bm25 --bm25-k1 0.9 --bm25-b 0.4)

with_xapian=0
[[ ${XAPIAN:-1} != 0 && -d $out/xapian-compact && -x $build/bench/xapian_driver ]] && with_xapian=1

# ---- query speed: per pass, PISA then cascade for every algorithm and k ----
results=$out/pisa$label.kv
: > "$results"
for rep in $(seq 1 "$repeats"); do
  for k in $ks; do
    if [[ $with_xapian == 1 ]]; then
      log "pass $rep: k=$k Xapian"
      line=$("${pin[@]}" "$build/bench/xapian_driver" search --db "$out/xapian-compact" \
        --queries "$queries" --k "$k" --threads 1 --warmup "${XAPIAN_WARMUP:-300}" --run /dev/null)
      echo "$line load=$(cut -d' ' -f1 /proc/loadavg) rep=$rep" >> "$results"
    fi
    for alg in $algorithms; do
      palg=$(pisa_name "$alg")
      log "pass $rep: k=$k PISA $palg, cascade $alg"
      mean_us=$("${pin[@]}" "$PISA_BIN/queries" "${pisa_common[@]}" -q "$pisa_queries" -k "$k" \
        -a "$palg" --runs 1 2> /dev/null |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["times"][0]["mean"])')
      echo "engine=pisa algorithm=$alg k=$k qps=$(calc "1e6 / $mean_us") mean_us=$mean_us" \
        "load=$(cut -d' ' -f1 /proc/loadavg) rep=$rep" >> "$results"
      line=$("${pin[@]}" "$build/bench/cascade_search_bench" --index "$out/cascade-index" \
        --queries "$queries" --algorithm "$alg" --k "$k" --threads 1 --warmup "${WARMUP:-$(wc -l < "$queries")}")
      echo "$line load=$(cut -d' ' -f1 /proc/loadavg) rep=$rep" >> "$results"
    done
  done
done

# ---- whole processes writing a TREC run (start-up, lookup, search, output), MaxScore ----
declare -A pisa_wall=() cascade_wall=()
for k in $ks; do
  log "whole processes, k=$k"
  for rep in $(seq 1 "$repeats"); do
    t0=$(now)
    "${pin[@]}" "$PISA_BIN/evaluate_queries" "${pisa_common[@]}" -q "$pisa_queries" -k "$k" \
      -a maxscore -j 1 --documents "$pisa_dir/fwd.doclex" > "$pisa_dir/run-k$k.txt" 2> /dev/null
    t1=$(now)
    "${pin[@]}" "$cascade_cli" search --index "$out/cascade-index" --queries "$queries" --k "$k" \
      --algorithm maxscore --run "$pisa_dir/cascade-run-k$k.txt" > /dev/null 2>&1
    t2=$(now)
    pisa_wall[$k]+=" $(calc "$t1 - $t0" 3)" cascade_wall[$k]+=" $(calc "$t2 - $t1" 3)"
  done
done
median() { printf '%s\n' $@ | sort -g | awk '{ a[NR] = $1 } END { print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# Mean |top-10 of PISA ∩ top-10 of cascade| / 10 over the queries cascade answered.
first_k=${ks%% *}
overlap=$(awk '$4 <= 10 { if (FILENAME == ARGV[1]) { a[$1 " " $3] = 1; q[$1] = 1 } else if (($1 " " $3) in a) hit++ }
  END { n = 0; for (x in q) n++; printf "%.3f", n ? hit / (10 * n) : 0 }' \
  "$pisa_dir/cascade-run-k$first_k.txt" "$pisa_dir/run-k$first_k.txt")

# ---- table ----
{
  echo "Corpus: $out/corpus.jsonl ($docs documents). Timed queries: $(wc -l < "$queries")${qterms:+ of $qterms words}; BM25 k1 = 0.9, b = 0.4."
  echo "PISA: $encoding, block-max blocks of $block, no document reordering (neither engine reorders here). Passes: $repeats${PIN:+, both pinned to CPU $PIN}."
  echo
  echo "| index | build s (1 thread) | postings | postings bytes | bytes/posting | query-time files |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo "| PISA | $(value total_s "$pi") (parse $(value parse_s "$pi"), invert $(value invert_s "$pi"), compress $(value compress_s "$pi"), block-max $(value wand_s "$pi")) | $(value postings "$pi") | $(value index_bytes "$pi") | $(calc "$(value index_bytes "$pi") / $(value postings "$pi")" 3) | $(( $(value index_bytes "$pi") + $(value wand_bytes "$pi") + $(value lexicon_bytes "$pi") )) (without the document lexicon's text store) |"
  echo "| cascade | $(value seconds "$ci") wall, $(value cpu_seconds "$ci") CPU | $(value postings "$ci") | $(value postings_bytes "$ci") | $(value postings_bytes_per_posting "$ci") | $(value bytes "$ci") (document store included) |"
  echo
  echo "| algorithm | k | PISA q/s | cascade q/s (wall) | cascade q/CPU-s | cascade / PISA (wall) | PISA / Xapian | cascade / Xapian |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for k in $ks; do
    for alg in $algorithms; do
      awk -v alg="$alg" -v k="$k" '
        function median(a, n,   i, j, x) {
          for (i = 2; i <= n; ++i) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; --j) a[j + 1] = a[j]; a[j + 1] = x }
          return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        { delete v; for (i = 1; i <= NF; ++i) { e = index($i, "="); if (e) v[substr($i, 1, e - 1)] = substr($i, e + 1) } }
        v["engine"] == "xapian" && v["k"] == k { x[v["rep"]] = v["qps"] }
        v["algorithm"] != alg || v["k"] != k { next }
        v["engine"] == "pisa" { p[v["rep"]] = v["qps"]; np++; pq[np] = v["qps"]; if (v["rep"] in x) px[++nx] = v["qps"] / x[v["rep"]] }
        v["engine"] == "cascade" { nc++; cq[nc] = v["qps"]; cc[nc] = v["qps_cpu"]; r[nc] = v["qps"] / p[v["rep"]]
                                   if (v["rep"] in x) cx[nc] = v["qps"] / x[v["rep"]] }
        END { if (!nc) exit
              printf "| %s | %s | %.1f | %.1f | %.1f | %.2f | %s | %s |\n", alg, k, median(pq, np), median(cq, nc), median(cc, nc), median(r, nc),
                nx ? sprintf("%.2f", median(px, nx)) : "", nx ? sprintf("%.2f", median(cx, nc)) : "" }' "$results"
    done
  done
  echo
  echo "Ratios are medians of the ratios taken within each pass, on wall-clock q/s (Xapian's: bench/xapian_driver with external ids)."
  echo "Per pass, cascade / PISA: $(awk -v ks="$ks" '{ delete v; for (i = 1; i <= NF; ++i) { e = index($i, "="); if (e) v[substr($i, 1, e - 1)] = substr($i, e + 1) } }
    v["engine"] == "pisa" { p[v["algorithm"] " " v["k"] " " v["rep"]] = v["qps"] }
    v["engine"] == "cascade" { key = v["algorithm"] " k=" v["k"]; if (!(key in s)) o[++n] = key
      s[key] = s[key] sprintf(" %.2f", v["qps"] / p[v["algorithm"] " " v["k"] " " v["rep"]]) }
    END { for (i = 1; i <= n; ++i) printf "%s%s:%s", (i > 1 ? "; " : ""), o[i], s[o[i]] }' "$results")."
  echo
  for k in $ks; do
    echo "Whole process writing a TREC run of every timed query, k = $k, MaxScore (median of $repeats): PISA \`evaluate_queries -j 1\` $(median ${pisa_wall[$k]}) s, \`cascade search\` $(median ${cascade_wall[$k]}) s."
  done
  echo "Top-10 overlap, cascade vs PISA: $overlap."
} > "$table"
cat "$table"
