"""vjp and jacobian for array-valued functions, both builds: vjp against finite differences of
<cotangent, f>, the Jacobian in forward and reverse mode against each other and against finite
differences; and grad refusing an array-valued function instead of differentiating its sum."""

import numpy as np
import pytest

import s2sad
from s2sad.errors import NonScalarOutput

from .gradcheck import fd_array as fd_jacobian


def rotate_and_squash(x, theta):
    c, s = np.cos(theta), np.sin(theta)
    y = np.zeros(3)
    y[0] = c * x[0] - s * x[1]
    y[1] = s * x[0] + c * x[1]
    y[2] = np.tanh(x[2] * theta)
    return y


def layer(W, x):
    return np.tanh(W @ x)


def few_in_many_out(a, b):
    t = np.linspace(0.0, 1.0, 7)
    return np.exp(-a * t) * np.sin(b * t)




RNG = np.random.default_rng(4)
CASES = [
    (rotate_and_squash, (RNG.normal(size=3), 0.7), (0, 1)),
    (layer, (RNG.normal(size=(4, 3)) * 0.5, RNG.normal(size=3)), (0, 1)),
    (few_in_many_out, (0.8, 2.5), (0, 1)),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=IDS)
def test_vjp_matches_finite_differences(fn, args, wrt, backend):
    out = fn(*args)
    cot = np.random.default_rng(2).normal(size=np.shape(out))
    value, grads = s2sad.vjp(fn, wrt=wrt, jit=backend)(*args, cot)
    np.testing.assert_allclose(value, out, rtol=1e-13)
    for i, g in zip(wrt, grads):
        J = fd_jacobian(fn, args, i)
        want = np.tensordot(cot, J, axes=cot.ndim)
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=IDS)
def test_jacobian_forward_and_reverse_agree_with_finite_differences(fn, args, wrt, backend):
    fwd = s2sad.jacobian(fn, wrt=wrt, mode="forward", jit=backend)(*args)
    rev = s2sad.jacobian(fn, wrt=wrt, mode="reverse", jit=backend)(*args)
    auto = s2sad.jacobian(fn, wrt=wrt, jit=backend)(*args)
    for k, i in enumerate(wrt):
        np.testing.assert_allclose(fwd[k], rev[k], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(auto[k], rev[k], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(rev[k], fd_jacobian(fn, args, i), rtol=1e-6, atol=1e-8)


def test_grad_of_an_array_valued_function_is_refused_not_summed():
    with pytest.raises(NonScalarOutput) as info:
        s2sad.grad(layer, wrt=1, jit=False)(np.ones((2, 3)), np.ones(3))
    assert "returns a 1-d array" in info.value.message and "vjp" in info.value.hint


def two_parts(x):
    return x * 2.0, np.sum(x)


def test_jacobian_of_a_tuple_is_refused_in_every_mode():
    for mode in ("auto", "forward", "reverse"):
        with pytest.raises(NonScalarOutput, match="returns a tuple"):
            s2sad.jacobian(two_parts, mode=mode, jit=False)(np.ones(3))
