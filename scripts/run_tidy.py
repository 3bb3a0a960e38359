#!/usr/bin/env python3
"""Runs clang-tidy (checks and WarningsAsErrors from .clang-tidy) over the library's .cpp files.

  scripts/run_tidy.py BUILD_DIR [-j N] [--tests] [FILE_REGEX] [-- CLANG_TIDY_ARGS...]

Files are the compile_commands.json entries under src/ (the build exports it:
CMAKE_EXPORT_COMPILE_COMMANDS); test files (*_test.cpp) only with --tests, since GoogleTest's
headers make them the slowest to analyse and they are not the code the checks guard. Runs N
clang-tidy processes at once (default: the core count) and prints each finding once, even when
a header it sits in is analysed from many files, then the count by check. Exit status 1 when
clang-tidy failed on any file.

With --cache FILE, a file is skipped when FILE records that clang-tidy found nothing in exactly
the input it would see now: the key is a SHA-256 over clang-tidy's version, .clang-tidy, the extra
arguments, the compiler's version, the compile command, and the path and contents of the file
and of every file it includes, system headers too (the compiler's `-M` list, in order), with the
repository and build folders' paths replaced by placeholders so that another clone gives the
same key. A file that changes, or any header it includes, or a flag, the configuration, the
compiler or the clang-tidy version, has a new key and is checked again. (One change the list
cannot see: a header newly installed where a `__has_include` found none before; delete FILE
after such a change.) After the run, FILE records the files found clean (entries of files
outside this run are kept). Computing a key costs one dependency scan (~0.1 s a file; the full
preprocessed text this key once hashed took ~0.6 s, 2 of CI's minutes over 199 files).

Why not run-clang-tidy: it prints every command, repeats a header's finding once per including
file and ends without a summary; this is the same loop with readable output.
"""
import argparse
import collections
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
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


def file_digest(path, digests):
    """SHA-256 of a file's contents, remembered in `digests` (one run: headers recur across
    files; a later run must read the files again, they may have changed)."""
    digest = digests.get(path)
    if digest is None:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).digest()
        digests[path] = digest
    return digest


_COMPILERS = {}  # compiler path -> its --version output


def compiler_version(compiler):
    version = _COMPILERS.get(compiler)
    if version is None:
        version = subprocess.run([compiler, "--version"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, check=False).stdout
        _COMPILERS[compiler] = version
    return version


def cache_key(entry, root, build, salt, digests=None):
    """The SHA-256 that names what clang-tidy sees for one compile_commands entry (see above).
    `digests`: file contents already hashed in this run (path -> SHA-256), shared by the keys
    of one run; none given, every file is read."""
    if digests is None:
        digests = {}
    args = entry.get("arguments") or shlex.split(entry["command"])
    pre, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "-o":
            skip = True
        elif a != "-c" and not a.startswith("-o"):
            pre.append(a)
    proc = subprocess.run([*pre, "-M", "-MF", "-"], cwd=entry["directory"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    if proc.returncode != 0:
        return None  # not preprocessable: never skipped
    # "target: dep dep \<newline> dep ...": the source first, then every header in the order read.
    rule = proc.stdout.decode("utf-8", "surrogateescape").replace("\\\n", " ")
    deps = rule.split(":", 1)[1].split()

    def normalise(b):
        return b.replace(build.encode(), b"<build>").replace(root.encode(), b"<root>")

    h = hashlib.sha256(salt)
    h.update(compiler_version(pre[0]))
    h.update(normalise(" ".join(pre).encode()))
    h.update(b"\0")
    for dep in deps:
        path = os.path.normpath(os.path.join(entry["directory"], dep))
        try:
            digest = file_digest(path, digests)
        except OSError:
            return None
        h.update(normalise(path.encode()))
        h.update(b"\0")
        h.update(digest)
    return h.hexdigest()


def read_cache(path):
    cache = {}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    key, rel = line.split(None, 1)
                    cache[rel.strip()] = key
    return cache


def write_cache(path, cache):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("# scripts/run_tidy.py --cache: files clang-tidy found clean, by the SHA-256 of what\n"
                "# it saw (see that script). Written by scripts/lint tidy; safe to delete.\n")
        for rel in sorted(cache):
            f.write(f"{cache[rel]}  {rel}\n")
    os.replace(tmp, path)


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
    parser.add_argument("--cache", default="")
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
    by_path = {os.path.realpath(os.path.join(e["directory"], e["file"])): e for e in entries}
    files = sorted(by_path)
    files = [p for p in files if p.startswith(src) and os.path.isfile(p) and pattern.search(p)
             and (args.tests or not p.endswith("_test.cpp"))]
    if not files:
        sys.exit(f"run_tidy: no files under src/ in {db}")

    binary = tidy_binary()
    start = time.monotonic()
    keys, cache, unchanged = {}, {}, 0
    if args.cache:
        version = subprocess.run([binary, "--version"], stdout=subprocess.PIPE,
                                 check=True).stdout
        with open(os.path.join(root, ".clang-tidy"), "rb") as f:
            salt = version + b"\0" + f.read() + b"\0" + " ".join(extra).encode() + b"\0"
        build = os.path.realpath(args.build)
        cache = read_cache(args.cache)
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
            digests = {}  # the run's files do not change while their keys are computed
            computed = pool.map(lambda p: cache_key(by_path[p], root, build, salt, digests),
                                files)
            keys = dict(zip(files, computed))
        todo = [p for p in files
                if keys[p] is None or cache.get(os.path.relpath(p, root)) != keys[p]]
        unchanged = len(files) - len(todo)
    else:
        todo = files
    seen, failed, by_check = set(), [], collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
        jobs = [pool.submit(run_one, binary, args.build, extra, p) for p in todo]
        for job in concurrent.futures.as_completed(jobs):
            path, rc, output, _ = job.result()
            rel = os.path.relpath(path, root)
            if args.cache:
                if rc == 0 and not split_findings(output) and keys[path] is not None:
                    cache[rel] = keys[path]
                else:
                    cache.pop(rel, None)
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
    if args.cache:
        write_cache(args.cache, cache)
    for check, n in by_check.most_common():
        print(f"  {n:5d}  {check}")
    summary = (f"run_tidy: {len(files)} files in {elapsed:.0f} s with -j {args.j}: "
               f"{len(seen)} distinct findings")
    if args.cache:
        summary += (f" ({unchanged} unchanged since clang-tidy found them clean, by "
                    f"{os.path.relpath(args.cache, root)}; {len(todo)} checked)")
    if failed:
        print(f"{summary}; clang-tidy failed on {len(failed)} file(s): {' '.join(sorted(failed))}",
              file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
