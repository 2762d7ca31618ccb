"""s2sad.jit: generated source -> callable, content-addressed files, Numba's cache across processes."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from numba.core.errors import NumbaError

from s2sad import jit
from s2sad.errors import CompileError
from s2sad.loc import Loc

REPO = Path(__file__).resolve().parents[1]

# What the compiler emits for `def f(x, n): s = 0.0; for i in range(n): s = s * x + 1.0`:
# a forward sweep that pushes s on a float64 tape, and a reverse sweep that pops it.
LOOP_SOURCE = textwrap.dedent(
    """\
    import numpy as np
    from s2sad.runtime import grow, trip_count


    def d_f(x, n, d_out):
        # user.py:1
        tape = np.empty(16, np.float64)
        top = 0
        s = 0.0
        # user.py:3
        tape = grow(tape, top + trip_count(0, n, 1))
        for i in range(n):
            tape[top] = s
            top += 1
            s = s * x + 1.0
        d_x = 0.0
        d_s = d_out
        for _ in range(trip_count(0, n, 1)):
            top -= 1
            s_old = tape[top]
            d_x += d_s * s_old
            d_s = d_s * x
        return s, d_x
    """
)


def reference(x, n, d_out):
    s, ds = 0.0, 0.0
    for _ in range(n):
        s, ds = s * x + 1.0, ds * x + s
    return s, d_out * ds


def user_function(x):
    return object()  # the "user" statement that Numba cannot type (test 4 maps to this line)


USER_LINE = user_function.__code__.co_firstlineno + 1


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("S2SAD_JIT", raising=False)
    return tmp_path / "cache"


def test_cache_dir_is_versioned_and_overridable(cache):
    folder = jit.cache_dir()
    assert folder.is_dir() and folder.parent == cache
    assert jit.__version__ in folder.name and "numba" in folder.name


@pytest.mark.parametrize("n", [0, 1, 5, 40])  # 40 > 16: the tape grows
def test_both_builds_agree(n):
    python = jit.load(LOOP_SOURCE, "d_f", "loop", {}, jit=False)
    compiled = jit.load(LOOP_SOURCE, "d_f", "loop", {}, jit=True)
    assert python.compiled is None and compiled.compiled is not None
    assert python.module is compiled.module
    expected = reference(0.9, n, 2.0)
    np.testing.assert_allclose(python(0.9, n, 2.0), expected, rtol=1e-12)
    np.testing.assert_allclose(compiled(0.9, n, 2.0), expected, rtol=1e-12)


def test_same_source_same_file_not_rewritten():
    first = jit.load(LOOP_SOURCE, "d_f", "loop", {}, jit=False)
    assert first.path.name.startswith("loop_") and first.path.read_text() == LOOP_SOURCE
    stamp = first.path.stat().st_mtime_ns
    jit._memo.clear()  # force the write path again, as a second process would take it
    second = jit.load(LOOP_SOURCE, "d_f", "loop", {}, jit=False)
    assert second.path == first.path and second.path.stat().st_mtime_ns == stamp
    assert second.module is first.module and sys.modules[first.module.__name__] is first.module
    assert jit.load(LOOP_SOURCE, "d_f", "loop", {}, jit=False) is second
    assert list(first.path.parent.glob("*.tmp")) == []


def test_tracebacks_show_generated_lines_after_the_file_is_gone():
    source = "def g(x):\n    return 1.0 / x\n"
    loaded = jit.load(source, "g", "tb", {}, jit=False)
    loaded.path.unlink()
    with pytest.raises(ZeroDivisionError) as info:
        loaded(0.0)
    assert "return 1.0 / x" in str(info.traceback[-1])


def test_runtime_errors_pass_through_unchanged():
    source = "def g(x):\n    return 1.0 / x\n"
    for build in (False, True):
        with pytest.raises(ZeroDivisionError):
            jit.load(source, "g", "zerodiv", {}, jit=build)(0.0)


RUN = """
import json, sys, time
t0 = time.perf_counter()
from s2sad.jit import load
loaded = load(open(sys.argv[1]).read(), "d_f", "xproc", {}, jit=True)
t1 = time.perf_counter()
result = loaded(0.9, 40, 2.0)
t2 = time.perf_counter()
stats = loaded.compiled.stats
print(json.dumps({"result": result, "hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values()), "path": str(loaded.path),
                  "load": t1 - t0, "call": t2 - t1}))
"""


def run_fresh(code, *args, env_extra=None):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    env.update(env_extra or {})
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_second_process_loads_from_numba_cache_without_compiling(tmp_path):
    source = tmp_path / "source.py"
    source.write_text(LOOP_SOURCE)
    cold = json.loads(run_fresh(RUN, str(source)))
    warm = json.loads(run_fresh(RUN, str(source)))
    print(
        f"\nfresh process, first call: cold compile {cold['call']:.3f} s, "
        f"warm cache load {warm['call']:.3f} s (import+load {warm['load']:.3f} s)"
    )
    assert (cold["hits"], cold["misses"]) == (0, 1)
    assert (warm["hits"], warm["misses"]) == (1, 0)  # Numba did not compile again
    assert warm["path"] == cold["path"]
    assert list((Path(cold["path"]).parent / "__pycache__").glob("*.nbi"))
    np.testing.assert_allclose(warm["result"], reference(0.9, 40, 2.0), rtol=1e-12)


def test_generated_module_importable_by_name_in_fresh_process():
    loaded = jit.load(LOOP_SOURCE, "d_f", "byname", {}, jit=False)
    blob = pickle.dumps(loaded.python)  # plain pickle stores functions by module name
    code = "import sys, pickle, s2sad.jit; print(pickle.loads(bytes.fromhex(sys.argv[1]))(0.9, 3, 1.0))"
    out = run_fresh(code, blob.hex())
    np.testing.assert_allclose(eval(out), reference(0.9, 3, 1.0), rtol=1e-12)


UNTYPABLE = """\
import numpy as np


def d_h(x):
    # test_jit.py: user_function
    y = x * 2.0
    o = object()
    return y
"""


def test_numba_failure_becomes_compile_error_at_user_line():
    user = Loc(__file__, USER_LINE, 11, 19)
    line_locs = {4: Loc(__file__, USER_LINE - 1), 5: user}  # line 7 maps to the nearest above: 5
    loaded = jit.load(UNTYPABLE, "d_h", "untypable", line_locs, jit=True)
    with pytest.raises(CompileError) as info:
        loaded(1.0)
    err = info.value
    assert err.loc == user
    assert "object" in err.message and "o = object()" in err.message
    assert f"{loaded.path}:7" in err.message
    assert "Failed in nopython" not in err.message and "During:" not in err.message
    assert "jit=False" in err.hint and "S2SAD_JIT=0" in err.hint
    assert isinstance(err.__cause__, NumbaError) and not isinstance(err, NumbaError)
    assert "return object()" in str(err)  # the user's line, drawn by S2SADError
    assert jit.load(UNTYPABLE, "d_h", "untypable", line_locs, jit=False)(1.5) == 3.0


def test_typing_failure_in_a_runtime_helper_maps_to_the_calling_line():
    source = "from s2sad.runtime import grow\n\n\ndef d_k(x):\n    return grow(x, 'a')\n"
    user = Loc(__file__, USER_LINE)
    with pytest.raises(CompileError) as info:
        jit.load(source, "d_k", "helper", {5: user}, jit=True)(np.zeros(3))
    assert info.value.loc == user and "grow(x, 'a')" in info.value.message


@pytest.mark.parametrize("value", ["0", "false", "no", "No", " FALSE "])
def test_jit_enabled_honours_env_off(monkeypatch, value):
    monkeypatch.setenv("S2SAD_JIT", value)
    assert jit.jit_enabled() is False and jit.jit_enabled(True) is False
    assert jit.load(LOOP_SOURCE, "d_f", "envoff", {}, jit=True).compiled is None


@pytest.mark.parametrize("value", [None, "1", "yes", ""])
def test_jit_enabled_default_on(monkeypatch, value):
    if value is not None:
        monkeypatch.setenv("S2SAD_JIT", value)
    assert jit.jit_enabled() is True and jit.jit_enabled(False) is False


def test_unwritable_cache_falls_back_to_temp(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(blocker))
    folder = jit.cache_dir()
    assert folder.is_dir() and not folder.is_relative_to(blocker)
