"""Rules for Python's operators (`operator.*`, which the frontend maps syntax onto) and builtins.

Some rule functions are named after the builtin they differentiate (`abs`, `max`, `pow`), so
the primals below are always spelled `builtins.X`.
"""

import builtins
import math
import operator

from ..api_markers import stop_gradient
from . import away_from_zero, nondiff, partials, positive, uniform

_ANY = uniform(-3.0, 3.0)


@partials(operator.add, sample=(_ANY, _ANY))
def add(x, y, *, out):
    return 1.0, 1.0


@partials(operator.sub, sample=(_ANY, _ANY))
def sub(x, y, *, out):
    return 1.0, -1.0


@partials(operator.mul, sample=(_ANY, _ANY))
def mul(x, y, *, out):
    return y, x


@partials(operator.truediv, sample=(_ANY, away_from_zero(0.5, 3.0)))
def truediv(x, y, *, out):
    return 1.0 / y, -out / y


@partials(operator.neg, sample=(_ANY,))
def neg(x, *, out):
    return -1.0


@partials(operator.pos, sample=(_ANY,))
def pos(x, *, out):
    return 1.0


@partials(operator.pow, builtins.pow, math.pow, sample=(positive(0.5, 3.0), _ANY))
def pow(x, y, *, out):
    # x ** (y - 1) is real and finite except at x == 0 with y < 1 and for x < 0 with non-integer
    # y. There the slope is 0 (y == 0: x ** 0 == 1), +inf (0 < y < 1, from the right) or none.
    ok = (x != 0.0 or y >= 1.0) and (x >= 0.0 or y == math.floor(y))
    dx = (
        y * x ** (y - 1.0)
        if ok
        else (0.0 if y == 0.0 else (math.inf if x == 0.0 and y > 0.0 else math.nan))
    )
    # d/dy x ** y = out * log(x) needs x > 0; at x == 0 the power is 0 for every y > 0.
    dy = out * math.log(x) if x > 0.0 else (0.0 if x == 0.0 else math.nan)
    return dx, dy


@partials(operator.mod, sample=(_ANY, away_from_zero(0.5, 3.0)))
def mod(x, y, *, out):
    # x % y == x - y * (x // y), and x // y is locally constant.
    return 1.0, -(x // y)


@partials(builtins.abs, math.fabs, sample=(away_from_zero(0.1, 3.0),))
def abs(x, *, out):
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


@partials(builtins.max, sample=(_ANY, _ANY))
def max(x, y, *, out):
    # Python's max returns its first argument on a tie.
    first = x >= y
    return 1.0 if first else 0.0, 0.0 if first else 1.0


@partials(builtins.min, sample=(_ANY, _ANY))
def min(x, y, *, out):
    first = x <= y
    return 1.0 if first else 0.0, 0.0 if first else 1.0


@partials(builtins.float, sample=(_ANY,))
def float(x, *, out):
    return 1.0


nondiff(builtins.int, builtins.round, builtins.bool, builtins.len, builtins.range)
nondiff(stop_gradient)  # the identity with zero derivative: blocks a path on purpose
nondiff(operator.floordiv, operator.not_, operator.truth)
nondiff(operator.and_, operator.or_, operator.invert)  # masks: (a > 0) & (b < 1)
nondiff(operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne)
