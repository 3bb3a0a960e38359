#!/usr/bin/env python3
"""Proves scripts/check_layers.py fails on planted violations, in throwaway trees."""
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_layers.py")
LAYERS = ["util", "collection", "index", "model", "runtime", "rerank", "cli"]


class CheckLayersTest(unittest.TestCase):
    def tree(self, files, layers=LAYERS):
        """A minimal repository: src/CMakeLists.txt listing `layers`, plus `files`."""
        root = tempfile.mkdtemp(prefix="check_layers_")
        self.addCleanup(subprocess.run, ["rm", "-rf", root], check=True)
        cmake = "# comment: add_subdirectory(ignored)\n" + "".join(
            f"add_subdirectory({layer})\n" for layer in layers)
        files = {"src/CMakeLists.txt": cmake, **files}
        for layer in layers:
            files.setdefault(f"src/{layer}/{layer}.hpp", "#pragma once\n#include <vector>\n")
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return root

    def check(self, root):
        r = subprocess.run([sys.executable, SCRIPT, root], capture_output=True, text=True)
        return r.returncode, r.stderr

    def assert_passes(self, files, **kw):
        rc, err = self.check(self.tree(files, **kw))
        self.assertEqual(rc, 0, err)

    def assert_fails(self, files, where, **kw):
        rc, err = self.check(self.tree(files, **kw))
        self.assertEqual(rc, 1, err)
        self.assertIn(where, err)

    def test_downward_includes_pass(self):
        self.assert_passes({
            "src/index/a.cpp": '#include "index/index.hpp"\n#include "util/util.hpp"\n',
            "src/rerank/b.cpp": '#include "runtime/runtime.hpp"\n#include <model/model.hpp>\n',
            "src/model/bert.cpp": '#include "model/ops/attention.hpp"\n'
                                  '#include "model/tokenizer/t.hpp"\n',
            "src/model/ops/attention.hpp": '#include "model/kernels/gemm.hpp"\n',
            "src/model/kernels/gemm.hpp": "#pragma once\n",
            "src/model/tokenizer/t.hpp": '#include "util/util.hpp"\n',
        })

    def test_upward_include_fails(self):
        self.assert_fails({"src/util/bad.cpp": '\n#include "index/index.hpp"\n'},
                          "src/util/bad.cpp:2: #include \"index/index.hpp\": layer 'util'")

    def test_angle_and_relative_includes_count(self):
        self.assert_fails({"src/index/bad.hpp": "#include <rerank/rerank.hpp>\n"},
                          "src/index/bad.hpp:1:")
        self.assert_fails({"src/index/bad.hpp": '#include "../cli/cli.hpp"\n'},
                          "src/index/bad.hpp:1:")

    def test_order_comes_from_cmakelists(self):
        # runtime between model and rerank: rerank may use runtime, not the other way round.
        self.assert_fails({"src/runtime/bad.cpp": '#include "rerank/rerank.hpp"\n'},
                          "layer 'runtime' may not include layer 'rerank'")
        swapped = ["util", "collection", "index", "model", "rerank", "runtime", "cli"]
        self.assert_passes({"src/runtime/ok.cpp": '#include "rerank/rerank.hpp"\n'},
                           layers=swapped)

    def test_unlisted_folder_fails(self):
        self.assert_fails({"src/stray/x.cpp": "int x;\n"}, "src/stray/: not a layer")

    def test_sublayers(self):
        self.assert_fails({"src/model/tokenizer/bad.cpp": '#include "model/model.hpp"\n'},
                          "'model/tokenizer' may not include 'model'")
        self.assert_fails({"src/model/kernels/bad.cpp": '#include "model/ops/attention.hpp"\n',
                           "src/model/ops/attention.hpp": "#pragma once\n"},
                          "'model/kernels' may not include 'model/ops'")

    def test_tests_helpers(self):
        self.assert_passes({"src/index/index_test.cpp": '#include "tests/run_cli.hpp"\n',
                            "tests/run_cli.hpp": '#include "util/util.hpp"\n'})
        self.assert_fails({"src/index/reader.cpp": '#include "tests/run_cli.hpp"\n',
                           "tests/run_cli.hpp": "#pragma once\n"},
                          "only test code may include tests/")
        self.assert_fails({"tests/run_cli.hpp": '#include "index/index.hpp"\n'},
                          "tests/run_cli.hpp:1:")

    def test_public_headers_include_only_public_headers(self):
        self.assert_passes({"include/cascade/a.hpp": '#include "cascade/b.hpp"\n#include <map>\n',
                            "include/cascade/b.hpp": "#pragma once\n"})
        self.assert_fails({"include/cascade/a.hpp": '#include "util/util.hpp"\n'},
                          "a public header (include/cascade/) may include only other public")

        self.assert_fails({"include/cascade/a.hpp": "#include <fmt/format.h>\n"},
                          "may include only the standard library and other public headers")

    def test_cli_includes_only_the_public_api(self):
        self.assert_passes({"src/cli/cmd_x.cpp": '#include <cascade/index.hpp>\n'
                                                 '#include "commands.hpp"\n#include <CLI/CLI.hpp>\n',
                            "src/cli/commands.hpp": "#pragma once\n",
                            "src/cli/cli_test.cpp": '#include "tests/run_cli.hpp"\n',
                            "tests/run_cli.hpp": "#pragma once\n",
                            "include/cascade/index.hpp": "#pragma once\n"})
        self.assert_fails({"src/cli/cmd_x.cpp": '#include "index/index.hpp"\n'},
                          "src/cli/cmd_x.cpp:1: #include \"index/index.hpp\": the cli (src/cli/) "
                          "may include only the public API")
        self.assert_fails({"src/cli/cmd_x.cpp": "#include <util/util.hpp>\n"},
                          "the cli (src/cli/) may include only the public API")


if __name__ == "__main__":
    unittest.main()
