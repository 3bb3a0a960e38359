#!/usr/bin/env python3
"""Runs clang-tidy (checks and WarningsAsErrors from .clang-tidy) over the library's .cpp files.

  scripts/run_tidy.py BUILD_DIR [-j N] [--tests] [FILE_REGEX] [-- CLANG_TIDY_ARGS...]

Files are the compile_commands.json entries under src/ (the build exports it:
CMAKE_EXPORT_COMPILE_COMMANDS); test files (*_test.cpp) only with --tests, since GoogleTest's
headers make them the slowest to analyse and they are not the code the checks guard. Runs N
clang-tidy processes at once (default: the core count) and prints each finding once, even when
a header it sits in is analysed from many files, then the count by check. Exit status 1 when
clang-tidy failed on any file.

Why not run-clang-tidy: it prints every command, repeats a header's finding once per including
file and ends without a summary; this is the same loop with readable output.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import time

DIAG_RE = re.compile(r"^(/[^:]+):(\d+):(\d+): (warning|error): (.*?)(?: \[([^\]]+)\])?$")
NOISE_RE = re.compile(r"^\d+ (warning|error)s? (and \d+ (warning|error)s? )?generated\.$")


def tidy_binary():
    for name in ("clang-tidy", "clang-tidy-14"):
        if shutil.which(name):
            return name
    sys.exit("run_tidy: clang-tidy not found (scripts/setup installs it)")


def run_one(binary, build, extra, path):
    start = time.monotonic()
    proc = subprocess.run([binary, "-p", build, "--quiet", *extra, path],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return path, proc.returncode, proc.stdout, time.monotonic() - start


def split_findings(output):
    """(diagnostic line, full text with code snippet and notes) for each finding."""
    findings, current = [], None
    for line in output.splitlines():
        if NOISE_RE.match(line.strip()):
            continue
        m = DIAG_RE.match(line)
        if m and not line.split(": ", 2)[1].startswith("note"):
            current = [line]
            findings.append((line, current))
        elif current is not None:
            current.append(line)
    return [(head, "\n".join(body)) for head, body in findings]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("regex", nargs="?", default="")
    parser.add_argument("-j", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--tests", action="store_true")
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_intermixed_args(argv[:argv.index("--")] if "--" in argv else argv)

    root = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))
    db = os.path.join(args.build, "compile_commands.json")
    if not os.path.isfile(db):
        sys.exit(f"run_tidy: {db} not found: configure the build first (scripts/build)")
    with open(db, encoding="utf-8") as f:
        entries = json.load(f)
    src = os.path.join(root, "src") + os.sep
    pattern = re.compile(args.regex)
    files = sorted({os.path.realpath(os.path.join(e["directory"], e["file"])) for e in entries})
    files = [p for p in files if p.startswith(src) and os.path.isfile(p) and pattern.search(p)
             and (args.tests or not p.endswith("_test.cpp"))]
    if not files:
        sys.exit(f"run_tidy: no files under src/ in {db}")

    binary = tidy_binary()
    start = time.monotonic()
    seen, failed, by_check = set(), [], collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
        jobs = [pool.submit(run_one, binary, args.build, extra, p) for p in files]
        for job in concurrent.futures.as_completed(jobs):
            path, rc, output, _ = job.result()
            rel = os.path.relpath(path, root)
            if rc != 0:
                failed.append(rel)
            for head, text in split_findings(output):
                if head in seen:
                    continue
                seen.add(head)
                m = DIAG_RE.match(head)
                by_check[m.group(6) or "clang-diagnostic"] += 1
                print(text.replace(root + os.sep, ""), flush=True)
            if rc != 0 and not split_findings(output):
                print(f"{rel}: clang-tidy exited with {rc}:\n{output}", flush=True)
    elapsed = time.monotonic() - start
    for check, n in by_check.most_common():
        print(f"  {n:5d}  {check}")
    summary = (f"run_tidy: {len(files)} files in {elapsed:.0f} s with -j {args.j}: "
               f"{len(seen)} distinct findings")
    if failed:
        print(f"{summary}; clang-tidy failed on {len(failed)} file(s): {' '.join(sorted(failed))}",
              file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
