"""Pipeline(file_or_dict).run(index, queries) against `cascade run`."""

import pytest

import cascade
from conftest import GOLDEN, SCIFACT, SOURCE, cli

QRELS = SCIFACT / "qrels" / "test.tsv"
RM3 = SOURCE / "examples" / "pipelines" / "bm25_rm3.yaml"


def test_pipeline_file_gives_the_cli_run(scifact_index, cli_index, test_queries, workdir):
    want = workdir / "cli-rm3.run"
    cli("run", "--pipeline", RM3, "--index", cli_index, "--queries", SCIFACT / "queries.jsonl.gz",
        "--qids-from", QRELS, "--run", want)
    result = cascade.Pipeline(RM3).run(scifact_index, test_queries, QRELS, threads=2)
    got = workdir / "py-rm3.run"
    result.run.write(str(got))
    assert got.read_bytes() == want.read_bytes()
    assert [s.label for s in result.stages] == ["bm25", "rm3"]
    bm25, rm3 = result.stages
    assert bm25.candidates_out == rm3.candidates_in
    assert len(bm25.latency_ms) == 300 and (bm25.latency_ms >= 0).all()
    assert round(bm25.metrics["ndcg_cut_10"], 4) == 0.6789
    # The first stage's run is the BM25 run of batch_search.
    bm25_run = cascade.as_run(scifact_index.batch_search(test_queries, k=1000))
    assert bm25.run.to_dict() == bm25_run.to_dict()
    assert "bm25" in result.format() and "rm3" in str(result)


def test_pipeline_dict_equals_its_file(scifact_index, test_queries):
    spec = {"name": "bm25_rm3", "first_stage": {"type": "bm25", "k": 1000},
            "stages": [{"type": "rm3", "k": 1000, "fb_docs": 10, "fb_terms": 10,
                        "original_query_weight": 0.5}]}
    few = dict(list(test_queries.items())[:20])
    from_dict = cascade.Pipeline(spec).run(scifact_index, few)
    from_file = cascade.Pipeline(RM3).run(scifact_index, few)
    assert from_dict.run.to_dict() == from_file.run.to_dict()
    assert from_dict.stages[0].metrics is None  # no qrels given


def test_pipeline_with_a_model_stage(scifact_index, test_queries):
    spec = {"first_stage": {"type": "bm25", "k": 20},
            "stages": [{"type": "cross_encoder", "k": 5,
                        "model": str(GOLDEN / "bert-micro-ce")}]}
    few = dict(list(test_queries.items())[:3])
    result = cascade.Pipeline(spec).run(scifact_index, few, batch=2)
    assert [len(d) for d in result.run.to_dict().values()] == [5, 5, 5]
    ce = cascade.CrossEncoder(GOLDEN / "bert-micro-ce")
    for qid, text in few.items():
        # The stage re-scores the first k = 5 of the first stage's candidates.
        docs = list(result.stages[0].run.to_dict()[qid])[:5]
        texts = []
        for d in docs:
            doc = scifact_index.doc(d)
            texts.append(doc["text"] if not doc["title"] else doc["title"] + " " + doc["text"])
        top = ce.rank(text, texts, top_n=5)
        got = list(result.run.to_dict()[qid].values())
        assert got == pytest.approx([r.score for r in top], abs=1e-4)


def test_pipeline_errors(scifact_index, workdir):
    with pytest.raises(FileNotFoundError, match="pipeline: no such file"):
        cascade.Pipeline(workdir / "none.yaml")
    with pytest.raises(cascade.InputError) as caught:
        cascade.Pipeline({"first_stage": {"type": "bm25", "k": 10, "depth": 3}}).run(
            scifact_index, {"1": "x"})
    assert "pipeline dict" in str(caught.value) and "depth" in str(caught.value)
    with pytest.raises(TypeError, match="index: expected a cascade.Index"):
        cascade.Pipeline(RM3).run("not an index", {"1": "x"})
