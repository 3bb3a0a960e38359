#!/usr/bin/env bash
# Load test of `cascade serve` on loopback with wrk: /v1/search (BM25 over the bundled SciFact)
# and /v1/rerank (a MiniLM-L6-H384-shaped cross-encoder, 20 documents per request) at
# concurrency 1, 8 and 64, with the server's RSS (VmRSS) sampled every 5 s during each run.
# Prints a markdown table, then the RSS series of every run and the load average.
#   bench/serve/run.sh [build_dir=build] [short_seconds=20] [long_seconds=60]
# Environment: ENDPOINTS ("search rerank"), CLIENTS ("1 8 64"; 64 runs long_seconds),
# REPEAT_LONG (1: the 64-client run again right after, to see RSS plateau), SERVE_THREADS (128),
# SERVE_ENV (e.g. "MALLOC_ARENA_MAX=2"), SERVE_ARGS (extra `cascade serve` options).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
short="${2:-20}"
long="${3:-60}"
work="${SERVE_BENCH_DIR:-/tmp/cascade-serve-bench}"
port="${PORT:-18080}"
bin="$build/src/cli/cascade"
mkdir -p "$work"
[[ -d "$work/index" ]] || "$bin" index --collection "$root/data/scifact" --index "$work/index" >/dev/null
[[ -f "$work/minilm-ce/model.safetensors" ]] || /usr/bin/python3 "$here/make_model.py" "$work/minilm-ce" >/dev/null
/usr/bin/python3 "$here/bodies.py" "$root/data/scifact" "$work"

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
env ${SERVE_ENV:-} "$bin" serve --index "$work/index" --model "minilm=$work/minilm-ce" \
  --port "$port" --threads "${SERVE_THREADS:-128}" --timeout-ms 120000 ${SERVE_ARGS:-} \
  2>"$work/server.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
# Samples RSS (MiB) every 5 s into $1 until killed.
sample_rss() { while true; do echo $(( $(rss) / 1024 )) >>"$1"; sleep 5; done; }
series_log="$work/rss-series.txt"
: >"$series_log"

echo "| endpoint | clients | seconds | requests/s | p50 ms | p99 ms | errors (non-2xx, timeouts) | RSS before → after (MiB) |"
echo "|---|---|---|---|---|---|---|---|"
for endpoint in ${ENDPOINTS:-search rerank}; do
  path="/v1/$endpoint"
  # Warm-up: every connection thread serves searches once (a keep-alive connection holds a
  # thread, so as many connections as threads reach them all: each thread's first request
  # touches its stack and attaches a malloc arena, ~0.2 MiB per thread), then the endpoint.
  BODIES="$work/search.jsonl" wrk -t2 -c"${SERVE_THREADS:-128}" -d3s -s "$here/post.lua" \
    "http://127.0.0.1:$port/v1/search" >/dev/null
  BODIES="$work/$endpoint.jsonl" wrk -t1 -c4 -d3s -s "$here/post.lua" "http://127.0.0.1:$port$path" >/dev/null
  runs="${CLIENTS:-1 8 64}"
  [[ "${REPEAT_LONG:-0}" == 1 ]] && runs="$runs 64"
  for clients in $runs; do
    seconds=$short
    [[ $clients == 64 ]] && seconds=$long
    threads=$((clients < 2 ? 1 : 2))
    before=$(rss)
    run_no=$((${run_no:-0} + 1))
    samples="$work/rss-$endpoint-c$clients-$run_no.txt"
    : >"$samples"
    sample_rss "$samples" &
    sampler=$!
    line=$(BODIES="$work/$endpoint.jsonl" wrk -t"$threads" -c"$clients" -d"${seconds}s" \
      --timeout 120s -s "$here/post.lua" "http://127.0.0.1:$port$path" | grep '^RESULT')
    kill "$sampler"
    wait "$sampler" 2>/dev/null || true
    after=$(rss)
    # The first sample is taken as the run starts; "after warm-up" is every later one.
    echo "$path c$clients ${seconds}s RSS MiB every 5 s: $(tr '\n' ' ' <"$samples")" \
      "| max after warm-up $(tail -n +2 "$samples" | sort -n | tail -1)" \
      "| load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$series_log"
    eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^/r_/')"
    printf '| %s | %d | %s | %s | %s | %s | %d (%d, %d) | %d → %d |\n' "$path" "$clients" \
      "$r_seconds" "$r_rps" "$r_p50_ms" "$r_p99_ms" "$r_errors" "$r_non2xx" "$r_timeouts" \
      $((before / 1024)) $((after / 1024))
  done
done
echo
cat "$series_log"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -s "http://127.0.0.1:$port/metrics" >"$work/metrics.txt"
grep -E '^cascade_model_batch_requests_(sum|count)' "$work/metrics.txt" || true
kill -TERM $pid
wait $pid && echo "server exited 0 after SIGTERM"
trap - EXIT
