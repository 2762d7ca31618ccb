"""Loops differentiated one iteration at a time (`reverse.fusable`): a last loop that only sums
independent terms runs each iteration's reverse right after its forward. Both builds, against
central differences; the loops that must keep a separate reverse sweep are checked to keep it,
and to stay correct."""

import math
import re

import numpy as np
import pytest

import s2sad

from .gradcheck import fd_array as fd

MARK = "forward and reverse of each iteration together"


def rosenbrock(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def mixture(x, mu, w):
    """A log-sum-exp per point: nested loops with a max (branch flags) and exps (a tape)."""
    total = 0.0
    for i in range(x.shape[0]):
        m = x[i] * w[0] - mu[0]
        for j in range(1, mu.shape[0]):
            if x[i] * w[j] - mu[j] > m:
                m = x[i] * w[j] - mu[j]
        s = 0.0
        for j in range(mu.shape[0]):
            s += math.exp(x[i] * w[j] - mu[j] - m)
        total -= m + math.log(s)
    return total


def mean_of_terms(x, n):
    s = 0.0
    for i in range(n):
        s = x[i] * x[i + 1] + s
    k = n * 2
    return -s / k  # whose adjoint needs no value from the loop


def array_term_per_iteration(A, v):
    s = 0.0
    for i in range(A.shape[0]):
        r = A[i, :] * v
        s += np.sum(np.tanh(r))
    return s


def scratch_buffer(x, mu, w):
    """mixture with its scores in a buffer that every iteration fills before reading."""
    k = mu.shape[0]
    a = np.empty(k)
    total = 0.0
    for i in range(x.shape[0]):
        for j in range(k):
            a[j] = x[i] * w[j] - mu[j]
        m = a[0]
        for j in range(1, k):
            if a[j] > m:
                m = a[j]
        s = 0.0
        for j in range(k):
            s += math.exp(a[j] - m)
        total += m + math.log(s)
    return total


# Loops whose reverse must stay a separate, backwards sweep.
def product(x):
    p = 1.0
    for i in range(x.shape[0]):
        p = p * x[i]
    return p


def reads_the_sum(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] * s + x[i]
    return s


def squared_after(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] ** 3
    return s * s


def writes_an_array(x):
    y = x.copy()
    s = 0.0
    for i in range(1, x.shape[0]):
        y[i] = y[i - 1] * 0.5 + y[i]
        s += y[i] ** 2
    return s


def buffer_read_before_filled(x, w):
    """Iteration i reads what iteration i - 1 left in the buffer: not scratch."""
    a = np.zeros(w.shape[0])
    total = 0.0
    for i in range(x.shape[0]):
        total += a[0] * x[i]
        for j in range(w.shape[0]):
            a[j] = x[i] * w[j]
    return total


def buffer_filled_in_part(x, w):
    a = np.zeros(w.shape[0])
    total = 0.0
    for i in range(x.shape[0]):
        for j in range(w.shape[0] - 1):
            a[j] = x[i] * w[j]
        total += np.sum(a * a)
    return total


def buffer_filled_on_a_branch(x, w):
    a = np.zeros(w.shape[0])
    total = 0.0
    for i in range(x.shape[0]):
        for j in range(w.shape[0]):
            if x[i] > 0.0:
                a[j] = x[i] * w[j]
        total += np.sum(a * a)
    return total


def buffer_read_after_the_loop(x, w):
    a = np.zeros(w.shape[0])
    total = 0.0
    for i in range(x.shape[0]):
        for j in range(w.shape[0]):
            a[j] = x[i] * w[j]
        total += a[1] ** 2
    return total + np.sum(a)


def breaks_early(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] ** 2
        if s > 3.0:
            break
    return s


def branch_scales_the_sum(x):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            s += x[i] ** 2
        else:
            s = 0.5 * s
    return s


def branch_tests_the_sum(x):
    s = 0.0
    for i in range(x.shape[0]):
        if s > 0.5:
            s += x[i] ** 2
        else:
            s -= 0.5 * x[i]
    return s


def branch_sum(x):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            s += x[i] ** 2
        else:
            s -= 0.5 * x[i]
    return s


RNG = np.random.default_rng(5)
X = RNG.uniform(-1.2, 1.2, size=7)
FUSED = [
    (rosenbrock, (X,), (0,)),
    (mixture, (RNG.normal(size=6), RNG.normal(size=4), RNG.uniform(0.5, 1.5, 4)), (0, 1, 2)),
    (mean_of_terms, (X, 5), (0,)),
    (array_term_per_iteration, (RNG.normal(size=(4, 3)), RNG.normal(size=3)), (0, 1)),
    (scratch_buffer, (RNG.normal(size=6), RNG.normal(size=4), RNG.uniform(0.5, 1.5, 4)),
     (0, 1, 2)),
    (branch_sum, (X,), (0,)),
]
SEPARATE = [
    (product, (X,), (0,)),
    (reads_the_sum, (X * 0.3,), (0,)),
    (squared_after, (X,), (0,)),
    (writes_an_array, (X,), (0,)),
    (buffer_read_before_filled, (X, RNG.normal(size=3)), (0, 1)),
    (buffer_filled_in_part, (X, RNG.normal(size=3)), (0, 1)),
    (buffer_filled_on_a_branch, (X, RNG.normal(size=3)), (0, 1)),
    (buffer_read_after_the_loop, (X, RNG.normal(size=3)), (0, 1)),
    (breaks_early, (X,), (0,)),
    (branch_scales_the_sum, (X,), (0,)),
    (branch_tests_the_sum, (X,), (0,)),
]


@pytest.mark.parametrize("fn, args, wrt", FUSED + SEPARATE,
                         ids=[c[0].__name__ for c in FUSED + SEPARATE])
def test_gradients_against_finite_differences(fn, args, wrt, backend, derivatives):
    value, grads = derivatives.value_and_grad(fn, wrt, backend)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    for i, g in zip(wrt, grads):
        np.testing.assert_allclose(g, fd(fn, args, i), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn, args, wrt", FUSED, ids=[c[0].__name__ for c in FUSED])
def test_independent_sums_run_forward_and_reverse_together(fn, args, wrt, derivatives):
    src = derivatives.grad(fn, wrt, False).specialize(*args).source
    assert MARK in src
    loop_line = src.split(MARK)[1].split("\n")[1]
    assert re.fullmatch(r"\s*for \w+ in range\([^-]*\):", loop_line)  # counts up, no trip count


@pytest.mark.parametrize("fn, args, wrt", SEPARATE, ids=[c[0].__name__ for c in SEPARATE])
def test_dependent_iterations_keep_a_backward_sweep(fn, args, wrt, derivatives):
    src = derivatives.grad(fn, wrt, False).specialize(*args).source
    assert MARK not in src
    assert re.search(r"in range\([^)]*, -1, -1\):", src)


def test_the_tape_is_reused_by_every_iteration():
    """mixture's inner loops push per point; popped in the same iteration, the tape never
    holds more than one point's values."""
    fn, args, _ = FUSED[1]
    g = s2sad.grad(fn, wrt=(0, 1, 2), jit=False)
    src = g.specialize(*args).source
    body = src.split(MARK)[1]
    assert "tape_f[p_f]" in body and "p_f -= 1" in body
    big = (np.linspace(-1, 1, 400), args[1], args[2])
    grads = g(*big)
    np.testing.assert_allclose(grads[1], fd(fn, big, 1), rtol=1e-6, atol=1e-8)


def rosenbrock_grad(x):
    """The analytic gradient and Hessian of `rosenbrock`: the references below."""
    d = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * d
    return g


def rosenbrock_hessian(x):
    H = np.zeros((x.shape[0], x.shape[0]))
    i = np.arange(x.shape[0] - 1)
    H[i, i] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    H[i + 1, i + 1] += 200.0
    H[i, i + 1] = H[i + 1, i] = -400.0 * x[:-1]
    return H


def test_hvp_and_nested_grad_through_a_fused_adjoint(backend):
    """Forward over the fused reverse, and reverse over it (the gradient-norm penalty), against
    the analytic Hessian and finite differences of the analytic gradient's norm."""
    x = X[:5]
    v = RNG.normal(size=5)
    np.testing.assert_allclose(rosenbrock_grad(x), fd(rosenbrock, (x,), 0), rtol=1e-6)
    hv = s2sad.hvp(rosenbrock, wrt=0, jit=backend)(x, v)
    np.testing.assert_allclose(hv, rosenbrock_hessian(x) @ v, rtol=1e-12, atol=1e-10)

    dg = s2sad.grad(rosenbrock)

    def penalty(y):
        gy = dg(y)
        return np.sum(gy * gy)

    def penalty_ref(y):
        return np.sum(rosenbrock_grad(y) ** 2)

    got = s2sad.grad(penalty, jit=backend)(x)
    np.testing.assert_allclose(got, 2.0 * rosenbrock_hessian(x) @ rosenbrock_grad(x),
                               rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(got, fd(penalty_ref, (x,), 0), rtol=1e-6, atol=1e-5)
