"""check_grad: the lecture's gradient check, as users run it in their own test suites."""

import math

import numpy as np

from s2sad import check_grad, rules


def neuron(w0, w1, w2, x0, x1):
    return 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))


def damped(k, c, n):
    x, v = 1.0, 0.0
    for _ in range(n):
        a = -k * x - c * v
        v += 0.01 * a
        x += 0.01 * v
    return x * x


def test_check_grad_passes_on_the_lecture_neuron(backend):
    report = check_grad(neuron, 2.0, -3.0, -3.0, -1.0, -2.0, wrt=(0, 1, 2, 3, 4), jit=backend)
    assert report.ok, str(report)
    assert max(report.relative_error) < 1e-7
    assert report.names == ["w0", "w1", "w2", "x0", "x1"]
    assert "PASS" in str(report)


def test_check_grad_passes_through_loops(backend):
    report = check_grad(damped, 1.0, 0.1, 500, wrt=(0, 1), jit=backend)
    assert report.ok, str(report)
    assert report.dot_product_error < 1e-12


def cube(x):
    return x * x * x


def wrong_cube_rule(x, *, out):
    return 2.0 * x  # deliberately wrong: the derivative of x**3 is 3x**2


def uses_cube(x):
    return cube(x) + x


def test_check_grad_fails_a_wrong_derivative():
    """A rule with a wrong derivative must be caught: the report says FAIL."""
    rules.register(cube, wrong_cube_rule, sample=rules.uniform(-2.0, 2.0))
    try:
        report = check_grad(uses_cube, 1.5, jit=False)
    finally:
        del rules.RULES[cube]
    assert not report.ok
    assert report.relative_error[0] > 0.1
    assert "FAIL" in str(report)


def array_loss(x, W):
    return np.sum(np.tanh(W @ x) ** 2)


def test_check_grad_takes_arrays(backend):
    rng = np.random.default_rng(1)
    x, W = rng.normal(size=3), rng.normal(size=(2, 3))
    report = check_grad(array_loss, x, W, wrt=(0, 1), jit=backend)
    assert report.ok, str(report)
    assert report.analytic[1].shape == (2, 3) and report.numeric[1].shape == (2, 3)
    assert max(report.relative_error) < 1e-7 and report.dot_product_error < 1e-12
    assert "(2, 3) |max|" in str(report)
