"""Writes a MiniLM-L6-H384-shaped cross-encoder (the shape of cross-encoder/ms-marco-MiniLM-L-6-v2:
6 layers, hidden 384, 12 heads, FFN 1536, the real 30,522-token BERT vocabulary) with random
weights, for load tests: speed depends on the shape, not the weights.
Usage: /usr/bin/python3 bench/serve/make_model.py OUT_DIR"""
import os
import sys

import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "reference"))
import make_goldens  # noqa: E402

SPEC = dict(arch="BertForSequenceClassification", hidden=384, layers=6, heads=12, ffn=1536,
            vocab=30522, dtype=torch.float32, num_labels=1, shards=1, tokenizer=True)

out = os.path.abspath(sys.argv[1])
make_goldens.OUT = os.path.dirname(out)
cfg = make_goldens.make_config(SPEC)
weights = make_goldens.make_weights(SPEC, cfg, torch.Generator().manual_seed(6))
make_goldens.write_folder(os.path.basename(out), SPEC, cfg, weights)
print(out)
