#!/bin/bash
# LLM re-ranker benchmark: cascade's pointwise yes/no re-ranker (fp32, int8, bf16; shared prompt
# prefix on and off) against PyTorch (fp32 and bf16, batched eager Qwen3) on the same random-weight
# Qwen3-Reranker-0.6B-shaped weights and the same prompt ids (cascade's, which equal Hugging
# Face's: runtime_decoder_reranker_test), 1 and 2 threads; plus prefill tokens/s on one
# 512-token sequence, and how far the two sides' scores are apart.
#
#   bench/llm/run.sh BUILD_DIR [QUERIES] [DOCS]
# BUILD_DIR must be configured with -DCASCADE_BUILD_BENCH=ON and have bench_decoder built.
set -euo pipefail
BUILD=${1:?build dir}
QUERIES=${2:-2}
DOCS=${3:-20}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${CASCADE_BENCH_DIR:-/tmp/cascade-llm-bench}
mkdir -p "$WORK"
[ -f "$WORK/model/model.safetensors" ] || /usr/bin/python3 "$ROOT/bench/llm/make_model.py" "$WORK/model" "$QUERIES" "$DOCS"
BENCH="$BUILD/bench/llm/bench_decoder"
echo "# $(lscpu | grep 'Model name' | sed 's/ \+/ /g'), $(nproc) cpus; $(date -u)"
"$BENCH" "$WORK/model" "$WORK/model/pairs.jsonl" 2 --ids "$WORK/ids.jsonl" --scores "$WORK/cascade.scores"
for t in 1 2; do
  echo "## threads=$t"
  /usr/bin/python3 "$ROOT/bench/llm/torch_decoder_bench.py" "$WORK/model" "$WORK/ids.jsonl" $t \
      --scores "$WORK/torch.scores" --prefill 512
  "$BENCH" "$WORK/model" "$WORK/model/pairs.jsonl" $t --no-prefix --prefill 512
  "$BENCH" "$WORK/model" "$WORK/model/pairs.jsonl" $t
  "$BENCH" "$WORK/model" "$WORK/model/pairs.jsonl" $t --int8 --no-prefix --prefill 512
  "$BENCH" "$WORK/model" "$WORK/model/pairs.jsonl" $t --int8 --scores "$WORK/int8.scores"
  /usr/bin/python3 "$ROOT/bench/llm/torch_decoder_bench.py" "$WORK/model" "$WORK/ids.jsonl" $t \
      --bf16 --scores "$WORK/torch-bf16.scores" --prefill 512
  "$BENCH" "$WORK/model" "$WORK/model/pairs.jsonl" $t --bf16 --no-prefix --prefill 512
  "$BENCH" "$WORK/model" "$WORK/model/pairs.jsonl" $t --bf16 --scores "$WORK/bf16.scores"
done
/usr/bin/python3 - "$WORK" <<'PY'
import sys
w = sys.argv[1]
read = lambda n: [float(x) for x in open(f"{w}/{n}.scores")]
c, t, q, b, tb = (read(n) for n in ("cascade", "torch", "int8", "bf16", "torch-bf16"))
print("max |cascade fp32 - pytorch fp32| logit difference: %.2e over %d prompts" %
      (max(abs(a - b) for a, b in zip(c, t)), len(c)))
def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0] * len(v)
    for k, i in enumerate(order):
        r[i] = k
    return r
n = len(c)
def spearman(u, v):
    ru, rv = ranks(u), ranks(v)
    return 1 - 6 * sum((a - b) ** 2 for a, b in zip(ru, rv)) / (n * (n * n - 1))
print("Spearman(int8, fp32) over %d prompts: %.4f" % (n, spearman(q, c)))
print("Spearman(bf16, fp32) over %d prompts: %.4f" % (n, spearman(b, c)))
print("Spearman(pytorch bf16, fp32) over %d prompts: %.4f" % (n, spearman(tb, c)))
PY
