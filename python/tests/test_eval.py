"""evaluate / compare equal `cascade eval` / `cascade compare`, from files, dicts, Run/Qrels
objects and DataFrames."""

import pytest

import cascade
from conftest import SCIFACT, cli

QRELS = SCIFACT / "qrels" / "test.tsv"


def test_evaluate_prints_what_cascade_eval_prints(cli_run):
    for flags, per_query in (([], False), (["-q"], True)):
        for measures in (None, ["ndcg_cut.10", "recall.100,1000", "P.5"]):
            m_flags = [a for m in (measures or []) for a in ("-m", m)]
            want = cli("eval", *flags, *m_flags, "--qrels", QRELS, "--run", cli_run).stdout
            got = cascade.evaluate(QRELS, cli_run, measures).format(per_query=per_query)
            assert got == want, (flags, measures)


def test_evaluate_values(cli_run):
    e = cascade.evaluate(QRELS, cli_run, ["ndcg_cut.10", "recall.100"], average_complete=True)
    # Anserini's published BM25 flat regression on SciFact (the README's demo numbers).
    assert round(e["ndcg_cut_10"], 4) == 0.6789
    assert round(e.mean["recall_100"], 4) == 0.9253
    assert set(e.measures) >= {"ndcg_cut_10", "recall_100"}
    per_query = e.per_query
    assert len(per_query) == 300 and e.queries == sorted(per_query)
    assert sum(v["ndcg_cut_10"] for v in per_query.values()) / 300 == pytest.approx(
        e["ndcg_cut_10"], abs=1e-12)
    with pytest.raises(KeyError, match="map"):
        e["map"]


def test_every_run_and_qrels_shape_evaluates_the_same(cli_run, scifact_index, test_queries):
    want = cascade.evaluate(QRELS, cli_run, ["map", "ndcg_cut.10"]).mean
    run = cascade.read_run(cli_run)
    qrels = cascade.read_qrels(QRELS)
    for q, r in ((qrels, run), (qrels.to_dict(), run.to_dict())):
        assert cascade.evaluate(q, r, ["map", "ndcg_cut.10"]).mean == want
    # A batch_search result keeps the engine's full-precision scores; the run file has six
    # decimals (as Anserini writes), so documents whose scores differ only past the sixth
    # decimal tie in the file and are ordered by docid there: the values differ at most there.
    direct = cascade.evaluate(qrels, scifact_index.batch_search(test_queries, k=1000),
                              ["map", "ndcg_cut.10"]).mean
    assert direct == pytest.approx(want, abs=1e-6)
    pandas = pytest.importorskip("pandas")
    qids, docids, scores, ranks = run.columns()
    frame = pandas.DataFrame({"qid": qids, "docid": docids, "score": scores})
    q_frame = pandas.DataFrame(
        [(q, d, g) for q, docs in qrels.to_dict().items() for d, g in docs.items()],
        columns=["query-id", "corpus-id", "score"])
    assert cascade.evaluate(q_frame, frame, ["map", "ndcg_cut.10"]).mean == want


def test_dict_runs_are_ranked_by_score_then_docid_like_trec_eval():
    run = cascade.Run.from_dict({"q": {"a": 1.0, "b": 3.0, "c": 1.0}})
    assert list(run.to_dict()["q"]) == ["b", "c", "a"]
    assert run.columns()[3] == [1, 2, 3]


def test_compare_prints_what_cascade_compare_prints(cli_run, workdir):
    rm3 = workdir / "rm3.run"
    cli("run", "--pipeline", SCIFACT.parents[1] / "examples" / "pipelines" / "bm25_rm3.yaml",
        "--index", workdir / "cli-index", "--queries", SCIFACT / "queries.jsonl.gz",
        "--qids-from", QRELS, "--run", rm3)
    want = cli("compare", "--qrels", QRELS, cli_run, rm3).stdout
    got = cascade.compare(QRELS, cli_run, rm3)
    assert got.format() == want
    ndcg = [m for m in got.measures if m.measure == "ndcg_cut_10"][0]
    assert ndcg.wins + ndcg.ties + ndcg.losses == ndcg.queries == 300
    assert ndcg.delta == pytest.approx(ndcg.mean_b - ndcg.mean_a)
    assert 0.0 <= ndcg.p_t_test <= 1.0 and 0.0 <= ndcg.p_randomization <= 1.0


def test_eval_errors():
    with pytest.raises(FileNotFoundError, match="run: no such file"):
        cascade.evaluate(QRELS, "missing.run")
    with pytest.raises(FileNotFoundError, match="qrels: no such file"):
        cascade.evaluate("missing.qrels", {})
    with pytest.raises(TypeError, match="run: expected a run file path"):
        cascade.evaluate(QRELS, 42)
    with pytest.raises(ValueError, match=r"run\[q1\]\[d1\]: the score must be a number"):
        cascade.evaluate({"q1": {"d1": 1}}, {"q1": {"d1": "high"}})
    with pytest.raises(ValueError, match="relevance grade must be an int"):
        cascade.evaluate({"q1": {"d1": 1.5}}, {"q1": {"d1": 1.0}})
    with pytest.raises(cascade.UsageError, match="ndcg_cut"):
        cascade.evaluate({"q1": {"d1": 1}}, {"q1": {"d1": 1.0}}, ["ndcg_cut.x"])
    with pytest.raises(cascade.InputError) as caught:
        cascade.read_run(SCIFACT / "qrels" / "test.tsv")
    assert "test.tsv:" in str(caught.value)
