"""Rules for the run-time helpers that generated derivatives call, so that a generated derivative
is itself differentiable: `hvp` applies forward mode to a generated adjoint (forward-over-reverse)
and a gradient taken inside a differentiated function is differentiated through.

Tapes are ordinary arrays to the compiler: pushes are subscript writes (the builder spells out
`push_array` as a grow and a slice write), pops are reads, and `grow` (a bigger copy, or the
tape itself) carries tangents like any copy. The helpers below that
compute a NumPy function (`rta.amax` is `np.max` along an axis) share that function's rule. Second
derivatives of the exact-at-zero product helpers (`prod_others`, `cumprod_vjp`, `cumprod_jvp`) are
not written; they have no rule, so differentiating through them raises NoDerivativeRule.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import runtime
from .. import runtime_arrays as rta
from ..ssa.nodes import INT
from .arrays import ARRAY_OPS, RUNTIME_OPS, array_op

runtime_op = functools.partial(array_op, table=RUNTIME_OPS)


def _tan_or_zeros(t, name: str, like) -> str:
    """The tangent of parameter `name`, or zeros shaped like `like` when it has none."""
    return str(t[name]) if t[name] is not None else f"np.zeros_like({like})"


@runtime_op(runtime.trip_count, sig="start, stop, step", nondiff=("start", "stop", "step"))
class trip_count:
    def type(start, stop, step):
        return INT

    def primal(start, stop, step):
        return f"trip_count({start}, {stop}, {step})"


@runtime_op(runtime.grow, sig="tape, need", nondiff=("need",))
class grow:
    """The first len(tape) slots are the tape's; the rest are fresh (never read before written)."""

    def type(tape, need):
        return tape

    def primal(tape, need):
        return f"grow({tape}, {need})"

    def vjp(g, out, tape, need):
        return (f"{g}[:{tape}.shape[0]]",)

    def jvp(t, out, tape, need):
        return None if t["tape"] is None else f"grow({t['tape']}, {need})"


def _scatter_tangent(helper: str, t, target, index: str, values):
    if t["target"] is None and t["values"] is None:
        return None
    return (f"{helper}({_tan_or_zeros(t, 'target', target)}, {index}, "
            f"{_tan_or_zeros(t, 'values', values)})")


@runtime_op(rta.scatter_add, sig="target, index, values", nondiff=("index",))
class scatter_add:
    """`target[index] += values`, repeated indices accumulating; returns target."""

    def type(target, index, values):
        return target

    def primal(target, index, values):
        return f"rta.scatter_add({target}, {index}, {values})"

    def vjp(g, out, target, index, values):
        return (f"{g}", f"{g}[{index}]")

    def jvp(t, out, target, index, values):
        return _scatter_tangent("rta.scatter_add", t, target, f"{index}", values)


@runtime_op(runtime.scatter_add2, sig="target, rows, cols, values",
            nondiff=("rows", "cols"))
class scatter_add2:
    """`target[rows, cols] += values`, repeated pairs accumulating; returns target."""

    def type(target, rows, cols, values):
        return target

    def primal(target, rows, cols, values):
        return f"scatter_add2({target}, {rows}, {cols}, {values})"

    def vjp(g, out, target, rows, cols, values):
        return (f"{g}", f"{g}[{rows}, {cols}]")

    def jvp(t, out, target, rows, cols, values):
        return _scatter_tangent("scatter_add2", t, target, f"{rows}, {cols}", values)


@runtime_op(rta.sum_to, sig="g, like", nondiff=("like",))
class sum_to:
    """Sums a broadcast cotangent back to `like`'s shape; its own cotangent broadcasts out."""

    def type(g, like):
        return like

    def primal(g, like):
        return f"rta.sum_to({g}, {like})"

    def vjp(g_out, out, g, like):
        return (f"{g_out}",)

    def jvp(t, out, g, like):
        return None if t["g"] is None else f"rta.sum_to({t['g']}, {like})"


@runtime_op(rta.centered, sig="a, axis", static=("axis",))
class centered:
    """a - mean(a, axis): a projection, its own adjoint."""

    def type(a, axis):
        return a

    def primal(a, axis):
        return f"rta.centered({a}, {axis})"

    def vjp(g, out, a, axis):
        return (f"rta.centered({g}, {axis})",)

    def jvp(t, out, a, axis):
        return None if t["a"] is None else f"rta.centered({t['a']}, {axis})"


@runtime_op(rta.rcumsum, sig="g, axis", static=("axis",))
class rcumsum:
    """Cumulative sum from the end; its adjoint is the ordinary cumulative sum."""

    def type(g, axis):
        return g

    def primal(g, axis):
        return f"rta.rcumsum({g}, {axis})"

    def vjp(g_out, out, g, axis):
        return (f"rta.cumsum({g_out}, {axis})",)

    def jvp(t, out, g, axis):
        return None if t["g"] is None else f"rta.rcumsum({t['g']}, {axis})"


def _mask(helper: str):
    class rule:
        def type(a, axis):
            return a

        def primal(a, axis):
            return f"{helper}({a}, {axis})"

    rule.__name__ = rule.__qualname__ = helper.replace("rta.", "")
    return rule


for _fn in (rta.argmax_mask, rta.argmin_mask):  # which element wins: piecewise constant
    runtime_op(_fn, sig="a, axis", static=("axis",), nondiff=("a",))(_mask(f"rta.{_fn.__name__}"))

# Helpers that compute a NumPy function share its rule (the arguments bind by position).
for _helper, _numpy in ((rta.amax, np.max), (rta.amin, np.min), (rta.prod, np.prod),
                        (rta.var, np.var), (rta.cumsum, np.cumsum), (rta.cumprod, np.cumprod),
                        (rta.matmul, np.matmul)):
    RUNTIME_OPS[_helper] = ARRAY_OPS[_numpy]
