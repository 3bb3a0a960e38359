#!/usr/bin/python3
"""Regenerates the random-weight model folders and golden outputs under tests/golden/model/.

Run with Debian's interpreter (python3-torch 1.13):  /usr/bin/python3 tests/reference/make_goldens.py
Everything is seeded, so a rerun reproduces the committed files. Outputs are computed in
float64 from the weights exactly as stored (fp16/bf16 weights are widened first), so the
goldens are the true values for the files the C++ engine reads.
"""
import argparse
import json
import os
import random
import shutil

import torch

import safetensors_io
from bert_reference import Encoder

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(ROOT))
OUT = os.path.join(REPO, "tests", "golden", "model")
TOKENIZER = "/work/shared/models/tokenizers/all-MiniLM-L6-v2/tokenizer.json"

# name: (architecture, hidden, layers, heads, ffn, vocab, dtype, head, extra)
MODELS = {
    "bert-tiny": dict(arch="BertForSequenceClassification", hidden=128, layers=2, heads=2,
                      ffn=512, vocab=512, dtype=torch.float32, num_labels=1, shards=1),
    "minilm-l6-h384": dict(arch="BertModel", hidden=384, layers=6, heads=12, ffn=1536,
                           vocab=256, dtype=torch.float16, pooling="mean", normalize=True,
                           shards=2),
    "xlmr-tiny": dict(arch="XLMRobertaForSequenceClassification", hidden=128, layers=2,
                      heads=4, ffn=256, vocab=512, dtype=torch.bfloat16, num_labels=2, shards=1),
    "bert-micro-ce": dict(arch="BertForSequenceClassification", hidden=16, layers=2, heads=2,
                          ffn=64, vocab=30522, dtype=torch.float16, num_labels=1, shards=1,
                          tokenizer=True),
    "bert-micro-bi": dict(arch="BertModel", hidden=16, layers=2, heads=2, ffn=64, vocab=30522,
                          dtype=torch.float16, pooling="cls", normalize=False, shards=1,
                          tokenizer=True),
}


def make_config(spec):
    xlmr = spec["arch"].startswith("XLMRoberta")
    cfg = {
        "architectures": [spec["arch"]],
        "model_type": "xlm-roberta" if xlmr else "bert",
        "hidden_size": spec["hidden"], "num_hidden_layers": spec["layers"],
        "num_attention_heads": spec["heads"], "intermediate_size": spec["ffn"],
        "vocab_size": spec["vocab"], "hidden_act": "gelu",
        "max_position_embeddings": 514 if xlmr else 512,
        "type_vocab_size": 1 if xlmr else 2, "pad_token_id": 1 if xlmr else 0,
        "layer_norm_eps": 1e-5 if xlmr else 1e-12,
        "position_embedding_type": "absolute", "torch_dtype": str(spec["dtype"])[6:],
    }
    if "num_labels" in spec:
        cfg["id2label"] = {str(i): f"LABEL_{i}" for i in range(spec["num_labels"])}
        cfg["label2id"] = {f"LABEL_{i}": i for i in range(spec["num_labels"])}
    return cfg


def make_weights(spec, cfg, gen):
    """Random weights in Hugging Face names. Scales keep activations O(1) so every op matters."""
    h, f = spec["hidden"], spec["ffn"]
    xlmr = cfg["model_type"] == "xlm-roberta"
    base = "" if spec["arch"].endswith("Model") else ("roberta." if xlmr else "bert.")
    w = {}

    def normal(shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * std

    def linear(name, n_in, n_out):
        w[name + ".weight"] = normal((n_out, n_in), 1.0 / n_in ** 0.5)
        w[name + ".bias"] = normal((n_out,), 0.1)

    def norm(name):
        w[name + ".weight"] = 1.0 + normal((h,), 0.1)
        w[name + ".bias"] = normal((h,), 0.1)

    e = base + "embeddings."
    w[e + "word_embeddings.weight"] = normal((cfg["vocab_size"], h), 1.0)
    w[e + "position_embeddings.weight"] = normal((cfg["max_position_embeddings"], h), 0.5)
    w[e + "token_type_embeddings.weight"] = normal((cfg["type_vocab_size"], h), 0.5)
    norm(e + "LayerNorm")
    for i in range(spec["layers"]):
        p = f"{base}encoder.layer.{i}."
        for n in ("query", "key", "value"):
            linear(p + "attention.self." + n, h, h)
        linear(p + "attention.output.dense", h, h)
        norm(p + "attention.output.LayerNorm")
        linear(p + "intermediate.dense", h, f)
        linear(p + "output.dense", f, h)
        norm(p + "output.LayerNorm")
    if "num_labels" in spec:
        if xlmr:
            linear("classifier.dense", h, h)
            linear("classifier.out_proj", h, spec["num_labels"])
        else:
            linear(base + "pooler.dense", h, h)
            linear("classifier", h, spec["num_labels"])
    return {k: v.to(spec["dtype"]) for k, v in w.items()}


def write_folder(name, spec, cfg, weights):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    if spec["shards"] == 1:
        safetensors_io.save(weights, os.path.join(d, "model.safetensors"), {"format": "pt"})
    else:
        names = sorted(weights)
        per = (len(names) + spec["shards"] - 1) // spec["shards"]
        weight_map, total = {}, 0
        for s in range(spec["shards"]):
            fname = f"model-{s + 1:05d}-of-{spec['shards']:05d}.safetensors"
            part = {n: weights[n] for n in names[s * per:(s + 1) * per]}
            safetensors_io.save(part, os.path.join(d, fname), {"format": "pt"})
            weight_map.update({n: fname for n in part})
            total += sum(t.numel() * t.element_size() for t in part.values())
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    if "pooling" in spec:
        modules = [{"idx": 0, "name": "0", "path": "", "type":
                    "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type":
                    "sentence_transformers.models.Pooling"}]
        if spec["normalize"]:
            modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type":
                            "sentence_transformers.models.Normalize"})
        with open(os.path.join(d, "modules.json"), "w") as f:
            json.dump(modules, f, indent=2)
        os.makedirs(os.path.join(d, "1_Pooling"))
        with open(os.path.join(d, "1_Pooling", "config.json"), "w") as f:
            json.dump({"word_embedding_dimension": spec["hidden"],
                       "pooling_mode_cls_token": spec["pooling"] == "cls",
                       "pooling_mode_mean_tokens": spec["pooling"] == "mean",
                       "pooling_mode_max_tokens": False,
                       "pooling_mode_mean_sqrt_len_tokens": False}, f, indent=2)
    if spec.get("tokenizer"):
        shutil.copy(TOKENIZER, os.path.join(d, "tokenizer.json"))
    return d


def random_sequence(rng, length, cfg, pairs):
    xlmr = cfg["model_type"] == "xlm-roberta"
    ids = [0 if xlmr else min(101, cfg["vocab_size"] - 1)]  # <s> / [CLS]
    ids += [rng.randrange(2, cfg["vocab_size"]) for _ in range(length - 1)]
    if xlmr and length > 5:
        ids[length // 2] = cfg["pad_token_id"]  # a pad id inside: positions must skip it
    types = [0] * length
    if pairs and cfg["type_vocab_size"] > 1:
        types = [0] * (length // 2) + [1] * (length - length // 2)
    return ids[:length], types


def make_cases(name, spec, cfg, model, rng):
    max_len = 512
    cases = []
    for length in (1, 2, 7, 64, 128, 511, 512):
        seq = random_sequence(rng, length, cfg, pairs=length > 2)
        cases.append({"name": f"length_{length}", "sequences": [seq]})
    mixed = [random_sequence(rng, n, cfg, pairs=True) for n in (3, 40, 17, 128, 1, 90)]
    cases.append({"name": "mixed_batch", "sequences": mixed})
    cases.append({"name": "mixed_batch_long", "sequences":
                  [random_sequence(rng, n, cfg, pairs=True) for n in (300, 12, max_len)]})
    for c in cases:
        c["outputs"] = model.forward(c["sequences"])
        c["sequences"] = [{"input_ids": i, "token_type_ids": t} for i, t in c["sequences"]]
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", nargs="*", help="model names to regenerate")
    args = ap.parse_args()
    torch.set_num_threads(2)
    for index, (name, spec) in enumerate(MODELS.items()):
        if args.only and name not in args.only:
            continue
        gen = torch.Generator().manual_seed(1000 + index)
        rng = random.Random(2000 + index)
        cfg = make_config(spec)
        weights = make_weights(spec, cfg, gen)
        d = write_folder(name, spec, cfg, weights)
        head = "classification" if "num_labels" in spec else "embedding"
        model = Encoder(cfg, safetensors_io.load_folder(d) if spec["shards"] > 1 else
                        safetensors_io.load(os.path.join(d, "model.safetensors")),
                        head=head, pooling=spec.get("pooling", "cls"),
                        normalize=spec.get("normalize", False))
        if spec.get("tokenizer"):
            continue  # end-to-end goldens come from make_cli_goldens.py (needs real token ids)
        golden = {"model": name, "tolerance": 1e-4,
                  "note": "float64 PyTorch reference (tests/reference/bert_reference.py) on the "
                          "stored weights; regenerate with tests/reference/make_goldens.py",
                  "cases": make_cases(name, spec, cfg, model, rng)}
        with open(os.path.join(OUT, name + ".golden.json"), "w") as f:
            json.dump(golden, f, separators=(",", ":"))
        print(name, "written")


if __name__ == "__main__":
    main()
