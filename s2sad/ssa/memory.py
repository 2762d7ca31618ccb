"""Which array values share memory: the facts in-place writes need.

SSA gives every write `y[i] = e` a new version of `y`, but the program writes one array in
place. s2sad keeps that: all versions of one array share one variable in generated code (the
write is emitted as the write) and one adjoint array, which the reverse sweep updates in place
(`by[i] = 0.0` after handing `by[i]` to `e`) — shadow memory, as in Enzyme. Values relate as:

- a new version (`var[v] is var[w]`): a write `y[i] = e`, np.asarray(x), a phi whose two sides
  are versions of one array, and a loop-carried array written in place (each iteration hands
  the same array to the next, so the header, the result and the initial value share it);
- a view (`view[v]` holds the op): basic indexing `x[i]`, `x[1:3, j]`, `x.T`. Its adjoint is the
  same view of its base's adjoint, so a write through the view reaches the base's adjoint too;
- anything else is a fresh array with a variable and an adjoint of its own.

`mem[v]` is the set of allocations `v` may live in. Two different variables that may share an
allocation are a hazard when one is written while the other is still read: the adjoint of the
read would go to the wrong array. `check` refuses those programs with a located error instead
of differentiating them wrongly.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np

from .. import runtime
from .. import runtime_arrays as rta
from ..errors import UnsupportedSyntax
from .nodes import (
    Array,
    Block,
    For,
    Function,
    If,
    Op,
    Value,
    While,
    all_values,
    defined,
    dim,
    leaves,
    ndim_of,
    setitem,
    shape_of,
    size_of,
    walk,
)

# Ops whose result may be a view of their first operand (reshape of a contiguous array is)
MAYBE_VIEW = {np.reshape, np.ravel, np.squeeze, np.expand_dims}
SAME = {np.asarray}
# Ops that read only an array's shape (and dtype), which no write changes: never a hazard
SHAPE_ONLY = {np.zeros_like, np.ones_like, np.empty_like, shape_of, size_of, dim, ndim_of, len}
# s2sad's run-time helpers that update their first argument in place and return it: in a
# generated derivative that is differentiated again they are writes into that array.
WRITES_FIRST = {runtime.scatter_add2, rta.scatter_add}
# `tape = grow(tape, n)` returns the tape or a bigger copy of it, and generated code never uses
# the old name again: one variable, whose adjoint (allocated after the forward sweep, from the
# last version) covers every slot.
GROWS = {runtime.grow}


def in_place(op: Op) -> bool:
    """Whether `op` changes the array it is given (its result shares that array's variable)."""
    return op.fn is setitem or op.fn in WRITES_FIRST or op.fn in GROWS


@dataclass
class Memory:
    var: dict = field(default_factory=dict)     # id(v) -> the value whose variable v uses
    view: dict = field(default_factory=dict)    # id(v) -> Op making v a view of its operand
    mem: dict = field(default_factory=dict)     # id(v) -> frozenset of allocation ids
    writes: list = field(default_factory=list)  # setitem ops, program order
    persistent: set = field(default_factory=set)  # id(header) of arrays written in place

    def rep(self, v):
        """The value whose variable (and adjoint) `v` uses."""
        return self.var.get(id(v), v) if isinstance(v, Value) else v

    def may_share(self, a, b) -> bool:
        return bool(self.mem.get(id(a), frozenset()) & self.mem.get(id(b), frozenset()))


def is_view(op: Op) -> bool:
    """Basic indexing with an array result, and transposes, always return views."""
    if op.fn is np.transpose:
        return True
    if op.fn is not operator.getitem or not isinstance(op.result.type, Array):
        return False
    return not any(isinstance(a, Value) and isinstance(a.type, Array) for a in op.args[1:])


def analyze(fn: Function) -> Memory:
    m = Memory()
    for p in fn.params:
        if isinstance(p.type, Array):
            m.mem[id(p)] = frozenset([id(p)])
    _block(fn.body, m)
    m.writes = [op for op in walk(fn.body)
                if isinstance(op, Op) and (op.fn is setitem or op.fn in WRITES_FIRST)]
    check(fn, m)
    return m


def close_activity(fn: Function, m: Memory, active: set) -> set:
    """Versions of one array share one adjoint, so they are active together; a view's
    adjoint is a view of its base's adjoint, so an active view makes its base active."""
    groups: dict[int, list] = {}
    for v in all_values(fn):
        groups.setdefault(id(m.rep(v)), []).append(v)
    active = set(active)
    changed = True
    while changed:
        changed = False
        for members in groups.values():
            if any(id(v) in active for v in members) and not all(
                    id(v) in active for v in members):
                active |= {id(v) for v in members}
                changed = True
        for key, op in m.view.items():
            base = op.args[0]
            if key in active and isinstance(base, Value) and id(base) not in active:
                active.add(id(base))
                changed = True
    return active


def _own(m: Memory, v: Value) -> None:
    m.mem[id(v)] = frozenset([id(v)])


def _block(block: Block, m: Memory) -> None:
    for item in block.items:
        if isinstance(item, Op):
            _op(item, m)
        elif isinstance(item, If):
            _block(item.then, m)
            _block(item.orelse, m)
            for phi in item.phis:
                if not isinstance(phi.result.type, Array):
                    continue
                a, b = phi.then, phi.orelse
                if isinstance(a, Value) and isinstance(b, Value) and m.rep(a) is m.rep(b):
                    m.var[id(phi.result)] = m.rep(a)
                m.mem[id(phi.result)] = m.mem.get(id(a), frozenset()) | m.mem.get(
                    id(b), frozenset())
        else:
            _loop(item, m)


def _op(op: Op, m: Memory) -> None:
    r = op.result
    if not isinstance(r.type, Array):
        return
    base = op.args[0] if op.args else None
    if in_place(op):
        m.var[id(r)] = m.rep(base)
        m.mem[id(r)] = m.mem.get(id(base), frozenset())
    elif op.fn in SAME and _is_none(op.args[1:]):
        m.var[id(r)] = m.rep(base)
        m.mem[id(r)] = m.mem.get(id(base), frozenset())
    elif is_view(op) or op.fn in MAYBE_VIEW:
        if is_view(op):
            m.view[id(r)] = op
        m.mem[id(r)] = m.mem.get(id(base), frozenset()) | {id(r)}
    else:
        _own(m, r)


def swapped(loop, mem: Memory) -> dict:
    """id(carried) -> the carried whose header its next value becomes, for the array buffers a
    loop permutes (u, v = v, u): each next is a version of another such header, one to one."""
    arrays = [c for c in loop.carried if isinstance(c.header.type, Array)
              and id(c.header) not in mem.persistent]
    perm = {}
    for c in arrays:
        target = next((d for d in arrays if isinstance(c.next, Value)
                       and mem.rep(c.next) is d.header), None)
        if target is not None:
            perm[id(c)] = target
    changed = True
    while changed:  # keep a one-to-one map closed under "is a target"
        changed = False
        targets = [id(t) for t in perm.values()]
        for key, t in list(perm.items()):
            if id(t) not in perm or targets.count(id(t)) > 1:
                del perm[key]
                changed = True
    return perm


def _is_none(args) -> bool:
    return all(getattr(a, "value", 0) is None for a in args)


def _loop(loop, m: Memory) -> None:
    arrays = [c for c in loop.carried if isinstance(c.header.type, Array)]
    # Assume every carried array is written in place (shares the initial value's variable),
    # then drop the ones whose next value turns out to be another array, until stable.
    candidates = {id(c.header) for c in arrays if isinstance(c.init, Value)}
    while True:
        for c in arrays:
            if id(c.header) in candidates:
                m.var[id(c.header)] = m.rep(c.init)
                m.mem[id(c.header)] = m.mem.get(id(c.init), frozenset())
            else:
                m.var.pop(id(c.header), None)
                _own(m, c.header)
        if isinstance(loop, While):
            _block(loop.cond_block, m)
        _block(loop.body, m)
        lost = {id(c.header) for c in arrays if id(c.header) in candidates
                and not (isinstance(c.next, Value) and m.rep(c.next) is m.rep(c.header))}
        if not lost:
            break
        candidates -= lost
    # A header that is neither kept in place nor one of buffers the loop swaps may hold its
    # initial array or any array a later iteration hands it: say so, and look again.
    perm = swapped(loop, m)
    loose = [c for c in arrays if id(c.header) not in candidates and id(c) not in perm]
    # An array allocated in the body and handed on is, in the next iteration, an earlier
    # allocation than the one the body makes then: a distinct token, so the two never clash.
    inside = {id(v) for item in walk(loop.body) for v in defined(item)}

    def earlier(ids):
        return frozenset(("earlier", x) if x in inside else x for x in ids)

    for _ in range(3 if loose else 0):
        grown = False
        for c in loose:
            wider = m.mem[id(c.header)] | m.mem.get(id(c.init), frozenset()) | earlier(
                m.mem.get(id(c.next), frozenset()))
            if wider != m.mem[id(c.header)]:
                m.mem[id(c.header)], grown = wider, True
        if not grown:
            break
        if isinstance(loop, While):
            _block(loop.cond_block, m)
        _block(loop.body, m)
    for c in arrays:
        if id(c.header) in candidates:
            m.persistent.add(id(c.header))
            m.var[id(c.result)] = m.rep(c.header)
            m.mem[id(c.result)] = m.mem[id(c.header)]
        else:
            m.mem[id(c.result)] = m.mem[id(c.header)] | {id(c.result)}


# ----------------------------------------------------------------------------- hazards
def _root(m: Memory, v):
    """The variable a value's adjoint lives in, following views to their base."""
    seen = set()
    while isinstance(v, Value) and id(v) not in seen:
        seen.add(id(v))
        v = m.rep(v)
        op = m.view.get(id(v))
        if op is None:
            return v
        v = op.args[0]
    return v


class _Order:
    """Program positions of items and which values each item reads."""

    def __init__(self, fn: Function):
        self.pos: dict[int, int] = {}
        self.span: dict[int, tuple[int, int]] = {}  # id(loop) -> (first, last) position
        self.reads: list[tuple[int, object]] = []  # (position, value read there)
        self.loops_of: dict[int, list] = {}  # id(item) -> enclosing loops, outermost first
        self.parent: dict[int, object] = {}  # id(item) -> the If or loop it sits in
        self.defined_at: dict[int, int] = {id(p): -1 for p in fn.params}
        self.n = 0
        self._block(fn.body, [])
        results = leaves(fn.result)
        self.reads += [(self.n + 1, r) for r in results]

    def _at(self, item, loops, owner) -> int:
        self.n += 1
        self.pos[id(item)] = self.n
        self.loops_of[id(item)] = list(loops)
        self.parent[id(item)] = owner
        return self.n

    def _block(self, block: Block, loops: list, owner=None) -> None:
        for item in block.items:
            p = self._at(item, loops, owner)
            if isinstance(item, Op):
                if item.fn not in SHAPE_ONLY:
                    self.reads += [(p, a) for a in item.args]
                self.defined_at[id(item.result)] = p
            elif isinstance(item, If):
                self.reads.append((p, item.cond))
                self._block(item.then, loops, item)
                self._block(item.orelse, loops, item)
                end = self.n
                for phi in item.phis:
                    self.reads += [(end, phi.then), (end, phi.orelse)]
                    self.defined_at[id(phi.result)] = end
            else:
                self.reads += [(p, c.init) for c in item.carried]
                for c in item.carried:
                    self.defined_at[id(c.header)] = p
                inner = loops + [item]
                if isinstance(item, While):
                    self._block(item.cond_block, inner, item)
                self._block(item.body, inner, item)
                end = self.n
                self.span[id(item)] = (p, end)
                self.reads += [(end, c.next) for c in item.carried]
                for c in item.carried:
                    self.defined_at[id(c.result)] = end

    def read_after(self, item) -> list:
        """Values made before `item` and read after it: later in the program, or anywhere in
        a loop around it (the next iteration) when made outside that loop."""
        p = self.pos[id(item)]  # (a value made after the write cannot have seen it change)
        out = [v for q, v in self.reads if q > p and self.defined_at.get(id(v), -1) < p]
        for loop in self.loops_of[id(item)]:
            first, last = self.span[id(loop)]
            out += [v for q, v in self.reads if first < q <= last  # (not its entry)
                    and self.defined_at.get(id(v), -1) < first]
        return out


def program_order(fn: Function) -> _Order:
    return _Order(fn)


def check(fn: Function, m: Memory) -> None:
    """Refuse programs where one array is reachable through two variables and written through
    one of them while the other is still read: the adjoint would be silently wrong."""
    if not m.writes:
        return
    order = _Order(fn)
    for op in m.writes:
        written = m.mem.get(id(op.result), frozenset())
        mine = _root(m, op.args[0])
        for v in order.read_after(op):
            if not isinstance(v, Value) or not isinstance(v.type, Array) or v is op.args[0]:
                continue
            if m.mem.get(id(v), frozenset()) & written and _root(m, v) is not mine:
                raise UnsupportedSyntax(
                    f"'{_user(op.args[0])}' is written here while '{_user(v)}', which may be "
                    "the same array (an alias, a reshape or a branch choosing between them), "
                    "is still used afterwards", op.loc,
                    "make the second name a copy (b = a.copy()), write into one name only, or "
                    "swap the two buffers of a time loop with u, v = v, u")
    for item in walk(fn.body):
        if isinstance(item, (For, While)):
            _check_loop(item, m, order)


def _check_loop(loop, m: Memory, order: _Order) -> None:
    moving = [c for c in loop.carried if isinstance(c.header.type, Array)
              and id(c.header) not in m.persistent]
    writes = {id(op.result) for op in m.writes}
    written = frozenset().union(*[m.mem.get(w, frozenset()) for w in writes]) \
        if writes else frozenset()
    if not any(m.mem.get(id(c.header), frozenset()) & written for c in moving):
        return
    first, last = order.span[id(loop)]
    headers = {id(_root(m, c.header)) for c in moving}
    seen_init, seen_next = set(), set()
    for c in moving:
        init, nxt = _root(m, c.init), _root(m, c.next)
        fresh = order.defined_at.get(id(nxt), -1) > first
        bad = None
        if id(init) in seen_init:
            bad = "starts as the same array as another variable of this loop"
        elif id(nxt) in seen_next or not (id(nxt) in headers or fresh):
            bad = "ends each iteration as an array another variable also holds"
        seen_init.add(id(init))
        seen_next.add(id(nxt))
        if bad is None and any(_root(m, v) is init for q, v in order.reads if q > first
                               and v is not c.init):
            bad = "is written in the loop while its initial array is still used elsewhere"
        if bad:
            raise UnsupportedSyntax(
                f"'{_user(c.header)}' {bad}; the loop writes into it in place", loop.loc,
                "give each array variable its own array: copy with .copy(), or swap two "
                "buffers with u, v = v, u")


def _user(v) -> str:
    base = getattr(v, "base", "?")
    return base.split(".")[-1] if base != "$" else "this array"
