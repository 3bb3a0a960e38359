#!/usr/bin/env python3
"""Writes the tiny static embedding models and their goldens for src/runtime/static_family_test.cpp.

    mkdir -p /tmp/hf && (cd /tmp/hf && npm install tokenizers@0.23.2)
    /usr/bin/python3 tests/reference/make_static_goldens.py /tmp/hf/node_modules/tokenizers

Folders (random seeded weights, a few KB each) under tests/golden/model/:
- static-tiny/: Model2Vec layout as `StaticModel.save_pretrained` writes it: config.json
  (model_type model2vec, normalize true), model.safetensors with F32 `embeddings` [V, 8], a
  WordLevel tokenizer.json (BertNormalizer, BertPreTokenizer, [UNK] = 0) and the modules.json
  Model2Vec adds (StaticEmbedding at ".", then Normalize).
- static-tiny-st/: sentence-transformers layout: modules.json -> 0_StaticEmbedding/ with F16
  `embedding.weight` and a WordPiece tokenizer.json, then 1_Normalize.

Goldens <folder>.golden.json: per case the text, max_length, the token ids (from Hugging Face's
tokenizer through npm `tokenizers`, on the text as each library cuts it) and the expected vector
raw (`mean`) and L2-normalized (`normalized`), computed in float64 with NumPy from the weights as
stored, following model2vec's StaticModel.encode (character pre-cut to max_length x median token
length, unk ids dropped, ids cut to max_length, zeros when none are left) and
sentence-transformers' StaticEmbedding (nn.EmbeddingBag mean over every id, unk included) +
Normalize.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "golden", "model")
DIM = 8

WORDS = ["the", "cat", "sat", "on", "mat", "dog", "a", "king", "queen", "man", "woman",
         "cafe", "naive", "over", "lazy", "fox", "quick", "brown", "jumps", "1", "2024",
         ",", ".", "!", "?", "-", "'", "s", "(", ")", "中", "文"]

TEXTS = [
    "",
    "   ",
    "The cat sat on the mat.",
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG!",
    "zebra xylophone",                        # unknown words only
    "the zebra sat",                          # one unknown word
    "Café naïve — the king's queen (2024)",   # accents, dash, apostrophe, digits
    "中文 and 日本",                           # CJK characters split one by one
    "king, queen; man: woman?",
    "dog " * 300 + "cat " * 700,              # long: the 512-token and character cuts
    "a",
]


def hf_ids(module, tokenizer_json, texts):
    """Ids from Hugging Face's tokenizer, without special tokens, for each text."""
    script = """
const { Tokenizer } = require(process.argv[1]);
const fs = require('fs');
(async () => {
  const tok = Tokenizer.fromFile(process.argv[2]);
  tok.disablePadding(); tok.disableTruncation();
  const texts = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  const out = [];
  for (const t of texts) out.push((await tok.encode(t, null, { addSpecialTokens: false })).getIds());
  console.log(JSON.stringify(out));
})();
"""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(texts, f)
    try:
        out = subprocess.run(["node", "-e", script, os.path.abspath(module), tokenizer_json, f.name],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    return json.loads(out)


def wordlevel_tokenizer():
    vocab = {"[UNK]": 0}
    for w in WORDS:
        vocab[w] = len(vocab)
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": None, "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }


def wordpiece_tokenizer():
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + WORDS + ["##s", "##ing", "##e", "ze", "##bra"]
    vocab = {t: i for i, t in enumerate(tokens)}
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(tokens[:4])]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
        "decoder": None,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def pool(table, ids):
    mean = table[ids].mean(axis=0) if ids else np.zeros(table.shape[1])
    norm = np.linalg.norm(mean)
    return mean, (mean / norm if norm > 0 else mean)


def model2vec(module, rng):
    folder = os.path.join(GOLDEN, "static-tiny")
    tok = wordlevel_tokenizer()
    write_json(os.path.join(folder, "tokenizer.json"), tok)
    write_json(os.path.join(folder, "config.json"),
               {"model_type": "model2vec", "architectures": ["StaticModel"], "normalize": True,
                "hidden_dim": DIM, "seq_length": 1000000})
    write_json(os.path.join(folder, "modules.json"), [
        {"idx": 0, "name": "0", "path": ".", "type": "sentence_transformers.models.StaticEmbedding"},
        {"idx": 1, "name": "1", "path": "1_Normalize", "type": "sentence_transformers.models.Normalize"}])
    vocab = tok["model"]["vocab"]
    table = rng.standard_normal((len(vocab), DIM)).astype(np.float32)
    safetensors_io.save({"embeddings": torch.from_numpy(table)},
                        os.path.join(folder, "model.safetensors"))
    table = table.astype(np.float64)
    # StaticModel: int(np.median(len(token) for token in vocab)), the unk id dropped.
    median = int(np.median([len(t) for t in sorted(vocab, key=vocab.get)]))
    unk = vocab["[UNK]"]
    cases = []
    for max_length in (512, 4):
        cut = [t[:max_length * median] for t in TEXTS]
        for i, ids in enumerate(hf_ids(module, os.path.join(folder, "tokenizer.json"), cut)):
            ids = [t for t in ids if t != unk][:max_length]
            mean, normalized = pool(table, ids)
            cases.append({"text": i, "max_length": max_length, "ids": ids,
                          "mean": mean.tolist(), "normalized": normalized.tolist()})
    write_json(os.path.join(GOLDEN, "static-tiny.golden.json"),
               {"texts": TEXTS, "median_token_length": median, "cases": cases})


def sentence_transformers(module, rng):
    folder = os.path.join(GOLDEN, "static-tiny-st")
    sub = os.path.join(folder, "0_StaticEmbedding")
    tok = wordpiece_tokenizer()
    write_json(os.path.join(sub, "tokenizer.json"), tok)
    write_json(os.path.join(folder, "modules.json"), [
        {"idx": 0, "name": "0", "path": "0_StaticEmbedding",
         "type": "sentence_transformers.models.StaticEmbedding"},
        {"idx": 1, "name": "1", "path": "1_Normalize", "type": "sentence_transformers.models.Normalize"}])
    write_json(os.path.join(folder, "config_sentence_transformers.json"),
               {"prompts": {}, "default_prompt_name": None, "similarity_fn_name": "cosine"})
    vocab = tok["model"]["vocab"]
    table = rng.standard_normal((len(vocab), DIM)).astype(np.float16)
    safetensors_io.save({"embedding.weight": torch.from_numpy(table)},
                        os.path.join(sub, "model.safetensors"))
    table = table.astype(np.float64)
    cases = []
    for max_length in (512, 4):
        for i, ids in enumerate(hf_ids(module, os.path.join(sub, "tokenizer.json"), TEXTS)):
            ids = ids[:max_length]
            mean, normalized = pool(table, ids)
            cases.append({"text": i, "max_length": max_length, "ids": ids,
                          "mean": mean.tolist(), "normalized": normalized.tolist()})
    write_json(os.path.join(GOLDEN, "static-tiny-st.golden.json"), {"texts": TEXTS, "cases": cases})


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_static_goldens.py <npm tokenizers module>")
    rng = np.random.default_rng(13)
    model2vec(sys.argv[1], rng)
    sentence_transformers(sys.argv[1], rng)


if __name__ == "__main__":
    main()
