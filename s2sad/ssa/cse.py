"""Common subexpressions: a number computed twice from the same operands in one block is
computed once.

`100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2` reads `x[i]` twice. As two values, reverse
mode gives each its own adjoint and adds each into `bx[i]`: two read-modify-writes of the same
element per iteration. As one value, the two contributions meet in a scalar and `bx[i]` is updated
once. Only temporaries are merged (a name the user wrote keeps its own variable in generated
code), only number-valued results (two equal arrays are still two objects that writes could tell
apart), and only pure operations: arithmetic, comparisons, `math` functions, and element reads of
an array that nothing between the two reads may write.
"""

from __future__ import annotations

import builtins
import math
import operator

from . import memory
from .nodes import Array, Aux, Block, For, Function, If, Op, Value, While, walk

PURE = {operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
        operator.mod, operator.pow, operator.neg, operator.pos, operator.lt, operator.le,
        operator.gt, operator.ge, operator.eq, operator.ne, operator.not_, builtins.abs,
        builtins.min, builtins.max, builtins.float, builtins.int, builtins.pow}
PURE |= {getattr(math, n) for n in ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sinh",
                                    "cosh", "atan", "asin", "acos", "log1p", "expm1", "fabs",
                                    "erf", "atan2", "hypot", "floor", "ceil")}


def run(fn: Function) -> Function:
    mem = memory.analyze(fn)
    same: dict[int, Value] = {}
    _block(fn.body, mem, same)
    if same:
        _substitute(fn, same)
    return fn


def _memory(mem, a: Value) -> frozenset:
    return mem.mem.get(id(a), frozenset()) or frozenset([id(a)])


def _key(op: Op, same: dict):
    """What makes two ops compute the same number, or None when `op` is not a candidate."""
    if isinstance(op.result.type, (Array, Aux)) or op.result.type is None:
        return None
    if op.fn is operator.getitem:
        base = op.args[0]
        if not isinstance(base, Value) or not isinstance(base.type, Array) \
                or any(isinstance(a, Value) and isinstance(a.type, (Array, Aux))
                       for a in op.args[1:]):
            return None
    elif op.fn not in PURE:
        return None
    args = []
    for a in op.args:
        if isinstance(a, Value):
            args.append(("v", id(same.get(id(a), a))))
        else:
            args.append(("c", type(a.value), a.value))
    return op.fn, tuple(args)


def _block(block: Block, mem, same: dict) -> None:
    """Merge within `block`; an element read is forgotten once something in between (a write,
    or a branch or loop containing one) may change its array."""
    seen: dict = {}
    kept = []
    for item in block.items:
        if isinstance(item, Op):
            key = _key(item, same)
            first = seen.get(key, (None,))[0] if key is not None else None
            if first is not None and item.result.base == "$" and first.type == item.result.type:
                same[id(item.result)] = first
                continue
            if key is not None and key not in seen:
                base = item.args[0] if item.fn is operator.getitem else None
                seen[key] = (item.result, base)
        elif isinstance(item, If):
            _block(item.then, mem, same)
            _block(item.orelse, mem, same)
        elif isinstance(item, (For, While)):
            if isinstance(item, While):
                _block(item.cond_block, mem, same)
            _block(item.body, mem, same)
        changed = frozenset().union(*[_memory(mem, op.args[0]) for op in _writes(item)])
        if changed:
            seen = {k: (v, base) for k, (v, base) in seen.items()
                    if base is None or not _memory(mem, base) & changed}
        kept.append(item)
    block.items = kept


def _writes(item) -> list[Op]:
    """The in-place writes `item` makes, inside its branches and loops too."""
    return [op for op in walk(Block([item])) if isinstance(op, Op) and memory.in_place(op)]


def _substitute(fn: Function, same: dict) -> None:
    def sub(a):
        while isinstance(a, Value) and id(a) in same:
            a = same[id(a)]
        return a

    for item in walk(fn.body):
        if isinstance(item, Op):
            item.args = [sub(a) for a in item.args]
        elif isinstance(item, If):
            item.cond = sub(item.cond)
            for p in item.phis:
                p.then, p.orelse = sub(p.then), sub(p.orelse)
        else:
            for c in item.carried:
                c.init, c.next = sub(c.init), sub(c.next)
            item.exit = sub(item.exit)
            if isinstance(item, For):
                item.start, item.stop, item.step = sub(item.start), sub(item.stop), sub(item.step)
            else:
                item.cond = sub(item.cond)
    fn.result = _tree(fn.result, sub)


def _tree(result, sub):
    if isinstance(result, tuple):
        return tuple(_tree(r, sub) for r in result)
    return sub(result)

