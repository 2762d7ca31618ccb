"""Type inference for a specialization: every SSA value gets float, int or bool.

Derivatives are generated per argument signature (like Numba's dispatcher), so integer loop
counts and indices are known to be integers, never get adjoints, and emitted code stays simple.
Phis and loop-carried values unify (int with float gives float, as Numba does); loops iterate to
a fixpoint.
"""

from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from .. import rules
from ..api_markers import stop_gradient
from ..errors import UnsupportedSyntax
from .nodes import (
    BOOL,
    F32,
    FLOAT,
    INT,
    SLICE,
    UNDEF,
    Array,
    Aux,
    Const,
    For,
    Function,
    If,
    Op,
    Scalar,
    Value,
    While,
    derivative_site,
    dim,
    make_slice,
    make_tuple,
    ndim_of,
    setitem,
    shape_of,
    size_of,
)

ORDER = {BOOL: 0, INT: 1, FLOAT: 2}
BOOL_RESULT = {operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
               operator.not_, operator.truth, builtins.bool, math.isnan, math.isinf,
               math.isfinite}
INT_RESULT = {builtins.int, builtins.round, builtins.len, math.floor, math.ceil, math.trunc,
              math.gcd, math.factorial}
# NumPy functions whose result is boolean or keeps an integer dtype.
ARRAY_BOOL = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal", "isnan",
              "isinf", "isfinite", "logical_and", "logical_or", "logical_not"}
# The ufunc each arithmetic operator applies to arrays: NumPy's own loop table then says
# whether integer operands give an integer result (`idx + 1`) or a float one (`idx / 2`).
OPERATOR_UFUNCS = {operator.add: np.add, operator.sub: np.subtract, operator.mul: np.multiply,
                   operator.truediv: np.true_divide, operator.floordiv: np.floor_divide,
                   operator.mod: np.remainder, operator.pow: np.power, operator.neg: np.negative,
                   operator.pos: np.positive, builtins.abs: np.abs, builtins.pow: np.power}
_INT = np.dtype(np.int64).char


def _keeps_int(fn) -> bool:
    ufunc = OPERATOR_UFUNCS.get(fn, fn)
    loops = getattr(ufunc, "types", ())
    return f"{_INT * getattr(ufunc, 'nin', 0)}->{_INT}" in loops
BITWISE = {operator.and_, operator.or_, operator.invert}  # bool masks stay bool, ints stay int
PROMOTING = {stop_gradient, operator.add, operator.sub, operator.mul, operator.floordiv,
             operator.mod, operator.neg, operator.pos, builtins.abs, builtins.min, builtins.max,
             operator.pow, builtins.pow}


def unify(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, Array) or isinstance(b, Array):
        if a != b:
            raise TypeError(f"cannot merge {a} and {b}")
        return a
    return a if ORDER[a] >= ORDER[b] else b


def type_of(arg) -> Scalar | None:
    if isinstance(arg, Value):
        return arg.type
    if arg is UNDEF:
        return None
    if isinstance(arg, Const):
        v = arg.value
        if isinstance(v, tuple):
            return Aux("tuple", len(v))
        if v is None or isinstance(v, str):
            return None
        return BOOL if isinstance(v, bool) else INT if isinstance(v, int) else FLOAT
    return None


def _element(dtype: Scalar) -> Scalar:
    return FLOAT if dtype == F32 else dtype  # float32 elements compute as float64 scalars


def index_type(array, items: list, loc):
    """The type of `array[items]`: integers drop a dimension, slices keep one, one integer or
    boolean index array selects along the axes it covers."""
    if not isinstance(array, Array):
        raise UnsupportedSyntax("indexing a number", loc, "only arrays can be indexed")
    arrays = [t for t in items if isinstance(t, Array)]
    if len(items) > array.ndim and not arrays:
        raise UnsupportedSyntax(f"too many indices ({len(items)}) for a {array.ndim}-d array",
                                loc, None)
    for t in items:
        if not (t in (INT, BOOL, SLICE) or isinstance(t, Array) and t.dtype in (INT, BOOL)):
            raise UnsupportedSyntax(f"an index of type {t}", loc,
                                    "index with integers, slices, or integer/boolean arrays")
    if len(arrays) > 1:  # A[rows, cols]: pairs of indices, one element per pair
        if len(arrays) != len(items) or len(items) != array.ndim or array.ndim != 2 or any(
                t.ndim != 1 or t.dtype != INT for t in arrays):
            raise UnsupportedSyntax(
                "several index arrays are supported as A[rows, cols] on a 2-d array", loc,
                "index one axis at a time")
        return Array(array.dtype, 1)
    if arrays:
        idx = arrays[0]
        k = items.index(idx)
        if idx.dtype == BOOL:
            if idx.ndim != 1:
                raise UnsupportedSyntax(
                    "boolean masks are supported 1-d (x[mask] picks rows, A[mask, j] entries)",
                    loc, "use np.where(mask, x, 0.0) for masks of higher dimension")
            return Array(array.dtype, array.ndim - sum(1 for t in items if t in (INT, BOOL)))
        if idx.ndim != 1 or any(t is not SLICE for t in items if t is not idx) or not (
                k == 0 or (k == 1 and array.ndim == 2)):
            raise UnsupportedSyntax(
                "an integer index array is supported as x[idx], x[idx, :] or A[:, idx]", loc,
                "index one axis at a time")
        return Array(array.dtype, array.ndim)
    ndim = array.ndim - sum(1 for t in items if t in (INT, BOOL))
    return Array(array.dtype, ndim) if ndim > 0 else _element(array.dtype)


def _array_rule_type(rule, op: Op, args: list):
    values = rules.arrays.hook_values(rule, op, args)
    try:
        return rule.type(*values)
    except ValueError as exc:  # a rule says "reason" or "reason\nhint: what to write"
        message, _, hint = str(exc).partition("\nhint: ")
        raise UnsupportedSyntax(
            f"{rule.name}: {message}", op.loc,
            hint or f"docs/supported.md lists what {rule.name} accepts; its static parameters "
            "(axis, keepdims, shapes' lengths) must be constants") from None


def _elementwise_dtype(fn, args: list) -> Scalar:
    arrays = [t.dtype for t in args if isinstance(t, Array)]
    scalars = [t for t in args if isinstance(t, Scalar)]
    if fn in BOOL_RESULT or getattr(fn, "__name__", "") in ARRAY_BOOL:
        return BOOL
    if fn in BITWISE:
        return BOOL if all(d == BOOL for d in arrays + scalars) else INT
    if FLOAT in arrays:
        return FLOAT
    if F32 in arrays:
        return F32
    if FLOAT in scalars or not _keeps_int(fn):
        return FLOAT
    return INT


def op_type(op: Op):
    if op.fn is derivative_site:
        return _derivative_site_type(op)
    fn, args = op.fn, [type_of(a) for a in op.args]
    if fn is operator.getitem:
        return index_type(args[0], args[1:], op.loc)
    if fn is setitem:
        index_type(args[0], args[1:-1], op.loc)
        return args[0]
    if fn is make_slice:
        return SLICE
    if fn is make_tuple:
        return Aux("tuple", len(args))
    if fn is shape_of:
        if not isinstance(args[0], Array):
            raise UnsupportedSyntax("'.shape' of a number", op.loc, None)
        return Aux("tuple", args[0].ndim)
    if fn in (dim, len, size_of, ndim_of):
        if not isinstance(args[0], Array):
            raise UnsupportedSyntax("len/shape/size of a number", op.loc,
                                    "only arrays have a length")
        return INT
    rule = rules.arrays.lookup(fn)
    if rule is not None:
        return _array_rule_type(rule, op, args)
    if any(isinstance(t, Aux) for t in args):
        raise UnsupportedSyntax("a tuple or slice used as a number", op.loc, None)
    if any(isinstance(t, Array) for t in args):
        if rules.lookup_array(fn) is None:
            raise UnsupportedSyntax(
                f"'{getattr(fn, '__name__', fn)}' is applied to an array, and s2sad has no "
                "array rule for it", op.loc,
                "use the NumPy function (np.abs, np.maximum, np.sum, ...) or index element "
                "by element")
        ndim = max(t.ndim for t in args if isinstance(t, Array))
        dtype = _elementwise_dtype(fn, args)
        return Array(dtype, ndim) if ndim else _element(dtype)  # NumPy: 0-d in, scalar out
    if fn in BOOL_RESULT or getattr(fn, "__name__", "") in ARRAY_BOOL:
        return BOOL
    if fn in BITWISE:
        return BOOL if all(t == BOOL for t in args) else INT
    if fn in INT_RESULT:
        return INT
    if fn in PROMOTING:
        t = None
        for a in args:
            t = unify(t, a)
        return INT if t is BOOL else (t or FLOAT)
    return FLOAT  # truediv, math functions, float(), and every other differentiable rule


def _merge(a, b, item):
    try:
        return unify(a, b)
    except TypeError as exc:
        raise UnsupportedSyntax(f"a variable is {a} on one path and {b} on another", item.loc,
                                "give it one type on every path") from exc


def infer(fn: Function, arg_types: list[Scalar]) -> None:
    """Set `.type` on every value of `fn` for parameters of `arg_types`."""
    for p, t in zip(fn.params, arg_types):
        p.type = t
    _block(fn.body)


def _block(block) -> None:
    for item in block.items:
        if isinstance(item, Op):
            item.result.type = op_type(item)
        elif isinstance(item, If):
            _block(item.then)
            _block(item.orelse)
            for phi in item.phis:
                phi.result.type = _merge(type_of(phi.then), type_of(phi.orelse), item) or FLOAT
        else:
            _loop(item)


def _loop(loop: For | While) -> None:
    if isinstance(loop, For):
        loop.index.type = INT
        for bound in (loop.start, loop.stop, loop.step):
            if type_of(bound) not in (INT, BOOL):  # range(3.0) raises in Python
                raise UnsupportedSyntax(
                    "range() takes integers; a bound here is a float", loop.loc,
                    "pass loop counts as int (an int argument is never differentiated)")
    for c in loop.carried:
        c.header.type = type_of(c.init)
    while True:
        if isinstance(loop, While):
            _block(loop.cond_block)
        _block(loop.body)
        changed = False
        for c in loop.carried:
            t = _merge(c.header.type, type_of(c.next), loop)
            if t != c.header.type:
                c.header.type, changed = t, True
        if not changed:
            break
    for c in loop.carried:
        c.header.type = c.header.type or FLOAT
        c.result.type = c.header.type


def _derivative_site_type(op: Op):
    """Record the argument types of a `grad(g)(...)` call; a gradient has its argument's type
    (a float, or a float array of the same dtype and ndim)."""
    site, part = op.args[0].value, op.args[1].value
    site.kinds = tuple(type_of(a) for a in op.args[2:])
    if part < 0:
        return FLOAT
    t = site.kinds[site.derivative.wrt[part]]
    return Array(t.dtype if t.dtype == F32 else FLOAT, t.ndim) if isinstance(t, Array) else FLOAT
