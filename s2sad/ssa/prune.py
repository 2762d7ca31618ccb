"""Dead-code elimination on SSA: drop ops, phis, carried values and regions nobody reads.

The builder is generous (every name a loop assigns becomes carried, every flag gets a phi), so
this pass is what keeps the IR — and the code generated from it — about the user's program.
"""

from __future__ import annotations

from .memory import WRITES_FIRST
from .nodes import Block, For, Function, If, Op, Value, While, setitem, walk


def run(fn: Function) -> Function:
    live: set[int] = set()
    _mark_result(fn.result, live)
    # A write into an array is kept: another name (a view, the caller's array) may see it.
    # So is `x op= v`, which writes in place when x is an array (ssa/inplace.py).
    # And the run-time helpers that add into their first argument (a generated adjoint's
    # scatters, differentiated again).
    live |= {id(item.result) for item in walk(fn.body) if isinstance(item, Op) and (
        item.fn is setitem or item.augmented or item.fn in WRITES_FIRST)}
    while _mark(fn.body, live):
        pass
    _sweep(fn.body, live)
    return fn


def _mark_result(result, live: set) -> None:
    for a in result if isinstance(result, tuple) else (result,):
        if isinstance(a, tuple):
            _mark_result(a, live)
        elif isinstance(a, Value):
            live.add(id(a))


def _add(args, live: set) -> bool:
    changed = False
    for a in args:
        if isinstance(a, Value) and id(a) not in live:
            live.add(id(a))
            changed = True
    return changed


def _mark(block: Block, live: set) -> bool:
    """One backward sweep; True if anything new became live."""
    changed = False
    for item in reversed(block.items):
        if isinstance(item, Op):
            if id(item.result) in live:
                changed |= _add(item.args, live)
        elif isinstance(item, If):
            for phi in item.phis:
                if id(phi.result) in live:
                    changed |= _add([phi.then, phi.orelse], live)
            changed |= _mark(item.then, live) | _mark(item.orelse, live)
            if _region_live(item, live):
                changed |= _add([item.cond], live)
        else:
            for c in item.carried:
                if id(c.result) in live or id(c.header) in live:
                    changed |= _add([c.init, c.next, c.header], live)
            if isinstance(item, While):
                changed |= _mark(item.cond_block, live)
            changed |= _mark(item.body, live)
            if _region_live(item, live):
                extra = [item.exit] if item.exit is not None else []
                extra += [item.start, item.stop, item.step] if isinstance(item, For) \
                    else [item.cond]
                changed |= _add(extra, live)
    return changed


def _region_live(item, live: set) -> bool:
    if isinstance(item, If):
        return any(id(p.result) in live for p in item.phis) or \
            _block_live(item.then, live) or _block_live(item.orelse, live)
    return any(id(c.header) in live or id(c.result) in live for c in item.carried) or \
        _block_live(item.body, live)


def _block_live(block: Block, live: set) -> bool:
    for item in block.items:
        if isinstance(item, Op):
            if id(item.result) in live:
                return True
        elif _region_live(item, live):
            return True
    return False


def _sweep(block: Block, live: set) -> None:
    kept = []
    for item in block.items:
        if isinstance(item, Op):
            if id(item.result) in live:
                kept.append(item)
            continue
        if not _region_live(item, live):
            continue
        if isinstance(item, If):
            item.phis = [p for p in item.phis if id(p.result) in live]
            _sweep(item.then, live)
            _sweep(item.orelse, live)
        else:
            item.carried = [c for c in item.carried
                            if id(c.result) in live or id(c.header) in live]
            if isinstance(item, While):
                _sweep(item.cond_block, live)
            _sweep(item.body, live)
        kept.append(item)
    block.items = kept
