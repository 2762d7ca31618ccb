"""Array arguments read element by element in loops, both builds, against finite differences
(one entry at a time) and against forward mode."""

import numpy as np
import pytest

from s2sad.errors import UnsupportedArgument, UnsupportedSyntax

from . import array_programs as ap

RNG = np.random.default_rng(7)
X6 = RNG.normal(size=6)
A4 = RNG.normal(size=(4, 4))
DATA = RNG.normal(1.0, 2.0, size=20)

CASES = [
    (ap.rosenbrock, (X6,), (0,)),
    (ap.quadratic_form, (A4, X6[:4]), (0, 1)),
    (ap.horner, (X6[:5], 0.7), (0, 1)),
    (ap.log_sum_exp, (X6,), (0,)),
    (ap.gaussian_nll, (DATA, 0.8, 0.3), (0, 1, 2)),
    (ap.gather, (X6, np.array([5, 0, 3, 3, -1]), X6[:5] * 0.5), (0, 2)),
    (ap.negative_indices, (X6,), (0,)),
    (ap.thresholded, (np.array([1.3, -0.2, 0.05, -1.7, 0.9, 2.2]), 0.5), (0, 1)),
    (ap.trapezoid, (np.sin(np.linspace(0.0, 3.0, 9)), 0.375), (0, 1)),
    (ap.matrix_energy, (A4 @ A4.T + 4 * np.eye(4), X6[:4], X6[2:6]), (0, 1, 2)),
]
IDS = [c[0].__name__ for c in CASES]


def fd_array(f, args, i, h=1e-5):
    """Central differences entry by entry (float64); a scalar argument gives a scalar."""
    x = np.asarray(args[i], dtype=np.float64)
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = h * max(1.0, abs(float(x[idx])))
        up, down = x.copy(), x.copy()
        up[idx] += step
        down[idx] -= step
        a_up, a_down = list(args), list(args)
        a_up[i], a_down[i] = (up if x.ndim else float(up)), (down if x.ndim else float(down))
        out[idx] = (f(*a_up) - f(*a_down)) / (2 * step)
    return out if x.ndim else float(out)


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=IDS)
def test_array_gradients_match_finite_differences(fn, args, wrt, backend, derivatives):
    originals = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    grads = derivatives.grad(fn, wrt, backend)(*args)
    for i, g in zip(wrt, grads):
        want = fd_array(fn, args, i)
        if isinstance(args[i], np.ndarray):
            assert isinstance(g, np.ndarray) and g.shape == args[i].shape and g.dtype == np.float64
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-7)
    for a, o in zip(args, originals):  # calling a derivative never modifies its arguments
        np.testing.assert_array_equal(a, o)


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=IDS)
def test_array_jvp_agrees_with_reverse(fn, args, wrt, backend, derivatives):
    rng = np.random.default_rng(len(fn.__name__))
    tangents = [rng.normal(size=np.shape(args[i])) if isinstance(args[i], np.ndarray)
                else float(rng.normal()) for i in wrt]
    value, tangent = derivatives.jvp(fn, wrt, backend)(*args, *tangents)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    grads = derivatives.grad(fn, wrt, backend)(*args)
    reverse = sum(float(np.sum(g * t)) for g, t in zip(grads, tangents))
    scale = sum(float(np.sum(np.abs(g * t))) for g, t in zip(grads, tangents))
    assert abs(tangent - reverse) <= 1e-10 * scale + 1e-300


def _line(fn):
    import inspect
    lines, start = inspect.getsourcelines(fn)
    return start + next(k for k, text in enumerate(lines) if "# ERROR" in text)


@pytest.mark.parametrize("fn, message", [
    (ap.sums_a_whole_array, "'sin' is applied to an array"),
    (ap.squeezes_without_axis, "np.squeeze needs axis="),
])
def test_array_constructs_not_supported_yet_are_refused_at_their_line(fn, message):
    from s2sad import grad
    with pytest.raises(UnsupportedSyntax) as info:
        grad(fn, jit=False)(X6)
    assert message in info.value.message
    assert info.value.loc.line == _line(fn)
    assert info.value.hint


def test_float16_arrays_are_refused_with_a_hint():
    from s2sad import grad
    with pytest.raises(UnsupportedArgument) as info:
        grad(ap.rosenbrock, jit=False)(X6.astype(np.float16))
    assert "float16 array" in info.value.message and "float32" in info.value.message


def test_float32_gradients_stay_float32(backend, derivatives):
    x = X6.astype(np.float32)
    g = derivatives.grad(ap.rosenbrock, 0, backend)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, fd_array(ap.rosenbrock, (X6,), 0), rtol=1e-3, atol=1e-2)


def sorts(x):
    return np.sum(np.sort(x) * x)  # no rule for np.sort


def test_a_numpy_function_without_a_rule_is_named_at_its_line_with_how_to_add_one():
    from s2sad import grad
    from s2sad.errors import NoDerivativeRule
    with pytest.raises(NoDerivativeRule) as info:
        grad(sorts, jit=False)(X6)
    err = info.value
    assert "numpy.sort" in err.message and "docs/supported.md" in err.hint
    assert "register" in err.hint and "array_op" in err.hint
    import inspect
    lines, start = inspect.getsourcelines(sorts)
    assert err.loc.line == start + 1


def shifted_gather(x, idx):
    j = np.add(idx, 1)  # integer arithmetic on an index array keeps it an index array
    return np.sum(x[j] * x[idx + 1]) + np.sum(x[idx // 2])


def test_integer_array_arithmetic_stays_integer(backend, derivatives):
    x, idx = np.arange(5.0) ** 2 / 7.0, np.array([0, 2, 1, 2])
    g = derivatives.grad(shifted_gather, 0, backend)(x, idx)
    np.testing.assert_allclose(g, fd_array(lambda v: shifted_gather(v, idx), (x,), 0),
                               rtol=1e-6, atol=1e-8)
