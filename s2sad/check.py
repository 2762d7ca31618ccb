"""`check_grad`: the lecture's gradient check, for users' own test suites.

Compares the generated gradient with central finite differences, argument by argument, using the
relative error |a - n| / max(|a|, |n|) and the lecture's criterion (passes below 1e-5), and runs
the dot-product test between forward and reverse mode, <ȳ, J ẋ> = <Jᵀ ȳ, ẋ>, which needs no
finite differences at all and so catches errors far below their noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .api import grad, jvp


@dataclass
class GradCheck:
    """Per-argument relative errors against finite differences, and the fwd/rev mismatch.
    `analytic` and `numeric` hold a float or an array per argument."""

    names: list[str]
    analytic: list
    numeric: list
    relative_error: list[float]
    dot_product_error: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return all(e < self.tolerance for e in self.relative_error) \
            and self.dot_product_error < 1e-10

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        rows = [f"{'argument':<12}{'s2sad':>24}{'finite diff':>24}{'rel. error':>12}"]
        for n, a, d, e in zip(self.names, self.analytic, self.numeric, self.relative_error):
            flag = "" if e < self.tolerance else "  FAIL"
            rows.append(f"{n:<12}{_show(a):>24}{_show(d):>24}{e:>12.2e}{flag}")
        rows.append(f"forward/reverse dot-product test: relative error "
                    f"{self.dot_product_error:.2e} (passes below 1e-10)")
        rows.append("PASS" if self.ok else "FAIL")
        return "\n".join(rows)


def _show(x) -> str:
    if np.ndim(x) == 0:
        return f"{float(x):.16g}"
    return f"{np.shape(x)} |max| {float(np.max(np.abs(x))):.6g}"


def _central(f, args, i, h):
    """d f / d args[i] by central differences, entry by entry for an array."""
    x = np.asarray(args[i], dtype=np.float64)
    out = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        step = h * max(1.0, abs(float(x[idx])))
        moved = []
        for sign in (1.0, -1.0):
            y = x.copy()
            y[idx] += sign * step
            a = list(args)
            a[i] = y if x.ndim else float(y)
            moved.append(f(*a))
        out[idx] = (moved[0] - moved[1]) / (2.0 * step)
    return out if x.ndim else float(out)


def check_grad(f, *args, wrt=0, h: float = 1e-6, tolerance: float = 1e-5,
               jit: bool = True) -> GradCheck:
    """Check s2sad's gradient of `f` at `args` (numbers or float arrays); `bool(result)` says
    whether it passed. For an array argument the error is max|a - n| / max(|a|, |n|) over its
    entries, each entry differenced on its own (2 calls of f per entry)."""
    g = grad(f, wrt=wrt, jit=jit)
    positions = list(g.wrt)
    analytic = g(*args)
    analytic = list(analytic) if isinstance(analytic, tuple) else [analytic]
    numeric, errors = [], []
    for i, a in zip(positions, analytic):
        n = _central(f, args, i, h)
        numeric.append(n)
        scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(n), initial=0.0)))
        diff = float(np.max(np.abs(np.asarray(a) - n), initial=0.0))
        errors.append(0.0 if scale == 0.0 else diff / scale)
    rng = np.random.default_rng(0)
    direction = [rng.uniform(-1.0, 1.0, size=np.shape(args[i])) if np.ndim(args[i])
                 else float(rng.uniform(-1.0, 1.0)) for i in positions]
    _, tangent = jvp(f, wrt=tuple(positions), jit=jit)(*args, *direction)
    terms = [np.asarray(a) * d for a, d in zip(analytic, direction)]
    reverse = math.fsum(float(np.sum(t)) for t in terms)
    scale = math.fsum(float(np.sum(np.abs(t))) for t in terms) or 1.0
    params = list(g._params)  # noqa: SLF001 (the derivative knows its parameter names)
    return GradCheck([params[i] for i in positions], analytic, numeric, errors,
                     abs(tangent - reverse) / scale, tolerance)
