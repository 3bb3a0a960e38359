#!/usr/bin/python3
"""PyTorch side of the benchmark: the same weights and token ids as bench_encoder, run by the
reference implementation in float32 under torch.no_grad(), batches of 32 sorted by length and
padded to their longest member (what a careful PyTorch user does). With --bf16 every weight and
activation is bfloat16 (what `model.to(torch.bfloat16)` gives a transformers BERT: its
products go through oneDNN's bf16 kernels on a CPU with AVX-512 BF16).
Usage: torch_bench.py MODEL_DIR IDS.jsonl THREADS [--bf16]
"""
import json
import os
import sys
import time

# Debian's torch does its GEMMs in the system OpenBLAS, whose pthread pool ignores
# torch.set_num_threads and starts one thread per core: without this, a "1 thread" PyTorch
# run used both cores (CPU time twice its wall time). Set before torch loads OpenBLAS.
if len(sys.argv) > 3:
    os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[3]
    os.environ["OMP_NUM_THREADS"] = sys.argv[3]

import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "reference"))
import safetensors_io  # noqa: E402
from bert_reference import Encoder  # noqa: E402


def main():
    model_dir, ids_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    bf16 = "--bf16" in sys.argv[4:]
    torch.set_num_threads(threads)
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    enc = Encoder(cfg, safetensors_io.load(os.path.join(model_dir, "model.safetensors")),
                  dtype=torch.bfloat16 if bf16 else torch.float32)
    with open(ids_path) as f:
        seqs = [(j["input_ids"], j["token_type_ids"]) for j in map(json.loads, f)]
    seqs.sort(key=lambda s: -len(s[0]))
    with torch.no_grad():
        enc.forward(seqs[:8])
        t0, c0 = time.perf_counter(), time.process_time()
        for b in range(0, len(seqs), 32):
            enc.forward(seqs[b:b + 32])
        sec, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"engine": "pytorch", "torch": torch.__version__, "threads": threads,
                      "precision": "bf16" if bf16 else "fp32",
                      "pairs": len(seqs), "seconds": round(sec, 3),
                      "pairs_per_s": round(len(seqs) / sec, 1), "cpu_seconds": round(cpu, 3),
                      "pairs_per_cpu_s": round(len(seqs) / cpu, 2)}))


if __name__ == "__main__":
    main()
