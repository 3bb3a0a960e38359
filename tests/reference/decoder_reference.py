"""A small PyTorch implementation of Hugging Face decoder-only models, for golden outputs.

Covers LlamaForCausalLM, Qwen2ForCausalLM and Qwen3ForCausalLM as their documented
configs and tensor names define them: pre-RMSNorm blocks, rotary positions in the
rotate-half layout (with the optional llama3 frequency rescaling), grouped-query attention
(keys/values repeated over each group of query heads), Qwen2's q/k/v biases, Qwen3's RMSNorm
over each query/key head before RoPE, a SwiGLU MLP and an optionally tied output layer.
Computes in float64 from the weights as stored, over the full sequence at once (no cache), so
it is independent of the C++ engine's KV-cache path.
"""
import math

import torch


def inverse_frequencies(cfg):
    d = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    theta = cfg.get("rope_theta", 10000.0)
    inv = torch.tensor([theta ** (-2.0 * i / d) for i in range(d // 2)], dtype=torch.float64)
    scaling = cfg.get("rope_scaling")
    if scaling and scaling.get("rope_type", scaling.get("type")) == "llama3":
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        original = scaling["original_max_position_embeddings"]
        out = []
        for f in inv.tolist():
            wavelen = 2 * math.pi / f
            if wavelen > original / low:
                out.append(f / factor)
            elif wavelen < original / high:
                out.append(f)
            else:
                s = (original / wavelen - low) / (high - low)
                out.append((1 - s) * f / factor + s * f)
        inv = torch.tensor(out, dtype=torch.float64)
    return inv


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate(x, cos, sin):
    """x: [..., L, d]; cos/sin: [L, d/2]. Rotate-half RoPE."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class Decoder:
    def __init__(self, cfg, state):
        self.c = cfg
        self.w = {k: v.to(torch.float64) for k, v in state.items()}
        arch = cfg["architectures"][0]
        self.qwen2 = arch == "Qwen2ForCausalLM"
        self.qwen3 = arch == "Qwen3ForCausalLM"
        self.heads = cfg["num_attention_heads"]
        self.kv = cfg.get("num_key_value_heads", self.heads)
        self.d = cfg.get("head_dim") or cfg["hidden_size"] // self.heads
        self.eps = cfg["rms_norm_eps"]
        self.inv_freq = inverse_frequencies(cfg)
        bias = cfg.get("attention_bias", False)
        self.qkv_bias = bias or self.qwen2
        self.o_bias = bias and not self.qwen2
        if cfg.get("tie_word_embeddings", False):
            self.lm_head = self.w["model.embed_tokens.weight"]
        else:
            self.lm_head = self.w["lm_head.weight"]

    def _lin(self, x, name, bias):
        return torch.nn.functional.linear(x, self.w[name + ".weight"],
                                          self.w[name + ".bias"] if bias else None)

    def forward(self, ids):
        """ids: list of token ids. Returns (final normed states [L, H], {layer: probs
        [heads, L, L]})."""
        L = len(ids)
        x = self.w["model.embed_tokens.weight"][torch.tensor(ids)]
        angles = torch.arange(L, dtype=torch.float64)[:, None] * self.inv_freq[None, :]
        cos, sin = torch.cos(angles), torch.sin(angles)
        mask = torch.full((L, L), float("-inf"), dtype=torch.float64).triu(1)
        probs_by_layer = {}
        for i in range(self.c["num_hidden_layers"]):
            p = f"model.layers.{i}."
            a = p + "self_attn."
            h = rms_norm(x, self.w[p + "input_layernorm.weight"], self.eps)
            q = self._lin(h, a + "q_proj", self.qkv_bias).view(L, self.heads, self.d)
            k = self._lin(h, a + "k_proj", self.qkv_bias).view(L, self.kv, self.d)
            v = self._lin(h, a + "v_proj", self.qkv_bias).view(L, self.kv, self.d)
            if self.qwen3:
                q = rms_norm(q, self.w[a + "q_norm.weight"], self.eps)
                k = rms_norm(k, self.w[a + "k_norm.weight"], self.eps)
            q = rotate(q.transpose(0, 1), cos, sin)  # [heads, L, d]
            k = rotate(k.transpose(0, 1), cos, sin)
            v = v.transpose(0, 1)
            group = self.heads // self.kv
            k = k.repeat_interleave(group, dim=0)
            v = v.repeat_interleave(group, dim=0)
            scores = q @ k.transpose(-1, -2) / math.sqrt(self.d) + mask
            probs = torch.softmax(scores, dim=-1)
            probs_by_layer[i] = probs
            ctx = (probs @ v).transpose(0, 1).reshape(L, self.heads * self.d)
            x = x + self._lin(ctx, a + "o_proj", self.o_bias)
            h = rms_norm(x, self.w[p + "post_attention_layernorm.weight"], self.eps)
            m = p + "mlp."
            f = torch.nn.functional.silu(self._lin(h, m + "gate_proj", False)) * \
                self._lin(h, m + "up_proj", False)
            x = x + self._lin(f, m + "down_proj", False)
        return rms_norm(x, self.w["model.norm.weight"], self.eps), probs_by_layer

    def logits(self, ids):
        states, probs = self.forward(ids)
        return states @ self.lm_head.T, probs

    def greedy(self, ids, n):
        """n greedy tokens, recomputing the whole sequence each step; also the smallest gap
        between the best and second-best logit seen (how robust the golden is)."""
        ids, out, gap = list(ids), [], float("inf")
        for _ in range(n):
            row = self.logits(ids)[0][-1]
            top = torch.topk(row, 2).values
            gap = min(gap, float(top[0] - top[1]))
            t = int(torch.argmax(row))
            out.append(t)
            ids.append(t)
        return out, gap
