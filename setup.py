"""Builds the extension cascade._cascade with the project's CMake (pyproject.toml has the
metadata). CASCADE_CMAKE_BUILD_DIR reuses a configured build folder (e.g. build/, so an
installed package and the tested one are the same build); otherwise a Release build without
tests is configured under setuptools' temporary folder. CASCADE_CMAKE_ARGS adds configure
arguments; CMAKE_BUILD_PARALLEL_LEVEL sets the build's jobs (default: every core)."""

import glob
import os
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("CASCADE_CMAKE_BUILD_DIR") or os.path.join(
            os.path.abspath(self.build_temp), "cmake")
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            subprocess.check_call(
                ["cmake", "-S", ROOT, "-B", build_dir, *generator, "-DCMAKE_BUILD_TYPE=Release",
                 "-DCASCADE_BUILD_TESTS=OFF", "-DCASCADE_PYTHON=ON",
                 f"-DPython_EXECUTABLE={sys.executable}",
                 *shlex.split(os.environ.get("CASCADE_CMAKE_ARGS", ""))])
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "_cascade", "-j", jobs])
        built = glob.glob(os.path.join(build_dir, "python", "cascade", "_cascade*.so"))
        if len(built) != 1:
            raise RuntimeError(f"cascade: expected one _cascade*.so in {build_dir}/python/cascade, "
                               f"found {built}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built[0], target)


os.makedirs(os.path.join(ROOT, "build", "setuptools"), exist_ok=True)
setup(
    ext_modules=[CMakeExtension("cascade._cascade")],
    cmdclass={"build_ext": CMakeBuild},
    # Keep setuptools' own folders out of CMake's build/.
    options={"build": {"build_base": os.path.join("build", "setuptools")},
             "egg_info": {"egg_base": os.path.join("build", "setuptools")}},
)
