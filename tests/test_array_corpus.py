"""The NumPy array corpus (tests/array_corpus_cases.py) in reverse mode, both builds.

Every gradient entry is compared with 4-point central differences taken one entry at a time in
float64 (float32 arguments are differentiated on a float64 copy, and the float32 gradient is
compared loosely). Each gradient must also have its argument's shape and dtype, and calling the
derivative must leave the caller's arguments untouched. Programs that write into their own
arguments are deliberately not in the corpus (they would modify the caller's arrays themselves,
so that check could not tell them from a derivative that does); programs that update arrays in
place work on fresh allocations or copies.
"""

import numpy as np
import pytest

from . import array_corpus_cases as corpus

CASES = corpus.CASES
IDS = [fn.__name__ for fn, _, _ in CASES]

FD_SCALE = 1e-3  # step h = FD_SCALE * max(1, |x|)
RTOL, ATOL = 1e-6, 1e-8  # float64; ATOL is scaled by the largest |entry| of that gradient (>= 1)
RTOL_F32, ATOL_F32 = 1e-3, 1e-4  # float32 programs

_FD_MEMO = {}


def _is_f32(a):
    return isinstance(a, np.ndarray) and a.dtype == np.float32


def _as_float64(args):
    return [a.astype(np.float64) if _is_f32(a) else a for a in args]


def fd_entries(fn, args, i, scale=FD_SCALE):
    """d fn / d args[i] by 4-point central differences in float64, one entry at a time.

    A float argument gives a float; an array argument (also 0-d) an array of its shape."""
    base = _as_float64(args)

    def at(value):
        shifted = list(base)
        shifted[i] = value
        return float(fn(*shifted))

    def stencil(f, x):
        h = scale * max(1.0, abs(x))
        h = (x + h) - x  # a step exactly representable around x
        return (f(x - 2.0 * h) - 8.0 * f(x - h) + 8.0 * f(x + h) - f(x + 2.0 * h)) / (12.0 * h)

    x = base[i]
    if not isinstance(x, np.ndarray):
        return stencil(at, float(x))
    out = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):

        def entry(v, idx=idx):
            y = x.copy()
            y[idx] = v
            return at(y)

        out[idx] = stencil(entry, float(x[idx]))
    return out


def fd_memo(fn, args, i):
    key = (fn.__name__, i)
    if key not in _FD_MEMO:
        _FD_MEMO[key] = fd_entries(fn, args, i)
    return _FD_MEMO[key]


def _snapshot(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=IDS)
def test_corpus_point_is_smooth(fn, args, wrt):
    """Guards the corpus, not s2sad: differences with steps h and h/2 agree, so no kink is near."""
    for i in wrt:
        coarse, fine = fd_memo(fn, args, i), fd_entries(fn, args, i, FD_SCALE / 2)
        scale = max(1.0, float(np.max(np.abs(fine))))
        np.testing.assert_allclose(coarse, fine, rtol=1e-7, atol=1e-9 * scale,
                                   err_msg=f"{fn.__name__}: argument {i}")


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=IDS)
def test_gradient_matches_finite_differences(fn, args, wrt, backend, derivatives):
    before = _snapshot(args)
    grads = derivatives.grad(fn, wrt, backend)(*args)
    for k, (a, b) in enumerate(zip(args, before)):  # the caller's arguments are untouched
        if isinstance(b, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, f"argument {k} changed"
            np.testing.assert_array_equal(a, b, err_msg=f"argument {k} was modified")
        else:
            assert a == b
    assert isinstance(grads, tuple) and len(grads) == len(wrt)
    for i, g in zip(wrt, grads):
        a = args[i]
        what = f"{fn.__name__}: d/d argument {i}"
        if isinstance(a, np.ndarray):
            assert isinstance(g, np.ndarray), f"{what}: got {type(g).__name__}, not an array"
            assert g.shape == a.shape, f"{what}: shape {g.shape}, argument {a.shape}"
            assert g.dtype == a.dtype, f"{what}: dtype {g.dtype}, argument {a.dtype}"
        else:
            assert isinstance(g, float), f"{what}: got {type(g).__name__}, not a float"
        want = fd_memo(fn, args, i)
        scale = max(1.0, float(np.max(np.abs(want))))
        rtol, atol = (RTOL_F32, ATOL_F32) if _is_f32(a) else (RTOL, ATOL)
        np.testing.assert_allclose(np.asarray(g, dtype=np.float64), want, rtol=rtol,
                                   atol=atol * scale, err_msg=what)


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=IDS)
def test_value_and_grad_value_is_the_function_value(fn, args, wrt, backend, derivatives):
    value, grads = derivatives.value_and_grad(fn, wrt, backend)(*args)
    assert len(grads) == len(wrt)
    # float32 programs may round differently when compiled; float64 ones must agree to 1e-12
    rel = 1e-6 if any(_is_f32(a) for a in args) else 1e-12
    assert float(value) == pytest.approx(float(fn(*args)), rel=rel)


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=IDS)
def test_forward_mode_agrees_with_reverse_mode(fn, args, wrt, backend, derivatives):
    """The dot-product test <ybar, J xdot> = <J^T ybar, xdot> with ybar = 1: jvp's tangent
    against the gradient's inner product with the same tangents (and jvp's value)."""
    rng = np.random.default_rng(sum(map(ord, fn.__name__)))
    tangents = []
    for i in wrt:
        t = rng.normal(size=np.shape(args[i]))
        tangents.append(t.astype(args[i].dtype) if isinstance(args[i], np.ndarray)
                        else float(t))
    value, tangent = derivatives.jvp(fn, wrt, backend)(*args, *tangents)
    grads = derivatives.grad(fn, wrt, backend)(*args)
    terms = [np.asarray(g, dtype=np.float64) * np.asarray(t, dtype=np.float64)
             for g, t in zip(grads, tangents)]
    reverse = sum(float(np.sum(x)) for x in terms)
    scale = sum(float(np.sum(np.abs(x))) for x in terms)
    f32 = any(_is_f32(a) for a in args)
    assert value == pytest.approx(float(fn(*args)), rel=1e-6 if f32 else 1e-12)
    assert abs(tangent - reverse) <= (1e-5 if f32 else 1e-10) * scale + 1e-300, \
        f"jvp {tangent!r} vs <grad, t> {reverse!r}"
