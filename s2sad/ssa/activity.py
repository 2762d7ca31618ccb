"""Activity analysis: which values need an adjoint.

A value is *active* when it is a float that depends differentiably on a `wrt` argument (varied)
and the result depends differentiably on it (useful). Only active values get adjoint variables
and adjoint code; integer counters, indices, flags and branch conditions never do, and neither
does work that cannot reach the result.
"""

from __future__ import annotations

import operator
from collections import defaultdict

from .. import rules
from . import memory
from .nodes import (
    Array,
    Block,
    Function,
    If,
    Op,
    Value,
    While,
    all_values,
    is_float,
    leaves,
    setitem,
)


def analyze(fn: Function, wrt: list[Value]) -> set[int]:
    """Return the set of `id(value)` of active values."""
    succ: dict[int, list[Value]] = defaultdict(list)
    pred: dict[int, list[Value]] = defaultdict(list)

    def edge(src, dst: Value) -> None:
        if isinstance(src, Value) and is_float(src.type) and is_float(dst.type):
            succ[id(src)].append(dst)
            pred[id(dst)].append(src)

    def visit(block: Block) -> None:
        for item in block.items:
            if isinstance(item, Op):
                for a in differentiable_args(item):
                    edge(a, item.result)
            elif isinstance(item, If):
                visit(item.then)
                visit(item.orelse)
                for phi in item.phis:
                    edge(phi.then, phi.result)
                    edge(phi.orelse, phi.result)
            else:
                if isinstance(item, While):
                    visit(item.cond_block)
                visit(item.body)
                for c in item.carried:
                    for src in (c.init, c.next):
                        edge(src, c.header)
                        edge(src, c.result)

    visit(fn.body)
    # A write into an array changes every value that may live in the same memory (the base of
    # a view written through, another version of the array): later reads of those see it.
    mem = memory.analyze(fn)
    arrays = [v for v in all_values(fn) if isinstance(v.type, Array)]
    for op in mem.writes:
        for v in arrays:
            if v is not op.result and mem.may_share(op.result, v):
                edge(op.result, v)
    varied = _reach([p for p in wrt if is_float(p.type)], succ)
    results = leaves(fn.result)
    useful = _reach([r for r in results if isinstance(r, Value) and is_float(r.type)], pred)
    return varied & useful


def differentiable_args(op: Op) -> list:
    """The operands `op`'s result depends on differentiably."""
    if op.fn is operator.getitem:  # an element depends on its array, not its index
        return [op.args[0]]
    if op.fn is setitem:  # the written array: its old contents and the value written
        return [op.args[0], op.args[-1]]
    array_rule = rules.arrays.lookup(op.fn)
    if array_rule is not None:
        out, k = [], 0
        for p in array_rule.params:
            n = op.nvar if p == array_rule.varargs else 1
            if p in array_rule.diff:
                out += op.args[k:k + n]
            k += n
        return out
    if any(isinstance(a, Value) and isinstance(a.type, Array) for a in op.args):
        rule = rules.lookup_array(op.fn)
    else:
        rule = rules.lookup(op.fn)
    return list(op.args) if rule is not None and rule.kind == "partials" else []


def _reach(start: list[Value], graph: dict) -> set[int]:
    seen = {id(v) for v in start}
    todo = list(start)
    while todo:
        v = todo.pop()
        for w in graph.get(id(v), ()):
            if id(w) not in seen:
                seen.add(id(w))
                todo.append(w)
    return seen

