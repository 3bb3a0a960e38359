#!/usr/bin/env bash
# `mpirun -np N cascade index|search|run` against the serial commands, byte for byte
# (docs/scale-out.md). Registered by src/cli/CMakeLists.txt only when MPI and mpiexec are found.
#
#   mpi_test.sh CASCADE_BINARY MPIEXEC REPOSITORY_ROOT
set -euo pipefail
bin=$1
mpiexec=$2
root=$3
# The tests run as root in CI and on this machine; 4 ranks oversubscribe 2 cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Under scripts/sanitize: Open MPI keeps its tables until exit, and its libraries have no frame
# pointers, so LeakSanitizer's stacks end inside them unnamed and cannot be suppressed by name
# (with slow unwinding they can, at 6 min instead of 20 s). Leak checking is off for this test
# only; ASan's memory errors and UBSan stay on, and the serial paths keep leak checking in the
# other tests. A later option in ASAN_OPTIONS overrides an earlier one.
if [[ -n "${ASAN_OPTIONS:-}" ]]; then
  export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
collection=$root/data/scifact/corpus.jsonl.gz
queries=$root/data/scifact/queries.jsonl.gz
qrels=$root/data/scifact/qrels/test.tsv
pipelines=$root/examples/pipelines

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# Every launch has a timeout: a hang fails the test instead of stalling it.
mpi() {
  local np=$1
  shift
  timeout 300 "$mpiexec" --oversubscribe -np "$np" "$bin" "$@"
}
same_tree() {  # every file of two folders, byte for byte
  diff -r "$1" "$2" >/dev/null || fail "$1 and $2 differ: $(diff -rq "$1" "$2" | head -3)"
}

echo "== index: serial builds"
"$bin" index --quiet --collection "$collection" --index "$work/single" >/dev/null
for n in 2 4; do
  for ((s = 0; s < n; s++)); do
    "$bin" index --quiet --collection "$collection" --index "$work/serial$n/shard-$s" \
      --shard "$s" --of "$n" >/dev/null
  done
done

echo "== index: mpirun -np 1, 2, 4"
mpi 1 index --quiet --collection "$collection" --index "$work/mpi1" >/dev/null
same_tree "$work/single" "$work/mpi1"
for n in 2 4; do
  mpi "$n" index --quiet --collection "$collection" --index "$work/mpi$n" >"$work/index$n.out"
  for ((s = 0; s < n; s++)); do
    same_tree "$work/serial$n/shard-$s" "$work/mpi$n/shard-$s"
  done
  [[ -f $work/mpi$n/shards.txt ]] || fail "no shards.txt in $work/mpi$n"
  [[ $(grep -c "^shard-" "$work/mpi$n/shards.txt") == "$n" ]] || fail "shards.txt lists not $n"
  [[ $(grep -c "docs/s" "$work/index$n.out") == "$n" ]] || fail "rank 0 did not print $n shards"
done

echo "== index and search: messages in rounds of a few bytes (CASCADE_MPI_CHUNK_BYTES)"
# MPI counts are int: a rank's bytes over 2 GiB go in rounds. A 4 KiB limit makes every
# statistics exchange and every gathered run take hundreds of rounds, of unequal sizes per rank.
CASCADE_MPI_CHUNK_BYTES=4096 mpi 4 index --quiet --collection "$collection" \
  --index "$work/chunked4" >/dev/null
for ((s = 0; s < 4; s++)); do
  same_tree "$work/serial4/shard-$s" "$work/chunked4/shard-$s"
done
"$bin" search --index "$work/single" --queries "$queries" --k 100 --run "$work/serial.run" \
  >/dev/null 2>&1
for split in queries shards; do
  CASCADE_MPI_CHUNK_BYTES=4096 mpi 4 search --index "$work/chunked4" --queries "$queries" \
    --k 100 --split "$split" --run "$work/chunked.run" >/dev/null 2>&1
  cmp -s "$work/serial.run" "$work/chunked.run" || fail "chunked search --split $split differs"
done
set +e
CASCADE_MPI_CHUNK_BYTES=lots mpi 2 search --index "$work/single" --queries "$queries" \
  --run "$work/x.run" >/dev/null 2>"$work/err"
rc=$?
set -e
[[ $rc != 0 ]] || fail "a bad CASCADE_MPI_CHUNK_BYTES was accepted"
grep -q "CASCADE_MPI_CHUNK_BYTES" "$work/err" || fail "unclear: $(cat "$work/err")"

echo "== index: --shard/--of under several ranks are refused"
set +e
mpi 2 index --quiet --collection "$collection" --index "$work/bad" --shard 0 --of 2 \
  >/dev/null 2>"$work/err"
rc=$?
set -e
[[ $rc != 0 ]] || fail "--shard under mpirun was accepted"
grep -q "taken from the launch" "$work/err" || fail "no clear message: $(cat "$work/err")"

echo "== search: serial against mpirun, several algorithms and k"
# Every rank count for MaxScore (the default); the other algorithms share its MPI path, so one
# rank count each keeps the test's launches (each a few seconds under the sanitizers) few.
for algorithm in maxscore bmw exhaustive; do
  ranks="1 2 4"
  [[ $algorithm == maxscore ]] || ranks=2
  for k in 10 1000; do
    "$bin" search --index "$work/single" --queries "$queries" --algorithm "$algorithm" --k "$k" \
      --run "$work/serial.run" >/dev/null 2>&1
    for n in $ranks; do
      mpi "$n" search --index "$work/single" --queries "$queries" --algorithm "$algorithm" \
        --k "$k" --run "$work/mpi.run" >/dev/null 2>&1
      cmp -s "$work/serial.run" "$work/mpi.run" || fail "$algorithm k=$k -np $n differs"
    done
    # The shard set mpirun built (the folder names it), searched by 2 ranks.
    [[ $algorithm == maxscore ]] || continue
    mpi 2 search --index "$work/mpi4" --queries "$queries" --algorithm "$algorithm" --k "$k" \
      --run "$work/mpi.run" >/dev/null 2>&1
    cmp -s "$work/serial.run" "$work/mpi.run" || fail "$algorithm k=$k shards -np 2 differs"
  done
done
[[ -s $work/serial.run ]] || fail "empty run"

echo "== search --split shards: rank r opens shards r, r+N, ...; rank 0 merges"
for k in 10 1000; do
  for rq in "" --remove-query; do
    # shellcheck disable=SC2086 # $rq is one flag or none
    "$bin" search --index "$work/single" --queries "$queries" --k "$k" $rq \
      --run "$work/serial.run" >/dev/null 2>&1
    # Every rank count (1 to 4 over 4 shards) for one k; 3 ranks (uneven: 2, 1, 1) for the rest.
    ranks=3
    [[ $k == 1000 && -z $rq ]] && ranks="1 2 3 4"
    for n in $ranks; do
      # shellcheck disable=SC2086
      mpi "$n" search --index "$work/mpi4" --queries "$queries" --k "$k" $rq --split shards \
        --run "$work/mpi.run" >"$work/split.out" 2>&1
      cmp -s "$work/serial.run" "$work/mpi.run" || fail "--split shards k=$k $rq -np $n differs"
    done
    [[ $k == 1000 && -z $rq ]] || continue
    # More ranks than shards: ranks 2 and 3 hold none. A plain index: rank 0 searches it.
    # shellcheck disable=SC2086
    mpi 4 search --index "$work/mpi2" --queries "$queries" --k "$k" $rq --split shards \
      --run "$work/mpi.run" >"$work/split.out" 2>&1
    cmp -s "$work/serial.run" "$work/mpi.run" || fail "--split shards 2 shards -np 4 differs"
    grep -q "^rank 3"$'\t'"0 shard(s)" "$work/split.out" || fail "rank 3 held: $(cat "$work/split.out")"
    # shellcheck disable=SC2086
    mpi 2 search --index "$work/single" --queries "$queries" --k "$k" $rq --split shards \
      --run "$work/mpi.run" >/dev/null 2>&1
    cmp -s "$work/serial.run" "$work/mpi.run" || fail "--split shards plain index -np 2 differs"
  done
done
set +e
mpi 2 search --index "$work/mpi4/shard-0,$work/mpi4/shard-1" --queries "$queries" \
  --split shards --run "$work/x.run" >/dev/null 2>"$work/err"
rc=$?
set -e
[[ $rc == 2 ]] || fail "an incomplete set under --split shards gave $rc"
grep -q "missing shard(s) 2, 3" "$work/err" || fail "unclear: $(cat "$work/err")"

echo "== run: a pipeline (bm25 -> rm3), stage runs and metrics"
"$bin" run --pipeline "$pipelines/bm25_rm3.yaml" --index "$work/single" --queries "$queries" \
  --qrels "$qrels" --run "$work/serial-rm3.run" --stage-runs "$work/serial-stages" \
  >"$work/serial-table" 2>/dev/null
for n in 2 4; do
  mpi "$n" run --pipeline "$pipelines/bm25_rm3.yaml" --index "$work/single" \
    --queries "$queries" --qrels "$qrels" --run "$work/mpi-rm3.run" \
    --stage-runs "$work/mpi-stages$n" >"$work/mpi-table" 2>/dev/null
  cmp -s "$work/serial-rm3.run" "$work/mpi-rm3.run" || fail "rm3 run -np $n differs"
  same_tree "$work/serial-stages" "$work/mpi-stages$n"
  # The measures (nDCG@10, R@100, MAP) are the serial ones; latencies differ.
  measures() { grep -oE "[0-9]+\.[0-9]{4}" "$1" | tail -n 6; }
  [[ $(grep -cE "bm25|rm3" "$work/mpi-table") -ge 2 ]] || fail "no stage table: $(cat "$work/mpi-table")"
  grep -q ", $n ranks x 1 thread(s)," "$work/mpi-table" ||
    fail "the table does not say $n ranks x 1 thread: $(cat "$work/mpi-table")"
  diff <(measures "$work/serial-table") <(measures "$work/mpi-table") >/dev/null ||
    fail "stage metrics differ -np $n: $(cat "$work/serial-table" "$work/mpi-table")"
done

echo "== run: a neural stage (bm25 -> cross-encoder on the random-weight test model)"
zcat "$queries" | sed -n 1,100p >"$work/q100.jsonl"
cat >"$work/ce.yaml" <<YAML
name: ce
first_stage: {type: bm25, k: 50}
stages:
  - {type: cross_encoder, k: 20, model: $root/tests/golden/model/bert-micro-ce}
YAML
"$bin" run --pipeline "$work/ce.yaml" --index "$work/single" --queries "$work/q100.jsonl" \
  --run "$work/serial-ce.run" --stage-runs "$work/serial-ce" --batch 4 >/dev/null 2>&1
mpi 3 run --pipeline "$work/ce.yaml" --index "$work/single" --queries "$work/q100.jsonl" \
  --run "$work/mpi-ce.run" --stage-runs "$work/mpi-ce" --batch 4 >/dev/null 2>&1
[[ -s $work/serial-ce.run ]] || fail "empty cross-encoder run"
cmp -s "$work/serial-ce.run" "$work/mpi-ce.run" || fail "cross-encoder run -np 3 differs"
same_tree "$work/serial-ce" "$work/mpi-ce"

echo "== failures end every rank with a clear message"
set +e
mpi 4 search --index "$work/missing" --queries "$queries" --run "$work/x.run" \
  >/dev/null 2>"$work/err"
rc=$?
set -e
[[ $rc != 0 ]] || fail "a missing index was accepted"
grep -q "rank 3:" "$work/err" || fail "the error names no rank: $(cat "$work/err")"
# Only rank 0 writes the run: its failure must end the other ranks (MPI_Abort), not hang them.
set +e
mpi 2 search --index "$work/single" --queries "$queries" --run "$work/no/such/dir/x.run" \
  >/dev/null 2>"$work/err"
rc=$?
set -e
[[ $rc != 0 ]] || fail "an unwritable run was accepted"
grep -q "x.run" "$work/err" || fail "the error does not name the run: $(cat "$work/err")"

# A failure on one rank only: documents 0 and 40 share an id, both in shard 0 of 2, so rank 0
# fails while rank 1 waits in the statistics exchange; both must end, naming rank 0.
zcat "$collection" | sed -n 1,60p >"$work/first60.jsonl"  # sed reads to the end: no SIGPIPE
{ sed -n 1,40p "$work/first60.jsonl"; sed -n 1p "$work/first60.jsonl"; sed -n 41,60p "$work/first60.jsonl"; } \
  >"$work/dup.jsonl"
set +e
mpi 2 index --quiet --collection "$work/dup.jsonl" --index "$work/dup" >/dev/null 2>"$work/err"
rc=$?
set -e
[[ $rc != 0 ]] || fail "a duplicate id on rank 0 was accepted"
grep -q "rank 0: .*duplicate document id" "$work/err" || fail "unclear: $(cat "$work/err")"
grep -q "rank 1:" "$work/err" && fail "rank 1 did not fail but is named: $(cat "$work/err")"

echo "== without a launcher the MPI binary does not initialise MPI"
# A bogus transport makes MPI_Init fail; without launcher variables the binary never calls it.
env -u OMPI_COMM_WORLD_SIZE -u PMI_SIZE -u PMIX_RANK OMPI_MCA_pml=no_such_pml \
  "$bin" search --index "$work/single" --queries "$queries" --k 10 --run "$work/plain.run" \
  >/dev/null 2>&1 || fail "the binary failed without a launcher"
"$bin" search --index "$work/single" --queries "$queries" --k 10 --run "$work/serial.run" \
  >/dev/null 2>&1
cmp -s "$work/serial.run" "$work/plain.run" || fail "the run without a launcher differs"
# The control: under the launcher the same setting makes MPI_Init fail.
set +e
OMPI_MCA_pml=no_such_pml mpi 2 search --index "$work/single" --queries "$queries" --k 10 \
  --run "$work/plain.run" >/dev/null 2>&1
rc=$?
set -e
[[ $rc != 0 ]] || fail "the bogus transport did not stop MPI_Init: the check above proves nothing"
echo "mpi_test: all passed"
