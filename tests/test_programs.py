"""End-to-end tests: reverse-mode gradients of the corpus in `programs.py`, on both backends.

References are independent of s2sad: 4-point finite differences (`gradcheck.py`). The corpus
self-checks at the top need no compiler; they guard the test points themselves.
"""

import ast
import hashlib
import inspect
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from .gradcheck import _positions, assert_grad_close, fd_grad, grad_close
from .programs import ERROR_PROGRAMS, PROGRAMS

PROGRAM_IDS = [p.name for p in PROGRAMS]
ERROR_IDS = [e.name for e in ERROR_PROGRAMS]
REPO_ROOT = Path(__file__).resolve().parent.parent


def _stencil(program):
    """The argument tuples finite differences evaluate (each wrt argument moved by +-h, +-2h)."""
    indices, _ = _positions(program.fn, program.wrt)
    for i in indices:
        x = float(program.args[i])
        h = 1e-3 * max(1.0, abs(x))
        for k in (-2, -1, 1, 2):
            shifted = list(program.args)
            shifted[i] = x + k * h
            yield tuple(shifted)


def _control_path(fn, args):
    """The (function, line) sequence executed in the corpus modules while calling fn(*args)."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = []

    def tracer(frame, event, arg):
        if not os.path.abspath(frame.f_code.co_filename).startswith(here):
            return None
        if event == "line":
            path.append((frame.f_code.co_name, frame.f_lineno))
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn(*args)
    finally:
        sys.settrace(previous)
    return path


# =================================================================================================
# Corpus self-checks (no compiler needed)
# =================================================================================================


def test_corpus_is_large_and_well_formed():
    assert len(PROGRAMS) >= 70
    assert len(set(PROGRAM_IDS)) == len(PROGRAM_IDS), "program names must be unique test ids"
    assert len(set(ERROR_IDS)) == len(ERROR_IDS)
    for p in PROGRAMS:
        params = list(inspect.signature(p.fn).parameters)
        assert len(p.args) == len(params), p.name
        indices, _ = _positions(p.fn, p.wrt)
        for i in indices:
            assert isinstance(p.args[i], float), f"{p.name}: wrt argument {i} must be a float"
        for a in p.args:
            assert type(a) in (float, int), f"{p.name}: arguments are Python floats and ints"


@pytest.mark.parametrize("program", PROGRAMS, ids=PROGRAM_IDS)
def test_corpus_point_is_smooth(program):
    """The test point is a fair place for finite differences.

    The primal is finite, the control path (every branch and trip count) is the same at all
    stencil points, and differences with steps h and h/2 agree to 1e-7.
    """
    value = program.fn(*program.args)
    assert isinstance(value, float) and math.isfinite(value)
    path = _control_path(program.fn, program.args)
    for shifted in _stencil(program):
        assert _control_path(program.fn, shifted) == path, f"control flow changes at {shifted}"
    coarse = fd_grad(program.fn, program.args, program.wrt)
    fine = fd_grad(program.fn, program.args, program.wrt, scale=0.5e-3)
    assert grad_close(fine, coarse, rtol=1e-7, atol=1e-10), (coarse, fine)


# =================================================================================================
# Gradients against finite differences
# =================================================================================================


def _check_shape(got, wrt):
    if isinstance(wrt, tuple):
        assert isinstance(got, tuple), f"wrt={wrt!r} must give a tuple, got {got!r}"
        assert len(got) == len(wrt)
        parts = got
    else:
        assert isinstance(got, float), f"wrt={wrt!r} must give one float, got {got!r}"
        parts = (got,)
    for part in parts:
        assert isinstance(part, float), f"gradient components are floats, got {part!r}"


@pytest.mark.parametrize("program", PROGRAMS, ids=PROGRAM_IDS)
def test_gradient_matches_finite_differences(program, backend, derivatives):
    g = derivatives.grad(program.fn, program.wrt, backend)
    got = g(*program.args)
    _check_shape(got, program.wrt)
    want = fd_grad(program.fn, program.args, program.wrt)
    assert_grad_close(got, want, what=f"{program.name} ({program.note})")


@pytest.mark.parametrize("program", PROGRAMS, ids=PROGRAM_IDS)
def test_value_and_grad(program, backend, derivatives):
    vg = derivatives.value_and_grad(program.fn, program.wrt, backend)
    value, grads = vg(*program.args)
    assert value == pytest.approx(program.fn(*program.args), rel=1e-12, abs=1e-12)
    _check_shape(grads, program.wrt)
    g = derivatives.grad(program.fn, program.wrt, backend)
    assert_grad_close(grads, g(*program.args), rtol=1e-12, atol=1e-15,
                      what="value_and_grad vs grad")


@pytest.mark.parametrize("program", PROGRAMS, ids=PROGRAM_IDS)
def test_calls_leave_arguments_alone_and_repeat(program, backend, derivatives):
    """Arguments are unchanged, and no state (tapes, counters) leaks from one call to the next."""
    g = derivatives.grad(program.fn, program.wrt, backend)
    args = list(program.args)
    snapshot = [(type(a), a) for a in args]
    first = g(*args)
    assert [(type(a), a) for a in args] == snapshot
    for shifted in _stencil(program):
        g(*shifted)
    assert g(*args) == first
    assert [(type(a), a) for a in args] == snapshot


# =================================================================================================
# Generated source: deterministic, and commented with the user's file:line
# =================================================================================================


def _is_plain_value(node):
    """A constant, a name, or a tuple of those: an assignment of it is a copy that needs no code."""
    if node is None or isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    return isinstance(node, ast.Tuple) and all(_is_plain_value(e) for e in node.elts)


def _statement_lines(fn):
    """Absolute line numbers of the computing assignments and returns in fn's own body.

    Every statement that computes something (an operation or a call, helpers included) must own
    a commented block; plain copies (`x = x0`, `total = 0.0`, `return total`) may compile to
    nothing and are exempt.
    """
    lines, start = inspect.getsourcelines(fn)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    stmts = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return)
    local = {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Store)}
    return sorted({
        start + node.lineno - 1 for node in ast.walk(tree)
        if isinstance(node, stmts)
        and (isinstance(node, ast.AugAssign) or not (
            _is_plain_value(node.value) or _is_constant_expression(node.value, local)))
    })


def _is_constant_expression(node, local):
    """Arithmetic and math calls on literals and module constants only (`math.pi / 180.0`):
    s2sad folds it at build time, so it compiles to no code of its own."""
    names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
    math_only = all(isinstance(c.func, ast.Attribute) and isinstance(c.func.value, ast.Name)
                    and c.func.value.id == "math" for c in calls)
    return math_only and not any(n in local for n in names)


_REF = re.compile(r"(?<![\w.])programs\.py:(\d+)")


def _commented_lines(source):
    """Line numbers of programs.py cited in comments of the generated source."""
    found = set()
    for text in source.splitlines():
        if "#" in text:
            found.update(int(m.group(1)) for m in _REF.finditer(text.split("#", 1)[1]))
    return found


@pytest.mark.parametrize("program", PROGRAMS, ids=PROGRAM_IDS)
def test_generated_source_is_deterministic(program, derivatives):
    import s2sad

    first = derivatives.grad(program.fn, program.wrt, False)
    first(*program.args)
    second = s2sad.grad(program.fn, wrt=program.wrt, jit=False)
    second(*program.args)
    assert isinstance(first.source, str) and first.source
    assert second.source == first.source


@pytest.mark.parametrize("program", PROGRAMS, ids=PROGRAM_IDS)
def test_generated_source_cites_every_statement(program, derivatives):
    g = derivatives.grad(program.fn, program.wrt, False)
    g(*program.args)
    cited = _commented_lines(g.source)
    missing = [line for line in _statement_lines(program.fn) if line not in cited]
    assert not missing, f"no `# programs.py:N` comment for lines {missing} in:\n{g.source}"


_HASH_SCRIPT = """
import hashlib, json, sys
import s2sad
from tests.programs import PROGRAMS
out = {}
for p in PROGRAMS:
    try:
        g = s2sad.grad(p.fn, wrt=p.wrt, jit=False)
        g(*p.args)
        out[p.name] = hashlib.sha256(g.source.encode()).hexdigest()
    except Exception as exc:  # reported by the in-process tests
        out[p.name] = "error: " + type(exc).__name__
json.dump(out, sys.stdout)
"""


def test_generated_source_is_identical_across_processes(derivatives):
    """No dependence on hash randomization or other per-process state (fresh cache each run)."""
    runs = []
    for seed in ("0", "12345"):
        with tempfile.TemporaryDirectory(prefix="s2sad-cache-") as cache:
            env = dict(os.environ, PYTHONHASHSEED=seed, S2SAD_CACHE_DIR=cache)
            proc = subprocess.run([sys.executable, "-c", _HASH_SCRIPT], cwd=REPO_ROOT, env=env,
                                  capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout))
    assert runs[0] == runs[1]
    for p in PROGRAMS:
        g = derivatives.grad(p.fn, p.wrt, False)
        try:
            g(*p.args)
        except Exception:
            continue
        assert runs[0][p.name] == hashlib.sha256(g.source.encode()).hexdigest(), p.name


# =================================================================================================
# Programs s2sad must reject, with the error located at the marked line
# =================================================================================================


def _marked_line(fn):
    lines, start = inspect.getsourcelines(fn)
    hits = [start + k for k, text in enumerate(lines) if text.rstrip().endswith("# ERROR")]
    assert len(hits) == 1, f"{fn.__name__} must mark exactly one line with `# ERROR`"
    return inspect.getsourcefile(fn), hits[0]


@pytest.mark.parametrize("case", ERROR_PROGRAMS, ids=ERROR_IDS)
def test_error_programs(case, backend):
    import s2sad
    from s2sad import errors

    expected = tuple(getattr(errors, name) for name in case.errors)
    with pytest.raises(expected) as info:
        s2sad.grad(case.fn, wrt=case.wrt, jit=backend)(*case.args)
    err = info.value
    assert isinstance(err, errors.S2SADError)
    assert hasattr(err, "hint") and hasattr(err, "loc")
    if case.check_line:
        file, line = _marked_line(case.where or case.fn)
        assert err.loc is not None, f"{type(err).__name__} without a location: {err}"
        assert os.path.basename(err.loc.file) == os.path.basename(file), str(err)
        assert err.loc.line == line, str(err)
    else:
        names = list(inspect.signature(case.fn).parameters)
        wrts = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
        bad = [w if isinstance(w, str) else names[w] for w in wrts
               if isinstance(case.args[names.index(w) if isinstance(w, str) else w], int)]
        assert any(name in str(err) for name in bad), f"the message should name {bad}: {err}"
