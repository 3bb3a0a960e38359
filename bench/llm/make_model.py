#!/usr/bin/python3
"""Writes a random-weight Qwen3-Reranker-0.6B-shaped folder for the LLM re-ranker benchmark:
Qwen3ForCausalLM with hidden 1024, 28 layers, 16 query / 8 key-value heads of 128, FFN 3072,
the full 151,669-token vocabulary, tied embeddings, q/k RMSNorm, BF16 weights (as the real
model ships), and the real Qwen3 tokenizer.json from ../shared. Also writes pairs.jsonl:
the first QUERIES SciFact test-set queries, each with DOCS SciFact abstracts (title + text).

    make_model.py OUT_DIR [QUERIES] [DOCS] [LAYERS]

LAYERS (default 28) keeps every width of the 0.6B shape but fewer blocks, for checks that need
many pairs (bench/llm/rank_agreement.sh).
"""
import gzip
import json
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "reference"))
import safetensors_io  # noqa: E402

CONFIG = {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 1024,
          "num_hidden_layers": 28, "num_attention_heads": 16, "num_key_value_heads": 8,
          "head_dim": 128, "intermediate_size": 3072, "vocab_size": 151669,
          "max_position_embeddings": 40960, "rope_theta": 1000000.0, "rope_scaling": None,
          "rms_norm_eps": 1e-6, "tie_word_embeddings": True, "attention_bias": False,
          "hidden_act": "silu", "bos_token_id": 151643, "eos_token_id": 151645,
          "torch_dtype": "bfloat16"}


def weights(gen):
    c = CONFIG
    h, d, i = c["hidden_size"], c["head_dim"], c["intermediate_size"]
    q, kv = c["num_attention_heads"] * d, c["num_key_value_heads"] * d

    def rnd(*shape, std=0.02):
        return (torch.randn(*shape, generator=gen) * std).to(torch.bfloat16)

    def norm(n):
        return (1.0 + 0.1 * torch.randn(n, generator=gen)).to(torch.bfloat16)

    out = {"model.embed_tokens.weight": rnd(c["vocab_size"], h), "model.norm.weight": norm(h)}
    for layer in range(c["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        out.update({
            p + "input_layernorm.weight": norm(h), p + "post_attention_layernorm.weight": norm(h),
            p + "self_attn.q_proj.weight": rnd(q, h), p + "self_attn.k_proj.weight": rnd(kv, h),
            p + "self_attn.v_proj.weight": rnd(kv, h), p + "self_attn.o_proj.weight": rnd(h, q),
            p + "self_attn.q_norm.weight": norm(d), p + "self_attn.k_norm.weight": norm(d),
            p + "mlp.gate_proj.weight": rnd(i, h), p + "mlp.up_proj.weight": rnd(i, h),
            p + "mlp.down_proj.weight": rnd(h, i)})
    return out


def pairs(n_queries, n_docs):
    root = os.path.join(REPO, "data", "scifact")
    with open(os.path.join(root, "qrels", "test.tsv")) as f:
        qids = []
        for line in list(f)[1:]:
            q = line.split("\t")[0]
            if q not in qids:
                qids.append(q)
    with gzip.open(os.path.join(root, "queries.jsonl.gz"), "rt") as f:
        text = {j["_id"]: j["text"] for j in map(json.loads, f)}
    with gzip.open(os.path.join(root, "corpus.jsonl.gz"), "rt") as f:
        docs = []
        for _, line in zip(range(n_queries * n_docs), f):
            d = json.loads(line)
            docs.append((d["title"] + " " + d["text"]) if d["title"] else d["text"])
    return [{"query": text[q], "document": docs[k * n_docs + j]}
            for k, q in enumerate(qids[:n_queries]) for j in range(n_docs)]


def main():
    out = sys.argv[1]
    n_queries = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    n_docs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    if len(sys.argv) > 4:
        CONFIG["num_hidden_layers"] = int(sys.argv[4])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    safetensors_io.save(weights(torch.Generator().manual_seed(6)),
                        os.path.join(out, "model.safetensors"), {"format": "pt"})
    shutil.copyfile(os.path.join(os.path.dirname(REPO), "shared", "models", "tokenizers", "qwen3",
                                 "tokenizer.json"), os.path.join(out, "tokenizer.json"))
    with open(os.path.join(out, "pairs.jsonl"), "w") as f:
        for p in pairs(n_queries, n_docs):
            f.write(json.dumps(p) + "\n")


if __name__ == "__main__":
    main()
