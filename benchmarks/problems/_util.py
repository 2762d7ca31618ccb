"""What the problem modules share.

The names every problem module defines:

* `KEY` (a short name), `NUMBER` (the issue's numbering), `TITLE`;
* `WRT`: the argument positions differentiated, `WRT_NAMES` their names;
* `SIZES = {"full": (...), "quick": (...)}`: one table row per size; `CHECK_SIZE`: a small
  instance with the same argument types, used for the fresh-process start-up measurements (the
  same compiled code as the benchmark size; its run time is negligible) and to estimate how long a
  slow tool would take at the benchmark size;
* `label(size)`, a row label; `work(size)`, a number proportional to the primal's operation count
  (to extrapolate from the check instance); `make_args(size)`, the arguments, seeded, float64;
* `FORMS`: tool -> a sentence on how that tool's version is written (printed under the table).
"""

from __future__ import annotations

from types import FunctionType


class NotApplicable(Exception):
    """This tool has no sensible formulation of this problem (the message says why)."""


def njit_tree(fn, helpers=(), **options):
    """`numba.njit(fn)` where `fn`'s plain-Python helpers (named in `helpers`) are njit'd too.

    The problems keep their helpers undecorated so that s2sad, tangent, PyTorch and autograd all
    read the same plain functions; Numba needs every callee compiled. The copies share one
    globals dict in which each helper name is bound to its compiled copy.
    """
    import numba

    glb = dict(fn.__globals__)
    for name in helpers:
        h = glb[name]
        glb[name] = numba.njit(FunctionType(h.__code__, glb, name, h.__defaults__), **options)
    return numba.njit(FunctionType(fn.__code__, glb, fn.__name__, fn.__defaults__), **options)
