"""`check_grad`: the lecture's gradient check, for users' own test suites.

Compares the generated gradient with central finite differences, argument by argument, using the
relative error |a - n| / max(|a|, |n|) and the lecture's criterion (passes below 1e-5), and runs
the dot-product test between forward and reverse mode, <ȳ, J ẋ> = <Jᵀ ȳ, ẋ>, which needs no
finite differences at all and so catches errors far below their noise.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .api import grad, jvp


@dataclass
class GradCheck:
    """Per-argument relative errors against finite differences, and the fwd/rev mismatch."""

    names: list[str]
    analytic: list[float]
    numeric: list[float]
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
            rows.append(f"{n:<12}{a:>24.16g}{d:>24.16g}{e:>12.2e}{flag}")
        rows.append(f"forward/reverse dot-product test: relative error "
                    f"{self.dot_product_error:.2e} (passes below 1e-10)")
        rows.append("PASS" if self.ok else "FAIL")
        return "\n".join(rows)


def check_grad(f, *args, wrt=0, h: float = 1e-6, tolerance: float = 1e-5,
               jit: bool = True) -> GradCheck:
    """Check s2sad's gradient of `f` at `args`; `bool(result)` says whether it passed."""
    g = grad(f, wrt=wrt, jit=jit)
    positions = list(g.wrt)
    analytic = g(*args)
    analytic = list(analytic) if isinstance(analytic, tuple) else [analytic]
    numeric, errors = [], []
    for i, a in zip(positions, analytic):
        x = float(args[i])
        step = h * max(1.0, abs(x))
        plus, minus = list(args), list(args)
        plus[i], minus[i] = x + step, x - step
        n = (f(*plus) - f(*minus)) / (2.0 * step)
        numeric.append(n)
        scale = max(abs(a), abs(n))
        errors.append(0.0 if scale == 0.0 else abs(a - n) / scale)
    rng = random.Random(0)
    direction = [rng.uniform(-1.0, 1.0) for _ in positions]
    _, tangent = jvp(f, wrt=tuple(positions), jit=jit)(*args, *direction)
    reverse = math.fsum(a * d for a, d in zip(analytic, direction))
    scale = math.fsum(abs(a * d) for a, d in zip(analytic, direction)) or 1.0
    params = list(g._params)  # noqa: SLF001 (the derivative knows its parameter names)
    return GradCheck([params[i] for i in positions], analytic, numeric, errors,
                     abs(tangent - reverse) / scale, tolerance)
