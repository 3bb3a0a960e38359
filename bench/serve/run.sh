#!/usr/bin/env bash
# Load test of `cascade serve` on loopback with wrk: /v1/search (BM25 over the bundled SciFact)
# and /v1/rerank (a MiniLM-L6-H384-shaped cross-encoder, 20 documents per request) at
# concurrency 1, 8 and 64; RSS before/after the 64-client runs. Prints a markdown table.
#   bench/serve/run.sh [build_dir=build] [short_seconds=20] [long_seconds=60]
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

"$bin" serve --index "$work/index" --model "minilm=$work/minilm-ce" --port "$port" \
  --threads 128 --timeout-ms 120000 2>"$work/server.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }

echo "| endpoint | clients | seconds | requests/s | p50 ms | p99 ms | errors (non-2xx, timeouts) | RSS before → after (MiB) |"
echo "|---|---|---|---|---|---|---|---|"
for endpoint in search rerank; do
  path="/v1/$endpoint"
  # Warm-up so the 64-client RSS comparison starts after allocator growth.
  BODIES="$work/$endpoint.jsonl" wrk -t1 -c4 -d3s -s "$here/post.lua" "http://127.0.0.1:$port$path" >/dev/null
  for clients in 1 8 64; do
    seconds=$short
    [[ $clients == 64 ]] && seconds=$long
    threads=$((clients < 2 ? 1 : 2))
    before=$(rss)
    line=$(BODIES="$work/$endpoint.jsonl" wrk -t"$threads" -c"$clients" -d"${seconds}s" \
      --timeout 120s -s "$here/post.lua" "http://127.0.0.1:$port$path" | grep '^RESULT')
    after=$(rss)
    eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^/r_/')"
    printf '| %s | %d | %s | %s | %s | %s | %d (%d, %d) | %d → %d |\n' "$path" "$clients" \
      "$r_seconds" "$r_rps" "$r_p50_ms" "$r_p99_ms" "$r_errors" "$r_non2xx" "$r_timeouts" \
      $((before / 1024)) $((after / 1024))
  done
done
curl -s "http://127.0.0.1:$port/metrics" >"$work/metrics.txt"
grep -E '^cascade_model_batch_requests_(sum|count)' "$work/metrics.txt" || true
kill -TERM $pid
wait $pid && echo "server exited 0 after SIGTERM"
trap - EXIT
