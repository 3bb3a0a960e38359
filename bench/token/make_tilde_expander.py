"""Writes a MiniLM-L6-H384-shaped TILDE expansion model (BertLMHeadModel: 6 layers, hidden 384,
12 heads, FFN 1536, the real 30,522-token BERT vocabulary, the MLM decoder tied to the word
embeddings) with random weights, for speed measurements: speed depends on the shape only.
numpy only (no torch needed).
Usage: /usr/bin/python3 bench/token/make_tilde_expander.py OUT_DIR"""
import json
import os
import shutil
import struct
import sys

import numpy as np

TOKENIZER = "/work/shared/models/tokenizers/all-MiniLM-L6-v2/tokenizer.json"
H, LAYERS, HEADS, FFN, VOCAB, POS = 384, 6, 12, 1536, 30522, 512


def main():
    out = os.path.abspath(sys.argv[1])
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    w = {}

    def normal(shape, std):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    def linear(name, n_in, n_out):
        w[name + ".weight"] = normal((n_out, n_in), n_in ** -0.5)
        w[name + ".bias"] = normal((n_out,), 0.1)

    def norm(name):
        w[name + ".weight"] = 1.0 + normal((H,), 0.1)
        w[name + ".bias"] = normal((H,), 0.1)

    e = "bert.embeddings."
    w[e + "word_embeddings.weight"] = normal((VOCAB, H), 1.0)
    w[e + "position_embeddings.weight"] = normal((POS, H), 0.5)
    w[e + "token_type_embeddings.weight"] = normal((2, H), 0.5)
    norm(e + "LayerNorm")
    for i in range(LAYERS):
        p = f"bert.encoder.layer.{i}."
        for n in ("query", "key", "value"):
            linear(p + "attention.self." + n, H, H)
        linear(p + "attention.output.dense", H, H)
        norm(p + "attention.output.LayerNorm")
        linear(p + "intermediate.dense", H, FFN)
        linear(p + "output.dense", FFN, H)
        norm(p + "output.LayerNorm")
    linear("cls.predictions.transform.dense", H, H)
    norm("cls.predictions.transform.LayerNorm")
    w["cls.predictions.bias"] = normal((VOCAB,), 1.0)
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for k, v in w.items():
        header[k] = {"dtype": "F32", "shape": list(v.shape),
                     "data_offsets": [offset, offset + v.nbytes]}
        offset += v.nbytes
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for v in w.values():
            f.write(v.tobytes())
    config = {"architectures": ["BertLMHeadModel"], "model_type": "bert", "hidden_size": H,
              "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
              "intermediate_size": FFN, "vocab_size": VOCAB, "hidden_act": "gelu",
              "max_position_embeddings": POS, "type_vocab_size": 2, "pad_token_id": 0,
              "layer_norm_eps": 1e-12}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    shutil.copy(TOKENIZER, os.path.join(out, "tokenizer.json"))
    print(out)


if __name__ == "__main__":
    main()
