"""cascade: retrieve, then re-rank, from Python.

The same C++ library as the ``cascade`` command (its public API), so results are the CLI's
byte for byte::

    import cascade
    index = cascade.Index.build("data/scifact", "/tmp/scifact-index")
    hits = index.search("coffee and cancer", k=10)
    hits[0].docid, hits[0].score, hits[0].title

    run = index.batch_search("data/scifact/queries.jsonl", k=1000, threads=2)
    cascade.evaluate("data/scifact/qrels/test.tsv", run, ["ndcg_cut.10"]).mean

Runs are accepted as TREC run files, ``{qid: {docid: score}}`` dicts, a ``batch_search``
result, :class:`Run` objects or pandas DataFrames with columns ``qid, docid, score``; judgments
as qrels files, ``{qid: {docid: grade}}`` dicts, :class:`Qrels` or DataFrames with
``qid, docid, relevance``. Long calls release the GIL. Errors are :class:`Error` subclasses
with the CLI's messages (``UsageError`` and ``InputError`` are also ``ValueError``, ``IoError``
an ``OSError``); a path that does not exist raises ``FileNotFoundError`` naming the argument.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from . import _cascade
from ._cascade import (  # noqa: F401  (re-exported)
    CorruptionError,
    Error,
    Evaluation,
    Hit,
    Hits,
    InputError,
    IoError,
    MeasureDifference,
    PipelineResult,
    Qrels,
    Run,
    StageReport,
    UsageError,
    Comparison,
    model_options,
)

__all__ = [
    "Index", "Pipeline", "CrossEncoder", "Embedder", "RankedDocument",
    "evaluate", "compare", "read_run", "read_qrels", "read_queries", "write_run",
    "as_run", "as_qrels", "as_queries",
    "Run", "Qrels", "Hit", "Hits", "Evaluation", "Comparison", "MeasureDifference",
    "PipelineResult", "StageReport",
    "Error", "UsageError", "InputError", "IoError", "CorruptionError", "plots",
]


def _require_path(value: Any, argument: str, *, directory: bool | None = None) -> str:
    """`value` as a str path that exists, else FileNotFoundError naming `argument`."""
    path = os.fspath(value)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{argument}: no such file or directory: '{path}'")
    if directory is True and not os.path.isdir(path):
        raise NotADirectoryError(f"{argument}: not a directory: '{path}'")
    return path


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def _is_dataframe(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "columns")


def _column(frame: Any, names: Sequence[str], argument: str) -> list:
    for name in names:
        if name in frame.columns:
            return frame[name].tolist()
    raise ValueError(f"{argument}: the DataFrame needs a column named {' or '.join(names)} "
                     f"(it has {', '.join(map(str, frame.columns))})")


def as_run(value: Any, argument: str = "run", tag: str = "cascade") -> Run:
    """A :class:`Run` from a run file, dict, ``batch_search`` result, Run or DataFrame."""
    if isinstance(value, Run):
        return value
    if _is_path(value):
        return Run.read(_require_path(value, argument))
    if _is_dataframe(value):
        qids = [str(q) for q in _column(value, ("qid", "query_id", "query-id"), argument)]
        docids = [str(d) for d in _column(value, ("docid", "doc_id", "corpus-id"), argument)]
        scores = [float(s) for s in _column(value, ("score",), argument)]
        return Run.from_columns(qids, docids, scores, tag)
    if isinstance(value, Mapping):
        return Run.from_dict(dict(value), tag, argument)
    raise TypeError(f"{argument}: expected a run file path, a dict {{qid: {{docid: score}}}}, "
                    f"a batch_search result, a cascade.Run or a DataFrame, "
                    f"got {type(value).__name__}")


def as_qrels(value: Any, argument: str = "qrels") -> Qrels:
    """:class:`Qrels` from a qrels file (TREC or BEIR TSV), dict, Qrels or DataFrame."""
    if isinstance(value, Qrels):
        return value
    if _is_path(value):
        return Qrels.read(_require_path(value, argument))
    if _is_dataframe(value):
        qids = [str(q) for q in _column(value, ("qid", "query_id", "query-id"), argument)]
        docids = [str(d) for d in _column(value, ("docid", "doc_id", "corpus-id"), argument)]
        grades = [int(g) for g in _column(value, ("relevance", "rel", "score", "grade"), argument)]
        return Qrels.from_columns(qids, docids, grades)
    if isinstance(value, Mapping):
        return Qrels.from_dict(dict(value), argument)
    raise TypeError(f"{argument}: expected a qrels file path, a dict {{qid: {{docid: grade}}}}, "
                    f"a cascade.Qrels or a DataFrame, got {type(value).__name__}")


def as_queries(value: Any, argument: str = "queries", format: str = "auto") -> list[tuple[str, str]]:
    """(qid, text) pairs from a query file, a dict {qid: text}, pairs, or a list of texts
    (ids "0", "1", ...)."""
    if _is_path(value):
        return _cascade.read_queries(_require_path(value, argument), format)
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, Sequence):
        pairs = [(str(i), q) if isinstance(q, str) else tuple(q) for i, q in enumerate(value)]
    else:
        raise TypeError(f"{argument}: expected a query file path, a dict {{qid: text}}, a list of "
                        f"(qid, text) pairs or a list of texts, got {type(value).__name__}")
    out = []
    seen = set()
    for pair in pairs:
        if len(pair) != 2 or not all(isinstance(x, str) for x in pair):
            raise ValueError(f"{argument}: every query must be a (qid, text) pair of str, "
                             f"got {pair!r}")
        if pair[0] in seen:
            raise ValueError(f"{argument}: query id '{pair[0]}' appears twice")
        seen.add(pair[0])
        out.append((pair[0], pair[1]))
    return out


def read_run(path: str | os.PathLike) -> Run:
    """Reads a TREC run file."""
    return Run.read(_require_path(path, "path"))


def read_qrels(path: str | os.PathLike) -> Qrels:
    """Reads TREC qrels or BEIR qrels TSV."""
    return Qrels.read(_require_path(path, "path"))


def read_queries(path: str | os.PathLike, format: str = "auto") -> dict[str, str]:
    """Reads a query set (BEIR/JSONL, TSV, TREC topics, classic collections): {qid: text}."""
    return dict(_cascade.read_queries(_require_path(path, "path"), format))


def write_run(path: str | os.PathLike, run: Any, tag: str = "cascade") -> None:
    """Writes any accepted run (e.g. a batch_search result) as a TREC run file, exactly as
    ``cascade search`` writes it."""
    as_run(run, "run", tag).write(os.fspath(path))


class Index:
    """An index built by ``cascade index`` (or :meth:`Index.build`), opened read-only.

    Safe to share between threads: searches release the GIL and run in parallel.
    """

    def __init__(self, path: str | os.PathLike):
        self._impl = _cascade.Index(_require_path(path, "path", directory=True))

    @classmethod
    def build(cls, collection: str | os.PathLike, path: str | os.PathLike, *,
              fields: Sequence[str] | None = None, format: str = "auto", threads: int = 1,
              positions: bool = False, memory_mb: int = 1024, analyzer: str = "english",
              stemmer: str = "porter", stopwords: bool = True, progress: bool = False) -> "Index":
        """Indexes `collection` (a BEIR folder, JSONL, TSV, TREC or classic collection) into
        `path`, as ``cascade index`` does; ``fields=["title", "text"]`` builds a multifield
        index. Returns the opened index; ``build_report`` says what the build did."""
        source = _require_path(collection, "collection")
        self = cls.__new__(cls)
        self._impl = _cascade.Index.build(source, os.fspath(path), list(fields or []), format,
                                          threads, positions, memory_mb, analyzer, stemmer,
                                          stopwords, progress)
        return self

    @property
    def path(self) -> str:
        return str(self._impl.path)

    @property
    def build_report(self) -> dict | None:
        return self._impl.build_report

    @property
    def num_docs(self) -> int:
        return self._impl.num_docs

    def __len__(self) -> int:
        return self._impl.num_docs

    def __contains__(self, docid: str) -> bool:
        return docid in self._impl

    @property
    def fields(self) -> list[str]:
        return self._impl.fields

    def doc(self, docid: str) -> dict:
        """The stored document {id, title, text}; KeyError when the index lacks it."""
        return self._impl.doc(docid)

    def search(self, query: str, k: int = 10, **options: Any) -> Hits:
        """The top `k` hits of one query: a sequence of :class:`Hit` (docid, score, rank,
        title, text). Options as ``cascade search``: k1, b, fields, algorithm, dense,
        dense_method, ef, embedder."""
        if not isinstance(query, str):
            raise TypeError(f"query: expected a str, got {type(query).__name__}")
        options["k"] = k
        return self._impl._search([("q", query)], options)["q"]

    def batch_search(self, queries: Any, k: int = 1000, threads: int = 1,
                     **options: Any) -> dict[str, Hits]:
        """Searches every query ({qid: text}, (qid, text) pairs, or a query file) with
        `threads` threads: {qid: Hits}, in query order. :func:`write_run` writes it as
        ``cascade search`` would."""
        options["k"] = k
        options["threads"] = threads
        return self._impl._search(as_queries(queries), options)

    def __repr__(self) -> str:
        return repr(self._impl)


class Pipeline:
    """A pipeline (``cascade run``): a YAML file, or the same structure as a dict.

    The pipeline is built for an index on first use and kept for later runs over it."""

    def __init__(self, pipeline: str | os.PathLike | Mapping, threads: int = 1):
        if isinstance(pipeline, Mapping):
            self._spec = json.dumps(pipeline)  # JSON is YAML
            self._file = None
        elif _is_path(pipeline):
            self._spec = None
            self._file = _require_path(pipeline, "pipeline")
        else:
            raise TypeError("pipeline: expected a YAML file path or a dict, got "
                            f"{type(pipeline).__name__}")
        self._threads = threads
        self._built: dict[str, Any] = {}

    def _for(self, index: Index) -> Any:
        key = os.path.realpath(index.path)
        built = self._built.get(key)
        if built is not None:
            return built
        if self._file is not None:
            built = _cascade._Pipeline.load(self._file, index._impl, self._threads)
        else:
            with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
                f.write(self._spec)
                temp = f.name
            try:
                built = _cascade._Pipeline.load(temp, index._impl, self._threads)
            except Error as e:
                raise type(e)(str(e).replace(temp, "pipeline dict")) from None
            finally:
                os.unlink(temp)
        self._built[key] = built
        return built

    def run(self, index: Index, queries: Any, qrels: Any = None, *, threads: int = 1,
            batch: int = 1, keep_runs: bool = True) -> PipelineResult:
        """Runs every query through the pipeline over `index`: the final ``run``, and per stage
        its candidates, latencies, run (``keep_runs``) and, given `qrels`, nDCG@10/R@100/MAP."""
        if not isinstance(index, Index):
            raise TypeError(f"index: expected a cascade.Index, got {type(index).__name__}")
        built = self._for(index)
        judged = None if qrels is None else as_qrels(qrels)
        return built.run(as_queries(queries), judged, threads, batch, keep_runs)


def _measure_list(measures: Any) -> list[str]:
    if measures is None:
        return []
    if isinstance(measures, str):
        return [measures]
    return list(measures)


def evaluate(qrels: Any, run: Any, measures: Any = None, *, relevance_level: int = 1,
             average_complete: bool = False, max_docs_per_query: int = -1,
             trec_eval_version: int = 10) -> Evaluation:
    """trec_eval's measures (``cascade eval``): ``.mean`` {measure: value}, ``.per_query``
    {qid: {measure: value}}, ``.format()`` the text trec_eval prints. `measures` as trec_eval's
    -m (``"ndcg_cut.10"``, ``"P.5,10"``, ``"official"``); none means ``official``."""
    return _cascade._evaluate(as_qrels(qrels), as_run(run), _measure_list(measures),
                              relevance_level, average_complete, max_docs_per_query,
                              trec_eval_version)


def compare(qrels: Any, run_a: Any, run_b: Any, measures: Any = None, *,
            relevance_level: int = 1, all_qrels_queries: bool = False, trials: int = 100000,
            seed: int = 1, labels: tuple[str, str] | None = None) -> Comparison:
    """B against A per measure (``cascade compare``): means, wins/ties/losses and the paired
    t-test and randomization test p-values. Default measures map, ndcg_cut.10, recall.100.
    `labels` name the runs in ``format()``; by default their paths (as the CLI) or A and B."""
    if labels is None:
        labels = (os.fspath(run_a) if _is_path(run_a) else "A",
                  os.fspath(run_b) if _is_path(run_b) else "B")
    return _cascade._compare(as_qrels(qrels), as_run(run_a, "run_a"), as_run(run_b, "run_b"),
                             _measure_list(measures), relevance_level, all_qrels_queries, trials,
                             seed, labels[0], labels[1])


class RankedDocument(NamedTuple):
    """One document of :meth:`CrossEncoder.rank`: its position in the input, score, text."""
    index: int
    score: float
    document: str
    rank: int


def _model_dir(folder: Any) -> str:
    return _require_path(folder, "folder", directory=True)


class CrossEncoder:
    """A cross-encoder model folder (Hugging Face layout; BERT, XLM-R, or an LLM yes/no
    re-ranker). Options as ``cascade rerank``: max_length, int8, batch_size, threads, ..."""

    def __init__(self, folder: str | os.PathLike, **options: Any):
        self._impl = _cascade._CrossEncoder(_model_dir(folder), options)

    @property
    def max_length(self) -> int:
        return self._impl.max_length

    def score(self, query: str, documents: Sequence[str]):
        """One relevance logit per document (numpy float32), in input order."""
        if isinstance(documents, str):
            raise TypeError("documents: expected a list of str, got one str")
        docs = list(documents)
        return self._impl.score_pairs([query] * len(docs), docs)

    def score_pairs(self, pairs: Sequence[tuple[str, str]]):
        """One logit per (query, document) pair (numpy float32)."""
        queries = [q for q, _ in pairs]
        docs = [d for _, d in pairs]
        return self._impl.score_pairs(queries, docs)

    def rank(self, query: str, documents: Sequence[str], top_n: int | None = None
             ) -> list[RankedDocument]:
        """The documents by score, best first (ties keep input order); the first `top_n`."""
        docs = list(documents)
        scores = self.score(query, docs)
        order = sorted(range(len(docs)), key=lambda i: (-float(scores[i]), i))
        if top_n is not None:
            if top_n < 0:
                raise ValueError(f"top_n: must be >= 0, got {top_n}")
            order = order[:top_n]
        return [RankedDocument(i, float(scores[i]), docs[i], r + 1) for r, i in enumerate(order)]


class Embedder:
    """A bi-encoder (sentence-transformers folder) or static embedding model."""

    def __init__(self, folder: str | os.PathLike, **options: Any):
        self._impl = _cascade._Embedder(_model_dir(folder), options)

    @property
    def dimension(self) -> int:
        return self._impl.dimension

    @property
    def max_length(self) -> int:
        return self._impl.max_length

    def encode(self, texts: str | Sequence[str]):
        """A float32 numpy array [len(texts), dimension] (one str: [dimension]), owned by
        numpy without a copy of the engine's output."""
        if isinstance(texts, str):
            return self._impl.encode([texts])[0]
        return self._impl.encode(list(texts))


from . import plots  # noqa: E402  (plots uses the names above)
