"""Custom derivatives for user callables (s2sad/custom.py): Numba-compiled rules run inside
compiled derivatives; opaque callables fall back to the Python build with a warning; missing
rules and malformed cotangents are refused, never guessed. Every value is checked against
central differences."""

import math
import warnings

import numba
import numpy as np
import pytest
from scipy import special

from s2sad import custom_vjp, grad, jvp
from s2sad.errors import CompileError, NoDerivativeRule, S2SADFallbackWarning

from .gradcheck import fd_array


@custom_vjp
@numba.njit
def softplus(x):
    return np.log1p(np.exp(x))


@softplus.defvjp
@numba.njit
def softplus_vjp(g, out, x):
    return (g / (1.0 + np.exp(-x)),)


@softplus.defjvp
@numba.njit
def softplus_jvp(tx, out, x):
    return tx / (1.0 + np.exp(-x))


@custom_vjp
def erf_opaque(x):
    """SciPy's erf: s2sad cannot read it and Numba cannot call it."""
    return special.erf(x)


@erf_opaque.defvjp
def erf_vjp(g, out, x):
    return (g * 2.0 / math.sqrt(math.pi) * np.exp(-x * x),)


@custom_vjp(out="scalar")
@numba.njit
def weighted_logsumexp(x, w):
    m = np.max(x)
    return m + np.log(np.sum(w * np.exp(x - m)))


@weighted_logsumexp.defvjp
@numba.njit
def weighted_logsumexp_vjp(g, out, x, w):
    e = np.exp(x - out)
    return g * w * e, g * e


@custom_vjp
def no_jvp(x):
    return x * x


@no_jvp.defvjp
def no_jvp_vjp(g, out, x):
    return (2.0 * x * g,)


@custom_vjp
@numba.njit
def bare_cotangent(x):
    return 3.0 * x


@bare_cotangent.defvjp
@numba.njit
def bare_cotangent_vjp(g, out, x):
    return 3.0 * g  # wrong: must be a tuple


def softplus_loss(w, x):
    return np.sum(softplus(x * w) ** 2) + softplus(w)


def scalar_use(a, b):
    return softplus(a * b) * a


def mixture_loss(x, w):
    return weighted_logsumexp(x, w) * 2.0 + np.sum(x * x)


def opaque_loss(w, x):
    return np.sum(erf_opaque(w * x)) + w * w


X = np.array([0.3, -1.2, 2.0])


@pytest.mark.parametrize("jit", [False, True], ids=["python", "numba"])
@pytest.mark.parametrize("fn, args, wrt", [
    (softplus_loss, (0.7, X), (0, 1)),
    (scalar_use, (0.4, -1.1), (0, 1)),
    (mixture_loss, (X, np.array([0.2, 0.5, 0.3])), (0, 1)),
], ids=["arrays", "numbers", "two_arguments"])
def test_custom_vjp_matches_finite_differences(fn, args, wrt, jit):
    with warnings.catch_warnings():
        warnings.simplefilter("error", S2SADFallbackWarning)  # njit rules: compiled, no fallback
        d = grad(fn, wrt=wrt, jit=jit)
        grads = d(*args)
    for i, g in zip(wrt, grads):
        assert np.allclose(g, fd_array(fn, args, i), rtol=1e-7, atol=1e-9)
    assert (d.compiled is not None) == jit


@pytest.mark.parametrize("jit", [False, True], ids=["python", "numba"])
def test_custom_jvp_matches_finite_differences(jit):
    value, tangent = jvp(scalar_use, wrt=(0, 1), jit=jit)(0.4, -1.1, 0.5, 2.0)
    h = 1e-6
    fd = (scalar_use(0.4 + 0.5 * h, -1.1 + 2 * h) - scalar_use(0.4 - 0.5 * h, -1.1 - 2 * h)) / (2 * h)
    assert math.isclose(value, scalar_use(0.4, -1.1)) and math.isclose(tangent, fd, rel_tol=1e-7)


def test_opaque_callable_falls_back_to_python_with_a_warning():
    d = grad(opaque_loss, wrt=(0, 1), jit=True)
    with pytest.warns(S2SADFallbackWarning, match=r"_erf_opaque_fn.*@numba.njit"):
        gw, gx = d(0.7, X)
    assert np.isclose(gw, fd_array(opaque_loss, (0.7, X), 0), rtol=1e-7)
    assert np.allclose(gx, fd_array(opaque_loss, (0.7, X), 1), rtol=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once; later calls run the Python build quietly
        assert np.isclose(d(0.7, X)[0], gw)


def test_a_missing_rule_is_refused_with_a_hint():
    def uses_no_jvp(x):
        return no_jvp(x) + 1.0

    with pytest.raises(NoDerivativeRule, match="has no jvp") as err:
        jvp(uses_no_jvp, jit=False)(0.5, 1.0)
    assert "@no_jvp.defjvp" in str(err.value)
    assert math.isclose(grad(uses_no_jvp, jit=False)(0.5), 1.0)


def test_a_vjp_must_return_a_tuple():
    def uses_bare(x):
        return np.sum(bare_cotangent(x))

    with pytest.raises(TypeError, match="tuple of 1 cotangent"):
        grad(uses_bare, jit=False)(np.array([1.0, 2.0]))
    with pytest.raises(CompileError, match="cotangents"):
        grad(uses_bare, jit=True)(np.array([1.0, 2.0]))


@custom_vjp(out="scalar")
@numba.njit
def weighted_sum(x, w):
    return np.sum(x * w)


@weighted_sum.defvjp
@numba.njit
def weighted_sum_vjp(g, out, x, w):
    return g * w, None  # no cotangent for w: fine unless w is differentiated


def uses_weighted_sum(x, w):
    return weighted_sum(x, w) ** 2


def test_none_cotangent_is_refused_only_when_that_argument_is_differentiated():
    x, w = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    assert np.allclose(grad(uses_weighted_sum, jit=False)(x, w), 2 * np.sum(x * w) * w)
    with pytest.raises(TypeError, match="returned None"):
        grad(uses_weighted_sum, wrt=(0, 1), jit=False)(x, w)
    with pytest.raises(CompileError, match=r"cotangents\(Tuple\(array\(float64, 1d, C\), none\)"):
        grad(uses_weighted_sum, wrt=(0, 1), jit=True)(x, w)  # Numba names the None entry


@pytest.mark.parametrize("jit", [False, True], ids=["python", "numba"])
def test_hvp_through_a_custom_rule(jit):
    from s2sad import hvp

    def loss(w):
        return np.sum(softplus(w) * w)

    w, v = np.array([0.3, -0.5, 1.2]), np.array([1.0, 2.0, -0.5])
    g = grad(loss, jit=False)
    h = 1e-5
    fd = (g(w + h * v) - g(w - h * v)) / (2 * h)
    assert np.allclose(hvp(loss, jit=jit)(w, v), fd, rtol=1e-7)


def test_generated_code_carries_a_hash_of_the_rule_source():
    """Editing a rule's body changes the generated module, so no cache keeps old code."""
    d = grad(softplus_loss, wrt=0, jit=False)
    d(0.7, X)
    lines = [line for line in d.source.splitlines() if "# source " in line]
    assert any("_softplus_fn = " in line for line in lines)
    assert any("_softplus_vjp_fn = " in line for line in lines)
