#!/usr/bin/env python3
"""The Python package's overhead against the cascade binary, on the same machine and queries.

  PYTHONPATH=build/python /usr/bin/python3 bench/python/bench_python.py [--repeat 5] [--k 1000]

Measures, on the bundled SciFact demo (300 test queries, one thread):
  1. end to end: `cascade search` (process start, index open, search, run file written) against a
     Python process doing the same (import, Index(path), batch_search, write_run);
  2. in process: batch_search against the time the engine itself reports for the same searches
     (SearchResult.seconds, printed by `cascade search`), and the conversion to Hits;
  3. per call: index.search(q, k=10) in a Python loop against one batch_search of the same queries,
     the difference divided by the queries being the per-call overhead.
Each figure is the median of --repeat runs."""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--binary", default=None, help="default: BUILD/src/cli/cascade")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--k", type=int, default=1000)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.build) / "python"))
    import cascade

    binary = Path(args.binary or Path(args.build) / "src" / "cli" / "cascade")
    data = ROOT / "data" / "scifact"
    qrels = data / "qrels" / "test.tsv"
    work = Path(tempfile.mkdtemp(prefix="bench-python-"))
    index_dir = work / "index"
    subprocess.run([binary, "index", "--collection", data, "--index", index_dir, "--positions"],
                   check=True, capture_output=True)
    judged = cascade.read_qrels(qrels).to_dict()
    queries = {q: t for q, t in cascade.read_queries(data / "queries.jsonl.gz").items()
               if q in judged}
    (work / "queries.tsv").write_text("".join(f"{q}\t{t}\n" for q, t in queries.items()))

    # 1. End to end, each a fresh process.
    cli_cmd = [str(binary), "search", "--index", str(index_dir), "--queries",
               str(work / "queries.tsv"), "--run", str(work / "cli.run"), "--k", str(args.k)]
    py_script = (f"import sys; sys.path.insert(0, {str(Path(args.build) / 'python')!r})\n"
                 "import cascade\n"
                 f"index = cascade.Index({str(index_dir)!r})\n"
                 f"q = cascade.read_queries({str(work / 'queries.tsv')!r})\n"
                 f"cascade.write_run({str(work / 'py.run')!r}, index.batch_search(q, k={args.k}))\n")
    py_cmd = [sys.executable, "-c", py_script]
    subprocess.run(cli_cmd, check=True, capture_output=True)
    subprocess.run(py_cmd, check=True, capture_output=True)
    same = (work / "cli.run").read_bytes() == (work / "py.run").read_bytes()
    cli_s = median_time(lambda: subprocess.run(cli_cmd, check=True, capture_output=True),
                        args.repeat)
    py_s = median_time(lambda: subprocess.run(py_cmd, check=True, capture_output=True),
                       args.repeat)
    import_s = median_time(lambda: subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(Path(args.build) / 'python')!r}); import cascade"],
        check=True, capture_output=True), args.repeat)

    # 2. In process.
    index = cascade.Index(index_dir)
    batch_s = median_time(lambda: index.batch_search(queries, k=args.k), args.repeat)
    engine = []
    for _ in range(args.repeat):
        done = subprocess.run(cli_cmd, check=True, capture_output=True, text=True)
        m = re.search(r"^seconds\t([0-9.]+)$", done.stdout + done.stderr, re.M)
        if m:
            engine.append(float(m.group(1)))
    engine_s = statistics.median(engine) if engine else float("nan")

    # 3. Per call.
    pairs = list(queries.items())
    loop_s = median_time(lambda: [index.search(t, k=10) for _, t in pairs], args.repeat)
    batch10_s = median_time(lambda: index.batch_search(queries, k=10), args.repeat)

    n = len(queries)
    print(f"queries: {n} SciFact test queries, k = {args.k}, 1 thread; median of {args.repeat}")
    print(f"runs identical (Python write_run vs cascade search): {same}")
    print("| measure | cascade binary | Python | Python / binary |")
    print("|---|---:|---:|---:|")
    print(f"| end to end (process start, open, search, write run), s | {cli_s:.3f} | {py_s:.3f} "
          f"| {py_s / cli_s:.2f} |")
    print(f"| searches only (engine-reported vs batch_search), s | {engine_s:.3f} | {batch_s:.3f} "
          f"| {batch_s / engine_s:.3f} |")
    print(f"| `import cascade` in a fresh interpreter, s | | {import_s:.3f} | |")
    print(f"| index.search(k=10) per call vs batch_search(k=10) per query, us | "
          f"{batch10_s / n * 1e6:.1f} | {loop_s / n * 1e6:.1f} | "
          f"+{(loop_s - batch10_s) / n * 1e6:.1f} us/call |")


if __name__ == "__main__":
    main()
