#!/usr/bin/python3
"""PyTorch side of the LLM re-ranker benchmark: the same Qwen3 weights (bf16 file, computed in
float32) and the same prompt ids as bench_decoder, run by a batched eager implementation of the
Qwen3 decoder (RMSNorm, q/k norm, RoPE, grouped-query attention with a causal + padding mask,
SwiGLU) under torch.no_grad(): prompts sorted by length, batches of 8 padded on the right, the
yes/no logits read at each prompt's last token (only those two lm_head rows, as cascade does).
What a PyTorch user of Qwen3-Reranker runs, without transformers (not installable here).

    torch_decoder_bench.py MODEL_DIR IDS.jsonl THREADS [--scores OUT] [--prefill N] [--bf16]

With --bf16 the weights stay bfloat16 and every product runs in bfloat16 (RMSNorm and softmax in
float32, as transformers' Qwen3 code does): PyTorch's own reduced-precision CPU path (oneDNN
bf16 kernels where the CPU has AVX-512 BF16 or AMX).
"""
import json
import math
import os
import sys
import time

if len(sys.argv) > 3:  # before torch loads OpenBLAS (see bench/model/torch_bench.py)
    os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[3]
    os.environ["OMP_NUM_THREADS"] = sys.argv[3]

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "reference"))
import safetensors_io  # noqa: E402

YES, NO = 9693, 2152


class Qwen3:
    def __init__(self, cfg, state, dtype=torch.float32):
        self.c = cfg
        self.dt = dtype
        self.w = {k: v.to(dtype) for k, v in state.items()}
        self.heads, self.kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.d = cfg["head_dim"]
        self.eps = cfg["rms_norm_eps"]
        half = torch.arange(0, self.d, 2, dtype=torch.float32) / self.d
        self.inv_freq = 1.0 / (cfg["rope_theta"] ** half)

    def norm(self, x, w):
        x32 = x.to(torch.float32)
        return w * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(self.dt)

    def rope(self, x, cos, sin):
        x1, x2 = x[..., : self.d // 2], x[..., self.d // 2:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)

    def forward(self, batch):
        """batch: lists of ids; returns [B, 2] yes/no logits at each last token."""
        B, L = len(batch), max(len(b) for b in batch)
        ids = torch.zeros(B, L, dtype=torch.long)
        lengths = torch.tensor([len(b) for b in batch])
        for i, b in enumerate(batch):
            ids[i, : len(b)] = torch.tensor(b)
        x = self.w["model.embed_tokens.weight"][ids]
        angles = torch.arange(L, dtype=torch.float32)[:, None] * self.inv_freq[None, :]
        cos = angles.cos().to(self.dt)
        sin = angles.sin().to(self.dt)
        causal = torch.full((L, L), float("-inf")).triu(1)
        pad = torch.where(torch.arange(L)[None, :] < lengths[:, None], 0.0, float("-inf"))
        mask = (causal[None, None] + pad[:, None, None, :]).to(self.dt)
        group = self.heads // self.kv
        for i in range(self.c["num_hidden_layers"]):
            p = f"model.layers.{i}."
            a = p + "self_attn."
            h = self.norm(x, self.w[p + "input_layernorm.weight"])
            q = F.linear(h, self.w[a + "q_proj.weight"]).view(B, L, self.heads, self.d)
            k = F.linear(h, self.w[a + "k_proj.weight"]).view(B, L, self.kv, self.d)
            v = F.linear(h, self.w[a + "v_proj.weight"]).view(B, L, self.kv, self.d)
            q = self.rope(self.norm(q, self.w[a + "q_norm.weight"]).transpose(1, 2), cos, sin)
            k = self.rope(self.norm(k, self.w[a + "k_norm.weight"]).transpose(1, 2), cos, sin)
            v = v.transpose(1, 2)
            k = k.repeat_interleave(group, dim=1)
            v = v.repeat_interleave(group, dim=1)
            scores = q @ k.transpose(-1, -2) / math.sqrt(self.d) + mask
            ctx = (torch.softmax(scores, dim=-1, dtype=torch.float32).to(self.dt) @ v).transpose(1, 2).reshape(B, L, -1)
            x = x + F.linear(ctx, self.w[a + "o_proj.weight"])
            h = self.norm(x, self.w[p + "post_attention_layernorm.weight"])
            m = p + "mlp."
            x = x + F.linear(F.silu(F.linear(h, self.w[m + "gate_proj.weight"])) *
                             F.linear(h, self.w[m + "up_proj.weight"]), self.w[m + "down_proj.weight"])
        last = x[torch.arange(B), lengths - 1]
        last = self.norm(last, self.w["model.norm.weight"])
        return (last @ self.w["model.embed_tokens.weight"][[YES, NO]].T).to(torch.float32)


def main():
    model_dir, ids_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = sys.argv[4:]
    torch.set_num_threads(threads)
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    bf16 = "--bf16" in args
    name = "pytorch bf16" if bf16 else "pytorch fp32"
    model = Qwen3(cfg, safetensors_io.load(os.path.join(model_dir, "model.safetensors")),
                  torch.bfloat16 if bf16 else torch.float32)
    with open(ids_path) as f:
        prompts = [json.loads(line)["ids"] for line in f]
    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    scores = [0.0] * len(prompts)
    tokens = sum(len(p) for p in prompts)
    with torch.no_grad():
        model.forward([prompts[order[-1]][:16]])  # warm-up
        t0, c0 = time.perf_counter(), time.process_time()
        for b in range(0, len(order), 8):
            idx = order[b: b + 8]
            out = model.forward([prompts[i] for i in idx])
            for j, i in enumerate(idx):
                scores[i] = float(out[j, 0] - out[j, 1])
        s, cpu = time.perf_counter() - t0, time.process_time() - t0 * 0 - c0
    print("%s threads=%d prefix=off  %d prompts, %d prompt tokens  %.2f s  %.2f pairs/s"
          "  %.1f prompt tokens/s  (cpu %.2f s)" % (name, threads, len(prompts), tokens, s,
                                                    len(prompts) / s, tokens / s, cpu))
    if "--scores" in args:
        with open(args[args.index("--scores") + 1], "w") as f:
            f.writelines("%r\n" % v for v in scores)
    if "--prefill" in args:
        n = int(args[args.index("--prefill") + 1])
        ids = []
        while len(ids) < n:
            ids.extend(prompts[0])
        ids = ids[:n]
        with torch.no_grad():
            t0, c0 = time.perf_counter(), time.process_time()
            model.forward([ids])
            p, pc = time.perf_counter() - t0, time.process_time() - c0
        print("%s threads=%d prefill %d tokens  %.2f s  %.1f tokens/s  (cpu %.2f s)" %
              (name, threads, n, p, n / p, pc))


if __name__ == "__main__":
    main()
