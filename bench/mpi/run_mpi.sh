#!/usr/bin/env bash
# Scaling of `mpirun -np N cascade index` and `mpirun -np N cascade search` for N = 1, 2, 4 on
# the synthetic corpus of bench/run_first_stage.sh, plus the per-shard figures the 1B-passage
# plan of docs/scale-out.md needs (bytes/doc, docs/s per core, q/s per shard). The launch's own
# set is searched with both --split queries and --split shards, and bench/mpi/reader_skip times
# a rank's reading of the collection with and without skipping the other ranks' records.
#
#   bench/mpi/run_mpi.sh                     # 200k documents, 2000 queries, k = 1000
#   DOCS=1000000 NQ=1000 K=10 bench/mpi/run_mpi.sh
#
# Environment: BUILD (a build with MPI, default build), RANKS (default "1 2 4"), DOCS, NQ, K,
# ALGORITHM (default maxscore). Ranks above the machine's cores oversubscribe them: say so next
# to the numbers. The corpus and indexes are cached under bench/out/mpi-$DOCS/ (gitignored);
# the table goes to bench/out/mpi.md. Timings are printed, never checked; every run of N ranks
# is compared with the serial one (cmp) so a fast wrong answer cannot pass unnoticed.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
docs=${DOCS:-200000}
nq=${NQ:-2000}
k=${K:-1000}
algorithm=${ALGORITHM:-maxscore}
ranks=${RANKS:-1 2 4}
out=$root/bench/out/mpi-$docs
table=$root/bench/out/mpi.md
bin=$build/src/cli/cascade
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$out"

log() { echo "run_mpi: $*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }

# The generator of bench/run_first_stage.sh; compiled here when no bench build has it.
synth=$build/bench/synth_corpus
if [[ ! -x $synth ]]; then
  synth=$out/synth_corpus
  [[ -x $synth ]] || c++ -O2 -std=c++20 -ffp-contract=off -I/usr/include \
    "$root/bench/synth_corpus.cpp" -lstemmer -o "$synth"
fi
if [[ ! -f $out/corpus.jsonl ]]; then
  log "generating $docs documents"
  "$synth" --docs "$docs" --queries 10000 --out "$out" 2>"$out/synth.log"
fi
head -n "$nq" "$out/queries.tsv" >"$out/queries-$nq.tsv"
queries=$out/queries-$nq.tsv
cores=$(nproc)

{
  echo "| ranks | index wall s | index CPU s (all ranks) | index docs/s | docs/s per CPU s | search one index: wall s | q/s | search own set: wall s | q/s | own set --split shards: wall s | q/s | runs = serial |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
} >"$table.rows"
# timed CMD...: runs CMD under /usr/bin/time; sets wall and cpu (user + system, children
# included: the ranks are mpiexec's children on one machine).
timed() {
  /usr/bin/time -f "%e %U %S" -o "$out/time.txt" "$@"
  read -r wall user sys <"$out/time.txt"
  cpu=$(calc "$user + $sys" 2)
}
serial_run=$out/serial.run
rm -f "$serial_run"
for n in $ranks; do
  rm -rf "$out/np$n"
  timed mpiexec --oversubscribe -np "$n" "$bin" index --quiet --collection "$out/corpus.jsonl" \
    --index "$out/np$n" >"$out/index-np$n.log"
  index_s=$wall
  index_cpu=$cpu
  # The same single index (the -np 1 build) searched by n ranks: the query split alone.
  timed mpiexec --oversubscribe -np "$n" "$bin" search --index "$out/np1" --queries "$queries" \
    --k "$k" --algorithm "$algorithm" --run "$out/np$n-single.run" >/dev/null 2>&1
  single_s=$wall
  # The set this launch built, searched by n ranks (each rank searches every shard).
  timed mpiexec --oversubscribe -np "$n" "$bin" search --index "$out/np$n" --queries "$queries" \
    --k "$k" --algorithm "$algorithm" --run "$out/np$n.run" >"$out/search-np$n.log" 2>/dev/null
  search_s=$wall
  # The same set, each rank opening only its own shard (--split shards).
  timed mpiexec --oversubscribe -np "$n" "$bin" search --index "$out/np$n" --queries "$queries" \
    --k "$k" --algorithm "$algorithm" --split shards --run "$out/np$n-split.run" \
    >"$out/search-split-np$n.log" 2>/dev/null
  split_s=$wall
  [[ -f $serial_run ]] || cp "$out/np$n-single.run" "$serial_run"
  same=yes
  cmp -s "$serial_run" "$out/np$n.run" || same=NO
  cmp -s "$serial_run" "$out/np$n-single.run" || same=NO
  cmp -s "$serial_run" "$out/np$n-split.run" || same=NO
  echo "| $n | $index_s | $index_cpu | $(calc "$docs / $index_s" 0) | $(calc "$docs / $index_cpu" 0) | $single_s | $(calc "$nq / $single_s" 0) | $search_s | $(calc "$nq / $search_s" 0) | $split_s | $(calc "$nq / $split_s" 0) | $same |" >>"$table.rows"
  log "np $n: index $index_s s ($index_cpu CPU s), search $single_s s / $search_s s, runs identical: $same"
done

# Per shard: bytes per document and one shard's query rate (the serial search of the set
# prints each shard's time; the shards are searched one after another on one thread).
biggest=$(for n in $ranks; do echo "$n"; done | sort -n | tail -n 1)
{
  echo
  echo "Per shard of $biggest (docs, bytes, bytes/doc, q/s searched alone on one thread, k=$k):"
  echo
  echo "| shard | docs | bytes | bytes/doc | q/s |"
  echo "|---|---|---|---|---|"
} >>"$table.rows"
if [[ $biggest -gt 1 ]]; then
  "$bin" search --index "$out/np$biggest" --queries "$queries" --k "$k" --algorithm "$algorithm" \
    --run "$out/serial-set.run" >"$out/search-set.log" 2>/dev/null
  cmp -s "$serial_run" "$out/serial-set.run" || log "WARNING: the set's serial run differs"
  for ((s = 0; s < biggest; s++)); do
    dir=$out/np$biggest/shard-$s
    bytes=$(du -sb "$dir" | cut -f1)
    sdocs=$(grep "^index $dir:" "$out/index-np$biggest.log" | sed 's/.*: \([0-9]*\) docs.*/\1/')
    qps=$(grep "^shard $s" "$out/search-set.log" | sed 's/.*, \([0-9.]*\) queries\/s.*/\1/')
    echo "| $s | $sdocs | $bytes | $(calc "$bytes / $sdocs" 0) | $qps |" >>"$table.rows"
  done
fi
# A rank's reading of the collection: every record parsed (before the ranks skipped the
# others' records) against its own parsed and the others' skipped (DocumentReader::skip).
skip_bench=$out/reader_skip
if c++ -O2 -std=c++20 -I"$root/src" -I"$root/include" -I"$build/src" "$root/bench/mpi/reader_skip.cpp" \
  "$build/src/collection/libcascade_collection.a" "$build/src/util/libcascade_util.a" -lz -lfmt \
  -o "$skip_bench" 2>"$out/reader_skip.build.log"; then
  {
    echo
    echo "Reading the collection as rank 0 of 2 (\`bench/mpi/reader_skip\`, process CPU s, 3 rounds):"
    echo
    echo '```'
    "$skip_bench" "$out/corpus.jsonl" 2
    echo '```'
  } >>"$table.rows"
else
  log "reader_skip did not build against $build (see $out/reader_skip.build.log); skipped"
fi
{
  echo "# mpirun scaling ($(date -u +%Y-%m-%d), $(nproc) cores: $(lscpu | sed -n 's/^Model name: *//p'))"
  echo
  echo "Command: \`DOCS=$docs NQ=$nq K=$k bench/mpi/run_mpi.sh\`; corpus \`synth_corpus --docs $docs\`;"
  echo "ranks beyond $cores cores oversubscribe them (wall times then include time-slicing)."
  echo
  cat "$table.rows"
} >"$table"
rm -f "$table.rows"
cat "$table"
