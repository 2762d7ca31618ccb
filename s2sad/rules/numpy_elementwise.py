"""Rules for NumPy's elementwise functions (ufuncs and friends).

The partials are written with `np.*`, so one body serves a scalar and an array operand alike;
the generator broadcasts them and sums each cotangent back to its operand's shape. Ties of
maximum/minimum/clip give the whole gradient to one side (NumPy's choice of winner), and
functions that are piecewise constant (floor, sign, comparisons) have a zero derivative.
"""

import builtins
import operator

import numpy as np

from . import array_partials, away_from_zero, nondiff, partials, positive, uniform

_ANY = uniform(-3.0, 3.0)
_UNIT = uniform(-0.9, 0.9)


# ---- arithmetic ufuncs (the operators' rules in operators.py already vectorize)
@partials(np.add, sample=(_ANY, _ANY))
def np_add(x, y, *, out):
    return 1.0, 1.0


@partials(np.subtract, sample=(_ANY, _ANY))
def np_subtract(x, y, *, out):
    return 1.0, -1.0


@partials(np.multiply, sample=(_ANY, _ANY))
def np_multiply(x, y, *, out):
    return y, x


@partials(np.divide, sample=(_ANY, away_from_zero(0.5, 3.0)))
def np_divide(x, y, *, out):
    return 1.0 / y, -out / y


@partials(np.negative, sample=(_ANY,))
def np_negative(x, *, out):
    return -1.0


@partials(np.positive, sample=(_ANY,))
def np_positive(x, *, out):
    return 1.0


@partials(np.reciprocal, sample=(away_from_zero(0.3, 3.0),))
def np_reciprocal(x, *, out):
    return -out * out


@partials(np.square, sample=(_ANY,))
def np_square(x, *, out):
    return 2.0 * x


@partials(np.power, sample=(positive(0.5, 3.0), _ANY))
def np_power(x, y, *, out):
    return y * x ** (y - 1.0), out * np.log(x)


# `x ** y` and `abs(x)` with an array operand: the scalar rules branch with `if`.
@array_partials(operator.pow, builtins.pow, sample=(positive(0.5, 3.0), _ANY))
def pow_array(x, y, *, out):
    return y * x ** (y - 1.0), out * np.log(x)


@partials(np.abs, np.fabs, sample=(away_from_zero(0.1, 3.0),))
def np_abs(x, *, out):
    return np.sign(x)


@array_partials(builtins.abs, sample=(away_from_zero(0.1, 3.0),))
def abs_array(x, *, out):
    return np.sign(x)


# ---- exponentials and logarithms
@partials(np.exp, sample=(_ANY,))
def np_exp(x, *, out):
    return out


@partials(np.exp2, sample=(_ANY,))
def np_exp2(x, *, out):
    return 0.6931471805599453 * out  # ln 2


@partials(np.expm1, sample=(_ANY,))
def np_expm1(x, *, out):
    return out + 1.0


@partials(np.log, sample=(positive(),))
def np_log(x, *, out):
    return 1.0 / x


@partials(np.log2, sample=(positive(),))
def np_log2(x, *, out):
    return 1.0 / (0.6931471805599453 * x)


@partials(np.log10, sample=(positive(),))
def np_log10(x, *, out):
    return 1.0 / (2.302585092994046 * x)  # ln 10


@partials(np.log1p, sample=(uniform(-0.5, 3.0),))
def np_log1p(x, *, out):
    return 1.0 / (1.0 + x)


@partials(np.sqrt, sample=(positive(),))
def np_sqrt(x, *, out):
    return 0.5 / out


@partials(np.cbrt, sample=(away_from_zero(0.2, 3.0),))
def np_cbrt(x, *, out):
    return 1.0 / (3.0 * out * out)


@partials(np.logaddexp, sample=(_ANY, _ANY))
def np_logaddexp(x, y, *, out):
    return np.exp(x - out), np.exp(y - out)


# ---- trigonometric and hyperbolic
@partials(np.sin, sample=(_ANY,))
def np_sin(x, *, out):
    return np.cos(x)


@partials(np.cos, sample=(_ANY,))
def np_cos(x, *, out):
    return -np.sin(x)


@partials(np.tan, sample=(uniform(-1.2, 1.2),))
def np_tan(x, *, out):
    return 1.0 + out * out


@partials(np.arcsin, sample=(_UNIT,))
def np_arcsin(x, *, out):
    return 1.0 / np.sqrt((1.0 - x) * (1.0 + x))


@partials(np.arccos, sample=(_UNIT,))
def np_arccos(x, *, out):
    return -1.0 / np.sqrt((1.0 - x) * (1.0 + x))


@partials(np.arctan, sample=(_ANY,))
def np_arctan(x, *, out):
    return 1.0 / (1.0 + x * x)


@partials(np.arctan2, sample=(away_from_zero(0.2, 3.0), _ANY))
def np_arctan2(y, x, *, out):
    r2 = x * x + y * y
    return x / r2, -y / r2


@partials(np.hypot, sample=(away_from_zero(0.2, 3.0), _ANY))
def np_hypot(x, y, *, out):
    return x / out, y / out


@partials(np.sinh, sample=(_ANY,))
def np_sinh(x, *, out):
    return np.cosh(x)


@partials(np.cosh, sample=(_ANY,))
def np_cosh(x, *, out):
    return np.sinh(x)


@partials(np.tanh, sample=(_ANY,))
def np_tanh(x, *, out):
    return 1.0 - out * out


@partials(np.arcsinh, sample=(_ANY,))
def np_arcsinh(x, *, out):
    return 1.0 / np.sqrt(x * x + 1.0)


@partials(np.arccosh, sample=(uniform(1.2, 3.0),))
def np_arccosh(x, *, out):
    return 1.0 / np.sqrt((x - 1.0) * (x + 1.0))


@partials(np.arctanh, sample=(_UNIT,))
def np_arctanh(x, *, out):
    return 1.0 / ((1.0 - x) * (1.0 + x))


# ---- selection: the gradient goes to the operand NumPy picked (the first one on a tie)
@partials(np.maximum, np.fmax, sample=(_ANY, _ANY))
def np_maximum(x, y, *, out):
    first = (x >= y) * 1.0  # 0.0 or 1.0, for a number as for an array
    return first, 1.0 - first


@partials(np.minimum, np.fmin, sample=(_ANY, _ANY))
def np_minimum(x, y, *, out):
    first = (x <= y) * 1.0
    return first, 1.0 - first


@partials(np.clip, sample=(_ANY, uniform(-3.0, -1.0), uniform(1.0, 3.0)))
def np_clip(a, lo, hi, *, out):
    below = (a < lo) * 1.0
    above = (a > hi) * 1.0
    return 1.0 - below - above, below, above


@partials(np.where, sample=(uniform(-1.0, 1.0), _ANY, _ANY))
def np_where(cond, x, y, *, out):
    # `cond` is a boolean (array): never active, so its partial is never asked for.
    chosen = (cond != 0) * 1.0
    return 0.0, chosen, 1.0 - chosen


# ---- piecewise constant: zero derivative
nondiff(np.sign, np.floor, np.ceil, np.round, np.around, np.rint, np.trunc)
nondiff(np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal)
nondiff(np.isnan, np.isinf, np.isfinite, np.logical_and, np.logical_or, np.logical_not)
