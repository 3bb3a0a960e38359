"""CrossEncoder and Embedder against the PyTorch goldens (tests/reference/make_cli_goldens.py)."""

import json
import threading

import numpy as np
import pytest

import cascade
from conftest import GOLDEN, cli


def jsonl(path, key):
    return [json.loads(line)[key] for line in path.read_text().splitlines() if line.strip()]


def test_cross_encoder_scores_match_the_reference():
    pairs = [json.loads(line) for line in (GOLDEN / "cli" / "pairs.jsonl").read_text().splitlines()]
    want = np.array(jsonl(GOLDEN / "cli" / "rerank.golden.jsonl", "score"))
    ce = cascade.CrossEncoder(GOLDEN / "bert-micro-ce")
    got = ce.score_pairs([(p["query"], p["document"]) for p in pairs])
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # score() of one query against several documents equals the pairwise scores.
    q = pairs[0]["query"]
    docs = [p["document"] for p in pairs[:4]]
    np.testing.assert_allclose(ce.score(q, docs), ce.score_pairs([(q, d) for d in docs]),
                               atol=1e-5)


def test_rank_orders_by_score_and_cuts_to_top_n():
    ce = cascade.CrossEncoder(GOLDEN / "bert-micro-ce")
    docs = ["vitamin d and bone density", "the weather today", "bones need calcium", "x"]
    scores = ce.score("vitamin d bones", docs)
    ranked = ce.rank("vitamin d bones", docs)
    assert [r.index for r in ranked] == sorted(range(4), key=lambda i: -scores[i])
    assert [r.rank for r in ranked] == [1, 2, 3, 4]
    assert ranked[0].document == docs[ranked[0].index]
    assert len(ce.rank("vitamin d bones", docs, top_n=2)) == 2
    with pytest.raises(ValueError, match="top_n"):
        ce.rank("q", docs, top_n=-1)


def test_embedder_matches_the_reference_without_a_copy():
    texts = jsonl(GOLDEN / "cli" / "texts.jsonl", "text")
    want = np.array(jsonl(GOLDEN / "cli" / "embed.golden.jsonl", "embedding"))
    model = cascade.Embedder(GOLDEN / "bert-micro-bi")
    got = model.encode(texts)
    assert got.shape == (len(texts), model.dimension) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # numpy owns the engine's buffer (a capsule base), it was not copied into a new array.
    assert not got.flags.owndata and got.base is not None
    one = model.encode(texts[0])
    assert one.shape == (model.dimension,)
    np.testing.assert_allclose(one, got[0], atol=1e-5)


def test_embedder_equals_cascade_embed(workdir):
    texts_file = GOLDEN / "cli" / "texts.jsonl"
    out = cli("embed", "--model", GOLDEN / "bert-micro-bi", "--input", texts_file).stdout
    want = np.array([json.loads(line)["embedding"] for line in out.splitlines() if line])
    got = cascade.Embedder(GOLDEN / "bert-micro-bi").encode(jsonl(texts_file, "text"))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_models_score_from_threads():
    ce = cascade.CrossEncoder(GOLDEN / "bert-micro-ce")
    docs = [f"document number {i} about bones" for i in range(16)]
    serial = ce.score("bones", docs)
    out = {}

    def work(i):
        out[i] = ce.score("bones", docs)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        np.testing.assert_allclose(out[i], serial, atol=1e-6)


def test_model_errors(workdir):
    with pytest.raises(FileNotFoundError, match="folder: no such file or directory"):
        cascade.CrossEncoder(workdir / "no-model")
    with pytest.raises(cascade.UsageError, match="unknown model option 'maxlen'"):
        cascade.CrossEncoder(GOLDEN / "bert-micro-ce", maxlen=3)
    with pytest.raises(cascade.UsageError, match="max_length"):
        cascade.CrossEncoder(GOLDEN / "bert-micro-ce", max_length="long")
    with pytest.raises(cascade.Error):
        cascade.Embedder(GOLDEN / "bert-micro-ce")  # a cross-encoder, not a bi-encoder
    with pytest.raises(TypeError, match="one str"):
        cascade.CrossEncoder(GOLDEN / "bert-micro-ce").score("q", "a single document")
