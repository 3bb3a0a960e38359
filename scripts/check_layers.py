#!/usr/bin/env python3
"""Fails on an #include that climbs a layer (see ARCHITECTURE.md).

  scripts/check_layers.py [ROOT]     ROOT defaults to the repository root

Rules, checked for every .cpp/.hpp/.h under ROOT's src/, tests/ and include/:

- src/<layer>/...: the layers are src/CMakeLists.txt's add_subdirectory() calls, in order. A file
  may include project headers ("<layer>/...") only from its own layer or a layer listed before it.
- Sub-layers inside a layer (SUBLAYERS below) are ordered the same way: a file in model/kernels/
  may include model/kernels/ but not model/ops/ or model/bert.hpp; model/tokenizer/ is its own
  library (cascade_tokenizer), which cascade_model links, so it may not include the rest of model/.
  Files in the layer's own folder (model/*.hpp, *.cpp) may include every sub-layer.
- tests/ holds helpers shared by every layer's tests (tests/run_cli.hpp), so it may include only
  util/ and tests/; inside src/ only test code (a file name containing "test") may include tests/.
- include/cascade/ (the public API) may include only other public headers and the standard
  library (no third-party headers: a user of the API needs nothing else to compile it).
- src/cli/ (the `cascade` binary) is a caller of the public API like any other: it may include
  only <cascade/...> and its own folder's headers (its tests also tests/), never a layer's.
- bench/ and fuzz/ sit on top of the whole library, like cli/, and are not checked.

Includes are read from both "..." and <...> forms; a path is a project include when its first
component is a layer, "tests" or "cascade" (so <util/error.hpp> counts too), or when it resolves
next to the including file (so "../retrieve/bm25.hpp" counts too).
"""
import os
import re
import sys

# Ordered sub-layers of a layer; each entry may include itself and the entries before it.
SUBLAYERS = {"model": ["tokenizer", "kernels", "ops"]}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
SUBDIR_RE = re.compile(r'^\s*add_subdirectory\(\s*([A-Za-z0-9_]+)\s*\)', re.MULTILINE)
SOURCE_EXTS = (".cpp", ".hpp", ".h", ".cc")


def read_layers(root):
    path = os.path.join(root, "src", "CMakeLists.txt")
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"#.*", "", f.read())
    layers = SUBDIR_RE.findall(text)
    if not layers:
        sys.exit(f"check_layers: no add_subdirectory() in {path}")
    return layers


def rank_of(rel, layers):
    """(layer index, sub-layer index) of a path relative to src/, or None if not in a layer."""
    parts = rel.split("/")
    if parts[0] not in layers:
        return None
    subs = SUBLAYERS.get(parts[0], [])
    sub = len(subs)  # the layer's own folder sits above all of its sub-layers
    if len(parts) > 2 and parts[1] in subs:
        sub = subs.index(parts[1])
    return (layers.index(parts[0]), sub)


def describe(rel):
    parts = rel.split("/")
    if len(parts) > 2 and parts[1] in SUBLAYERS.get(parts[0], []):
        return f"{parts[0]}/{parts[1]}"
    return parts[0]


def resolve(root, including, kind, name, known_roots):
    """Path of an included project header relative to ROOT, or None for a system header."""
    if kind == '"':
        beside = os.path.normpath(os.path.join(os.path.dirname(including), name))
        if os.path.isfile(beside) and os.path.commonpath([beside, root]) == root:
            return os.path.relpath(beside, root).replace(os.sep, "/")
    first = name.split("/")[0]
    if first == "tests":
        return name
    if first == "cascade":
        return "include/" + name
    if first in known_roots:
        return "src/" + name
    return None


def allowed(file_rel, inc_rel, layers):
    """None when file_rel may include inc_rel, else the reason it may not."""
    area = file_rel.split("/")[0]
    base = os.path.basename(file_rel)
    inc_area = inc_rel.split("/")[0]
    if area == "include":
        if inc_area != "include":
            return "a public header (include/cascade/) may include only other public headers"
        return None
    if area == "tests":
        if inc_area == "tests" or inc_rel.startswith("src/util/"):
            return None
        return "tests/ helpers are shared by every layer's tests and may include only util/"
    # area == "src"
    if file_rel.startswith("src/cli/"):
        if inc_area == "include" or inc_rel.startswith("src/cli/"):
            return None
        if inc_area == "tests" and "test" in base:
            return None
        return ("the cli (src/cli/) may include only the public API (<cascade/...>) and its own "
                "headers")
    if inc_area == "tests":
        if "test" in base:
            return None
        return "only test code may include tests/"
    if inc_area == "include":
        return None  # the library may use its own public API
    mine = rank_of(file_rel[len("src/"):], layers)
    theirs = rank_of(inc_rel[len("src/"):], layers)
    if mine is None or theirs is None:
        return None  # not a layer folder (reported separately)
    if theirs[0] > mine[0]:
        return (f"layer '{describe(file_rel[4:])}' may not include layer "
                f"'{describe(inc_rel[4:])}', which comes after it in src/CMakeLists.txt")
    if theirs[0] == mine[0] and theirs[1] > mine[1]:
        return (f"'{describe(file_rel[4:])}' may not include '{describe(inc_rel[4:])}' "
                f"(sub-layers of {inc_rel.split('/')[1]}: "
                f"{' -> '.join(SUBLAYERS.get(inc_rel.split('/')[1], []))} -> the rest)")
    return None


def is_standard_header(name):
    """True for a C++ standard library header: <vector>, <cstdint> (no folder, no suffix)."""
    return "/" not in name and "." not in name


def source_files(root, area):
    top = os.path.join(root, area)
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(SOURCE_EXTS):
                yield os.path.join(dirpath, name)


def main():
    root = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else
                            os.path.join(os.path.dirname(__file__), ".."))
    layers = read_layers(root)
    src = os.path.join(root, "src")
    folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    problems = []
    for d in folders:
        if d not in layers:
            problems.append(f"src/{d}/: not a layer: add it to src/CMakeLists.txt's "
                            "add_subdirectory() list, in dependency order")
    known_roots = set(layers) | set(folders)
    checked = 0
    for area in ("src", "tests", "include"):
        for path in source_files(root, area):
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            checked += 1
            with open(path, encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE_RE.match(line)
                    if not m:
                        continue
                    inc = resolve(root, path, m.group(1), m.group(2), known_roots)
                    if inc is None:
                        if area == "include" and not is_standard_header(m.group(2)):
                            problems.append(
                                f"{rel}:{lineno}: #include {m.group(1)}{m.group(2)}"
                                f"{'>' if m.group(1) == '<' else chr(34)}: a public header "
                                "(include/cascade/) may include only the standard library and "
                                "other public headers")
                        continue
                    why = allowed(rel, inc, layers)
                    if why:
                        problems.append(f"{rel}:{lineno}: #include {m.group(1)}{m.group(2)}"
                                        f"{'>' if m.group(1) == '<' else chr(34)}: {why}")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check_layers: {len(problems)} include(s) climb a layer "
              f"(layer order: {' -> '.join(layers)})", file=sys.stderr)
        return 1
    print(f"check_layers: {checked} files, no include climbs a layer "
          f"({' -> '.join(layers)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
