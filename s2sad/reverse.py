"""Reverse mode: typed SSA -> one Python function returning (value, gradients).

The generated function has two sweeps. The forward sweep is the primal program, plus pushes of
the values the reverse sweep will need onto typed stacks (float64, int64 and int8 NumPy arrays, so
Numba compiles it in nopython mode). The reverse sweep visits the program backwards, one block per
source statement, accumulating adjoints (`bx += p * by`, the lecture's "local gradient times
upstream gradient") with each partial `p` inlined from the rule table.

What goes on a tape is decided by `plan` (a to-be-recorded analysis): only values defined inside
a loop (every iteration overwrites them) and read by some adjoint; values of straight-line code
stay in their variables. Loop trip counts of nested loops and branch decisions inside loops are
recorded too; a `for` index is recomputed from the iteration number instead of stored.
"""

from __future__ import annotations

import ast
import operator
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from . import emit, reverse_fission
from .emit import assign, augassign, call, name
from .errors import NonScalarOutput, UnsupportedSyntax
from .naming import Namer
from .rules import arrays as array_rules
from .rules import lookup, lookup_array
from .ssa import memory, types
from .ssa.nodes import (
    BOOL,
    F32,
    FLOAT,
    INT,
    UNDEF,
    Array,
    Aux,
    Block,
    Const,
    For,
    Function,
    If,
    Op,
    Value,
    While,
    all_values,
    make_slice,
    make_tuple,
    ndim_of,
    setitem,
    shape_of,
    size_of,
    uses,
    walk,
)
from .ssa.nodes import leaves as nodes_leaves

# Builtins that Numba applies to numbers only, spelled as their NumPy ufunc on arrays.
NUMPY_SPELLING = {abs: np.abs, pow: np.power}
# Tape, stack pointer and dtype per value type; the names are reserved per function by the Namer.
TAPE_HINTS = {FLOAT: ("tape_f", "p_f", "float64"), INT: ("tape_i", "p_i", "int64"),
              BOOL: ("tape_b", "p_b", "int8")}


# --------------------------------------------------------------------------------------- plan
@dataclass
class Plan:
    """Facts the generator needs, computed once per specialization."""

    active: set
    depth: dict = field(default_factory=dict)      # id(block) -> enclosing loop count
    block_of: dict = field(default_factory=dict)   # id(value) -> block defining it
    order: dict = field(default_factory=dict)      # id(value or loop) -> program position
    defs: dict = field(default_factory=dict)       # id(block) -> values it defines (not headers)
    adjoint: dict = field(default_factory=dict)    # id(item) -> has reverse work
    pushes: dict = field(default_factory=dict)     # id(block) -> [Value | loop] to record
    recompute: dict = field(default_factory=dict)  # id(block) -> [Value] recomputed, not stored
    op_of: dict = field(default_factory=dict)      # id(value) -> the Op defining it
    index_needed: set = field(default_factory=set)  # id(loop) whose index an adjoint reads
    mem: memory.Memory = field(default_factory=memory.Memory)
    restore: set = field(default_factory=set)      # id(setitem op) saving what it overwrites
    shapes: dict = field(default_factory=dict)     # id(block) -> [array] whose shape it pushes
    recount: dict = field(default_factory=dict)    # id(block) -> [loop] trip count recomputed

    def is_active(self, a) -> bool:
        return isinstance(a, Value) and id(a) in self.active


def leaves(a, plan: Plan) -> list[Value]:
    """The run-time values an operand stands for: a slice or tuple op is inlined where it is
    used, so its own operands are what the reverse sweep reads."""
    if not isinstance(a, Value):
        return []
    op = plan.op_of.get(id(a))
    if isinstance(a.type, Aux) and op is not None:
        return [v for x in op.args for v in leaves(x, plan)]
    return [a]


def rule_of(op: Op):
    """The rule differentiating `op`: array rules and vectorized partials when an operand is
    an array, the scalar rule table otherwise."""
    if any(isinstance(a, Value) and isinstance(a.type, Array) for a in op.args) \
            or isinstance(op.result.type, Array):
        return lookup_array(op.fn)
    return lookup(op.fn)


def hook_args(op: Op, srcs: list):
    """The array rule of `op` and its hooks' arguments (see `arrays.hook_values`)."""
    rule = array_rules.lookup(op.fn)
    return rule, array_rules.hook_values(rule, op, srcs)


def param_positions(op: Op, rule) -> dict:
    """param name -> the op.args positions it covers."""
    pos, k = {}, 0
    for p in rule.params:
        n = op.nvar if p == rule.varargs else 1
        pos[p] = list(range(k, k + n))
        k += n
    return pos


def _parse(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def refs(op: Op, plan: Plan) -> list[Value]:
    """The operands (and result) that the partials of `op` for its active args read."""
    if op.fn in (operator.getitem, setitem):  # `bx[i, j] += g` reads the indices only
        last = len(op.args) - (1 if op.fn is setitem else 0)
        return [v for a in op.args[1:last] for v in leaves(a, plan)]
    if op.fn in (make_slice, make_tuple, shape_of, size_of, ndim_of):
        return []
    if array_rules.lookup(op.fn) is not None:
        names = [f"__a{i}" for i in range(len(op.args))]
        srcs = [array_rules.Src(n, types.type_of(a)) for n, a in zip(names, op.args)]
        rule, args = hook_args(op, srcs)
        if rule.vjp is None:
            return []
        cots = rule.vjp(array_rules.Src("__g", op.result.type),
                        array_rules.Src("__out", op.result.type), *args)
        used = {n.id for c in _flat(cots) if c is not None
                for n in ast.walk(_parse(str(c))) if isinstance(n, ast.Name)}
        out = [v for i, a in enumerate(op.args) if f"__a{i}" in used for v in leaves(a, plan)]
        return out + ([op.result] if "__out" in used else [])
    rule = rule_of(op)
    needed = [plan.is_active(a) for a in op.args]
    sentinels = [ast.Name(id=f"__a{i}", ctx=ast.Load()) for i in range(len(op.args))]
    prelude, partials = rule.inline(sentinels, ast.Name(id="__out", ctx=ast.Load()),
                                    lambda hint: f"__l_{hint}", needed)
    used = {n.id for tree in prelude + [p for p in partials if p is not None]
            for n in ast.walk(tree) if isinstance(n, ast.Name)}
    out = [a for i, a in enumerate(op.args) if f"__a{i}" in used and isinstance(a, Value)]
    if "__out" in used:
        out.append(op.result)
    return out


def _flat(x):
    if isinstance(x, (tuple, list)):
        for y in x:
            yield from _flat(y)
    else:
        yield x


def make_plan(fn: Function, active: set) -> Plan:
    mem = memory.analyze(fn)
    active = memory.close_activity(fn, mem, active)
    plan = Plan(active, mem=mem)
    position = iter(range(1 << 62))

    def define(v: Value, block: Block) -> None:
        plan.block_of[id(v)] = block
        plan.order[id(v)] = next(position)

    def scan(block: Block, depth: int) -> bool:
        plan.depth[id(block)] = depth
        plan.defs[id(block)] = []
        any_adj = False
        for item in block.items:
            if isinstance(item, Op):
                define(item.result, block)
                plan.op_of[id(item.result)] = item
                adj = plan.is_active(item.result)
            elif isinstance(item, If):
                adj = scan(item.then, depth) | scan(item.orelse, depth)
                for phi in item.phis:
                    define(phi.result, block)
                adj |= any(plan.is_active(p.result) for p in item.phis)
            else:
                plan.order[id(item)] = next(position)
                for c in item.carried:
                    plan.block_of[id(c.header)] = item.body
                    plan.order[id(c.header)] = next(position)
                if isinstance(item, For):
                    plan.block_of[id(item.index)] = item.body
                    plan.order[id(item.index)] = next(position)
                else:
                    scan(item.cond_block, depth + 1)
                adj = scan(item.body, depth + 1)
                for c in item.carried:
                    define(c.result, block)
                adj |= any(plan.is_active(c.header) or plan.is_active(c.result)
                           for c in item.carried)
            plan.adjoint[id(item)] = adj
            any_adj |= adj
        plan.defs[id(block)] = [v for v in _defined_here(block)
                                if plan.is_active(v) and mem.rep(v) is v]
        return any_adj

    for p in fn.params:
        define(p, fn.body)
    scan(fn.body, 0)
    _record(fn, plan)
    return plan


def _defined_here(block: Block) -> list[Value]:
    out = []
    for item in block.items:
        if isinstance(item, Op):
            out.append(item.result)
        elif isinstance(item, If):
            out += [p.result for p in item.phis]
        else:
            out += [c.result for c in item.carried]
    return out


def _record(fn: Function, plan: Plan) -> None:
    """Decide what the forward sweep pushes: needed values defined inside loops."""
    needed: dict[int, Value] = {}
    loops = []
    reads: list = []  # (op, value its adjoint reads)

    def need(a) -> None:
        if isinstance(a, Value):
            needed[id(a)] = a

    def visit(block: Block) -> None:
        for item in block.items:
            if not plan.adjoint.get(id(item)):
                continue
            if isinstance(item, Op):
                for v in refs(item, plan):
                    need(v)
                    reads.append((item, v))
            elif isinstance(item, If):
                need(item.cond)
                visit(item.then)
                visit(item.orelse)
            else:
                loops.append(item)
                visit(item.body)

    visit(fn.body)
    order = memory.program_order(fn)
    _rematerialize(plan, needed, loops, order)
    _restores(fn, plan, reads, need)
    _rematerialize(plan, needed, loops, order)
    for loop in loops:
        if isinstance(loop, For) and id(loop.index) in needed:
            plan.index_needed.add(id(loop))
            del needed[id(loop.index)]
            need(loop.start)
            need(loop.step)
    mem = plan.mem
    pushed = set()
    for v in list(needed.values()):
        v = mem.rep(v)
        block = plan.block_of[id(v)]
        if plan.depth[id(block)] == 0 or id(v) in pushed:
            continue
        if isinstance(v.type, Array) and v.type.dtype not in (FLOAT, F32):
            raise UnsupportedSyntax(
                f"the integer array '{v.name}' is made inside a loop and the reverse sweep "
                "needs each iteration's copy", fn.loc,
                "compute index arrays before the loop")
        pushed.add(id(v))
        plan.pushes.setdefault(id(block), []).append(v)
    # Adjoint arrays made fresh in a reverse iteration need their primal's shape: a value the
    # sweep has anyway, or else its shape pushed (a few integers, not the array).
    recomputed = {id(v) for vs in plan.recompute.values() for v in vs}
    for block_id, values in plan.defs.items():
        if plan.depth.get(block_id, 0) == 0:
            continue
        for v in values:
            if isinstance(v.type, Array) and id(v) not in mem.view and id(v) not in pushed \
                    and id(v) not in recomputed:
                plan.shapes.setdefault(block_id, []).append(v)
    for loop in loops:  # a carried array's adjoint restarts at zero every reverse iteration
        perm = memory.swapped(loop, mem)
        for c in loop.carried:
            if isinstance(c.header.type, Array) and plan.is_active(c.header) \
                    and id(c.header) not in mem.persistent and id(c.header) not in pushed \
                    and id(c) not in perm:
                plan.shapes.setdefault(id(loop.body), []).append(c.header)

    def nested_counts(block: Block) -> None:
        for item in block.items:
            if isinstance(item, If):
                nested_counts(item.then)
                nested_counts(item.orelse)
            elif isinstance(item, (For, While)):
                if plan.adjoint.get(id(item)) and plan.depth[id(block)] > 0:
                    kind = plan.recount if _fixed_count(item, plan) else plan.pushes
                    kind.setdefault(id(block), []).append(item)
                nested_counts(item.body)

    nested_counts(fn.body)
    for slots in list(plan.pushes.values()) + list(plan.recompute.values()):
        slots.sort(key=lambda s: plan.order[id(s)])


# Ops cheap enough to redo in the reverse sweep rather than store. Reads of an array qualify only
# when nothing ever writes into it: a recomputed read sees the array as the reverse sweep has it.
CHEAP = {operator.add, operator.sub, operator.mul, operator.neg, operator.pos, operator.getitem,
         make_slice, make_tuple, shape_of, size_of, ndim_of}


def _fixed_count(loop, plan: Plan) -> bool:
    """A nested `for` whose bounds never change (constants or straight-line values) and that
    has no early exit runs the same number of times in every iteration around it: its count
    is recomputed in the reverse sweep instead of recorded."""
    if not isinstance(loop, For) or loop.exit is not None:
        return False
    return all(isinstance(a, Const) or id(a) in plan.block_of  # parameters are there too
               and plan.depth[id(plan.block_of[id(a)])] == 0
               for a in (loop.start, loop.stop, loop.step))


def _restores(fn: Function, plan: Plan, reads: list, need) -> None:
    """A write into an array that the reverse sweep reads at an earlier point of the program
    (or anywhere in a loop around both) saves what it overwrites and puts it back in the
    reverse sweep, so that read sees the array as the forward sweep had it."""
    mem = plan.mem
    if not mem.writes:
        return
    order = memory.program_order(fn)
    readers = [(op, mem.mem.get(id(v), frozenset())) for op, v in reads
               if isinstance(v.type, Array)]
    for op in mem.writes:
        written = mem.mem.get(id(op.result), frozenset())
        loops = {id(loop) for loop in order.loops_of[id(op)]}
        if not any(m & written and (order.pos[id(r)] < order.pos[id(op)] or loops & {
                id(loop) for loop in order.loops_of[id(r)]}) for r, m in readers):
            continue
        plan.restore.add(id(op))
        for v in leaves_of_index(op, plan):
            need(v)
        item = op
        while item is not None:
            plan.adjoint[id(item)] = True
            item = order.parent.get(id(item))


def leaves_of_index(op: Op, plan: Plan) -> list[Value]:
    return [v for a in op.args[1:-1] for v in leaves(a, plan)]


def _cheap(op: Op) -> bool:
    if op.fn in CHEAP:
        return True
    return op.fn is operator.pow and isinstance(op.args[1], Const)


def _rematerialize(plan: Plan, needed: dict, loops: list, order) -> None:
    """Recompute instead of store: a needed value defined in a loop whose whole definition chain
    (within its block) is cheap arithmetic on loop indices, values from outside the block and
    element reads is re-emitted at the start of its reverse block. Whatever the chain reads from
    outside becomes needed instead (usually nothing new: indices are recomputed anyway)."""
    indices = {id(loop.index) for loop in loops if isinstance(loop, For)}
    writes = [(order.pos[id(op)], plan.mem.mem.get(id(op.result), frozenset()))
              for op in plan.mem.writes]

    def stable(a: Value, v: Value) -> bool:
        """Whether array `a` holds the same elements from the start of the outermost loop
        around `v` to the end of the program: written, if at all, only before that loop (a
        fill loop before a time loop), so the reverse sweep can re-read them."""
        mem = plan.mem.mem.get(id(a), frozenset())
        enclosing = order.loops_of.get(id(plan.op_of[id(v)]), [])
        start = order.span[id(enclosing[0])][0] if enclosing else order.pos[id(plan.op_of[id(v)])]
        return not any(m & mem and p >= start for p, m in writes)

    def chain(v: Value, block: Block, acc: dict, ext: list) -> bool:
        op = plan.op_of.get(id(v))
        if op is None or not _cheap(op):
            return False
        for a in op.args:
            if not isinstance(a, Value) or id(a) in acc or id(a) in remat:
                continue
            if isinstance(a.type, Array) and not stable(a, v):
                return False  # the array changes: its elements cannot be re-read later
            if id(a) in indices or plan.block_of[id(a)] is not block \
                    or id(a) not in plan.op_of:
                ext.append(a)
            elif not chain(a, block, acc, ext):
                return False
        acc[id(v)] = v
        return True

    remat: dict[int, Value] = {}
    work = list(needed.values())
    while work:
        v = work.pop()
        block = plan.block_of[id(v)]
        if plan.depth[id(block)] == 0 or id(v) in indices or id(v) in remat:
            continue
        acc, ext = {}, []
        if chain(v, block, acc, ext):
            remat.update(acc)
            for a in ext:
                if id(a) not in needed:
                    needed[id(a)] = a
                    work.append(a)
    for key, v in remat.items():
        needed.pop(key, None)
        plan.recompute.setdefault(id(plan.block_of[key]), []).append(v)


# ---------------------------------------------------------------------------------- generator
class Generator:
    def __init__(self, fn: Function, plan: Plan, wrt: list[Value], cotangent: bool = False):
        self.fn, self.plan, self.wrt = fn, plan, wrt
        self.cotangent = cotangent
        self.namer = Namer(rep=plan.mem.rep)
        for p in fn.params:
            self.namer.name(p)
        self.pinned: set = set()  # adjoint views: in-place updates that simplify must keep
        self.shape_vars: dict[int, str] = {}
        # Array pushes and saved overwrites have run-time sizes: every push then reserves its
        # own room instead of one reservation for a whole loop.
        self.dynamic_tape = bool(plan.restore or plan.shapes or any(
            isinstance(v, Value) and isinstance(v.type, Array)
            for vs in plan.pushes.values() for v in vs))
        self.tapes = {t: (self.namer.fresh(tape), self.namer.fresh(ptr), dtype)
                      for t, (tape, ptr, dtype) in TAPE_HINTS.items()}
        self.counts: dict[int, str] = {}
        self.last_comment = None
        self.tapes_used: set = set()
        self.covered: set = set()  # blocks whose pushes a loop-entry reservation already covers
        self.imports: dict = {}  # user callables the generated module imports (emit.spell)

    # ---- small helpers
    def arg(self, a, t=None) -> ast.expr:
        if isinstance(a, Value):
            op = self.plan.op_of.get(id(a))
            if isinstance(a.type, Aux) and op is not None:  # slices and tuples are inlined
                parts = [self.arg(x) for x in op.args]
                if op.fn is make_slice:
                    return ast.Slice(*[None if isinstance(x, ast.Constant) and x.value is None
                                       else x for x in parts])
                if op.fn is shape_of:
                    return ast.Attribute(value=parts[0], attr="shape", ctx=ast.Load())
                return ast.Tuple(elts=parts, ctx=ast.Load())
            return name(self.namer.name(a))
        if isinstance(a, Const) and isinstance(a.value, tuple):
            return ast.Tuple(elts=[emit.const(x) for x in a.value], ctx=ast.Load())
        return emit.const_arg(a, t)

    def src(self, a) -> array_rules.Src:
        return array_rules.Src(emit.to_expr(self.arg(a)), types.type_of(a))

    def adj(self, v: Value) -> str:
        return self.namer.adj(v)

    def zero_of(self, v: Value) -> ast.expr:
        """A fresh zero adjoint for `v`: 0.0, or an array of zeros shaped like `v`."""
        if isinstance(v.type, Array):
            if id(v) in self.shape_vars:
                args = [name(self.shape_vars[id(v)])]
                if v.type.dtype == F32:
                    args.append(emit.attr("np", "float32"))
                return call(emit.attr("np", "zeros"), args)
            return call(emit.attr("np", "zeros_like"), [name(self.namer.name(v))])
        return ast.Constant(0.0)

    def adjoint_init(self, v: Value) -> ast.expr:
        """The adjoint a value starts with in the reverse sweep: zero, or for a view the same
        view of its base's adjoint (so writes through either reach both)."""
        op = self.plan.mem.view.get(id(v))
        if op is None:
            return self.zero_of(v)
        self.pinned.add(self.adj(v))
        base = name(self.adj(op.args[0]))
        if op.fn is operator.getitem:
            return ast.Subscript(value=base, slice=self.index(op.args[1:]), ctx=ast.Load())
        rule, hooks = hook_args(op, [self.src(a) for a in op.args])  # np.transpose
        hooks[0] = array_rules.Src(self.adj(op.args[0]), op.args[0].type)
        text = rule.primal(*hooks)
        self.imports.update(array_rules.used_imports(rule, text))
        return _parse(str(text))

    def index(self, items) -> ast.expr:
        parts = [self.arg(a) for a in items]
        return parts[0] if len(parts) == 1 else ast.Tuple(elts=parts, ctx=ast.Load())

    def count(self, loop) -> str:
        if id(loop) not in self.counts:
            hint = f"n_{self.namer.name(loop.index)}" if isinstance(loop, For) else "n_while"
            self.counts[id(loop)] = self.namer.fresh(hint)
        return self.counts[id(loop)]

    def comment(self, stmt, reverse: bool) -> list:
        """Comments citing `stmt` (and the call sites it was inlined at) unless already open."""
        if stmt is None or not stmt.text:
            return []
        chain = [s for s in stmt.chain() if s.text]
        open_ = self.last_comment or []
        common = 0
        while common < min(len(chain), len(open_)) and chain[common] is open_[common]:
            common += 1
        if common == len(chain):
            if len(open_) == len(chain):
                return []
            common -= 1  # back from an inlined helper: cite the caller's statement again
        self.last_comment = chain
        prefix = "grad of: " if reverse else ""
        out = []
        for depth, s in enumerate(chain[common:], start=common):
            where = f"{'  ' * depth}{s.helper}: " if s.helper else ""
            out.append(emit.Comment(f"{where}{prefix}{s.text}    ({s.loc.short})", s.loc))
        return out

    def slot_type(self, slot):
        return slot.type if isinstance(slot, Value) else INT

    def slot_name(self, slot) -> str:
        return self.namer.name(slot) if isinstance(slot, Value) else self.count(slot)

    def per_iteration(self, block: Block) -> Counter:
        """Pushes one pass through `block` can make (both branches of ifs; loops reserve own)."""
        total = Counter(self.slot_type(s) for s in self.plan.pushes.get(id(block), [])
                        if not _is_array(s))
        for item in block.items:
            if isinstance(item, If):
                total += self.per_iteration(item.then) + self.per_iteration(item.orelse)
        return total

    def pushes_inside(self, block: Block) -> bool:
        """Whether `block` or anything nested in it pushes onto a tape."""
        if self.plan.pushes.get(id(block)):
            return True
        for item in block.items:
            if isinstance(item, If) and (self.pushes_inside(item.then)
                                         or self.pushes_inside(item.orelse)):
                return True
            if isinstance(item, (For, While)) and self.pushes_inside(item.body):
                return True
        return False

    def cover(self, block: Block) -> None:
        """Mark `block` and everything nested in it as reserved for by an enclosing loop."""
        self.covered.add(id(block))
        for item in block.items:
            if isinstance(item, If):
                self.cover(item.then)
                self.cover(item.orelse)
            elif isinstance(item, (For, While)):
                self.cover(item.body)

    def room(self, block: Block) -> dict | None:
        """Tape slots (per type, as expressions) that one pass through `block` can push, both
        branches of every `if` and inner loops included, computable before the loop owning
        `block` starts; None when an inner loop that pushes does not run a fixed number of
        times."""
        total: dict = {}

        def add(more: dict, times=None) -> None:
            for t, k in more.items():
                if times is not None:
                    k = times if _is_one(k) else ast.BinOp(left=times, op=ast.Mult(), right=k)
                total[t] = ast.BinOp(left=total[t], op=ast.Add(), right=k) if t in total else k

        own = Counter(self.slot_type(s) for s in self.plan.pushes.get(id(block), [])
                      if not _is_array(s))
        add({t: ast.Constant(k) for t, k in own.items()})
        for item in block.items:
            if isinstance(item, If):
                for side in (item.then, item.orelse):
                    inner = self.room(side)
                    if inner is None:
                        return None
                    add(inner)
            elif isinstance(item, (For, While)) and self.pushes_inside(item.body):
                if not _fixed_count(item, self.plan):
                    return None
                inner = self.room(item.body)
                if inner is None:
                    return None
                add(inner, call(name("trip_count"), [self.arg(item.start), self.arg(item.stop),
                                                     self.arg(item.step)]))
        return total

    def reserve(self, per_iter: Counter | dict, times: ast.expr | None) -> list:
        out = []
        for t, k in per_iter.items():
            tape, ptr, _ = self.tapes[t]
            k = ast.Constant(k) if isinstance(k, int) else k
            need = k if times is None else times if _is_one(k) else \
                ast.BinOp(left=times, op=ast.Mult(), right=k)
            total = ast.BinOp(left=name(ptr), op=ast.Add(), right=need)
            out.append(assign(tape, call(name("grow"), [name(tape), total])))
        return out

    def reserve_loop(self, loop, times: ast.expr | None) -> list:
        """One `grow` per tape before `loop` for all it will push (`times` iterations, or one
        iteration when None), when that is known before it starts; its blocks then push without
        reserving. A loop inside an already reserved region reserves nothing."""
        if self.dynamic_tape or id(loop.body) in self.covered:
            return []
        room = self.room(loop.body)
        if not room:
            return []
        self.cover(loop.body)
        return self.reserve(room, times)

    # ---- forward sweep
    def forward(self, block: Block) -> list:
        out = []
        for item in block.items:
            out += self.fwd_item(item)
        out += self.pushes(block)
        return out

    def pushes(self, block: Block) -> list:
        every = self.plan.pushes.get(id(block), [])
        slots = [s for s in every if not _is_array(s)]
        arrays = [s for s in every if _is_array(s)]
        out = self.push_scalars(block, slots)
        for v in arrays:
            out += self.push_array(name(self.namer.name(v)), v.type.ndim, shape=True)
        for v in self.plan.shapes.get(id(block), []):
            out += self.push_shape(name(self.namer.name(v)), v.type.ndim)
        return out

    def push_shape(self, array: ast.expr, ndim: int) -> list:
        tape, ptr, _ = self.tapes[INT]
        self.tapes_used.add(INT)
        out = [assign(tape, call(name("grow"), [name(tape), _plus(name(ptr), ndim)]))]
        for k in range(ndim):
            dim = ast.Subscript(value=ast.Attribute(value=array, attr="shape", ctx=ast.Load()),
                                slice=ast.Constant(k), ctx=ast.Load())
            out.append(ast.Assign(targets=[ast.Subscript(value=name(tape), slice=_plus(
                name(ptr), k), ctx=ast.Store())], value=dim))
        out.append(augassign(ptr, ast.Add(), ast.Constant(ndim)))
        return out

    def push_array(self, array: ast.expr, ndim: int, shape: bool) -> list:
        """Copy an array (or the part of one about to be overwritten) onto the float tape."""
        tape, ptr, _ = self.tapes[FLOAT]
        self.tapes_used.add(FLOAT)
        out = [assign(tape, call(name("push_array"), [name(tape), name(ptr), array])),
               augassign(ptr, ast.Add(), ast.Attribute(value=array, attr="size", ctx=ast.Load()))]
        return out + (self.push_shape(array, ndim) if shape else [])

    def pop_shape(self, target: str, ndim: int) -> list:
        tape, ptr, _ = self.tapes[INT]
        dims = [ast.Subscript(value=name(tape), slice=_plus(name(ptr), k), ctx=ast.Load())
                for k in range(ndim)]
        return [augassign(ptr, ast.Sub(), ast.Constant(ndim)),
                assign(target, ast.Tuple(elts=dims, ctx=ast.Load()))]

    def pop_array(self, v: Value) -> list:
        tape, ptr, _ = self.tapes[FLOAT]
        shape = self.namer.fresh(f"s_{self.namer.name(v)}")
        out = self.pop_shape(shape, v.type.ndim)
        size = None
        for k in range(v.type.ndim):
            d = ast.Subscript(value=name(shape), slice=ast.Constant(k), ctx=ast.Load())
            size = d if size is None else ast.BinOp(left=size, op=ast.Mult(), right=d)
        out.append(augassign(ptr, ast.Sub(), size))
        flat = ast.Subscript(value=name(tape), slice=ast.Slice(
            name(ptr), ast.BinOp(left=name(ptr), op=ast.Add(), right=size), None), ctx=ast.Load())
        value = call(ast.Attribute(value=flat, attr="reshape", ctx=ast.Load()), [name(shape)])
        if v.type.dtype == F32:
            value = call(ast.Attribute(value=value, attr="astype", ctx=ast.Load()),
                         [emit.attr("np", "float32")])
        out.append(assign(self.namer.name(v), value))
        return out

    def push_scalars(self, block: Block, slots: list) -> list:
        out, offsets = [], Counter()
        if slots and id(block) not in self.covered:
            out += self.reserve(Counter(self.slot_type(s) for s in slots), None)
        for s in slots:
            t = self.slot_type(s)
            tape, ptr, _ = self.tapes[t]
            self.tapes_used.add(t)
            index = _plus(name(ptr), offsets[t])
            target = ast.Subscript(value=name(tape), slice=index, ctx=ast.Store())
            out.append(ast.Assign(targets=[target], value=name(self.slot_name(s))))
            offsets[t] += 1
        for t, k in offsets.items():
            out.append(augassign(self.tapes[t][1], ast.Add(), ast.Constant(k)))
        return out

    def pops(self, block: Block) -> list:
        every = self.plan.pushes.get(id(block), [])
        slots = [s for s in every if not _is_array(s)]
        out = []
        for v in reversed(self.plan.shapes.get(id(block), [])):
            self.shape_vars[id(v)] = self.namer.fresh(f"s_{self.namer.name(v)}")
            out += self.pop_shape(self.shape_vars[id(v)], v.type.ndim)
        for v in reversed([s for s in every if _is_array(s)]):
            out += self.pop_array(v)
        total = Counter(self.slot_type(s) for s in slots)
        out += [augassign(self.tapes[t][1], ast.Sub(), ast.Constant(k)) for t, k in total.items()]
        seen = Counter()
        for s in slots:
            t = self.slot_type(s)
            tape, ptr, _ = self.tapes[t]
            value = ast.Subscript(value=name(tape), slice=_plus(name(ptr), seen[t]),
                                  ctx=ast.Load())
            if t is BOOL:
                value = ast.Compare(left=value, ops=[ast.NotEq()], comparators=[ast.Constant(0)])
            out.append(assign(self.slot_name(s), value))
            seen[t] += 1
        return out

    def fwd_item(self, item) -> list:
        out = self.comment(item.stmt, reverse=False)
        if isinstance(item, Op):
            return out + self.op_code(item)
        if isinstance(item, If):
            flags = [p for p in item.phis if _flag_of(item.cond, p) is not None]
            phis = [p for p in item.phis if p not in flags]
            then = self.forward(item.then) + self.phi_code(phis, "then")
            orelse = self.forward(item.orelse) + self.phi_code(phis, "orelse")
            for p in flags:  # `flag = True if c else False` is just `flag = c`
                test = self.arg(item.cond)
                if not _flag_of(item.cond, p):
                    test = ast.UnaryOp(op=ast.Not(), operand=test)
                out.append(assign(self.namer.name(p.result), test))
            return out + ([_if(self.arg(item.cond), then, orelse)] if then or orelse else [])
        return out + self.fwd_loop(item)

    # Hooks for the primal statements; forward mode (forward.py) extends each with tangents.
    def op_code(self, op: Op) -> list:
        return self.op_code_primal(op)

    def op_code_primal(self, op: Op) -> list:
        if op.fn in (make_slice, make_tuple, shape_of):
            return []  # inlined where used (see `arg`)
        if op.fn is setitem:
            target = ast.Subscript(value=name(self.namer.name(op.args[0])),
                                   slice=self.index(op.args[1:-1]), ctx=ast.Store())
            save = []
            if id(op) in self.plan.restore:
                save = self.save_slot(op)
            return save + [ast.Assign(targets=[target], value=self.arg(op.args[-1]))]
        if op.fn is size_of or op.fn is ndim_of:
            attr = "size" if op.fn is size_of else "ndim"
            value = ast.Attribute(value=self.arg(op.args[0]), attr=attr, ctx=ast.Load())
            return [assign(self.namer.name(op.result), value)]
        rule = array_rules.lookup(op.fn)
        if rule is not None:
            _, hooks = hook_args(op, [self.src(a) for a in op.args])
            text = rule.primal(*hooks)
            self.imports.update(array_rules.used_imports(rule, text))
            value = _parse(str(text))
            return [assign(self.namer.name(op.result), value)]
        args = [self.arg(a) for a in op.args]
        if _is_array(op.result) and op.fn in NUMPY_SPELLING:  # Numba's abs/pow take numbers
            return [assign(self.namer.name(op.result), emit.spell(NUMPY_SPELLING[op.fn], args))]
        if op.fn is np.clip and not _is_array(op.result):  # Numba's np.clip takes arrays
            return [assign(self.namer.name(op.result), call(name("min"), [
                call(name("max"), args[:2]), args[2]]))]
        if op.fn is float and isinstance(op.args[0], Value) and op.args[0].type is BOOL:
            value = ast.IfExp(test=args[0], body=ast.Constant(1.0), orelse=ast.Constant(0.0))
            return [assign(self.namer.name(op.result), value)]  # Numba has no float(bool)
        value = emit.spell(op.fn, args, self.imports)
        return [assign(self.namer.name(op.result), value)]

    def phi_code(self, phis: list, side: str) -> list:
        return [assign(self.namer.name(p.result), self.arg(getattr(p, side), p.result.type))
                for p in phis]

    def carry_pairs(self, loop, which: str) -> list[tuple[str, ast.expr]]:
        """(target, value) pairs setting the headers from `init` or `next`."""
        return [(self.namer.name(c.header), self.arg(getattr(c, which), c.header.type))
                for c in loop.carried]

    def carry_results(self, loop) -> list:
        return [assign(self.namer.name(c.result), name(self.namer.name(c.header)))
                for c in loop.carried
                if self.namer.name(c.result) != self.namer.name(c.header)]

    def fwd_loop(self, loop) -> list:
        adj = self.plan.adjoint.get(id(loop))
        counter = adj and (isinstance(loop, While) or loop.exit is not None)
        pre, body = [], []
        if isinstance(loop, For) and adj and not counter:
            bounds = [self.arg(loop.start), self.arg(loop.stop), self.arg(loop.step)]
            pre.append(assign(self.count(loop), call(name("trip_count"), bounds)))
            # One reservation for every iteration; otherwise each push group reserves.
            pre += self.reserve_loop(loop, name(self.count(loop)))
            # Arrays the loop hands from one iteration to the next are pushed every iteration:
            # room for all of them at once (their size on entry), not a tape grown by doubling.
            carried = {id(c.header): c for c in loop.carried}
            sizes = [ast.Attribute(value=self.arg(carried[id(v)].init), attr="size",
                                   ctx=ast.Load())
                     for v in self.plan.pushes.get(id(loop.body), [])
                     if _is_array(v) and id(v) in carried
                     and isinstance(carried[id(v)].init, Value)]
            if sizes:
                total = sizes[0]
                for extra in sizes[1:]:
                    total = ast.BinOp(left=total, op=ast.Add(), right=extra)
                tape, ptr, _ = self.tapes[FLOAT]
                room = ast.BinOp(left=name(self.count(loop)), op=ast.Mult(), right=total)
                pre.append(assign(tape, call(name("grow"), [
                    name(tape), ast.BinOp(left=name(ptr), op=ast.Add(), right=room)])))
        if counter:
            pre.append(assign(self.count(loop), ast.Constant(0)))
        pre += [assign(t, v) for t, v in self.carry_pairs(loop, "init")
                if not (isinstance(v, ast.Name) and v.id == t)]  # an array kept in place
        if isinstance(loop, While) and loop.cond_block.items:
            head = self.forward(loop.cond_block)
            head.append(_if(ast.UnaryOp(op=ast.Not(), operand=self.arg(loop.cond)),
                            [ast.Break()], []))
            body = head + body
            test = ast.Constant(True)
        elif isinstance(loop, While):
            test = self.arg(loop.cond)
        body += self.forward(loop.body)
        pairs = self.carry_pairs(loop, "next")
        body += _parallel_copy([t for t, _ in pairs], [v for _, v in pairs])
        if counter:
            body.append(augassign(self.count(loop), ast.Add(), ast.Constant(1)))
        if loop.exit is not None:
            body.append(_if(self.arg(loop.exit), [ast.Break()], []))
        if isinstance(loop, For):
            node = ast.For(target=emit.store(self.namer.name(loop.index)),
                           iter=call(name("range"), _range_args(self, loop)),
                           body=body or [ast.Pass()], orelse=[])
        else:
            node = ast.While(test=test, body=body or [ast.Pass()], orelse=[])
        return pre + [node] + self.carry_results(loop)

    def slot(self, op: Op, ctx=None) -> ast.expr:
        return ast.Subscript(value=name(self.namer.name(op.args[0])),
                             slice=self.index(op.args[1:-1]), ctx=ctx or ast.Load())

    def save_slot(self, op: Op) -> list:
        """Before `y[idx] = e`: push what it overwrites (the reverse sweep puts it back)."""
        if not isinstance(op.result.type, Array) or not _slot_is_array(op):
            tape, ptr, _ = self.tapes[FLOAT]
            self.tapes_used.add(FLOAT)
            return [assign(tape, call(name("grow"), [name(tape), _plus(name(ptr), 1)])),
                    ast.Assign(targets=[ast.Subscript(value=name(tape), slice=name(ptr),
                                                      ctx=ast.Store())], value=self.slot(op)),
                    augassign(ptr, ast.Add(), ast.Constant(1))]
        return self.push_array(self.slot(op), 0, shape=False)

    def restore_slot(self, op: Op) -> list:
        tape, ptr, _ = self.tapes[FLOAT]
        if not _slot_is_array(op):
            return [augassign(ptr, ast.Sub(), ast.Constant(1)),
                    ast.Assign(targets=[self.slot(op, ast.Store())],
                               value=ast.Subscript(value=name(tape), slice=name(ptr),
                                                   ctx=ast.Load()))]
        size = ast.Attribute(value=self.slot(op), attr="size", ctx=ast.Load())
        flat = ast.Subscript(value=name(tape), slice=ast.Slice(
            name(ptr), ast.BinOp(left=name(ptr), op=ast.Add(), right=size), None), ctx=ast.Load())
        shape = ast.Attribute(value=self.slot(op), attr="shape", ctx=ast.Load())
        value = call(ast.Attribute(value=flat, attr="reshape", ctx=ast.Load()), [shape])
        return [augassign(ptr, ast.Sub(), size),
                ast.Assign(targets=[self.slot(op, ast.Store())], value=value)]

    # ---- reverse sweep
    def reverse(self, block: Block, extra: list = (), items=None) -> list:
        """`block` backwards (or only its `items`): pops, recomputations, adjoint
        initializations, `extra`, then each item's adjoint statements."""
        out = self.pops(block)
        out += [assign(self.count(loop), call(name("trip_count"), [
            self.arg(loop.start), self.arg(loop.stop), self.arg(loop.step)]))
            for loop in self.plan.recount.get(id(block), [])]
        out += [stmt for v in self.plan.recompute.get(id(block), [])
                for stmt in self.op_code_primal(self.plan.op_of[id(v)])]
        out += [assign(self.adj(v), self.adjoint_init(v)) for v in self.plan.defs[id(block)]]
        out += list(extra)
        return out + self.reverse_items(block.items if items is None else items)

    def reverse_items(self, items) -> list:
        return [stmt for item in reversed(items) for stmt in self.rev_item(item)]

    def accumulate(self, target, g: ast.expr) -> list:
        """`b[target] += g` when target is active; nothing otherwise."""
        if not self.plan.is_active(target):
            return []
        return [augassign(self.adj(target), ast.Add(), g)]

    def rev_item(self, item) -> list:
        if not self.plan.adjoint.get(id(item)):
            return []
        out = self.comment(item.stmt, reverse=True)
        if isinstance(item, Op):
            code = self.rev_op(item) if self.plan.is_active(item.result) else []
            if id(item) in self.plan.restore:
                code = self.restore_slot(item) + code
            return out + code if code else []
        if isinstance(item, If):
            then = self.reverse(item.then, self.phi_adjoints(item, "then"))
            orelse = self.reverse(item.orelse, self.phi_adjoints(item, "orelse"))
            return out + [_if(self.arg(item.cond), then, orelse)]
        return out + self.rev_loop(item)

    def phi_adjoints(self, item: If, side: str) -> list:
        """Inside one branch: the phi results' adjoints flow to that branch's inputs."""
        out = []
        for p in item.phis:
            if self.plan.is_active(p.result) and self.plan.mem.rep(p.result) is p.result:
                out += self.accumulate(getattr(p, side), name(self.adj(p.result)))
        return out

    def rev_op(self, op: Op) -> list:
        if op.fn is operator.getitem:  # the element's adjoint goes back to its slot
            array = op.args[0]
            if not self.plan.is_active(array) or id(op.result) in self.plan.mem.view:
                return []  # a view's adjoint is a view of its base's: nothing to hand back
            g = name(self.adj(op.result))
            index = op.args[1:]
            ints = [k for k, a in enumerate(index) if isinstance(a, Value)
                    and isinstance(a.type, Array) and a.type.dtype == INT]
            if ints:  # repeated indices must accumulate, which `b[idx] += g` does not do
                target = name(self.adj(array))
                if len(ints) == 2:  # rebinding the result keeps this code differentiable
                    return [assign(self.adj(array), call(name("scatter_add2"), [target] + [
                        self.arg(a) for a in index] + [g]))]
                if ints[0] == 0:
                    return [assign(self.adj(array), call(emit.attr("rta", "scatter_add"),
                                                         [target, self.arg(index[0]), g]))]
                # A[:, idx]: scatter the columns through transposed views (the result, bound
                # to a name, is that view: binding it keeps the code differentiable)
                target = ast.Attribute(value=target, attr="T", ctx=ast.Load())
                g = ast.Attribute(value=g, attr="T", ctx=ast.Load())
                view = self.namer.fresh(f"{self.adj(array)}_T")
                self.pinned.add(view)  # never read, but the call writes through it
                return [assign(view, call(emit.attr("rta", "scatter_add"),
                                          [target, self.arg(index[1]), g]))]
            slot = ast.Subscript(value=name(self.adj(array)), slice=self.index(index),
                                 ctx=ast.Store())
            return [ast.AugAssign(target=slot, op=ast.Add(), value=g)]
        if op.fn is setitem:
            return self.rev_setitem(op)
        if op.fn in (make_slice, make_tuple, shape_of, size_of, ndim_of):
            return []
        if id(op.result) in self.plan.mem.view or (
                op.args and self.plan.mem.rep(op.result) is self.plan.mem.rep(op.args[0])
                and op.fn not in memory.WRITES_FIRST):
            return []  # x.T, np.asarray(x): the adjoint is already shared with x's
        if array_rules.lookup(op.fn) is not None:
            return self.rev_array_rule(op)
        rule = rule_of(op)
        needed = [self.plan.is_active(a) for a in op.args]
        prelude, partials = rule.inline([self.arg(a) for a in op.args],
                                        name(self.namer.name(op.result)),
                                        lambda hint: self.namer.fresh(f"_{hint}"), needed)
        out = list(prelude)
        g = name(self.adj(op.result))
        n_arrays = len({id(a) for a in op.args if _is_array(a)})  # x * x: one shape
        for a, p in zip(op.args, partials):
            if p is None or not self.plan.is_active(a):
                continue
            if isinstance(p, ast.Constant) and p.value in (0, 0.0):
                continue
            sign, term = ast.Add(), ast.BinOp(left=p, op=ast.Mult(), right=g)
            if isinstance(p, ast.Constant) and p.value in (1.0, -1.0):
                sign, term = (ast.Add() if p.value == 1.0 else ast.Sub()), g
            if _is_array(op.result) and not _is_array(a):
                term = call(emit.attr("np", "sum"), [term])  # a scalar broadcast to an array
            elif _is_array(a) and n_arrays > 1:  # arrays may broadcast against each other
                term = call(emit.attr("rta", "sum_to"), [term, name(self.adj(a))])
            out.append(augassign(self.adj(a), sign, term))
        return out

    def rev_setitem(self, op: Op) -> list:
        """`y[idx] = e`: e gets what flowed into y[idx], then y[idx]'s adjoint restarts at 0."""
        value, out = op.args[-1], []
        slot = ast.Subscript(value=name(self.adj(op.args[0])), slice=self.index(op.args[1:-1]),
                             ctx=ast.Load())
        zero = ast.Assign(targets=[ast.Subscript(value=name(self.adj(op.args[0])),
                                                 slice=self.index(op.args[1:-1]),
                                                 ctx=ast.Store())], value=ast.Constant(0.0))
        if self.plan.is_active(value):
            if not _slot_is_array(op):
                out.append(augassign(self.adj(value), ast.Add(), slot))
            elif not _is_array(value):
                out.append(augassign(self.adj(value), ast.Add(),
                                     call(emit.attr("np", "sum"), [slot])))
            else:
                got = call(emit.attr("rta", "sum_to"), [slot, name(self.adj(value))])
                if self.plan.mem.may_share(value, op.args[0]):  # y[1:] = y[:-1]: copy first
                    tmp = self.namer.fresh("_g")
                    out.append(assign(tmp, call(ast.Attribute(value=got, attr="copy",
                                                              ctx=ast.Load()), [])))
                    return out + [zero, augassign(self.adj(value), ast.Add(), name(tmp))]
                out.append(augassign(self.adj(value), ast.Add(), got))
        return out + [zero]

    def rev_array_rule(self, op: Op) -> list:
        rule, hooks = hook_args(op, [self.src(a) for a in op.args])
        if rule.vjp is None:
            return []
        g = array_rules.Src(self.adj(op.result), op.result.type)
        out_src = array_rules.Src(self.namer.name(op.result), op.result.type)
        cots = rule.vjp(g, out_src, *hooks)
        self.imports.update(array_rules.used_imports(rule, cots))
        positions = param_positions(op, rule)
        code = []
        if rule.vjp_once:  # a custom vjp: called once, its tuple checked, then indexed
            tmp = self.namer.fresh(f"cot_{self.namer.name(op.result)}")
            needed = sum(1 << k for k, a in enumerate(op.args) if self.plan.is_active(a))
            code.append(assign(tmp, _parse(
                f"rta.cotangents({cots}, {rule.vjp_once}, {needed})")))
            cots = tuple(f"{tmp}[{k}]" for k in range(rule.vjp_once))
        for p, cot in zip(rule.diff, cots):
            if op.fn in memory.WRITES_FIRST and p == rule.params[0]:
                continue  # the result is the same array: it already holds that adjoint
            parts = cot if p == rule.varargs else (cot,)
            for k, c in zip(positions[p], parts):
                a = op.args[k]
                if c is None or not self.plan.is_active(a):
                    continue
                code.append(augassign(self.adj(a), ast.Add(), _parse(str(c))))
        return code

    def rev_carry(self, loop) -> tuple[list, list, list]:
        """Adjoint bookkeeping of a loop's carried values: statements before the reverse loop,
        at the start of each reverse iteration, and after it."""
        # An array written in place keeps one adjoint across iterations: nothing to carry.
        active = [c for c in loop.carried
                  if (self.plan.is_active(c.header) or self.plan.is_active(c.result))
                  and id(c.header) not in self.plan.mem.persistent]
        pre = []
        for c in active:
            seed = name(self.adj(c.result)) if self.plan.is_active(c.result) \
                else self.zero_of(c.result)
            pre.append(assign(self.adj(c.header), seed))
        # Start of each reverse iteration: the adjoint of this iteration's `next` is the header
        # adjoint left by the iteration after it (or by the loop result).
        local = {id(v) for v in self.plan.defs[id(loop.body)]}
        into_local, held, zero, add_held = [], [], [], []
        # Buffers the loop swaps (u, v = v, u) swap their adjoints too: no zeroing, no copy.
        perm = memory.swapped(loop, self.plan.mem)
        moved = [c for c in active if id(c) in perm]
        if moved:
            into_local += _parallel_copy([self.adj(perm[id(c)].header) for c in moved],
                                         [name(self.adj(c.header)) for c in moved])
        for c in active:
            if id(c) in perm:
                continue
            hdr = self.adj(c.header)
            if isinstance(c.next, Value) and id(c.next) in local:
                into_local += self.accumulate(c.next, name(hdr))
            elif self.plan.is_active(c.next):
                tmp = self.namer.fresh(f"g_{self.namer.name(c.header)}")
                held.append(assign(tmp, name(hdr)))
                add_held += self.accumulate(c.next, name(tmp))
            zero.append(assign(hdr, self.zero_of(c.header)))
        post = []
        for c in active:
            post += self.accumulate(c.init, name(self.adj(c.header)))
        return pre, into_local + held + zero + add_held, post

    def rev_loop(self, loop) -> list:
        pre, extra, post = self.rev_carry(loop)
        n = name(self.count(loop))
        index_stmts, target = [], None
        if id(loop) in self.plan.index_needed:
            idx = self.namer.name(loop.index)
            if _is_const(loop.start, 0) and _is_const(loop.step, 1):
                target = idx
            else:
                target = self.namer.fresh("it")
                step = name(target) if _is_const(loop.step, 1) else \
                    ast.BinOp(left=name(target), op=ast.Mult(), right=self.arg(loop.step))
                index_stmts.append(assign(idx, ast.BinOp(left=self.arg(loop.start),
                                                         op=ast.Add(), right=step)))
        else:
            target = self.namer.fresh("it")
        body = index_stmts + self.reverse(loop.body, extra)
        if not pre:  # no active carried value; stencil scatters: one counting-up loop per target
            split = reverse_fission.fission(self, loop, body, target, n)
            if split is not None:
                return split
        back = call(name("range"), [_plus(n, -1), ast.Constant(-1), ast.Constant(-1)])
        node = ast.For(target=emit.store(target), iter=back, body=body or [ast.Pass()], orelse=[])
        return pre + [node] + post

    def fused_loop(self, loop) -> list:
        """A loop whose iterations are independent in reverse (see `fusable`), differentiated
        in one pass: each iteration runs forward, then its own reverse at once. The values the
        reverse needs are still in their variables, so nothing of this iteration is taped or
        recomputed, and nested loops' tapes are emptied again before the next iteration."""
        local = _iteration_blocks(loop.body)
        for block_id in local:
            for kind in (self.plan.pushes, self.plan.recompute, self.plan.shapes):
                kind.pop(block_id, None)
        pre, extra, post = self.rev_carry(loop)
        pre += self.reserve_loop(loop, None)  # every iteration pops what it pushed
        pre += [assign(t, v) for t, v in self.carry_pairs(loop, "init")
                if not (isinstance(v, ast.Name) and v.id == t)]
        body = self.forward(loop.body)
        self.last_comment = None
        body += self.reverse(loop.body, extra)
        pairs = self.carry_pairs(loop, "next")
        body += _parallel_copy([t for t, _ in pairs], [v for _, v in pairs])
        node = ast.For(target=emit.store(self.namer.name(loop.index)),
                       iter=call(name("range"), _range_args(self, loop)),
                       body=body or [ast.Pass()], orelse=[])
        return pre + [emit.Comment("forward and reverse of each iteration together: the "
                                   "iterations are independent")] + [node] + \
            self.carry_results(loop) + post

    # ---- whole function
    def function(self, func_name: str) -> ast.FunctionDef:
        items = self.fn.body.items
        last = fusable(self.fn, self.plan)
        cut = items.index(last) if last is not None else len(items)
        fwd = [stmt for item in items[:cut] for stmt in self.fwd_item(item)]
        fwd += self.pushes(self.fn.body)
        self.last_comment = None
        cot = self.namer.fresh("cotangent") if self.cotangent else None
        seed = self.accumulate(self.fn.result, name(cot) if cot else ast.Constant(1.0)) \
            if isinstance(self.fn.result, Value) else []
        params = [assign(self.adj(p), self.zero_of(p)) for p in self.fn.params
                  if self.plan.is_active(p)]
        if last is not None:  # its reverse runs inside its forward: adjoints start before it
            early = _early(last, items[cut + 1:], self.plan)
            fwd += [stmt for item in early for stmt in self.fwd_item(item)]
            head = self.reverse(self.fn.body, seed, items=items[cut + 1:])
            self.last_comment = None
            fwd += [emit.Comment("---- adjoints start here: the last loop runs each "
                                 "iteration's reverse right after it ----")]
            fwd += params + head + self.comment(last.stmt, reverse=False) + self.fused_loop(last)
            fwd += [stmt for item in items[cut + 1:] if item not in early
                    for stmt in self.fwd_item(item)]
            self.last_comment = None
            rev = self.reverse_items(items[:cut])
            params = []
        else:
            rev = self.reverse(self.fn.body, seed)
        tapes = []
        for t in (FLOAT, INT, BOOL):
            if t in self.tapes_used:
                tape, ptr, dtype = self.tapes[t]
                tapes.append(assign(tape, call(emit.attr("np", "empty"),
                                               [ast.Constant(16), emit.attr("np", dtype)])))
                tapes.append(assign(ptr, ast.Constant(0)))
        grads = [name(self.adj(p)) if self.plan.is_active(p) else self.zero_of(p)
                 for p in self.wrt]
        ret = ast.Return(value=ast.Tuple(elts=[self.arg(self.fn.result),
                                               ast.Tuple(elts=grads, ctx=ast.Load())],
                                         ctx=ast.Load()))
        body = tapes + [emit.Comment("---- forward sweep ----")] + fwd + \
            [emit.Comment("---- reverse sweep ----")] + params + rev + [ret]
        args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=self.namer.name(p))
                                                   for p in self.fn.params] +
                             ([ast.arg(arg=cot)] if cot else []),
                             vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
        func = ast.FunctionDef(name=func_name, args=args, body=body, decorator_list=[],
                               returns=None, type_comment=None)
        func.s2sad_imports = self.imports
        func.s2sad_pinned = self.pinned
        return func


def fusable(fn: Function, plan: Plan):
    """The function's last loop, if its iterations are independent in reverse so each one's
    reverse can run right after its forward (`Generator.fused_loop`): a `for` without early
    exit, writing no array but scratch buffers (`_scratch`), whose only active carried values
    are sums `s = s + t` / `s = s - t`, on every path or some branches of an `if` (`_sum_reads`:
    their adjoint is the same in every iteration, so the iteration order does not matter).
    What follows it must be numbers whose partials read only values from before the loop
    (`return s / n`): their reverse then runs first and seeds the loop's adjoints."""
    loops = [item for item in fn.body.items if isinstance(item, (For, While, If))]
    if not loops or not isinstance(loops[-1], For) or loops[-1].exit is not None \
            or not plan.adjoint.get(id(loops[-1])):
        return None
    loop = loops[-1]
    after = fn.body.items[fn.body.items.index(loop) + 1:]
    early = {id(op.result) for op in _early(loop, after, plan)}
    for op in after:
        if plan.is_active(op.result) and (
                memory.in_place(op) or isinstance(op.result.type, Array)
                or any(plan.order[id(v)] > plan.order[id(loop)] and id(v) not in early
                       for v in refs(op, plan))):
            return None
    inside = list(walk(loop.body))
    writes = [op for op in inside if isinstance(op, Op) and memory.in_place(op)]
    scratch = {id(plan.mem.rep(op.args[0])) for op in writes}
    if any(op.fn is not setitem for op in writes) or not all(
            _scratch(fn, loop, plan, plan.mem.rep(op.args[0])) for op in writes):
        return None
    phis = {id(p.result): p for item in _iteration_ifs(loop.body) for p in item.phis}
    blocks = _iteration_blocks(loop.body)
    operands = _reads(inside) + [d.next for d in loop.carried]
    for c in loop.carried:
        if not (plan.is_active(c.header) or plan.is_active(c.result)):
            continue
        if id(plan.mem.rep(c.header)) in scratch:
            continue
        if isinstance(c.header.type, Array) or c.next is c.header:
            return None
        reads = _sum_reads(c.next, c.header, plan, phis, blocks)
        if reads is None or reads != sum(a is c.header for a in operands):
            return None
    return loop


def _sum_reads(v, header: Value, plan: Plan, phis: dict, blocks: set) -> int | None:
    """How many times `v` reads `header` if `v` is `header + t`, `t + header`, `header - t`,
    or an `if` joining such values (or `header` itself) in the loop's own blocks: then the
    adjoint of `header` equals the adjoint of `v` on every path. None otherwise."""
    if v is header:
        return 1
    if not isinstance(v, Value):
        return None
    if id(v) in phis:
        parts = [_sum_reads(x, header, plan, phis, blocks)
                 for x in (phis[id(v)].then, phis[id(v)].orelse)]
        return None if None in parts else sum(parts)
    op = plan.op_of.get(id(v))
    if op is None or id(plan.block_of.get(id(v))) not in blocks or op.fn not in (
            operator.add, operator.sub):
        return None
    if op.args[0] is header or op.fn is operator.add and op.args[1] is header:
        return 1
    return None


def _early(loop: For, after: list, plan: Plan) -> list[Op]:
    """The inactive statements after `loop` that do not depend on it (`k = len(x)` in
    `return s / k`): a fused loop computes them first, so its seeds can use them."""
    out, known = [], set()
    for op in after:
        if not plan.is_active(op.result) and not memory.in_place(op) and all(
                not isinstance(a, Value) or plan.order[id(a)] < plan.order[id(loop)]
                or id(a) in known for a in op.args):
            out.append(op)
            known.add(id(op.result))
    return out


def _reads(items: list) -> list:
    """Every operand the items read, phi inputs, loop-carried and exit values included."""
    out = []
    for item in items:
        out += uses(item)
        if isinstance(item, If):
            out += [a for p in item.phis for a in (p.then, p.orelse)]
        elif isinstance(item, (For, While)):
            out += [c.next for c in item.carried] + [item.exit]
            if isinstance(item, While):
                out.append(item.cond)
    return out


def _scratch(fn: Function, loop: For, plan: Plan, rep: Value) -> bool:
    """Whether the array variable `rep` is scratch space of `loop`'s iterations: made before it
    by `np.empty/zeros/ones(k)` (one axis), used nowhere else and never viewed, and filled whole
    at the start of every iteration by a `for j in range(k)` writing `a[j]` unconditionally
    (reading nothing of `a`), before anything else in the iteration touches it. Then no value
    and no adjoint of `a` passes from one iteration to another."""
    mem = plan.mem
    alloc = plan.op_of.get(id(rep))
    if alloc is None or alloc.fn not in (np.empty, np.zeros, np.ones) or not alloc.args \
            or plan.block_of.get(id(rep)) is not fn.body or rep.type.ndim != 1:
        return False
    values = all_values(fn)
    members = {id(v) for v in values if mem.rep(v) is rep}
    if any(id(rep) in mem.mem.get(id(v), ()) and id(v) not in members for v in values):
        return False  # a view or an alias
    inside = {id(item) for item in walk(loop.body)}
    for item in walk(fn.body):
        if id(item) not in inside and item is not loop and any(
                id(a) in members for a in _reads([item]) if isinstance(a, Value)):
            return False
    if any(id(v) in members for v in nodes_leaves(fn.result)):
        return False

    def touches(items) -> list:
        return [op for op in items if isinstance(op, Op)
                and any(isinstance(a, Value) and id(a) in members for a in op.args)]

    first = next((item for item in loop.body.items if touches(walk(Block([item])))), None)
    if not isinstance(first, For) or first.exit is not None or not _is_const(first.start, 0) \
            or not _is_const(first.step, 1) or not _same(first.stop, alloc.args[0]):
        return False
    fill = touches(walk(first.body))
    if len(fill) != 1 or fill[0] not in first.body.items or fill[0].fn is not setitem \
            or len(fill[0].args) != 3 or fill[0].args[1] is not first.index \
            or any(isinstance(a, Value) and id(a) in members for a in fill[0].args[1:]):
        return False
    return [op for op in touches(walk(loop.body)) if memory.in_place(op)] == fill


def _same(a, b) -> bool:
    return a is b or isinstance(a, Const) and isinstance(b, Const) and a.value == b.value


def _iteration_ifs(block: Block) -> list[If]:
    """The `if`s of `block` and of the branches under it, not inside nested loops."""
    out = []
    for item in block.items:
        if isinstance(item, If):
            out += [item] + _iteration_ifs(item.then) + _iteration_ifs(item.orelse)
    return out


def _iteration_blocks(block: Block) -> set:
    """`block` and the branches under it, not inside nested loops: what one iteration of the
    loop owning `block` defines exactly once."""
    out = {id(block)}
    for item in block.items:
        if isinstance(item, If):
            out |= _iteration_blocks(item.then) | _iteration_blocks(item.orelse)
    return out


def _is_one(k: ast.expr) -> bool:
    return isinstance(k, ast.Constant) and k.value == 1


def _is_array(a) -> bool:
    """An operand that is an array with at least one axis (0-d arrays act as numbers)."""
    return isinstance(a, Value) and isinstance(a.type, Array) and a.type.ndim > 0


def _slot_is_array(op: Op) -> bool:
    """Whether `y[idx]` of a setitem is a sub-array (a slice or mask) or one element."""
    return any(isinstance(a, Value) and (isinstance(a.type, (Array, Aux)))
               for a in op.args[1:-1]) or len(op.args) - 2 < op.args[0].type.ndim


def _plus(base: ast.expr, k: int) -> ast.expr:
    if k == 0:
        return base
    op = ast.Add() if k > 0 else ast.Sub()
    return ast.BinOp(left=base, op=op, right=ast.Constant(abs(k)))


def _is_const(a, value) -> bool:
    return isinstance(a, Const) and a is not UNDEF and a.value == value \
        and not isinstance(a.value, bool)


def _range_args(gen: Generator, loop: For) -> list:
    if _is_const(loop.step, 1):
        if _is_const(loop.start, 0):
            return [gen.arg(loop.stop)]
        return [gen.arg(loop.start), gen.arg(loop.stop)]
    return [gen.arg(loop.start), gen.arg(loop.stop), gen.arg(loop.step)]


def _if(test: ast.expr, then: list, orelse: list) -> ast.stmt:
    if not then and not orelse:
        return ast.Pass()
    if not then:
        return ast.If(test=ast.UnaryOp(op=ast.Not(), operand=test), body=orelse, orelse=[])
    return ast.If(test=test, body=then, orelse=orelse)


def _flag_of(cond, phi) -> bool | None:
    """True if `phi` equals the boolean `cond`, False if it equals `not cond`, else None."""
    if not (isinstance(cond, Value) and cond.type is BOOL):
        return None
    a, b = phi.then, phi.orelse
    if isinstance(a, Const) and isinstance(b, Const) and a is not UNDEF and b is not UNDEF \
            and isinstance(a.value, bool) and isinstance(b.value, bool) and a.value != b.value:
        return a.value
    return None


def _parallel_copy(targets: list[str], values: list[ast.expr]) -> list:
    """`targets = values` with parallel semantics (a loop swapping two variables needs it)."""
    pairs = [(t, v) for t, v in zip(targets, values)
             if not (isinstance(v, ast.Name) and v.id == t)]
    reads = {v.id for _, v in pairs if isinstance(v, ast.Name)}
    if len(pairs) > 1 and any(t in reads for t, _ in pairs):
        return [ast.Assign(targets=[ast.Tuple(elts=[emit.store(t) for t, _ in pairs],
                                              ctx=ast.Store())],
                           value=ast.Tuple(elts=[v for _, v in pairs], ctx=ast.Load()))]
    return [assign(t, v) for t, v in pairs]


def generate(fn: Function, active: set, wrt: list[Value], func_name: str,
             cotangent: bool = False) -> ast.FunctionDef:
    """The adjoint `(args) -> (value, grads)`; with `cotangent`, `(args, cot) -> (value,
    grads)`, seeding the result's adjoint with `cot` (a vector-Jacobian product)."""
    result = fn.result
    if isinstance(result, tuple):
        raise NonScalarOutput(
            f"'{fn.name}' returns a tuple of {len(result)} values; "
            f"{'vjp' if cotangent else 'grad'} differentiates a function returning one value",
            fn.result_loc or fn.loc,
            "return one number or array (e.g. a weighted sum of the parts); jvp accepts "
            "functions returning tuples")
    if not cotangent and isinstance(result, Value) and isinstance(result.type, Array):
        raise NonScalarOutput(
            f"'{fn.name}' returns a {result.type.ndim}-d array; grad differentiates a function "
            "returning one number", fn.result_loc or fn.loc,
            "reduce it to a number (e.g. np.sum(...)), or use s2sad.vjp(f)(*args, cotangent) "
            "for the vector-Jacobian product")
    plan = make_plan(fn, active)
    return Generator(fn, plan, wrt, cotangent).function(func_name)
