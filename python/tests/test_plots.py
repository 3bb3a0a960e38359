"""cascade.plots returns the report's charts as SVG strings (and the page as HTML)."""

import re

import pytest

import cascade
import cascade.plots as plots

QRELS = {"q1": {"d1": 1, "d2": 1}, "q2": {"d3": 2}, "q3": {"d4": 1}}
BASE = {"q1": {"d1": 3.0, "x": 2.0, "d2": 1.0}, "q2": {"x": 2.0, "d3": 1.0},
        "q3": {"d4": 5.0}}
OTHER = {"q1": {"d1": 3.0, "d2": 2.0, "x": 1.0}, "q2": {"x": 2.0, "y": 1.0},
         "q3": {"d4": 5.0}}


def marks(svg):
    return len(re.findall(r'class="mark[ "]', svg))


def test_per_query_delta_is_an_svg_with_a_bar_per_query():
    svg = plots.per_query_delta(QRELS, BASE, OTHER, labels=("bm25", "rerank"))
    assert isinstance(svg, plots.SVG) and isinstance(svg, str)
    assert svg.lstrip().startswith("<svg") and svg._repr_svg_() == str(svg)
    assert marks(svg) == 3  # q1 wins, q2 loses, q3 ties
    assert "bm25" in svg and "rerank" in svg
    # The same bytes as the C++ library draws for the same input (deterministic).
    again = plots.per_query_delta(cascade.Qrels.from_dict(QRELS), cascade.Run.from_dict(BASE),
                                  cascade.Run.from_dict(OTHER), labels=("bm25", "rerank"))
    assert again == svg


def test_recall_depth_and_score_distribution():
    svg = plots.recall_depth(QRELS, {"a": BASE, "b": OTHER}, depths=[1, 2, 3])
    assert marks(svg) == 6  # two runs, three depths
    one = plots.recall_depth(QRELS, BASE, depths=[1, 10])
    assert marks(one) == 2
    hist = plots.score_distribution([BASE, OTHER], bins=4)
    assert hist.count("<title>") >= marks(hist) > 0
    with pytest.raises(ValueError, match="bins"):
        plots.score_distribution(BASE, bins=0)


def test_effectiveness_latency_from_points_and_from_a_pipeline(scifact_index, test_queries):
    svg = plots.effectiveness_latency([("bm25", 0.5, 0.67), ("ce", 40.0, 0.72)])
    assert marks(svg) == 2
    few = dict(list(test_queries.items())[:10])
    result = cascade.Pipeline({"first_stage": {"type": "bm25", "k": 100},
                               "stages": [{"type": "rm3", "k": 100}]}).run(
        scifact_index, few, cascade.read_qrels(cascade_qrels()))
    assert marks(plots.effectiveness_latency(result)) == 2
    unjudged = cascade.Pipeline({"first_stage": {"type": "bm25", "k": 10}}).run(scifact_index, few)
    with pytest.raises(ValueError, match="without qrels"):
        plots.effectiveness_latency(unjudged)
    with pytest.raises(cascade.UsageError):
        plots.effectiveness_latency([("bad", 0.0, 0.5)])


def cascade_qrels():
    from conftest import SCIFACT
    return SCIFACT / "qrels" / "test.tsv"


def test_report_is_a_self_contained_page(tmp_path):
    page = plots.report(QRELS, {"base": BASE, "other": OTHER}, trials=1000)
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert page.count("<svg") >= 3
    out = tmp_path / "r.html"
    plots.write_report(out, QRELS, {"base": BASE, "other": OTHER}, trials=1000)
    assert out.read_text() == page


def test_plot_errors():
    with pytest.raises(cascade.InputError):
        plots.per_query_delta(QRELS, {"zz": {"a": 1.0}}, OTHER)  # no judged query
    with pytest.raises(cascade.UsageError):
        plots.per_query_delta(QRELS, BASE, OTHER, measure="P.5,10")  # two values
    with pytest.raises(ValueError, match="at least one run"):
        plots.recall_depth(QRELS, [])
