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

from ..api_markers import stop_gradient
from ..errors import UnsupportedSyntax
from .nodes import (
    BOOL,
    FLOAT,
    INT,
    UNDEF,
    Array,
    Const,
    For,
    Function,
    If,
    Op,
    Scalar,
    Value,
    While,
    dim,
)

ORDER = {BOOL: 0, INT: 1, FLOAT: 2}
BOOL_RESULT = {operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
               operator.not_, operator.truth, builtins.bool, math.isnan, math.isinf,
               math.isfinite}
INT_RESULT = {builtins.int, builtins.round, builtins.len, math.floor, math.ceil, math.trunc,
              math.gcd, math.factorial}
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
        return BOOL if isinstance(v, bool) else INT if isinstance(v, int) else FLOAT
    return None


def op_type(op: Op) -> Scalar:
    fn, args = op.fn, [type_of(a) for a in op.args]
    if fn is operator.getitem:
        array, indices = args[0], args[1:]
        if not isinstance(array, Array) or len(indices) != array.ndim or any(
                t not in (INT, BOOL) for t in indices):
            what = f"a {array}" if isinstance(array, Array) else "a number"
            raise UnsupportedSyntax(
                f"indexing {what} with {len(indices)} index(es) of type "
                f"{', '.join(str(t) for t in indices)}", op.loc,
                "index arrays with one integer per dimension; slices and sub-arrays arrive with "
                "full NumPy array support")
        return array.dtype
    if fn is dim or fn is len:
        return INT
    if any(isinstance(t, Array) for t in args):
        raise UnsupportedSyntax(
            "this operation is applied to a whole array", op.loc,
            "index the array element by element in a loop; vectorized NumPy arrives with full "
            "array support")
    if fn in BOOL_RESULT:
        return BOOL
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
