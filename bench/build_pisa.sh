#!/usr/bin/env bash
# Builds PISA (github.com/pisa-engine/pisa), the peer bench/run_pisa.sh measures, from a source
# tree kept outside this repository, against Debian's Boost, oneTBB, gumbo and nlohmann-json
# (all installed by `scripts/setup --dev`).
#
#   PISA_SRC=/path/to/pisa bench/build_pisa.sh
#   PISA_BIN=/path/to/pisa/build-cascade/bin bench/run_pisa.sh
#
# PISA_SRC: a PISA tree with its submodules under external/ (`git clone --recursive`).
# PISA_BUILD: the build folder (default $PISA_SRC/build-cascade); the tools land in its bin/.
#
# Three edits to the tree's CMake files, made once (a marker comment records them), let it
# build with no network and no autotools: gumbo (HTML stripping, unused on plain text) links
# Debian's libgumbo instead of configuring its bundled copy; wapopp finds Debian's
# nlohmann-json instead of a json submodule; rapidcheck, used only by PISA's tests, is not
# added. spdlog formats through PISA's own fmt (SPDLOG_FMT_EXTERNAL), which keeps the build
# working when external/spdlog is not the exact pinned commit. PISA adds -march=native itself.
set -euo pipefail

die() { echo "build_pisa: error: $*" >&2; exit 1; }
[[ -n "${PISA_SRC:-}" ]] || die "set PISA_SRC to a PISA source tree with its submodules"
src=$(cd "$PISA_SRC" && pwd)
build=${PISA_BUILD:-$src/build-cascade}
for d in FastPFor streamvbyte MaskedVByte QMX mio simdcomp Porter2 KrovetzStemmer warcpp \
  trecpp wapopp taily range-v3 fmt spdlog GSL Catch2 CLI11; do
  [[ -f $src/external/$d/CMakeLists.txt || -d $src/external/$d/include ]] ||
    die "$src/external/$d is empty: PISA's submodules are needed (git submodule update --init)"
done
for header in boost/version.hpp oneapi/tbb.h gumbo.h nlohmann/json.hpp; do
  [[ -f /usr/include/$header ]] || die "/usr/include/$header missing: run scripts/setup --dev"
done

python3 - "$src" <<'EOF'
import sys
root = sys.argv[1]
marker = "# cascade bench/build_pisa.sh: "

def edit(path, old, new, what):
    with open(path) as f:
        text = f.read()
    if marker + what in text:
        return
    if old not in text:
        sys.exit(f"build_pisa: error: {path}: the text to replace for '{what}' is not there "
                 "(a PISA version this script does not know)")
    with open(path, "w") as f:
        f.write(text.replace(old, marker + what + "\n" + new, 1))

main = f"{root}/CMakeLists.txt"
with open(main) as f:
    text = f.read()
if marker + "system gumbo" not in text:
    start = text.find("include(ExternalProject)")
    end_text = "add_dependencies( gumbo::gumbo gumbo-external )"
    end = text.find(end_text)
    if start < 0 or end < 0:
        sys.exit(f"build_pisa: error: {main}: no gumbo ExternalProject block to replace")
    text = (text[:start] + marker + "system gumbo\n"
            "add_library(gumbo::gumbo INTERFACE IMPORTED)\n"
            "set_property(TARGET gumbo::gumbo PROPERTY INTERFACE_LINK_LIBRARIES gumbo)\n"
            + text[end + len(end_text):])
    with open(main, "w") as f:
        f.write(text)

edit(f"{root}/external/wapopp/external/CMakeLists.txt",
     "if(NOT TARGET nlohmann_json)",
     "find_package(nlohmann_json REQUIRED GLOBAL)\nif(FALSE)",
     "system nlohmann-json")
edit(f"{root}/external/CMakeLists.txt",
     "add_subdirectory(${CMAKE_CURRENT_SOURCE_DIR}/rapidcheck)\n"
     "target_compile_options(rapidcheck PRIVATE -Wno-error)",
     "", "no rapidcheck")
EOF

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPISA_SYSTEM_BOOST=ON \
  -DPISA_SYSTEM_ONETBB=ON -DPISA_ENABLE_TESTING=OFF -DPISA_ENABLE_BENCHMARKING=OFF \
  -DPISA_CI_BUILD=ON -DSPDLOG_FMT_EXTERNAL=ON > "$build.configure.log" 2>&1 ||
  die "configure failed; see $build.configure.log"
cmake --build "$build" --target parse_collection invert compress_inverted_index \
  create_wand_data queries evaluate_queries
echo "build_pisa: PISA_BIN=$build/bin" >&2
