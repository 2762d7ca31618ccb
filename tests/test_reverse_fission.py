"""Loop fission of scatter-form reverse loops (s2sad/reverse_fission.py): stencil adjoints are
split into one counting-up loop per accumulation target. Both builds, against central
differences; the split marker is in the generated source exactly when fission is legal."""

import numpy as np
import pytest

from s2sad import grad, hvp
from s2sad.reverse_fission import SPLIT_MARK

from .gradcheck import fd_array as fd


def stencil_1d(u0, c, steps):
    """A 3-point stencil with a double buffer written in place and swapped."""
    n = u0.shape[0]
    u = u0.copy()
    v = np.zeros(n)
    for _ in range(steps):
        for i in range(1, n - 1):
            v[i] = c * u[i - 1] + (1.0 - 2.0 * c) * u[i] + c * u[i + 1]
        u, v = v, u
    return np.sum(u * u * u)


def heat2d(u0, alpha, obs, steps):
    """benchmarks/problems/p3_heat2d.py, copied so the tests do not import the benchmarks."""
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


def advect_nonlinear(u0, alpha, steps):
    """Non-constant coefficients: the adjoint re-reads u[i, j] and its neighbours."""
    n = u0.shape[0]
    m = u0.shape[1]
    u = u0.copy()
    u_new = u0.copy()
    for _ in range(steps):
        for i in range(1, n - 1):
            for j in range(1, m - 1):
                u_new[i, j] = u[i, j] + alpha * u[i, j] * (u[i - 1, j] - u[i + 1, j]) \
                    + 0.1 * np.sin(u[i, j + 1] - u[i, j - 1])
        u, u_new = u_new, u
    return np.sum(u * u)


def in_place_recurrence(u0, steps):
    """The array read is the array written: each iteration needs the previous one's result."""
    u = u0.copy()
    for _ in range(steps):
        for i in range(1, u.shape[0]):
            u[i] = u[i - 1] * 0.5 + u[i]
    return np.sum(u * u)


def stencil_with_branch(u0, steps):
    n = u0.shape[0]
    u = u0.copy()
    v = np.zeros(n)
    for _ in range(steps):
        for i in range(1, n - 1):
            if u[i] > 0.0:
                v[i] = 0.25 * u[i - 1] + 0.5 * u[i] + 0.25 * u[i + 1]
            else:
                v[i] = 0.5 * u[i - 1] - 0.5 * u[i + 1]
        u, v = v, u
    return np.sum(u * u)


def gather_only(x, w):
    """One target per array (no scatter): nothing to gain, the loop is kept."""
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = w[i] * x[i]
    return np.sum(y * y)


RNG = np.random.default_rng(5)
U1 = RNG.normal(size=9)
U2 = RNG.normal(size=(5, 6))
HEAT_N = 6
_x = np.linspace(0.0, 1.0, HEAT_N)
HEAT_ARGS = (np.outer(np.sin(np.pi * _x), np.sin(np.pi * _x)) + 0.1 * RNG.normal(size=(6, 6)),
             0.2, 0.5 * RNG.uniform(size=(6, 6)), 4)

# (function, args, wrt, split expected)
CASES = [
    (stencil_1d, (U1, 0.3, 3), (0,), True),
    (heat2d, HEAT_ARGS, (0,), True),
    (advect_nonlinear, (0.5 * U2, 0.2, 3), (0,), True),
    (in_place_recurrence, (U1, 2), (0,), False),
    (stencil_1d, (U1, 0.3, 3), (0, 1), False),  # c's adjoint is carried through the loop
    (stencil_with_branch, (U1, 3), (0,), False),
    (gather_only, (U1, U1 + 1.0), (0, 1), False),
]
IDS = ["stencil_1d", "heat2d", "advect_nonlinear", "in_place_recurrence",
       "stencil_1d_carried_scalar", "stencil_with_branch", "gather_only"]


@pytest.mark.parametrize("fn, args, wrt, split", CASES, ids=IDS)
def test_fission_against_finite_differences(fn, args, wrt, split, backend, derivatives):
    d = derivatives.grad(fn, wrt, backend)
    grads = d(*args)
    for i, g in zip(wrt, grads):
        np.testing.assert_allclose(g, fd(fn, args, i), rtol=1e-6, atol=1e-7)
    assert (SPLIT_MARK in d.source) == split, d.source


def test_split_loops_count_up_and_cite_the_statement_once():
    d = grad(heat2d, wrt=(0,), jit=False)
    d(*HEAT_ARGS)
    src = d.source
    reverse = src[src.index("reverse sweep"):]
    stencil = reverse[reverse.index("grad of: for i in range(1, n + 1)"):]
    stencil = stencil[:stencil.index("bu_1 +=")]
    assert stencil.count(SPLIT_MARK) == 1
    assert stencil.count("grad of: u_new[i, j]") == 1
    # five targets (u[i, j] twice), the last loop also zeros; the i loop around counts up too
    assert stencil.count("for it__ in range(n_j_9):") == 5
    assert "for it_ in range(n_i_6):" in stencil
    assert stencil.count("= 0.0") == 1
    assert grad(heat2d, wrt=(0,), jit=False).specialize(*HEAT_ARGS).source == src


def stencil_1d_field(u0, c, steps):
    """stencil_1d's final field, in NumPy slices: linear in u0, so its matrix A gives the exact
    Hessian of sum(u^3), A^T diag(6 A u0) A."""
    u, v = u0.copy(), np.zeros(u0.shape[0])
    for _ in range(steps):
        v[1:-1] = c * u[:-2] + (1.0 - 2.0 * c) * u[1:-1] + c * u[2:]
        u, v = v, u
    return u


def test_hvp_differentiates_the_split_loops(backend):
    """Forward mode over the generated adjoint goes through the split loops too."""
    args = (U1, 0.3, 3)
    A = np.column_stack([stencil_1d_field(e, 0.3, 3) for e in np.eye(U1.shape[0])])
    np.testing.assert_allclose(np.sum((A @ U1) ** 3), stencil_1d(*args), rtol=1e-12)
    v = RNG.normal(size=U1.shape)
    got = hvp(stencil_1d, wrt=0, jit=backend)(*args, v)
    np.testing.assert_allclose(got, A.T @ (6.0 * (A @ U1) * (A @ v)), rtol=1e-10, atol=1e-12)
    assert SPLIT_MARK in grad(stencil_1d, wrt=0, jit=False).specialize(*args).source


d_stencil = grad(stencil_1d, wrt=0)


def stencil_gradient_norm(u0, c, steps):
    """A gradient of a gradient: reverse mode over the split adjoint inlined here."""
    g = d_stencil(u0, c, steps)
    return np.sum(g * g)


def test_nested_grad_through_the_split_loops(backend):
    args = (U1, 0.3, 3)
    A = np.column_stack([stencil_1d_field(e, 0.3, 3) for e in np.eye(U1.shape[0])])
    u = A @ U1
    g = A.T @ (3.0 * u * u)  # the exact gradient of sum(u^3), and 2 H g that of |g|^2
    got = grad(stencil_gradient_norm, wrt=0, jit=backend)(*args)
    np.testing.assert_allclose(got, 2.0 * A.T @ (6.0 * u * (A @ g)), rtol=1e-10, atol=1e-10)
    assert SPLIT_MARK in grad(stencil_1d, wrt=0, jit=False).specialize(*args).source
