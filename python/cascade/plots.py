"""Charts of runs as SVG, for notebooks: the same charts as ``cascade report`` draws.

Each function returns an :class:`SVG`, a ``str`` that Jupyter displays inline (``_repr_svg_``)
and that can be written to a file as it is::

    import cascade.plots as plots
    plots.per_query_delta("qrels.tsv", "bm25.run", "rerank.run")          # shown inline
    plots.recall_depth("qrels.tsv", {"bm25": "bm25.run", "rm3": "rm3.run"})
    plots.report("qrels.tsv", {"bm25": "bm25.run", "rm3": "rm3.run"})      # a whole HTML page

Runs and qrels are accepted in every shape :func:`cascade.evaluate` accepts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from . import _cascade
from . import Hits, PipelineResult, _is_path, as_qrels, as_run

__all__ = ["SVG", "per_query_delta", "recall_depth", "score_distribution",
           "effectiveness_latency", "report", "write_report"]


class SVG(str):
    """An SVG document; shown as a picture by Jupyter/IPython."""

    def _repr_svg_(self) -> str:
        return str(self)


class HTML(str):
    """An HTML page; shown inline by Jupyter/IPython."""

    def _repr_html_(self) -> str:
        return str(self)


def _label(value: Any, default: str) -> str:
    return os.fspath(value) if _is_path(value) else default


def _labeled_runs(runs: Any) -> list[tuple[str, Any]]:
    """{label: run} or a sequence of runs (labelled by path, else run1, run2, ...)."""
    if isinstance(runs, Mapping) and not _looks_like_run(runs):
        pairs = list(runs.items())
    elif isinstance(runs, Sequence) and not isinstance(runs, (str, bytes)):
        pairs = [(_label(r, f"run{i + 1}"), r) for i, r in enumerate(runs)]
    else:
        pairs = [(_label(runs, "run"), runs)]
    if not pairs:
        raise ValueError("runs: at least one run is needed")
    return [(label, as_run(r, f"runs[{label!r}]")) for label, r in pairs]


def _looks_like_run(value: Mapping) -> bool:
    """True for one run given as a dict ({qid: {docid: score}} or a batch_search result)
    rather than {label: run}."""
    first = next(iter(value.values()), None)
    if isinstance(first, Hits):
        return True
    return isinstance(first, Mapping) and all(
        isinstance(v, (int, float)) for v in list(first.values())[:3])


def per_query_delta(qrels: Any, base: Any, other: Any, measure: str = "ndcg_cut.10",
                    labels: tuple[str, str] | None = None) -> SVG:
    """One bar per query: `measure` of `other` minus `base`, wins above zero, losses below."""
    if labels is None:
        labels = (_label(base, "A"), _label(other, "B"))
    return SVG(_cascade._svg_per_query_delta(as_qrels(qrels), as_run(base, "base"),
                                             as_run(other, "other"), measure, labels[0],
                                             labels[1]))


def recall_depth(qrels: Any, runs: Any,
                 depths: Sequence[int] = (10, 20, 50, 100, 200, 500, 1000)) -> SVG:
    """Recall at each cut-off in `depths`, one line per run (a dict {label: run} or a list)."""
    return SVG(_cascade._svg_recall_depth(as_qrels(qrels), _labeled_runs(runs), list(depths)))


def score_distribution(runs: Any, bins: int = 20) -> SVG:
    """A histogram of each run's retrieval scores."""
    if bins < 1:
        raise ValueError(f"bins: must be at least 1, got {bins}")
    return SVG(_cascade._svg_score_distribution(_labeled_runs(runs), bins))


def effectiveness_latency(points: Any, y_label: str = "nDCG@10") -> SVG:
    """Effectiveness against latency: a PipelineResult run with qrels (one point per stage,
    cumulative mean latency per query and the stage's nDCG@10), or (label, latency_ms, value)
    triples."""
    if isinstance(points, PipelineResult):
        triples = _cascade._latency_points(points)
        if not triples:
            raise ValueError("points: the pipeline was run without qrels, so no stage has "
                             "effectiveness values")
    else:
        triples = [(str(label), float(x), float(y)) for label, x, y in points]
    return SVG(_cascade._svg_effectiveness_latency(triples, y_label))


def report(qrels: Any, runs: Any, *, pipeline: PipelineResult | None = None,
           title: str = "cascade report", measures: Sequence[str] = (),
           delta_measure: str = "ndcg_cut.10", depths: Sequence[int] = (), bins: int = 20,
           trials: int = 100000, seed: int = 1) -> HTML:
    """The whole ``cascade report`` page as one self-contained HTML string; the first run is
    the baseline. With `pipeline` (a PipelineResult run with qrels), the effectiveness-latency
    chart and the stage timings too."""
    return HTML(_cascade._html_report(title, as_qrels(qrels), _labeled_runs(runs), pipeline,
                                      list(measures), delta_measure, list(depths), bins, trials,
                                      seed))


def write_report(path: str | os.PathLike, qrels: Any, runs: Any, **options: Any) -> None:
    """Writes :func:`report` to `path`."""
    page = report(qrels, runs, **options)
    with open(os.fspath(path), "w", encoding="utf-8") as f:
        f.write(page)
