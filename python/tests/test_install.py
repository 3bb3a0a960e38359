"""`pip install --no-build-isolation .` into a fresh virtual environment works offline, and the
installed package searches like the built one."""

import os
import subprocess
import sys
import venv

import pytest

from conftest import BUILD, SCIFACT, SOURCE


@pytest.mark.skipif(os.environ.get("CASCADE_SKIP_PIP_TEST") == "1",
                    reason="CASCADE_SKIP_PIP_TEST=1")
def test_pip_install_into_a_venv(tmp_path):
    env_dir = tmp_path / "venv"
    # System site packages: numpy (and pytest) come from Debian, as nothing can be downloaded.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # Reuse the configured build/ so the install does not compile the library a second time.
    env["CASCADE_CMAKE_BUILD_DIR"] = str(BUILD)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-build-isolation", "--no-index", "--no-deps",
         "--disable-pip-version-check", "-q", str(SOURCE)],
        env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    script = (
        "import cascade, sys\n"
        f"index = cascade.Index.build({str(SCIFACT)!r}, {str(tmp_path / 'idx')!r})\n"
        "hits = index.search('vitamin D and bone health', k=3)\n"
        "print(cascade.__file__)\n"
        "print(' '.join(h.docid for h in hits))\n")
    ran = subprocess.run([str(python), "-c", script], env=env, capture_output=True, text=True,
                         cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    where, docids = ran.stdout.splitlines()
    assert where.startswith(str(env_dir)), where  # the installed copy, not build/python
    import cascade
    here = cascade.Index.build(SCIFACT, tmp_path / "idx2").search("vitamin D and bone health", k=3)
    assert docids.split() == here.docids
