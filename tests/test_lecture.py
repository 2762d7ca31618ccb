"""The lecture's backpropagation examples, checked against analytic gradients.

Circuit f = (x + y) * z, the sigmoid neuron, the four gate patterns (add, mul, max, copy), and a
1000-step damped oscillator whose gradient is also checked against a hand-written adjoint.
"""

import math

import pytest

from .gradcheck import assert_grad_close, fd_grad

EXACT = {"rtol": 1e-12, "atol": 1e-15}


# --- the functions under test -------------------------------------------------------------------


def circuit(x, y, z):
    q = x + y
    return q * z


def neuron(w0, w1, w2, x0, x1):
    dot = w0 * x0 + w1 * x1 + w2
    return 1.0 / (1.0 + math.exp(-dot))


def add_gate(x, y):
    s = x + y
    return 3.0 * s


def mul_gate(x, y):
    p = x * y
    return 3.0 * p


def max_gate(x, y):
    m = max(x, y)
    return 3.0 * m


def copy_gate(x, y):
    a = 3.0 * x
    return a * y + a


def energy(k, c, x0, n):
    """Explicit Euler for a damped oscillator x'' = -k x - c x'; returns x(T)^2."""
    dt = 0.01
    x = x0
    v = 0.0
    for _ in range(n):
        a = -k * x - c * v
        v = v + dt * a
        x = x + dt * v
    return x * x


def energy_adjoint(k, c, x0, n):
    """Hand-written reverse mode for `energy`: returns ((dE/dk, dE/dc), dE/dx0).

    The forward sweep stores the state (x, v) entering every step; the reverse sweep walks the
    steps backwards, undoing `x = x + dt*v`, then `v = v + dt*a`, then `a = -k*x - c*v`.
    """
    dt = 0.01
    xs = []
    vs = []
    x = x0
    v = 0.0
    for _ in range(n):
        xs.append(x)
        vs.append(v)
        a = -k * x - c * v
        v = v + dt * a
        x = x + dt * v
    x_bar = 2.0 * x
    v_bar = 0.0
    k_bar = 0.0
    c_bar = 0.0
    for i in reversed(range(n)):
        x, v = xs[i], vs[i]
        v_bar += dt * x_bar  # x_new = x + dt * v_new   (x_bar passes through unchanged)
        a_bar = dt * v_bar  # v_new = v + dt * a        (v_bar passes through unchanged)
        k_bar -= x * a_bar  # a = -k * x - c * v
        c_bar -= v * a_bar
        x_bar -= k * a_bar
        v_bar -= c * a_bar
    return (k_bar, c_bar), x_bar


OSCILLATOR_ARGS = (4.0, 0.5, 1.0, 1000)


# --- f(x, y, z) = (x + y) * z ---------------------------------------------------------------------


def test_circuit(backend, derivatives):
    g = derivatives.grad(circuit, (0, 1, 2), backend)
    assert_grad_close(g(-2.0, 5.0, -4.0), (-4.0, -4.0, 3.0), **EXACT)


def test_circuit_value_and_grad(backend, derivatives):
    vg = derivatives.value_and_grad(circuit, (0, 1, 2), backend)
    value, grads = vg(-2.0, 5.0, -4.0)
    assert value == -12.0
    assert_grad_close(grads, (-4.0, -4.0, 3.0), **EXACT)


# --- sigmoid neuron ------------------------------------------------------------------------------


def test_sigmoid_neuron(backend, derivatives):
    w0, w1, w2, x0, x1 = 2.0, -3.0, -3.0, -1.0, -2.0
    sig = 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))
    local = sig * (1.0 - sig)
    want_w = (local * x0, local * x1, local)
    want_x = (local * w0, local * w1)

    dw = derivatives.grad(neuron, (0, 1, 2), backend)(w0, w1, w2, x0, x1)
    dx = derivatives.grad(neuron, ("x0", "x1"), backend)(w0, w1, w2, x0, x1)
    assert_grad_close(dw, want_w, **EXACT)
    assert_grad_close(dx, want_x, **EXACT)
    # The numbers on the lecture slide.
    assert dw == pytest.approx((-0.2, -0.39, 0.2), abs=0.01)
    assert dx == pytest.approx((0.39, -0.59), abs=0.01)


# --- gate patterns -------------------------------------------------------------------------------


def test_add_gate_distributes_equally(backend, derivatives):
    g = derivatives.grad(add_gate, (0, 1), backend)
    assert_grad_close(g(4.0, -2.0), (3.0, 3.0), **EXACT)


def test_mul_gate_swaps_inputs(backend, derivatives):
    g = derivatives.grad(mul_gate, (0, 1), backend)
    assert_grad_close(g(4.0, -2.0), (3.0 * -2.0, 3.0 * 4.0), **EXACT)


def test_max_gate_routes_to_the_winner(backend, derivatives):
    g = derivatives.grad(max_gate, (0, 1), backend)
    assert_grad_close(g(4.0, 2.0), (3.0, 0.0), **EXACT)
    assert_grad_close(g(2.0, 4.0), (0.0, 3.0), **EXACT)


def test_copy_gate_sums_gradients(backend, derivatives):
    g = derivatives.grad(copy_gate, (0, 1), backend)
    x, y = 4.0, -2.0
    # a = 3x feeds `a * y` (gradient y) and `+ a` (gradient 1): dx = 3 * (y + 1), dy = a.
    assert_grad_close(g(x, y), (3.0 * (y + 1.0), 3.0 * x), **EXACT)


# --- damped oscillator ---------------------------------------------------------------------------


def test_hand_adjoint_matches_finite_differences():
    """The reference itself: the hand-written adjoint agrees with finite differences."""
    (dk, dc), dx0 = energy_adjoint(*OSCILLATOR_ARGS)
    assert_grad_close((dk, dc, dx0), fd_grad(energy, OSCILLATOR_ARGS, (0, 1, 2)), rtol=1e-7)


def test_oscillator_gradient(backend, derivatives):
    g = derivatives.grad(energy, (0, 1), backend)
    got = g(*OSCILLATOR_ARGS)
    assert_grad_close(got, fd_grad(energy, OSCILLATOR_ARGS, (0, 1)), what="vs finite differences")
    want, _ = energy_adjoint(*OSCILLATOR_ARGS)
    assert_grad_close(got, want, rtol=1e-10, atol=1e-14, what="vs hand-written adjoint")


def test_oscillator_gradient_by_name_including_x0(backend, derivatives):
    g = derivatives.grad(energy, ("k", "c", "x0"), backend)
    (dk, dc), dx0 = energy_adjoint(*OSCILLATOR_ARGS)
    assert_grad_close(g(*OSCILLATOR_ARGS), (dk, dc, dx0), rtol=1e-10, atol=1e-14)


# --- decorator forms -----------------------------------------------------------------------------


def test_decorator_forms():
    from s2sad import grad

    @grad
    def bare(x, y, z):
        return (x + y) * z

    @grad(wrt=(0, 1), jit=False)
    def configured(x, y, z):
        return (x + y) * z

    assert bare(-2.0, 5.0, -4.0) == pytest.approx(-4.0, rel=1e-12)
    assert_grad_close(configured(-2.0, 5.0, -4.0), (-4.0, -4.0), **EXACT)
