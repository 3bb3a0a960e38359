#!/usr/bin/env python3
"""Self-test of scripts/run_tidy.py's cache key: a clang-tidy result may be reused only for the
same input, so the key must change with the file, any header it includes, a comment (NOLINT),
a flag, or the salt (clang-tidy version, .clang-tidy), and must not change with the clone's
path. Registered in CTest as lint_tidy_cache_selftest."""
import importlib.util
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("run_tidy", os.path.join(HERE, "run_tidy.py"))
run_tidy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_tidy)

CXX = shutil.which("c++") or shutil.which("g++")


def make_tree(root, header="int f();\n", source="// a source\nint g() { return f(); }\n"):
    os.makedirs(os.path.join(root, "src", "inc"), exist_ok=True)
    os.makedirs(os.path.join(root, "build"), exist_ok=True)
    with open(os.path.join(root, "src", "inc", "h.hpp"), "w", encoding="utf-8") as f:
        f.write(header)
    with open(os.path.join(root, "src", "a.cpp"), "w", encoding="utf-8") as f:
        f.write('#include "h.hpp"\n' + source)


def entry(root, flags=()):
    return {"directory": os.path.join(root, "build"),
            "file": os.path.join(root, "src", "a.cpp"),
            "arguments": [CXX, *flags, "-I", os.path.join(root, "src", "inc"), "-o", "a.o",
                          "-c", os.path.join(root, "src", "a.cpp")]}


def key(root, flags=(), salt=b"tidy 14\0config"):
    return run_tidy.cache_key(entry(root, flags), root, os.path.join(root, "build"), salt)


def main():
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        one, two = os.path.join(tmp, "clone-one"), os.path.join(tmp, "another-clone")
        make_tree(one)
        make_tree(two)
        base = key(one)
        check(base is not None, "a preprocessable file has a key")
        check(key(two) == base, "two clones of the same tree give the same key")
        check(key(one, salt=b"tidy 15\0config") != base, "another clang-tidy version: new key")
        check(key(one, flags=("-DX=1",)) != base, "another flag: new key")
        make_tree(two, header="int f();\nint h();\n")
        check(key(two) != base, "a changed header: new key")
        make_tree(two, source="// a source  NOLINT\nint g() { return f(); }\n")
        check(key(two) != base, "a changed comment (NOLINT): new key")
        make_tree(two, source="#define M 1\n// a source\nint g() { return f(); }\n")
        check(key(two) != base, "a new macro definition: new key")
        make_tree(two, source='#include "missing.hpp"\n')
        check(key(two) is None, "a file that does not preprocess has no key (never skipped)")

        path = os.path.join(tmp, "cache.txt")
        run_tidy.write_cache(path, {"src/a.cpp": base, "src/b.cpp": "0" * 64})
        check(run_tidy.read_cache(path) == {"src/a.cpp": base, "src/b.cpp": "0" * 64},
              "the cache file reads back what was written")
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    print(f"run_tidy_test: {9 - len(failures)} of 9 checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
