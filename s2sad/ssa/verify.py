"""SSA invariants, checked after building (cheap enough to keep on always).

Each value is defined once; every operand is defined earlier in its own or an enclosing region
(the structured-SSA form of dominance); phis and carried values are complete. A broken invariant
raises `InternalError` (a bug in s2sad), never a bare assert.
"""

from __future__ import annotations

from ..errors import InternalError
from .nodes import UNDEF, Block, Const, For, Function, If, Op, Value


def run(fn: Function) -> None:
    seen: set[int] = set()
    visible: set[int] = set()
    for p in fn.params:
        _define(p, visible, seen, fn)
    _block(fn.body, visible, seen, fn)
    _use(fn.result, visible, fn, "the function result")


def _fail(fn: Function, what: str) -> None:
    raise InternalError(f"invalid SSA in '{fn.name}': {what}", fn.loc,
                        "please report this with the function that triggered it")


def _define(v: Value, visible: set, seen: set, fn: Function) -> None:
    if id(v) in seen:
        _fail(fn, f"{v.name} is defined twice")
    seen.add(id(v))
    visible.add(id(v))


def _use(a, visible: set, fn: Function, where: str) -> None:
    if isinstance(a, tuple):
        for x in a:
            _use(x, visible, fn, where)
    elif isinstance(a, Value):
        if id(a) not in visible:
            _fail(fn, f"{a.name} is used in {where} outside the region defining it")
    elif not isinstance(a, Const):
        _fail(fn, f"bad operand {a!r} in {where}")


def _block(block: Block, visible: set, seen: set, fn: Function) -> None:
    for item in block.items:
        if isinstance(item, Op):
            for a in item.args:
                if a is UNDEF:
                    _fail(fn, f"an operand of {item.result.name} is undefined on some path")
                _use(a, visible, fn, item.result.name)
            _define(item.result, visible, seen, fn)
        elif isinstance(item, If):
            _use(item.cond, visible, fn, "an if condition")
            then, orelse = set(visible), set(visible)
            _block(item.then, then, seen, fn)
            _block(item.orelse, orelse, seen, fn)
            for phi in item.phis:
                _use(phi.then, then, fn, f"phi {phi.result.name}")
                _use(phi.orelse, orelse, fn, f"phi {phi.result.name}")
                _define(phi.result, visible, seen, fn)
        else:
            if isinstance(item, For):
                for a in (item.start, item.stop, item.step):
                    _use(a, visible, fn, "a range bound")
            for c in item.carried:
                _use(c.init, visible, fn, f"the loop entry of {c.header.name}")
            inner = set(visible)
            for c in item.carried:
                _define(c.header, inner, seen, fn)
            if isinstance(item, For):
                _define(item.index, inner, seen, fn)
            else:
                _block(item.cond_block, inner, seen, fn)
                _use(item.cond, inner, fn, "a while condition")
            _block(item.body, inner, seen, fn)
            for c in item.carried:
                _use(c.next, inner, fn, f"the loop yield of {c.header.name}")
            if item.exit is not None:
                _use(item.exit, inner, fn, "a loop exit flag")
            for c in item.carried:
                _define(c.result, visible, seen, fn)
