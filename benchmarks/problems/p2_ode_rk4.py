"""(2) A small stiff-ish ODE system, classical RK4 through helper functions.

A three-species reaction network of the Robertson kind (A -> B at rate k1, 2B -> B + C at k2,
B + C -> A + C at k3), with rates k = (1, 1000, 100): once B reaches its quasi-steady level the
Jacobian's eigenvalues spread over two orders of magnitude ("stiff-ish"; RK4 with h = 1e-3 is
well inside its stability region). The loss is the squared distance of the state at t = n h from
a target; the gradient is taken with respect to the three rates and the three initial values.

`rhs` and `rk4_step` are plain helper functions returning tuples; s2sad inlines them. The hand
adjoint stores the state at the start of every step (3 floats), then in reverse recomputes the
four stages and applies the transposed Jacobian of `rhs` to each.
"""

from __future__ import annotations

from ._util import NotApplicable, njit_tree

KEY = "ode_rk4"
NUMBER = 2
TITLE = "Stiff-ish ODE system, RK4 through helpers"
WRT = (0, 1, 2, 3, 4, 5)
WRT_NAMES = ("k1", "k2", "k3", "y1(0)", "y2(0)", "y3(0)")
SIZES = {"full": (10_000,), "quick": (2_000,)}
CHECK_SIZE = 100
RATES = (1.0, 1000.0, 100.0)
Y0 = (1.0, 0.0, 0.0)
H = 1e-3
TARGET = (0.5, 0.02, 0.48)  # the loss's target state
FORMS = {
    "s2sad": "`ode_loss`: a `for` loop calling `rk4_step`, which calls `rhs` four times; "
    "scalars and tuples",
    "hand": "stores (y1, y2, y3) per step; the reverse sweep recomputes the stages and applies "
    "the transposed Jacobian of `rhs` by hand",
    "jax_vec": "n/a: a sequential recurrence has no vectorized form",
    "jax_loop": "`lax.scan` over the steps calling the same `rk4_step`/`rhs` on traced scalars; "
    "`n` static",
    "torch": "`ode_loss` itself on 0-d float64 tensors",
    "autograd": "`ode_loss` itself",
    "tangent": "`ode_loss` itself",
}


def rhs(y1, y2, y3, k1, k2, k3):
    r1 = k1 * y1
    r2 = k2 * y2 * y2
    r3 = k3 * y2 * y3
    return r3 - r1, r1 - r2 - r3, r2


def rk4_step(y1, y2, y3, k1, k2, k3, h):
    a1, a2, a3 = rhs(y1, y2, y3, k1, k2, k3)
    b1, b2, b3 = rhs(y1 + 0.5 * h * a1, y2 + 0.5 * h * a2, y3 + 0.5 * h * a3, k1, k2, k3)
    c1, c2, c3 = rhs(y1 + 0.5 * h * b1, y2 + 0.5 * h * b2, y3 + 0.5 * h * b3, k1, k2, k3)
    d1, d2, d3 = rhs(y1 + h * c1, y2 + h * c2, y3 + h * c3, k1, k2, k3)
    w = h / 6.0
    return (
        y1 + w * (a1 + 2.0 * b1 + 2.0 * c1 + d1),
        y2 + w * (a2 + 2.0 * b2 + 2.0 * c2 + d2),
        y3 + w * (a3 + 2.0 * b3 + 2.0 * c3 + d3),
    )


def ode_loss(k1, k2, k3, y10, y20, y30, h, n):
    y1, y2, y3 = y10, y20, y30
    for _ in range(n):
        y1, y2, y3 = rk4_step(y1, y2, y3, k1, k2, k3, h)
    return (y1 - 0.5) ** 2 + (y2 - 0.02) ** 2 + (y3 - 0.48) ** 2


f = ode_loss


def label(n):
    return f"{n:,} steps"


def work(n):
    return n


def make_args(n):
    return (*RATES, *Y0, H, n)


def numba_primal():
    return njit_tree(ode_loss, ("rhs", "rk4_step"))


def hand_gradient():
    import numpy as np
    from numba import njit

    rhs_nb = njit(rhs)

    @njit
    def rhs_vjp(y1, y2, y3, k1, k2, k3, g1, g2, g3):
        """(J_y^T g, J_k^T g) of `rhs` at (y, k)."""
        rb1 = g2 - g1  # r1 enters f1 with -1, f2 with +1
        rb2 = g3 - g2  # r2: f2 -1, f3 +1
        rb3 = g1 - g2  # r3: f1 +1, f2 -1
        return (
            k1 * rb1,
            2.0 * k2 * y2 * rb2 + k3 * y3 * rb3,
            k3 * y2 * rb3,
            y1 * rb1,
            y2 * y2 * rb2,
            y2 * y3 * rb3,
        )

    @njit(cache=True)
    def ode_grad_hand(k1, k2, k3, y10, y20, y30, h, n):
        ys = np.empty((n, 3))
        y1, y2, y3 = y10, y20, y30
        w = h / 6.0
        for t in range(n):  # forward sweep: the primal, keeping the state each step starts from
            ys[t, 0] = y1
            ys[t, 1] = y2
            ys[t, 2] = y3
            a1, a2, a3 = rhs_nb(y1, y2, y3, k1, k2, k3)
            b1, b2, b3 = rhs_nb(y1 + 0.5 * h * a1, y2 + 0.5 * h * a2, y3 + 0.5 * h * a3, k1, k2, k3)
            c1, c2, c3 = rhs_nb(y1 + 0.5 * h * b1, y2 + 0.5 * h * b2, y3 + 0.5 * h * b3, k1, k2, k3)
            d1, d2, d3 = rhs_nb(y1 + h * c1, y2 + h * c2, y3 + h * c3, k1, k2, k3)
            y1 = y1 + w * (a1 + 2.0 * b1 + 2.0 * c1 + d1)
            y2 = y2 + w * (a2 + 2.0 * b2 + 2.0 * c2 + d2)
            y3 = y3 + w * (a3 + 2.0 * b3 + 2.0 * c3 + d3)
        g1 = 2.0 * (y1 - 0.5)
        g2 = 2.0 * (y2 - 0.02)
        g3 = 2.0 * (y3 - 0.48)
        bk1 = bk2 = bk3 = 0.0
        for t in range(n - 1, -1, -1):  # reverse sweep: g is the adjoint of the step's output
            y1, y2, y3 = ys[t, 0], ys[t, 1], ys[t, 2]
            # recompute the stage states
            a1, a2, a3 = rhs_nb(y1, y2, y3, k1, k2, k3)
            yb1, yb2, yb3 = y1 + 0.5 * h * a1, y2 + 0.5 * h * a2, y3 + 0.5 * h * a3
            b1, b2, b3 = rhs_nb(yb1, yb2, yb3, k1, k2, k3)
            yc1, yc2, yc3 = y1 + 0.5 * h * b1, y2 + 0.5 * h * b2, y3 + 0.5 * h * b3
            c1, c2, c3 = rhs_nb(yc1, yc2, yc3, k1, k2, k3)
            yd1, yd2, yd3 = y1 + h * c1, y2 + h * c2, y3 + h * c3
            # y' = y + w (a + 2b + 2c + d): the stage adjoints, last stage first
            e1, e2, e3, q1, q2, q3 = rhs_vjp(yd1, yd2, yd3, k1, k2, k3, w * g1, w * g2, w * g3)
            bk1 += q1
            bk2 += q2
            bk3 += q3
            n1, n2, n3 = g1 + e1, g2 + e2, g3 + e3  # y's adjoint so far
            e1, e2, e3, q1, q2, q3 = rhs_vjp(  # c's adjoint: 2 w g from y', h e from yd
                yc1, yc2, yc3, k1, k2, k3,
                2.0 * w * g1 + h * e1, 2.0 * w * g2 + h * e2, 2.0 * w * g3 + h * e3,
            )
            bk1 += q1
            bk2 += q2
            bk3 += q3
            n1, n2, n3 = n1 + e1, n2 + e2, n3 + e3
            e1, e2, e3, q1, q2, q3 = rhs_vjp(
                yb1, yb2, yb3, k1, k2, k3,
                2.0 * w * g1 + 0.5 * h * e1, 2.0 * w * g2 + 0.5 * h * e2,
                2.0 * w * g3 + 0.5 * h * e3,
            )
            bk1 += q1
            bk2 += q2
            bk3 += q3
            n1, n2, n3 = n1 + e1, n2 + e2, n3 + e3
            e1, e2, e3, q1, q2, q3 = rhs_vjp(
                y1, y2, y3, k1, k2, k3,
                w * g1 + 0.5 * h * e1, w * g2 + 0.5 * h * e2, w * g3 + 0.5 * h * e3,
            )
            bk1 += q1
            bk2 += q2
            bk3 += q3
            g1, g2, g3 = n1 + e1, n2 + e2, n3 + e3
        return bk1, bk2, bk3, g1, g2, g3

    return ode_grad_hand


def jax_vec():
    raise NotApplicable("sequential recurrence: no vectorized form")


def jax_loop():
    from jax import lax

    def ode_loss_scan(k1, k2, k3, y10, y20, y30, h, n):
        def step(y, _):
            return rk4_step(*y, k1, k2, k3, h), None

        (y1, y2, y3), _ = lax.scan(step, (y10, y20, y30), None, length=n)
        return (y1 - 0.5) ** 2 + (y2 - 0.02) ** 2 + (y3 - 0.48) ** 2

    return ode_loss_scan, (7,)


def torch_form():
    return ode_loss


def autograd_form():
    return ode_loss


def tangent_form():
    return ode_loss
