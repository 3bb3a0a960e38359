"""Shared fixtures: the cascade binary (to compare with), the bundled SciFact demo collection,
and one index of it built by the package and one by the CLI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(os.environ.get("CASCADE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD = Path(os.environ.get("CASCADE_BUILD_DIR", SOURCE / "build"))
BINARY = Path(os.environ.get("CASCADE_BINARY", BUILD / "src" / "cli" / "cascade"))
SCIFACT = SOURCE / "data" / "scifact"
GOLDEN = SOURCE / "tests" / "golden" / "model"

if str(BUILD / "python") not in sys.path:
    sys.path.insert(0, str(BUILD / "python"))


def cli(*args, check=True):
    """Runs the cascade binary; returns the CompletedProcess (text)."""
    done = subprocess.run([str(BINARY), *map(str, args)], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"cascade {' '.join(map(str, args))} failed ({done.returncode}):\n"
                             f"{done.stderr}")
    return done


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("cascade-py")


@pytest.fixture(scope="session")
def scifact_index(workdir):
    """The SciFact index built through the package (flat, as the demo builds it)."""
    import cascade
    return cascade.Index.build(SCIFACT, workdir / "py-index", positions=True)


@pytest.fixture(scope="session")
def cli_index(workdir):
    """The same index built by `cascade index`."""
    path = workdir / "cli-index"
    cli("index", "--collection", SCIFACT, "--index", path, "--positions")
    return path


@pytest.fixture(scope="session")
def test_queries():
    """SciFact's 300 test queries as {qid: text}, in file order."""
    import cascade
    qrels = cascade.read_qrels(SCIFACT / "qrels" / "test.tsv").to_dict()
    queries = cascade.read_queries(SCIFACT / "queries.jsonl.gz")
    return {qid: text for qid, text in queries.items() if qid in qrels}


@pytest.fixture(scope="session")
def cli_run(workdir, cli_index):
    """`cascade search` over the test queries, k = 1000 (the demo's run)."""
    path = workdir / "cli-bm25.run"
    cli("search", "--index", cli_index, "--queries", SCIFACT / "queries.jsonl.gz",
        "--qids-from", SCIFACT / "qrels" / "test.tsv", "--run", path)
    return path
