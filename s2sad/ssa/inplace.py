"""Augmented assignment on arrays writes in place: `x += v` is `x[:] = x + v` when x is an array.

The frontend lowers `x op= v` to `x = x op v` before types are known, which is right for numbers
but not for arrays: NumPy updates the array itself, so a view (`r = B[0]; r += t` changes `B`)
and every other name of that array see the change. Once types are known, this pass turns each
augmented op whose target is an array into the binary op into a temporary plus a write of the
whole array — the same SSA a subscript write makes — so the memory pass, activity analysis and
both generators treat it like `x[:] = ...`. Generated code spells it that way too (`_t3 = x + v`,
`x[:] = _t3`): the temporary has an adjoint of its own, whose shape the reverse sweep reads.
"""

from __future__ import annotations

from .nodes import (
    SLICE,
    Array,
    Block,
    Const,
    For,
    Function,
    If,
    Op,
    Value,
    While,
    defined,
    make_slice,
    setitem,
    walk,
)


def run(fn: Function) -> Function:
    temps = [v.version for item in walk(fn.body) for v in defined(item) if v.base == "$"]
    counter = [max(temps, default=0)]  # new temporaries continue the function's numbering
    _block(fn.body, counter)
    return fn


def _block(block: Block, counter: list) -> None:
    items = []
    for item in block.items:
        if isinstance(item, If):
            _block(item.then, counter)
            _block(item.orelse, counter)
        elif isinstance(item, (For, While)):
            if isinstance(item, While):
                _block(item.cond_block, counter)
            _block(item.body, counter)
        elif isinstance(item, Op) and item.augmented and _is_array(item.args[0]) \
                and isinstance(item.result.type, Array):
            items += _in_place(item, counter)
            continue
        items.append(item)
    block.items = items


def _is_array(a) -> bool:
    return isinstance(a, Value) and isinstance(a.type, Array) and a.type.ndim > 0


def _in_place(op: Op, counter: list) -> list:
    """`x1 = x0 op v` -> `t = x0 op v; s = :; x1 = setitem(x0, s, t)` (x1 keeps its name)."""
    counter[0] += 1
    target = op.args[0]
    temp = Value("$", counter[0], op.result.type)
    counter[0] += 1
    whole = Value("$", counter[0], SLICE)
    written = op.result
    written.type = target.type  # the array keeps its dtype: float32 += float64 stays float32
    compute = Op(temp, op.fn, op.args, op.stmt, op.loc, op.nvar)
    slice_ = Op(whole, make_slice, [Const(None), Const(None), Const(None)], op.stmt, op.loc)
    write = Op(written, setitem, [target, whole, temp], op.stmt, op.loc)
    return [compute, slice_, write]
