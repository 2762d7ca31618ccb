"""Rules for the `math` module. (`math.pow` and `math.fabs` share their rules in operators.py.)"""

import math

from . import away_from_zero, nondiff, partials, positive, uniform

_ANY = uniform(-3.0, 3.0)
_UNIT = uniform(-0.9, 0.9)  # inside (-1, 1), where asin, acos and atanh are smooth


def log_base(x, base):
    """`math.log(x, base)`. The frontend maps the 2-argument call here: one key, one arity."""
    return math.log(x, base)


@partials(math.sin, sample=(_ANY,))
def sin(x, *, out):
    return math.cos(x)


@partials(math.cos, sample=(_ANY,))
def cos(x, *, out):
    return -math.sin(x)


@partials(math.tan, sample=(uniform(-1.2, 1.2),))
def tan(x, *, out):
    return 1.0 + out * out


@partials(math.asin, sample=(_UNIT,))
def asin(x, *, out):
    return 1.0 / math.sqrt((1.0 - x) * (1.0 + x))


@partials(math.acos, sample=(_UNIT,))
def acos(x, *, out):
    return -1.0 / math.sqrt((1.0 - x) * (1.0 + x))


@partials(math.atan, sample=(_ANY,))
def atan(x, *, out):
    return 1.0 / (1.0 + x * x)


@partials(math.atan2, sample=(away_from_zero(0.2, 3.0), _ANY))  # y != 0: off the branch cut
def atan2(y, x, *, out):
    r2 = x * x + y * y
    return x / r2, -y / r2


@partials(math.sinh, sample=(_ANY,))
def sinh(x, *, out):
    return math.cosh(x)


@partials(math.cosh, sample=(_ANY,))
def cosh(x, *, out):
    return math.sinh(x)


@partials(math.tanh, sample=(_ANY,))
def tanh(x, *, out):
    return 1.0 - out * out


@partials(math.asinh, sample=(_ANY,))
def asinh(x, *, out):
    return 1.0 / math.sqrt(x * x + 1.0)


@partials(math.acosh, sample=(uniform(1.1, 4.0),))
def acosh(x, *, out):
    return 1.0 / math.sqrt((x - 1.0) * (x + 1.0))


@partials(math.atanh, sample=(_UNIT,))
def atanh(x, *, out):
    return 1.0 / ((1.0 - x) * (1.0 + x))


@partials(math.exp, sample=(_ANY,))
def exp(x, *, out):
    return out


@partials(math.expm1, sample=(_ANY,))
def expm1(x, *, out):
    return out + 1.0


@partials(math.log, sample=(positive(),))
def log(x, *, out):
    return 1.0 / x


@partials(log_base, sample=(positive(), positive(1.5, 10.0)))
def log_with_base(x, base, *, out):
    ln_base = math.log(base)
    return 1.0 / (x * ln_base), -out / (base * ln_base)


@partials(math.log1p, sample=(uniform(-0.9, 3.0),))
def log1p(x, *, out):
    return 1.0 / (1.0 + x)


@partials(math.log2, sample=(positive(),))
def log2(x, *, out):
    return 1.0 / (x * math.log(2.0))


@partials(math.log10, sample=(positive(),))
def log10(x, *, out):
    return 1.0 / (x * math.log(10.0))


@partials(math.sqrt, sample=(positive(),))
def sqrt(x, *, out):
    return 0.5 / out


@partials(math.hypot, sample=(away_from_zero(0.1, 3.0), away_from_zero(0.1, 3.0)))
def hypot(x, y, *, out):
    return x / out, y / out


@partials(math.copysign, sample=(away_from_zero(0.1, 3.0), away_from_zero(0.1, 3.0)))
def copysign(x, y, *, out):
    # |x| with the sign of y: slope ±1 in x (0 at the kink x == 0), flat in y except at y == 0.
    dx = math.copysign(1.0, x) * math.copysign(1.0, y) if x != 0.0 else 0.0
    return dx, 0.0


@partials(math.fmod, sample=(_ANY, away_from_zero(0.5, 3.0)))
def fmod(x, y, *, out):
    # fmod(x, y) == x - y * trunc(x / y), and the quotient is locally constant.
    return 1.0, -float(math.trunc(x / y))


@partials(math.degrees, sample=(_ANY,))
def degrees(x, *, out):
    return 180.0 / math.pi


@partials(math.radians, sample=(_ANY,))
def radians(x, *, out):
    return math.pi / 180.0


@partials(math.erf, sample=(_ANY,))
def erf(x, *, out):
    return 2.0 / math.sqrt(math.pi) * math.exp(-x * x)


@partials(math.erfc, sample=(_ANY,))
def erfc(x, *, out):
    return -2.0 / math.sqrt(math.pi) * math.exp(-x * x)


nondiff(math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite)
nondiff(math.gcd, math.factorial)
