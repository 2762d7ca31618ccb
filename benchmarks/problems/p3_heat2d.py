"""(3) 2D heat equation: a five-point stencil time loop, gradient w.r.t. the initial field.

`heat2d_loss(u0, alpha, obs, steps)` copies the n x m initial field into the interior of an
(n + 2) x (m + 2) buffer whose boundary ring stays zero (Dirichlet), advances `steps` explicit
steps `u_new[i, j] = u[i, j] + alpha (u[i-1, j] + u[i+1, j] + u[i, j-1] + u[i, j+1] - 4 u[i, j])`
writing the second buffer in place and swapping the two, and returns the squared distance of the
final interior from `obs`. The gradient is taken with respect to the field `u0` only (`alpha` is
a fixed float, 0.2: the scheme is stable up to 0.25).

One step is the symmetric linear map S = I + alpha L on the interior (L the Dirichlet Laplacian),
so the hand-written adjoint needs no tape: the primal forward, then `steps` applications of the
same stencil to lambda = 2 (u_T - obs), which ends as dL/du0. That is 2x the primal, the floor
for reverse mode here; a tool has to notice that nothing of the forward states is needed (alpha is
not differentiated) to get there.
"""

from __future__ import annotations

import numpy as np

from ._util import NotApplicable

KEY = "heat2d"
NUMBER = 3
TITLE = "2D heat equation, stencil time loop, in-place writes"
WRT = (0,)
WRT_NAMES = ("u0",)
SIZES = {"full": ((128, 500),), "quick": ((48, 100),)}
CHECK_SIZE = (8, 5)
ALPHA = 0.2
FORMS = {
    "s2sad": "`heat2d_loss`: element loops writing `u_new[i, j]` in place, buffer swap "
    "`u, u_new = u_new, u`",
    "hand": "no tape: the primal, then the (symmetric) stencil applied `steps` times to "
    "2 (u_T - obs)",
    "jax_vec": "whole-array step (slices of the padded field, `jnp.pad`) inside "
    "`lax.fori_loop` over the steps (static bounds, so reverse-differentiable)",
    "jax_loop": "n/a: element-wise fori_loops would carry the whole field through every "
    "element update, and reverse mode saves the carry per iteration (~n^2 copies per step)",
    "torch": "whole-array step (slices, `F.pad`), Python loop over the steps",
    "autograd": "whole-array step (slices, `np.pad`), Python loop over the steps",
    "tangent": "whole-array step (slices, `np.pad`), Python loop over the steps",
}


def heat2d_loss(u0, alpha, obs, steps):
    n = u0.shape[0]
    m = u0.shape[1]
    u = np.zeros((n + 2, m + 2))
    u_new = np.zeros((n + 2, m + 2))
    for i in range(n):
        for j in range(m):
            u[i + 1, j + 1] = u0[i, j]
    for _ in range(steps):
        for i in range(1, n + 1):
            for j in range(1, m + 1):
                u_new[i, j] = u[i, j] + alpha * (
                    u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - 4.0 * u[i, j]
                )
        u, u_new = u_new, u
    s = 0.0
    for i in range(n):
        for j in range(m):
            d = u[i + 1, j + 1] - obs[i, j]
            s += d * d
    return s


f = heat2d_loss


def label(size):
    n, steps = size
    return f"{n} x {n}, {steps} steps"


def work(size):
    n, steps = size
    return n * n * steps


def make_args(size):
    n, steps = size
    rng = np.random.default_rng(n)
    x = np.linspace(0.0, 1.0, n)
    u0 = np.outer(np.sin(np.pi * x), np.sin(np.pi * x)) + 0.1 * rng.standard_normal((n, n))
    obs = 0.5 * np.exp(-(((x[:, None] - 0.4) ** 2 + (x[None, :] - 0.6) ** 2) / 0.02))
    return (u0, ALPHA, obs, steps)


def numba_primal():
    import numba

    return numba.njit(heat2d_loss)


def hand_gradient():
    from numba import njit

    @njit(cache=True)
    def heat2d_grad_hand(u0, alpha, obs, steps):
        n = u0.shape[0]
        m = u0.shape[1]
        u = np.zeros((n + 2, m + 2))
        u_new = np.zeros((n + 2, m + 2))
        for i in range(n):
            for j in range(m):
                u[i + 1, j + 1] = u0[i, j]
        for _ in range(steps):  # the primal
            for i in range(1, n + 1):
                for j in range(1, m + 1):
                    u_new[i, j] = u[i, j] + alpha * (
                        u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - 4.0 * u[i, j]
                    )
            u, u_new = u_new, u
        lam = u  # lambda_T = 2 (u_T - obs) on the interior, zero on the ring: in place
        for i in range(n):
            for j in range(m):
                lam[i + 1, j + 1] = 2.0 * (u[i + 1, j + 1] - obs[i, j])
        other = u_new
        for _ in range(steps):  # lambda_t = S^T lambda_{t+1} = S lambda_{t+1}
            for i in range(1, n + 1):
                for j in range(1, m + 1):
                    other[i, j] = lam[i, j] + alpha * (
                        lam[i - 1, j] + lam[i + 1, j] + lam[i, j - 1] + lam[i, j + 1]
                        - 4.0 * lam[i, j]
                    )
            lam, other = other, lam
        return (lam[1 : n + 1, 1 : m + 1].copy(),)

    return heat2d_grad_hand


def jax_vec():
    import jax.numpy as jnp
    from jax import lax

    def heat2d_jax(u0, alpha, obs, steps):
        def step(_, u):
            c = u[1:-1, 1:-1]
            lap = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4.0 * c
            return jnp.pad(c + alpha * lap, 1)

        u = lax.fori_loop(0, steps, step, jnp.pad(u0, 1))
        d = u[1:-1, 1:-1] - obs
        return jnp.sum(d * d)

    return heat2d_jax, (3,)


def jax_loop():
    raise NotApplicable(
        "element-wise fori_loops carry the whole field; reverse mode would save it per element "
        "update"
    )


def torch_form():
    import torch
    import torch.nn.functional as F

    def heat2d_torch(u0, alpha, obs, steps):
        u = F.pad(u0, (1, 1, 1, 1))
        for _ in range(steps):
            c = u[1:-1, 1:-1]
            lap = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4.0 * c
            u = F.pad(c + alpha * lap, (1, 1, 1, 1))
        d = u[1:-1, 1:-1] - obs
        return torch.sum(d * d)

    return heat2d_torch


def autograd_form():
    import autograd.numpy as anp

    def heat2d_autograd(u0, alpha, obs, steps):
        u = anp.pad(u0, 1, mode="constant")
        for _ in range(steps):
            c = u[1:-1, 1:-1]
            lap = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4.0 * c
            u = anp.pad(c + alpha * lap, 1, mode="constant")
        d = u[1:-1, 1:-1] - obs
        return anp.sum(d * d)

    return heat2d_autograd


def heat2d_tangent(u0, alpha, obs, steps):
    """The whole-array form in NumPy, for tangent (which needs a module-level function)."""
    u = np.pad(u0, 1)
    for _ in range(steps):
        c = u[1:-1, 1:-1]
        lap = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4.0 * c
        u = np.pad(c + alpha * lap, 1)
    d = u[1:-1, 1:-1] - obs
    return np.sum(d * d)


def tangent_form():
    return heat2d_tangent
