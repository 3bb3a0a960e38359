"""Index.build / Index / search / batch_search against the CLI, and their errors."""

import threading

import pytest

import cascade
from conftest import SCIFACT, cli


def test_build_reports_and_opens(scifact_index):
    report = scifact_index.build_report
    assert report["num_docs"] == 5183
    assert scifact_index.num_docs == len(scifact_index) == 5183
    assert scifact_index.fields == ["contents"]
    assert report["num_postings"] > 0 and report["index_bytes"] > 0
    reopened = cascade.Index(scifact_index.path)
    assert reopened.num_docs == 5183 and reopened.build_report is None


def test_python_index_files_equal_the_cli_index(scifact_index, cli_index):
    import filecmp
    from pathlib import Path
    # "verified" is the open-time stamp (written by whichever opened the index first).
    py_files = sorted(p.name for p in Path(scifact_index.path).iterdir() if p.name != "verified")
    cli_files = sorted(p.name for p in cli_index.iterdir() if p.name != "verified")
    assert py_files == cli_files
    for name in py_files:
        assert filecmp.cmp(Path(scifact_index.path) / name, cli_index / name, shallow=False), name


def test_batch_search_writes_the_cli_run_byte_for_byte(scifact_index, test_queries, cli_run,
                                                       workdir):
    results = scifact_index.batch_search(test_queries, k=1000, threads=2)
    assert list(results) == list(test_queries)  # query order kept
    out = workdir / "py-bm25.run"
    cascade.write_run(out, results)
    assert out.read_bytes() == cli_run.read_bytes()


def test_search_hits(scifact_index, test_queries):
    qid, text = next(iter(test_queries.items()))
    hits = scifact_index.search(text, k=10)
    assert len(hits) == 10
    assert [h.rank for h in hits] == list(range(1, 11))
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert list(hits.scores) == scores and hits.docids == [h.docid for h in hits]
    # Title and text are the stored document's.
    doc = scifact_index.doc(hits[0].docid)
    assert (hits[0].title, hits[0].text) == (doc["title"], doc["text"])
    assert hits[0].docid in scifact_index and "no-such-doc" not in scifact_index
    assert hits[-1].docid == hits[9].docid and [h.docid for h in hits[2:4]] == hits.docids[2:4]
    # The same ranking as the top of a batch search with k = 1000.
    batch = scifact_index.batch_search({qid: text}, k=1000)[qid]
    assert batch.docids[:10] == hits.docids and list(batch.scores[:10]) == scores


def test_search_options_change_the_ranking(scifact_index, test_queries):
    text = next(iter(test_queries.values()))
    default = scifact_index.search(text, k=20)
    other = scifact_index.search(text, k=20, k1=1.2, b=0.75)
    assert default.docids != other.docids or list(default.scores) != list(other.scores)
    for algorithm in ("exhaustive", "wand", "bmw", "bmm"):
        hits = scifact_index.search(text, k=20, algorithm=algorithm)
        assert hits.docids == default.docids, algorithm


def test_query_shapes(scifact_index, test_queries, workdir):
    pairs = list(test_queries.items())[:5]
    by_dict = scifact_index.batch_search(dict(pairs), k=5)
    by_pairs = scifact_index.batch_search(pairs, k=5)
    assert {q: h.docids for q, h in by_dict.items()} == {q: h.docids for q, h in by_pairs.items()}
    by_texts = scifact_index.batch_search([t for _, t in pairs], k=5)
    assert list(by_texts) == ["0", "1", "2", "3", "4"]
    assert by_texts["0"].docids == by_dict[pairs[0][0]].docids
    tsv = workdir / "five.tsv"
    tsv.write_text("".join(f"{q}\t{t}\n" for q, t in pairs))
    by_file = scifact_index.batch_search(tsv, k=5)
    assert {q: h.docids for q, h in by_file.items()} == {q: h.docids for q, h in by_dict.items()}


def test_threads_share_an_index(scifact_index, test_queries):
    pairs = list(test_queries.items())[:60]
    serial = {q: scifact_index.search(t, k=50).docids for q, t in pairs}
    results = {}

    def work(part):
        for q, t in part:
            results[q] = scifact_index.search(t, k=50).docids

    threads = [threading.Thread(target=work, args=(pairs[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == serial


def test_searches_release_the_gil(scifact_index, test_queries):
    # While one thread is inside batch_search, this thread keeps running Python: with the GIL
    # held for the whole call it would not run again until the call returned.
    started = threading.Event()
    done = threading.Event()

    def work():
        started.set()
        for _ in range(3):
            scifact_index.batch_search(test_queries, k=1000)
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    started.wait()
    spins = 0
    while not done.is_set():
        spins += 1
    worker.join()
    assert spins > 1000


def test_missing_paths_raise_file_not_found(workdir):
    with pytest.raises(FileNotFoundError, match="path: no such file or directory"):
        cascade.Index(workdir / "nope")
    with pytest.raises(FileNotFoundError, match="collection: no such file or directory"):
        cascade.Index.build(workdir / "no-collection", workdir / "x")
    with pytest.raises(NotADirectoryError, match="path: not a directory"):
        cascade.Index(SCIFACT / "queries.jsonl.gz")


def test_bad_arguments_carry_the_cli_message(scifact_index, cli_index, workdir):
    with pytest.raises(ValueError) as caught:
        scifact_index.search("x", k=10, algorithm="fastest")
    assert isinstance(caught.value, cascade.UsageError)
    done = cli("search", "--index", cli_index, "--query", "x", "--algorithm", "fastest",
               check=False)
    assert done.returncode == 2
    assert str(caught.value) in done.stderr
    with pytest.raises(cascade.UsageError, match="k1"):
        scifact_index.search("x", k1=-1.0)
    with pytest.raises(cascade.UsageError, match="unknown search option 'depth'"):
        scifact_index.search("x", depth=3)
    with pytest.raises(TypeError, match="query: expected a str"):
        scifact_index.search(["x"])
    with pytest.raises(ValueError, match="appears twice"):
        scifact_index.batch_search([("1", "a"), ("1", "b")])
    with pytest.raises(cascade.UsageError, match="analyzer"):
        cascade.Index.build(SCIFACT, workdir / "bad", analyzer="klingon")


def test_damaged_index_raises_corruption_error(scifact_index, workdir):
    import shutil
    from pathlib import Path
    copy = workdir / "damaged"
    shutil.copytree(scifact_index.path, copy)
    (copy / "verified").unlink(missing_ok=True)
    docstore = copy / "docstore"
    data = bytearray(docstore.read_bytes())
    data[len(data) // 2] ^= 0xFF
    docstore.write_bytes(bytes(data))
    with pytest.raises(cascade.CorruptionError, match="docstore"):
        cascade.Index(copy)
    assert Path(scifact_index.path).exists()
