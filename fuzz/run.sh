#!/usr/bin/env bash
# Builds the request-parser fuzzer with clang's libFuzzer + ASan/UBSan (outside the CMake
# build) and runs it on fuzz/corpus/, adding new interesting inputs there.
#   fuzz/run.sh [seconds=120]
# Needs: apt-get install clang libclang-rt-14-dev (plus the project's build dependencies).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
seconds="${1:-120}"
out="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
mkdir -p "$out"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/include" -I"$root/src" "$here/fuzz_requests.cpp" "$root/src/serve/request.cpp" \
  "$root/src/util/utf8.cpp" -lfmt -o "$out/fuzz_requests"
mkdir -p "$out/new"
# New inputs go to a scratch folder first; -merge keeps only those that add coverage.
"$out/fuzz_requests" -max_total_time="$seconds" -max_len=4096 -dict="$here/json.dict" \
  -print_final_stats=1 "$out/new" "$here/corpus"
"$out/fuzz_requests" -merge=1 "$here/corpus" "$out/new" >/dev/null 2>&1
echo "corpus: $(ls "$here/corpus" | wc -l) files"
