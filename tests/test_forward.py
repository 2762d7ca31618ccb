"""Forward mode over the whole program corpus, in both builds.

Each tangent is checked against an independent reference (a finite difference along the same
direction) and against reverse mode with the dot-product test <ȳ, J ẋ> = <Jᵀ ȳ, ẋ>: for a scalar
output, jvp(ẋ) must equal grad · ẋ. The two modes share only the rule table's partials, so the
test catches a wrong transform of either sweep.
"""

import math
import random

import pytest

from .gradcheck import fd_partial
from .programs import PROGRAMS

IDS = [p.fn.__name__ for p in PROGRAMS]


def _wrt(program):
    from .gradcheck import _positions

    return _positions(program.fn, program.wrt)[0]


def _direction(program):
    rng = random.Random(program.fn.__name__)
    return [rng.uniform(-1.0, 1.0) for _ in _wrt(program)]


def _fd_directional(program, direction):
    """d/dt f(x + t·ẋ) at t = 0 by 4-point central differences along the direction."""
    positions = _wrt(program)
    args = list(program.args)

    def along(t):
        moved = list(args)
        for i, d in zip(positions, direction):
            moved[i] = args[i] + t * d
        return program.fn(*moved)

    return fd_partial(along, (0.0,), 0)


@pytest.mark.parametrize("program", PROGRAMS, ids=IDS)
def test_jvp_matches_finite_differences(program, backend, derivatives):
    direction = _direction(program)
    h = derivatives.jvp(program.fn, program.wrt, backend)
    value, tangent = h(*program.args, *direction)
    assert value == pytest.approx(program.fn(*program.args), rel=1e-12, abs=1e-12)
    want = _fd_directional(program, direction)
    assert math.isfinite(tangent)
    assert abs(tangent - want) <= 1e-9 + 1e-6 * abs(want), (tangent, want)


@pytest.mark.parametrize("program", PROGRAMS, ids=IDS)
def test_forward_and_reverse_agree(program, backend, derivatives):
    """The dot-product test between the two generated sweeps, to 1e-10 relative."""
    direction = _direction(program)
    _, tangent = derivatives.jvp(program.fn, program.wrt, backend)(*program.args, *direction)
    grads = derivatives.grad(program.fn, program.wrt, backend)(*program.args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    reverse = math.fsum(g * d for g, d in zip(grads, direction))
    scale = math.fsum(abs(g * d) for g, d in zip(grads, direction))
    assert abs(tangent - reverse) <= 1e-10 * max(scale, 1e-300) + 1e-300, (tangent, reverse)
