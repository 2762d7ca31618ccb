"""(5) Rosenbrock in N = 10^4 dimensions, written as a loop.

`rosenbrock(x)` is `benchmarks/rosenbrock.py`'s function (repeated here because that script
imports s2sad and Numba when it is imported, and the start-up measurements must charge those
imports to the tool they belong to); `rosenbrock_grad_hand` is its hand-written adjoint, one pass
adding each term's partials into both neighbours.
"""

from __future__ import annotations

import numpy as np

KEY = "rosenbrock"
NUMBER = 5
TITLE = "Rosenbrock as a loop"
WRT = (0,)
WRT_NAMES = ("x",)
SIZES = {"full": (10_000,), "quick": (10_000,)}
CHECK_SIZE = 10
FORMS = {
    "s2sad": "`rosenbrock(x)`: a `for` loop over `x[i]`, `x[i + 1]`, `**`",
    "hand": "one pass: each term's partials added into g[i] and g[i + 1]",
    "jax_vec": "`jnp.sum(100 (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)`",
    "jax_loop": "`lax.fori_loop(0, N - 1, ...)` reading `x[i]`, `x[i + 1]` "
    "(static bounds, so reverse-differentiable)",
    "torch": "the vectorized sum, as for JAX",
    "autograd": "the vectorized sum, in `autograd.numpy`",
    "tangent": "the vectorized sum in NumPy",
}


def rosenbrock(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


f = rosenbrock


def label(n):
    return f"N = {n:,}"


def work(n):
    return n


def make_args(n):
    return (np.random.default_rng(0).uniform(-1.5, 1.5, size=n),)


def numba_primal():
    import numba

    return numba.njit(rosenbrock)


def hand_gradient():
    from numba import njit

    @njit(cache=True)
    def rosenbrock_grad_hand(x):
        g = np.zeros_like(x)
        for i in range(len(x) - 1):
            d = x[i + 1] - x[i] * x[i]
            e = 1.0 - x[i]
            g[i] += -400.0 * d * x[i] - 2.0 * e
            g[i + 1] += 200.0 * d
        return (g,)

    return rosenbrock_grad_hand


def _vectorized(xp):
    def rosenbrock_vec(x):
        return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    return rosenbrock_vec


def jax_vec():
    import jax.numpy as jnp

    return _vectorized(jnp), ()


def jax_loop():
    from jax import lax

    def rosenbrock_fori(x):
        def body(i, s):
            return s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2

        return lax.fori_loop(0, x.shape[0] - 1, body, 0.0 * x[0])

    return rosenbrock_fori, ()


def torch_form():
    import torch

    return _vectorized(torch)


def autograd_form():
    import autograd.numpy as anp

    return _vectorized(anp)


def rosenbrock_np(x):
    """The vectorized sum in NumPy, for tangent (which needs a module-level function)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def tangent_form():
    return rosenbrock_np
