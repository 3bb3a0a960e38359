#!/usr/bin/python3
"""Writes tests/golden/model/qwen3-reranker-tiny.list.golden.json: what the listwise (RankGPT
generation, FIRST) and ICR re-rankers read from the random-weight Qwen3-shaped model
tests/golden/model/qwen3-reranker-tiny (made by make_reranker_goldens.py), computed by
decoder_reference.py in float64 on prompt ids from Hugging Face's tokenizer
(llm_list_prompts.js, which builds the documented templates independently of cascade's C++):

- listwise: the prompt ids and 12 greedy tokens (each step recomputes the whole sequence);
- first: the prompt ids and the logits of the identifier tokens at the last position;
- evidence: a pointwise prompt, the "yes" token, then 8 greedy tokens;
- icr: the prompt ids, document spans, and per document the attention probability on its tokens
  from the query's tokens (and from " N/A"'s), summed over the document's tokens, layers and
  heads and averaged over the query's tokens, each pass a full forward over prefix + query (no
  KV cache), and the calibrated score.

    mkdir /tmp/hf && (cd /tmp/hf && npm install tokenizers@0.23.2)
    /usr/bin/python3 tests/reference/make_llm_list_goldens.py /tmp/hf/node_modules/tokenizers
"""
import json
import os
import sys

from decoder_reference import Decoder
from make_decoder_goldens import OUT
from make_reranker_goldens import NAME, SPEC, run_node, scifact
import safetensors_io


def cases():
    queries, docs = scifact(3, 12)
    return [
        dict(kind="listwise", query=queries[0], passages=docs[:5], passage_tokens=24),
        dict(kind="first", query=queries[1], passages=docs[3:9], passage_tokens=24),
        dict(kind="icr", query=queries[2], passages=docs[6:10], passage_tokens=20),
        dict(kind="icr", query="What is the capital of China?",
             passages=["The capital of China is Beijing.", "Gravity attracts bodies.",
                       docs[11]], passage_tokens=0),
    ]


def attention_mass(model, prefix, continuation, spans):
    _, probs = model.forward(prefix + continuation)
    rows = slice(len(prefix), len(prefix) + len(continuation))
    mass = [0.0] * len(spans)
    for layer in probs.values():  # [heads, L, L]
        block = layer[:, rows, :]
        for s, (b, e) in enumerate(spans):
            mass[s] += float(block[:, :, b:e].sum())
    return [m / len(continuation) for m in mass]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_llm_list_goldens.py <path to npm tokenizers module>")
    folder = os.path.join(OUT, NAME)
    stored = safetensors_io.load(os.path.join(folder, "model.safetensors"))
    model = Decoder(SPEC["config"], stored)
    specs = cases()
    golden = []
    for spec, p in zip(specs, run_node("llm_list_prompts.js", sys.argv[1],
                                       os.path.join(folder, "tokenizer.json"), specs)):
        case = dict(spec, ids=p["ids"])
        if spec["kind"] == "listwise":
            tokens, gap = model.greedy(p["ids"], 12)
            case.update(greedy=tokens, smallest_gap=gap)
        elif spec["kind"] == "first":
            states, _ = model.forward(p["ids"])
            rows = model.lm_head[p["identifier_ids"]]
            case.update(identifier_ids=p["identifier_ids"],
                        logits=(states[-1] @ rows.T).tolist())
        else:
            q = attention_mass(model, p["ids"], p["query_ids"], p["spans"])
            c = attention_mass(model, p["ids"], p["calibration_ids"], p["spans"])
            case.update(spans=p["spans"], query_ids=p["query_ids"],
                        calibration_ids=p["calibration_ids"], query_mass=q, calibration_mass=c,
                        scores=[a - b for a, b in zip(q, c)])
        golden.append(case)
        print(spec["kind"], len(p["ids"]), "prompt tokens")
    # Evidence: the first pointwise prompt of qwen3-reranker-tiny.golden.json, the "yes" token,
    # then 8 greedy tokens.
    with open(os.path.join(OUT, NAME + ".golden.json"), encoding="utf-8") as f:
        pointwise = json.load(f)
    first = pointwise["cases"][0]
    tokens, gap = model.greedy(first["ids"] + [pointwise["yes_id"]], 8)
    golden.append(dict(kind="evidence", instruction=first["instruction"], query=first["query"],
                       document=first["document"], ids=first["ids"], yes_id=pointwise["yes_id"],
                       greedy=tokens, smallest_gap=gap))
    with open(os.path.join(OUT, NAME + ".list.golden.json"), "w", encoding="utf-8") as f:
        json.dump({"model": NAME, "tolerance": 1e-4, "cases": golden}, f, ensure_ascii=False,
                  separators=(",", ":"))


if __name__ == "__main__":
    main()
