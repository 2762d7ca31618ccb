"""Second derivatives: `hvp` and `hessian`, by forward mode over the generated adjoint.

The adjoint s2sad generates is ordinary Python — tapes are arrays written by subscript, the
reverse sweep is loops and arithmetic, run-time helpers have rules (`rules/runtime_rules.py`) —
so the tangent transform applies to it unchanged (forward-over-reverse). One H·v costs one
tangent sweep of the adjoint: a small constant times a gradient, whatever the input size, and
no Hessian is ever formed. The generated H·v function is readable and Numba-compiled like any
other derivative (`.source`).
"""

from __future__ import annotations

import numpy as np

from .api import TRANSFORMS, Derivative, Tangent, _kind
from .errors import S2SADError


class HVP:
    """`hvp(f, wrt)`: call as `h(*args, v)` -> H·v, the Hessian of the scalar `f` with respect to
    the `wrt` arguments applied to `v` (for a tuple `wrt`, `v` and the result are tuples, one
    entry per argument). `.gradient` is the reverse-mode derivative it differentiates."""

    def __init__(self, fn, wrt=0, jit: bool = True):
        self.fn = fn
        self.jit = jit
        # the adjoint is generated as Python source (jit=False) and then differentiated; the
        # H·v function built from it is what gets compiled
        self.gradient = Derivative(fn, wrt, jit=False)
        self.wrt = self.gradient.wrt
        self._single = self.gradient._single
        self._tangents: dict = {}
        self._last: Tangent | None = None

    def tangent_of_adjoint(self, *args) -> Tangent:
        """The forward-mode derivative of the adjoint generated for these arguments."""
        kinds = tuple(map(_kind, args))
        tangent = self._tangents.get(kinds)
        if tangent is None:
            spec = self.gradient.specialize(*args)
            tangent = Tangent(spec.loaded.python, wrt=tuple(self.wrt), jit=self.jit)
            self._tangents[kinds] = tangent
        self._last = tangent
        return tangent

    def value_grad_hvp(self, *args_and_v):
        """`(f, grads, H·v)` from one sweep."""
        n = len(self.gradient._params)
        if len(args_and_v) != n + 1:
            raise TypeError(f"{self.fn.__name__} hvp takes {n} arguments and a direction v, "
                            f"got {len(args_and_v)} values")
        args, v = args_and_v[:n], args_and_v[n]
        vs = (v,) if self._single else tuple(v)
        if len(vs) != len(self.wrt):
            raise TypeError(f"hvp: v must hold one direction per wrt argument ({len(self.wrt)}), "
                            f"got {len(vs)}")
        try:
            (value, grads), (_, hv) = self.tangent_of_adjoint(*args)(*args, *vs)
        except S2SADError as exc:
            if "_adjoint_" in str(exc.loc or ""):  # raised on the generated adjoint itself
                exc.add_note(f"(while differentiating the adjoint s2sad generated for "
                             f"'{self.fn.__name__}', for hvp/hessian; the gradient itself is "
                             "supported: see docs/hvp_hessian.md for what second derivatives "
                             "cannot go through yet)")
            raise
        if self._single:
            return value, grads[0], hv[0]
        return value, tuple(grads), tuple(hv)

    def __call__(self, *args_and_v):
        return self.value_grad_hvp(*args_and_v)[2]

    @property
    def source(self) -> str:
        """The generated H·v function: the tangent of the adjoint (call once first)."""
        if self._last is None:
            raise RuntimeError("call the hvp once (or .tangent_of_adjoint(*args)) to pick the "
                               "argument types before reading .source")
        return self._last.source


def hvp(fn=None, wrt=0, jit: bool = True):
    """Hessian-vector product by forward-over-reverse: `hvp(f, wrt=0)(*args, v) -> H·v`."""
    if fn is None:
        return lambda f: HVP(f, wrt, jit)
    return HVP(fn, wrt, jit)


def hessian(fn, wrt=0, jit: bool = True):
    """`hessian(f, wrt=0)(*args)`: the Hessian, one H·v sweep per input entry. For one `wrt`
    argument of shape S the result has shape S + S; for a tuple `wrt`, `H[i][j]` is the block
    of second derivatives with respect to arguments i and j (shape S_i + S_j)."""
    h = HVP(fn, wrt, jit)

    def hess(*args):
        positions = h.wrt
        shapes = [np.shape(args[i]) for i in positions]
        zeros = [np.zeros(s) if s else 0.0 for s in shapes]
        blocks = [[np.zeros(si + sj) for sj in shapes] for si in shapes]
        for j, sj in enumerate(shapes):
            for idx in np.ndindex(sj):
                v = list(zeros)
                unit = np.zeros(sj)
                unit[idx] = 1.0
                v[j] = unit if sj else 1.0
                hv = h(*args, v[0] if h._single else tuple(v))
                hv = (hv,) if h._single else hv
                for i in range(len(shapes)):
                    blocks[i][j][(...,) + idx] = hv[i]
        if h._single:
            return blocks[0][0] if shapes[0] else float(blocks[0][0])
        return tuple(tuple(b if b.shape else float(b) for b in row) for row in blocks)

    hess.hvp = h
    return hess


TRANSFORMS.update({hvp, hessian})
