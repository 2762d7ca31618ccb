"""(1) Damped oscillator, explicit Euler: dE/dk and dE/dc after n steps.

The function and the hand-written adjoint are `benchmarks/oscillator.py`'s (`energy`,
`make_hand_adjoint`); see its README section. The recurrence is sequential, so there is no
vectorized form: every peer runs the loop.
"""

from __future__ import annotations

from oscillator import X0, C, K, energy, make_hand_adjoint

from ._util import NotApplicable

KEY = "oscillator"
NUMBER = 1
TITLE = "Damped oscillator, explicit Euler"
WRT = (0, 1)
WRT_NAMES = ("k", "c")
SIZES = {"full": (1_000, 100_000), "quick": (1_000, 10_000)}
CHECK_SIZE = 1_000
FORMS = {
    "s2sad": "`energy(k, c, x0, n)` from oscillator.py: a `for` loop of scalar multiply-adds",
    "hand": "oscillator.py's `make_hand_adjoint`: x and v of every step in two arrays",
    "jax_vec": "n/a: a sequential recurrence has no vectorized form",
    "jax_loop": "`lax.scan` over the steps, carry (x, v); `n` static",
    "torch": "`energy` itself on 0-d float64 tensors",
    "autograd": "`energy` itself (autograd boxes floats)",
    "tangent": "`energy` itself",
}

f = energy


def label(n):
    return f"n = {n:,}"


def work(n):
    return n


def make_args(n):
    return (K, C, X0, n)


def numba_primal():
    import numba

    return numba.njit(energy)


def hand_gradient():
    import numba

    # cache=True, so that the start-up rows can show a warm load for the hand-written code too
    return numba.njit(cache=True)(make_hand_adjoint().py_func)


def jax_vec():
    raise NotApplicable("sequential recurrence: no vectorized form")


def jax_loop():
    from jax import lax

    def energy_scan(k, c, x0, n):
        dt = 0.01

        def step(carry, _):
            x, v = carry
            a = -k * x - c * v
            return (x + dt * v, v + dt * a), None

        (x, v), _ = lax.scan(step, (x0, 0.0 * x0), None, length=n)
        return 0.5 * v * v + 0.5 * k * x * x

    return energy_scan, (3,)


def torch_form():
    return energy


def autograd_form():
    return energy


def tangent_form():
    return energy
