"""In-place array writes in the places users put them: branches inside loops, while loops,
early returns, helpers that write into their argument, shifts that overlap their source,
masks, and reads of old values that a later write overwrites. Both builds, against central
differences, and forward mode against reverse mode (the dot-product test)."""

import numpy as np
import pytest

from .gradcheck import fd_array as fd


def branch_in_loop(x):
    y = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            y[i] = x[i] ** 2
        else:
            y[i] = -3.0 * x[i]
    return np.sum(y * x)


def while_fill(x, a):
    y = np.empty(x.shape[0])
    k = 0
    y[0] = a
    while k < x.shape[0] - 1:
        k += 1
        y[k] = y[k - 1] * a + x[k]
    return np.sum(np.sin(y))


def early_return(x, limit):
    y = x.copy()
    for i in range(1, y.shape[0]):
        y[i] = y[i] + 0.5 * y[i - 1]
        if y[i] > limit:
            return np.sum(y[:i + 1] ** 2)
    return np.sum(y)


def _stamp(buf, i, v):
    buf[i] = buf[i] * v
    return buf


def helper_writes_its_argument(x, v):
    y = x.copy()
    for i in range(y.shape[0]):
        y = _stamp(y, i, v + x[i])
    return np.sum(y)


def shift_overlapping(x, steps):
    y = x.copy()
    for _ in range(steps):
        y[1:] = 0.5 * y[:-1] + 0.5 * y[1:]
        y[0] = y[0] * 0.9
    return np.sum(y * y)


def masked_updates(x, w):
    y = x * w
    keep = x > 0.0
    y[keep] = np.sqrt(y[keep])
    y[~keep] += 1.0
    return np.sum(y * w)


def old_value_then_overwrite(x):
    y = x.copy()
    s = 0.0
    for i in range(y.shape[0]):
        s += y[i] * y[(i + 1) % y.shape[0]]
        y[i] = np.tanh(s)
    return s + np.sum(y ** 3)


def row_writes_and_column_reads(A, v):
    B = np.zeros(A.shape)
    for i in range(A.shape[0]):
        B[i, :] = A[i, :] * v[i]
        B[:, 0] = B[:, 0] + A[:, i]
    return np.sum(B * B)


def view_of_written_array(x):
    y = x.copy()
    head = y[:3]
    for i in range(3):
        y[i] = y[i] * (i + 1.5)
    return np.sum(head ** 2) + np.sum(y)


RNG = np.random.default_rng(11)
X = RNG.normal(size=6)
CASES = [
    (branch_in_loop, (np.array([0.7, -1.2, 0.4, -0.3, 1.9]),), (0,)),
    (while_fill, (RNG.normal(size=5), 0.6), (0, 1)),
    (early_return, (np.array([0.5, 0.3, 0.9, 1.4, 0.2]), 1.0), (0,)),
    (helper_writes_its_argument, (X, 0.4), (0, 1)),
    (shift_overlapping, (X, 4), (0,)),
    (masked_updates, (np.array([0.8, -0.5, 1.3, -0.1, 0.6]), RNG.uniform(0.5, 1.5, 5)), (0, 1)),
    (old_value_then_overwrite, (X * 0.5,), (0,)),
    (row_writes_and_column_reads, (RNG.normal(size=(3, 4)), RNG.normal(size=3)), (0, 1)),
    (view_of_written_array, (X,), (0,)),
]
IDS = [c[0].__name__ for c in CASES]




@pytest.mark.parametrize("fn, args, wrt", CASES, ids=IDS)
def test_writes_against_finite_differences(fn, args, wrt, backend, derivatives):
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    grads = derivatives.grad(fn, wrt, backend)(*args)
    for i, g in zip(wrt, grads):
        np.testing.assert_allclose(g, fd(fn, args, i), rtol=1e-6, atol=1e-7)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=IDS)
def test_writes_forward_agrees_with_reverse(fn, args, wrt, backend, derivatives):
    rng = np.random.default_rng(1)
    tangents = [rng.normal(size=np.shape(args[i])) if isinstance(args[i], np.ndarray)
                else float(rng.normal()) for i in wrt]
    value, tangent = derivatives.jvp(fn, wrt, backend)(*args, *tangents)
    grads = derivatives.grad(fn, wrt, backend)(*args)
    terms = [np.asarray(g) * np.asarray(t) for g, t in zip(grads, tangents)]
    assert value == pytest.approx(fn(*args), rel=1e-12)
    assert abs(tangent - sum(float(np.sum(x)) for x in terms)) <= 1e-10 * sum(
        float(np.sum(np.abs(x))) for x in terms)


def fill_then_read(x, w):
    """`scale` is filled before the time loop and only read in it: the reverse sweep re-reads
    its elements instead of taping them."""
    n = x.shape[0]
    scale = np.empty(n)
    for i in range(n):
        scale[i] = np.exp(-w[i])
    s = 0.0
    for t in range(3):
        for i in range(n):
            s += np.sin(x[i] * scale[i] + t)
    return s


def fill_read_then_overwrite(x, w):
    """The same, but `scale` is overwritten after the loop that reads it: its old elements
    must come from the tape, not be re-read."""
    n = x.shape[0]
    scale = np.empty(n)
    for i in range(n):
        scale[i] = np.exp(-w[i])
    s = 0.0
    for t in range(3):
        for i in range(n):
            s += np.sin(x[i] * scale[i] + t)
    for i in range(n):
        scale[i] = 2.0 * scale[i]
    return s + np.sum(scale * x)


@pytest.mark.parametrize("fn", [fill_then_read, fill_read_then_overwrite],
                         ids=lambda f: f.__name__)
def test_arrays_filled_before_a_loop_are_re_read_only_when_stable(fn, backend):
    from s2sad import grad

    x, w = np.array([0.3, -1.1, 0.7]), np.array([0.2, 0.5, -0.4])
    d = grad(fn, wrt=(0, 1), jit=backend)
    gx, gw = d(x, w)
    assert np.allclose(gx, fd(fn, (x, w), 0), rtol=1e-6, atol=1e-9)
    assert np.allclose(gw, fd(fn, (x, w), 1), rtol=1e-6, atol=1e-9)
    time_loop = d.source[d.source.index("for t_"):d.source.index("reverse sweep")]
    # re-read when nothing writes `scale` after the time loop starts; taped otherwise
    assert ("tape_f" in time_loop) == (fn is fill_read_then_overwrite), time_loop
