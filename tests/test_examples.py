"""Every script in examples/ runs to completion in a fresh interpreter and checks its own answer.

Each example compares s2sad's gradient with an analytic or finite-difference reference and exits
non-zero when they disagree, so exit status 0 is the assertion. The scripts run once with the
Numba build (default) and once with S2SAD_JIT=0 (the pure-Python build of the same source).

All subprocesses share one S2SAD_CACHE_DIR: the test session's own if it set one, otherwise a
temporary directory made once per session, so examples that differentiate the same function
reuse each other's cache instead of compiling again. The checkout's root goes first on
PYTHONPATH, so the scripts import this checkout's s2sad whether or not it is pip-installed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
TIMEOUT_S = 900

pytestmark = pytest.mark.examples


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    """The session's S2SAD_CACHE_DIR if set, else one temporary directory for the whole session."""
    return os.environ.get("S2SAD_CACHE_DIR") or str(tmp_path_factory.mktemp("s2sad-cache"))


def test_examples_exist():
    names = {p.name for p in EXAMPLES}
    assert "demo.py" in names
    assert len(names) >= 4, names


@pytest.mark.parametrize("jit", ["numba", "python"])
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, jit, cache_dir):
    env = dict(os.environ, S2SAD_CACHE_DIR=cache_dir)
    env.pop("S2SAD_JIT", None)
    # The examples import the same s2sad as this session (`python -m pytest` from the checkout),
    # installed or not.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if jit == "python":
        env["S2SAD_JIT"] = "0"
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert proc.returncode == 0, (
        f"{script.name} ({jit}) exited with {proc.returncode}\n"
        f"--- stdout (tail)\n{proc.stdout[-3000:]}\n--- stderr (tail)\n{proc.stderr[-5000:]}"
    )
    # Every example prints the adjoint it generated.
    assert "def " in proc.stdout, f"{script.name} printed no generated source"
