"""Loop-invariant code motion: move ops that do not change between iterations out of loops.

`a = -k * x` inside a time loop computes `-k` every step; hoisted, the forward sweep computes it
once and — more important for reverse mode — the value is no longer defined inside the loop, so
it never goes on the tape, and the step from its adjoint into `k` runs once after the loop
instead of every iteration.

Only ops that cannot raise are moved (plain arithmetic and comparisons): a hoisted `1 / x` would
raise ZeroDivisionError for a loop that runs zero times, which the user's program never does.
"""

from __future__ import annotations

import builtins
import operator

from .nodes import Block, Const, For, Function, If, Op, Value, While

SAFE = {operator.add, operator.sub, operator.mul, operator.neg, operator.pos, operator.lt,
        operator.le, operator.gt, operator.ge, operator.eq, operator.ne, operator.not_,
        builtins.abs, builtins.min, builtins.max}


def run(fn: Function) -> Function:
    _block(fn.body)
    return fn


def _block(block: Block) -> None:
    items = []
    for item in block.items:
        if isinstance(item, If):
            _block(item.then)
            _block(item.orelse)
        elif isinstance(item, (For, While)):
            if isinstance(item, While):
                _block(item.cond_block)
            _block(item.body)
            items += _hoist(item)
        items.append(item)
    block.items = items


def _hoist(loop) -> list[Op]:
    """Remove invariant ops from the top level of `loop.body` and return them, in order."""
    inside = _defined_inside(loop)
    moved, kept = [], []
    for item in loop.body.items:
        if isinstance(item, Op) and item.fn in SAFE and all(
                isinstance(a, Const) or (isinstance(a, Value) and id(a) not in inside)
                for a in item.args):
            moved.append(item)
            inside.discard(id(item.result))
        else:
            kept.append(item)
    loop.body.items = kept
    return moved


def _defined_inside(loop) -> set[int]:
    out = {id(c.header) for c in loop.carried}
    if isinstance(loop, For):
        out.add(id(loop.index))
    blocks = [loop.body] + ([loop.cond_block] if isinstance(loop, While) else [])
    while blocks:
        block = blocks.pop()
        for item in block.items:
            if isinstance(item, Op):
                out.add(id(item.result))
            elif isinstance(item, If):
                out |= {id(p.result) for p in item.phis}
                blocks += [item.then, item.orelse]
            else:
                out |= {id(c.header) for c in item.carried} | {id(c.result) for c in item.carried}
                if isinstance(item, For):
                    out.add(id(item.index))
                else:
                    blocks.append(item.cond_block)
                blocks.append(item.body)
    return out
