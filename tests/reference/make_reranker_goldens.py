#!/usr/bin/python3
"""Writes the random-weight Qwen3-Reranker-shaped folder tests/golden/model/qwen3-reranker-tiny/
and the yes/no scores of a few prompts in qwen3-reranker-tiny.golden.json.

    mkdir /tmp/hf && (cd /tmp/hf && npm install tokenizers@0.23.2)
    /usr/bin/python3 tests/reference/make_reranker_goldens.py /tmp/hf/node_modules/tokenizers

The folder is a Qwen3ForCausalLM in Hugging Face layout with the structure of
Qwen3-Reranker-0.6B (grouped-query attention, q/k RMSNorm, tied embeddings, head_dim !=
hidden / heads, BF16 weights, vocab 151,669) but tiny widths, so the embedding table stays under
5 MB, and the REAL Qwen3 tokenizer.json from ../shared/models/tokenizers/qwen3/. Prompt ids come
from Hugging Face's tokenizers (reranker_prompts.js, the model card's way of building them);
scores from decoder_reference.py in float64: logit(yes) - logit(no) at the last position.
Seeded, so a rerun reproduces the committed files.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import torch

from decoder_reference import Decoder
from make_decoder_goldens import make_weights, write_folder, OUT, REPO

NAME = "qwen3-reranker-tiny"
TOKENIZER = os.path.join(os.path.dirname(REPO), "shared", "models", "tokenizers", "qwen3",
                         "tokenizer.json")
SPEC = dict(
    config={"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
            "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "head_dim": 8, "intermediate_size": 32,
            "vocab_size": 151669, "max_position_embeddings": 1024, "rope_theta": 1000000.0,
            "rope_scaling": None, "rms_norm_eps": 1e-6, "tie_word_embeddings": True,
            "attention_bias": False, "hidden_act": "silu", "use_sliding_window": False,
            "sliding_window": None, "bos_token_id": 151643, "eos_token_id": 151645,
            "torch_dtype": "bfloat16"},
    dtype=torch.bfloat16, shards=1)
YES, NO = 9693, 2152  # "yes", "no" in the Qwen3 vocabulary (checked below)
DEFAULT = "Given a web search query, retrieve relevant passages that answer the query"
CLAIM = "Given a scientific claim, retrieve documents that support or refute the claim"


def scifact(n_queries, n_docs):
    import gzip
    root = os.path.join(REPO, "data", "scifact")
    with gzip.open(os.path.join(root, "queries.jsonl.gz"), "rt") as f:
        queries = [json.loads(line)["text"] for _, line in zip(range(n_queries), f)]
    with gzip.open(os.path.join(root, "corpus.jsonl.gz"), "rt") as f:
        docs = []
        for _, line in zip(range(n_docs), f):
            d = json.loads(line)
            docs.append((d["title"] + " " + d["text"]) if d["title"] else d["text"])
    return queries, docs


def cases():
    queries, docs = scifact(2, 3)
    out = []
    for doc in ("The capital of China is Beijing.",
                "Gravity is a force that attracts two bodies towards each other.",
                "中文字符测试 🦙 <think> don't   panic\n\ttabs"):
        out.append(dict(instruction=DEFAULT, query="What is the capital of China?",
                        document=doc, max_length=1024))
    for q in queries:
        for d in docs[:2]:
            out.append(dict(instruction=CLAIM, query=q, document=d, max_length=1024))
    # Cut: the document ends where the prompt reaches 96 tokens.
    out.append(dict(instruction=DEFAULT, query=queries[0], document=docs[2], max_length=96))
    return out


def run_node(script, module, tokenizer_json, specs):
    """Runs tests/reference/<script> on the cases `specs` (written to a temporary JSON file)
    and returns what it prints, parsed."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(specs, f)
    try:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), script)
        out = subprocess.run(["node", path, module, tokenizer_json, f.name], check=True,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    return json.loads(out)


def prompt_ids(module, tokenizer_json, specs):
    return [c["ids"] for c in run_node("reranker_prompts.js", module, tokenizer_json, specs)]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_reranker_goldens.py <path to npm tokenizers module>")
    gen = torch.Generator().manual_seed(20250301)
    weights = make_weights(SPEC["config"], gen)
    stored = write_folder(NAME, SPEC, weights)
    folder = os.path.join(OUT, NAME)
    shutil.copyfile(TOKENIZER, os.path.join(folder, "tokenizer.json"))
    with open(TOKENIZER, encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"]
    assert vocab["yes"] == YES and vocab["no"] == NO
    model = Decoder(SPEC["config"], stored)
    lm_rows = model.lm_head[[YES, NO]]
    specs = cases()
    golden = []
    for spec, ids in zip(specs, prompt_ids(sys.argv[1], os.path.join(folder, "tokenizer.json"),
                                           specs)):
        states, _ = model.forward(ids)
        yes, no = (states[-1] @ lm_rows.T).tolist()
        diff = yes - no
        golden.append(dict(spec, ids=ids, logit_yes=yes, logit_no=no, logit_difference=diff,
                           probability=1.0 / (1.0 + math.exp(-diff))))
    with open(os.path.join(OUT, NAME + ".golden.json"), "w", encoding="utf-8") as f:
        json.dump({"model": NAME, "tolerance": 1e-4, "yes_id": YES, "no_id": NO,
                   "cases": golden}, f, ensure_ascii=False, separators=(",", ":"))
    for g in golden:
        print(len(g["ids"]), "tokens, logit difference %.6f, P(yes) %.6f" %
              (g["logit_difference"], g["probability"]))


if __name__ == "__main__":
    main()
