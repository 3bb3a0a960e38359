#!/usr/bin/python3
"""Regenerates the random-weight decoder folders and golden outputs under tests/golden/model/.

Run with Debian's interpreter (python3-torch 1.13):
    /usr/bin/python3 tests/reference/make_decoder_goldens.py
Seeded, so a rerun reproduces the committed files. Outputs come from decoder_reference.py
(Hugging Face Llama / Qwen2 / Qwen3) and llama2c_reference.py (stories260K), in float64 from
the weights exactly as stored.
"""
import json
import os
import shutil

import numpy as np
import torch

import safetensors_io
from decoder_reference import Decoder
from llama2c_reference import Llama2c

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(ROOT))
OUT = os.path.join(REPO, "tests", "golden", "model")
STORIES = os.path.join(os.path.dirname(REPO), "shared", "models", "stories260K",
                       "stories260K.bin")

# Small shapes with the structure of the real models: Qwen3-0.6B (GQA, q/k norm, tied
# embeddings, head_dim != hidden / heads), Llama 3.1 (llama3 rope scaling, untied lm_head,
# multi-query), Qwen2 (q/k/v biases).
MODELS = {
    "qwen3-tiny": dict(
        config={"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
                "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
                "num_key_value_heads": 2, "head_dim": 16, "intermediate_size": 64,
                "vocab_size": 128, "max_position_embeddings": 256, "rope_theta": 1000000.0,
                "rope_scaling": None, "rms_norm_eps": 1e-6, "tie_word_embeddings": True,
                "attention_bias": False, "hidden_act": "silu", "use_sliding_window": False,
                "sliding_window": None, "bos_token_id": 1, "eos_token_id": 2,
                "torch_dtype": "float32"},
        dtype=torch.float32, shards=1),
    "llama3-tiny": dict(
        config={"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                "num_key_value_heads": 1, "intermediate_size": 48, "vocab_size": 128,
                "max_position_embeddings": 256, "rope_theta": 500000.0,
                "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                 "high_freq_factor": 4.0,
                                 "original_max_position_embeddings": 64},
                "rms_norm_eps": 1e-5, "tie_word_embeddings": False, "attention_bias": False,
                "mlp_bias": False, "hidden_act": "silu", "bos_token_id": 1,
                "eos_token_id": [2, 3], "torch_dtype": "bfloat16"},
        dtype=torch.bfloat16, shards=1),
    "qwen2-tiny": dict(
        config={"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
                "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
                "num_key_value_heads": 2, "intermediate_size": 64, "vocab_size": 128,
                "max_position_embeddings": 256, "rope_theta": 10000.0, "rms_norm_eps": 1e-6,
                "tie_word_embeddings": False, "hidden_act": "silu",
                "use_sliding_window": False, "sliding_window": 256, "max_window_layers": 2,
                "eos_token_id": 2, "torch_dtype": "float16"},
        dtype=torch.float16, shards=2),
}


def make_weights(cfg, gen):
    h, f, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    heads = cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"]
    d = cfg.get("head_dim") or h // heads
    arch = cfg["architectures"][0]
    w = {}

    def normal(shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * std

    def linear(name, n_in, n_out, bias=False):
        w[name + ".weight"] = normal((n_out, n_in), 1.0 / n_in ** 0.5)
        if bias:
            w[name + ".bias"] = normal((n_out,), 0.5)

    w["model.embed_tokens.weight"] = normal((v, h), 1.0)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        a = p + "self_attn."
        bias = arch == "Qwen2ForCausalLM"
        linear(a + "q_proj", h, heads * d, bias)
        linear(a + "k_proj", h, kv * d, bias)
        linear(a + "v_proj", h, kv * d, bias)
        linear(a + "o_proj", heads * d, h)
        if arch == "Qwen3ForCausalLM":
            w[a + "q_norm.weight"] = 1.0 + normal((d,), 0.2)
            w[a + "k_norm.weight"] = 1.0 + normal((d,), 0.2)
        w[p + "input_layernorm.weight"] = 1.0 + normal((h,), 0.1)
        w[p + "post_attention_layernorm.weight"] = 1.0 + normal((h,), 0.1)
        linear(p + "mlp.gate_proj", h, f)
        linear(p + "mlp.up_proj", h, f)
        linear(p + "mlp.down_proj", f, h)
    w["model.norm.weight"] = 1.0 + normal((h,), 0.1)
    if not cfg["tie_word_embeddings"]:
        linear("lm_head", h, v)
    return w


def write_folder(name, spec, weights):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(spec["config"], f, indent=2)
    stored = {k: t.to(spec["dtype"]) for k, t in weights.items()}
    if spec["shards"] == 1:
        safetensors_io.save(stored, os.path.join(d, "model.safetensors"), {"format": "pt"})
    else:
        names = sorted(stored)
        per = (len(names) + spec["shards"] - 1) // spec["shards"]
        weight_map, total = {}, 0
        for s in range(spec["shards"]):
            fname = f"model-{s + 1:05d}-of-{spec['shards']:05d}.safetensors"
            part = {n: stored[n] for n in names[s * per:(s + 1) * per]}
            safetensors_io.save(part, os.path.join(d, fname), {"format": "pt"})
            weight_map.update({n: fname for n in part})
            total += sum(t.numel() * t.element_size() for t in part.values())
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    return stored


def floats(t):
    return [float("%.9g" % x) for x in t.reshape(-1).tolist()]


def decoder_goldens(name, spec, gen):
    weights = make_weights(spec["config"], gen)
    stored = write_folder(name, spec, weights)
    model = Decoder(spec["config"], stored)
    vocab = spec["config"]["vocab_size"]
    layers = spec["config"]["num_hidden_layers"]
    cases = []
    for length in (1, 6, 37):
        ids = torch.randint(0, vocab, (length,), generator=gen).tolist()
        logits, probs = model.logits(ids)
        positions = sorted({0, length // 2, length - 1})
        vocab_rows = [5, 77, 3]
        att_rows = sorted({length - 1, length // 3})
        att_layers = [0, layers - 1]
        cases.append({
            "name": f"length {length}", "input_ids": ids,
            "last_logits": floats(logits[-1]),
            "positions": positions, "vocab_rows": vocab_rows,
            "row_logits": [floats(logits[p][vocab_rows]) for p in positions],
            "attention_layers": att_layers, "attention_rows": att_rows,
            # [layer][head][row][key] over all `length` keys
            "attention": [[[floats(probs[l][h][r]) for r in att_rows]
                           for h in range(probs[l].shape[0])] for l in att_layers],
        })
    prompt = torch.randint(0, vocab, (5,), generator=gen).tolist()
    tokens, gap = model.greedy(prompt, 12)
    return {"model": name, "tolerance": 1e-4, "cases": cases,
            "greedy": [{"prompt": prompt, "tokens": tokens, "min_top2_gap": gap}]}


def stories_goldens():
    m = Llama2c(STORIES)
    prompts = [[1], [1, 403, 407, 261, 378, 275, 300, 417, 420, 261]]
    cases = []
    for p in prompts:
        logits = m.run(p)
        cases.append({"input_ids": p, "last_logits": floats(torch.from_numpy(logits[-1]))})
    greedy = []
    for p, n in ((prompts[0], 40), (prompts[1], 20)):
        tokens, gap = m.greedy(p, n)
        greedy.append({"prompt": p, "tokens": tokens, "min_top2_gap": gap})
    return {"model": "stories260K.bin (llama2.c)", "tolerance": 1e-4, "cases": cases,
            "greedy": greedy}


def main():
    gen = torch.Generator().manual_seed(20240611)
    for name, spec in MODELS.items():
        g = decoder_goldens(name, spec, gen)
        with open(os.path.join(OUT, name + ".golden.json"), "w") as f:
            json.dump(g, f, separators=(",", ":"))
        print(name, "greedy min top-2 gap", g["greedy"][0]["min_top2_gap"])
    g = stories_goldens()
    with open(os.path.join(OUT, "stories260K.golden.json"), "w") as f:
        json.dump(g, f, separators=(",", ":"))
    print("stories260K greedy", [x["tokens"] for x in g["greedy"]],
          "min gaps", [x["min_top2_gap"] for x in g["greedy"]])


if __name__ == "__main__":
    main()
