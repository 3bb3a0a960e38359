# Sourced by bench/run_first_stage.sh and bench/run_pisa.sh, so that both find the same corpus
# and time the very same queries.
#
# Sets root, build (BUILD, default build-bench), docs (DOCS, default 1000000), nq (NQ, default
# 2000), qterms (QTERMS=MIN-MAX or empty), label (-qMINtoMAX or empty) and out (the corpus
# folder, bench/out/synth-$docs), and the helpers now, value and calc.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$root/build-bench}
docs=${DOCS:-1000000}
nq=${NQ:-2000}
qterms=${QTERMS:-}
label=${qterms:+-q${qterms/-/to}}
out=$root/bench/out/synth-$docs

# first_stage_queries: writes $out/queries$label-$nq.tsv from $out/queries.tsv (tab-separated
# id and text) and prints its path. With QTERMS=MIN-MAX it keeps the first NQ queries of
# MIN..MAX words (words split on spaces), else the first NQ.
first_stage_queries() {
  local file=$out/queries$label-$nq.tsv
  if [[ -n $qterms ]]; then
    awk -F'\t' -v lo="${qterms%-*}" -v hi="${qterms#*-}" -v max="$nq" \
      '{ n = split($2, w, " ") } n >= lo && n <= hi && taken++ < max' "$out/queries.tsv" \
      > "$file"
  else
    head -n "$nq" "$out/queries.tsv" > "$file"
  fi
  echo "$file"
}

now() { date +%s.%N; }
# value KEY LINE: the value of KEY=... in a key=value line
value() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
# calc EXPR [DECIMALS]: evaluates a floating-point expression with awk (1 decimal by default)
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
