"""Loop fission of scatter-form reverse loops, so that stencil adjoints vectorize.

The reverse of a stencil loop `y[i] = f(x[i - 1], x[i], x[i + 1])` is a scatter: iteration i
reads and zeros `by[i]` and adds into `bx[i - 1]`, `bx[i]` and `bx[i + 1]`, so consecutive
iterations read-modify-write the same elements of `bx` and LLVM cannot vectorize the loop. Here
such a loop becomes several counting-up loops over the same iterations, one per distinct
accumulation target (`bx[i + 1] += ...`), each holding only the scalar statements that target
needs; the last one also zeros `by[i]`. Each loop then writes one distinct element per
iteration.

Legality is decided on the generated statements of the innermost reverse body plus the plan's
memory facts, and fission is refused (the loop is kept as generated) unless all hold:

- a `for` without early exit, whose forward body is straight-line ops with nothing taped, no
  saved overwrites and no nested loop; no active carried value (the generator passes none);
- the reverse body is only scalar assignments, scalar `+=`/`-=` to names assigned earlier in the
  same iteration (no value flows between iterations), pure expressions (arithmetic, `math.*`,
  `np.*` without keywords, a few builtins), element reads `a[i, j]` with one index per axis;
- every array store is `bX[idx] += e` into an adjoint array, or `bY[idx0] = 0.0` into an
  adjoint array that is read only at `idx0`, only before that zeroing, and zeroed once; one
  component of `idx0` is `a * it + b` (a > 0, b >= 0 constants, `it` counting the iterations
  from 0), so each iteration zeros an element no other iteration touches;
- an accumulated array is never read in the body, is not zeroed, and its primal may not share
  memory with the primal of any zeroed array (`memory.Memory.may_share`, unknown memory counts
  as shared); primal arrays are never written in the body.

Then every read sees the array as it was on entry to the loop in both versions, and the
accumulations only add in another order.

A loop around split loops counts up too (a counting-down outer loop keeps LLVM from vectorizing
the split loops inside it) when its iterations commute: the same rules, nested `for`s allowed,
and each adjoint array read or zeroed is touched only at elements whose index part k is the same
`a * it + b` (a > 0, b >= 0) of the outer iteration, so iterations touch disjoint elements.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field

from . import emit
from .ssa.nodes import Array, For, Op, Value, all_values, walk

SPLIT_MARK = "split by target so each loop vectorizes"
MAX_TARGETS = 12  # more loops than this re-reads too much; keep the loop as it is
PURE_BUILTINS = {"abs", "min", "max", "float", "int", "round", "bool", "pow", "trip_count"}
MODULES = {"math", "np"}


@dataclass
class Facts:
    """What the generator knows about the names in generated code."""

    arrays: dict = field(default_factory=dict)  # name -> (is adjoint, primal Value)
    scalars: set = field(default_factory=set)   # names of scalar values and their adjoints
    mem: object = None                          # memory.Memory

    def may_share(self, a: Value, b: Value) -> bool:
        ma = self.mem.mem.get(id(a), frozenset())
        mb = self.mem.mem.get(id(b), frozenset())
        return not ma or not mb or bool(ma & mb)


def facts_of(gen) -> Facts:
    """Name -> value facts from the generator's namer (names are handed out on demand, so this
    runs when the loop body has been generated)."""
    facts = Facts(mem=gen.plan.mem)
    rep = gen.plan.mem.rep
    values = all_values(gen.fn) + [item.index for item in walk(gen.fn.body)
                                   if isinstance(item, For)]
    for v in values:
        r = rep(v)
        names = [(False, gen.namer.primal.get(id(r))), (True, gen.namer.adjoint.get(id(r)))]
        for is_adj, n in names:
            if n is None:
                continue
            if isinstance(r.type, Array):
                if r.type.ndim > 0:
                    facts.arrays[n] = (is_adj, r)
                # a 0-d array is neither: any use of it refuses fission
            else:
                facts.scalars.add(n)
    return facts


def _plain_loop(loop, plan, nested: bool) -> bool:
    """A `for` without early exit whose body (and nested `for`s, with `nested`) is ops with
    nothing taped, no saved overwrites and no branch."""
    if not isinstance(loop, For) or loop.exit is not None:
        return False
    block = id(loop.body)
    if plan.pushes.get(block) or plan.shapes.get(block):
        return False
    for item in loop.body.items:
        if isinstance(item, Op):
            if id(item) in plan.restore:
                return False
        elif not (nested and _plain_loop(item, plan, nested)):
            return False
    return nested or not plan.recount.get(block)


def fission(gen, loop, body: list, target: str, count: ast.expr) -> list | None:
    """The statements replacing `for target in range(count - 1, -1, -1): body`: split loops
    counting up, the same loop counting up (when a loop inside was split and the iterations
    commute), or None to keep it as it is."""
    if _plain_loop(loop, gen.plan, nested=False):
        try:
            b = _Body(body, target, facts_of(gen))
        except _Refuse:
            return None
        groups = _check(b)
        return None if groups is None else _emit(b, body, groups, target, count)
    split_inside = any(isinstance(n, emit.Comment) and n.text == SPLIT_MARK
                       for s in body for n in ast.walk(s))
    if not split_inside or not _plain_loop(loop, gen.plan, nested=True):
        return None
    try:
        b = _Body(body, target, facts_of(gen), nested=True)
    except _Refuse:
        return None
    if not _commutes(b):
        return None
    up = emit.call(emit.name("range"), [count])
    return [ast.For(target=emit.store(target), iter=up, body=body, orelse=[])]


# ------------------------------------------------------------------------------ analysis
class _Refuse(Exception):
    pass


@dataclass
class _Stmt:
    node: ast.stmt
    kind: str                     # comment | assign | update | accumulate | zero
    reads: set = field(default_factory=set)  # scalar names read
    name: str | None = None       # the scalar it assigns or updates
    array: str | None = None      # the array it stores into
    index: str | None = None      # ast.dump of that store's index
    section: int | None = None    # position of the comment it sits under


class _Body:
    """One pass over the body in order, refusing anything not listed above. With `nested`,
    `for` loops over `range` may appear too: their names are local to one of their iterations
    (assigned before read there, never read after the loop)."""

    def __init__(self, body: list, target: str, facts: Facts, nested: bool = False):
        self.facts, self.target, self.nested = facts, target, nested
        self.assigned_all = _stored(body)
        if target in self.assigned_all:
            raise _Refuse
        self.assigned: set = set()   # names assigned so far in this iteration
        self.values: dict = {}       # name -> its value, while it is assigned exactly once
        self.times: dict = {}        # name -> how many statements assign it
        self.stmts: list[_Stmt] = []
        self.accesses: list = []     # (sequence number, kind, array, index dump, index parts)
        section = None
        for pos, node in enumerate(body):
            s = self.classify(node)
            if s.kind == "comment":
                section = pos
            s.section = section
            self.stmts.append(s)

    @property
    def plain(self) -> dict:
        return {n: v for n, v in self.values.items() if self.times[n] == 1}

    def access(self, kind: str, array: str, sub: ast.Subscript) -> None:
        parts = sub.slice.elts if isinstance(sub.slice, ast.Tuple) else [sub.slice]
        self.accesses.append((len(self.accesses), kind, array, ast.dump(sub.slice), parts))

    def classify(self, node: ast.stmt) -> _Stmt:
        if isinstance(node, emit.Comment):
            return _Stmt(node, "comment")
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            t = node.targets[0]
            if isinstance(t, ast.Name) and t.id not in self.facts.arrays:
                reads = self.expr(node.value)
                self.times[t.id] = self.times.get(t.id, 0) + 1
                self.values[t.id] = node.value
                self.assigned.add(t.id)
                return _Stmt(node, "assign", reads, name=t.id)
            if not (isinstance(node.value, ast.Constant) and type(node.value.value) is float
                    and node.value.value == 0.0):
                raise _Refuse
            array, index, reads = self.slot(t)
            self.access("zero", array, t)
            return _Stmt(node, "zero", reads, array=array, index=index)
        if isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub)):
            t = node.target
            if isinstance(t, ast.Name):
                if t.id not in self.assigned:  # a value carried in from another iteration
                    raise _Refuse
                reads = self.expr(node.value) | {t.id}
                self.times[t.id] += 1
                return _Stmt(node, "update", reads, name=t.id)
            array, index, reads = self.slot(t)
            reads |= self.expr(node.value)
            self.access("accumulate", array, t)
            return _Stmt(node, "accumulate", reads, array=array, index=index)
        if isinstance(node, ast.For) and self.nested and not node.orelse \
                and isinstance(node.target, ast.Name) and _is_range(node.iter):
            reads = set().union(set(), *[self.expr(a) for a in node.iter.args])
            inner = _stored(node.body) | {node.target.id}
            self.assigned -= inner  # nothing flows in from an earlier iteration or loop
            self.assigned.add(node.target.id)
            self.times[node.target.id] = self.times.get(node.target.id, 0) + 2  # never plain
            for s in node.body:
                self.classify(s)
            self.assigned -= inner  # nor out of the loop
            return _Stmt(node, "loop", reads)
        raise _Refuse

    def slot(self, t: ast.expr):
        """An element store `b[idx]` into an adjoint array: (array, index dump, reads)."""
        if not isinstance(t, ast.Subscript) or not isinstance(t.value, ast.Name):
            raise _Refuse
        info = self.facts.arrays.get(t.value.id)
        if info is None or not info[0]:
            raise _Refuse  # primal arrays are never written here
        reads = self.index(t, info[1])
        return t.value.id, ast.dump(t.slice), reads

    def index(self, sub: ast.Subscript, value: Value) -> set:
        parts = sub.slice.elts if isinstance(sub.slice, ast.Tuple) else [sub.slice]
        if len(parts) != value.type.ndim:
            raise _Refuse  # a row or a slice, not one element
        reads = set()
        for p in parts:
            if isinstance(p, ast.Name):
                reads |= self.name(p.id)
            elif not (isinstance(p, ast.Constant) and type(p.value) is int):
                raise _Refuse
        return reads

    def name(self, n: str) -> set:
        if n in self.facts.arrays:
            raise _Refuse  # a whole array in an expression
        if n == self.target or n in self.assigned:
            return {n}
        if n in self.assigned_all:
            raise _Refuse  # read before this iteration assigns it: carried
        if n in self.facts.scalars:
            return {n}
        raise _Refuse  # a name we know nothing about (a tape, a view, a shape)

    def expr(self, e: ast.expr) -> set:
        if isinstance(e, ast.Constant):
            if not isinstance(e.value, (int, float, bool)):
                raise _Refuse
            return set()
        if isinstance(e, ast.Name):
            return self.name(e.id)
        if isinstance(e, ast.BinOp):
            return self.expr(e.left) | self.expr(e.right)
        if isinstance(e, ast.UnaryOp):
            return self.expr(e.operand)
        if isinstance(e, ast.BoolOp):
            return set().union(*[self.expr(v) for v in e.values])
        if isinstance(e, ast.Compare):
            return set().union(*[self.expr(v) for v in [e.left] + e.comparators])
        if isinstance(e, ast.IfExp):
            return self.expr(e.test) | self.expr(e.body) | self.expr(e.orelse)
        if isinstance(e, ast.Attribute):
            if isinstance(e.value, ast.Name) and e.value.id in MODULES:
                return set()  # math.pi, np.inf
            raise _Refuse
        if isinstance(e, ast.Call):
            f = e.func
            pure = isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                and f.value.id in MODULES or isinstance(f, ast.Name) and f.id in PURE_BUILTINS
            if not pure or e.keywords or any(isinstance(a, ast.Starred) for a in e.args):
                raise _Refuse
            return set().union(set(), *[self.expr(a) for a in e.args])
        if isinstance(e, ast.Subscript) and isinstance(e.value, ast.Name):
            info = self.facts.arrays.get(e.value.id)
            if info is None:
                raise _Refuse
            reads = self.index(e, info[1])
            self.access("read", e.value.id, e)
            return reads
        raise _Refuse

    def affine(self, e: ast.expr, depth: int = 0) -> tuple[int, int] | None:
        """(a, b) when `e` is a * it + b for the iteration counter `it`, else None."""
        if depth > 8:
            return None
        if isinstance(e, ast.Constant) and type(e.value) is int:
            return 0, e.value
        if isinstance(e, ast.Name):
            if e.id == self.target:
                return 1, 0
            plain = self.plain
            return self.affine(plain[e.id], depth + 1) if e.id in plain else None
        if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Add, ast.Sub, ast.Mult)):
            left, right = self.affine(e.left, depth + 1), self.affine(e.right, depth + 1)
            if left is None or right is None:
                return None
            if isinstance(e.op, ast.Add):
                return left[0] + right[0], left[1] + right[1]
            if isinstance(e.op, ast.Sub):
                return left[0] - right[0], left[1] - right[1]
            if left[0] == 0:
                return left[1] * right[0], left[1] * right[1]
            if right[0] == 0:
                return left[0] * right[1], left[1] * right[1]
        return None

    def own_part(self, parts: list) -> set:
        """Positions of index parts a * it + b with a > 0 and b >= 0: never negative (so never
        wrapping around) and different in every iteration."""
        out = set()
        for k, p in enumerate(parts):
            ab = self.affine(p)
            if ab is not None and ab[0] > 0 and ab[1] >= 0:
                out.add((k, ab))
        return out


def _is_range(e: ast.expr) -> bool:
    return isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "range" \
        and 1 <= len(e.args) <= 3 and not e.keywords


def _stored(stmts: list) -> set:
    """Every name a statement list assigns, nested loops included."""
    return {n.id for s in stmts for n in ast.walk(s)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _arrays_ok(b: _Body) -> dict | None:
    """The shared part of both checks: accumulated arrays are only added into, never read
    nor zeroed, and their memory is apart from every adjoint array read or zeroed; primal
    arrays are only read (stores into them were refused). Returns {zeroed array: accesses}."""
    facts = b.facts
    accumulated = {a for _, kind, a, _, _ in b.accesses if kind == "accumulate"}
    touched: dict[str, list] = {}
    for acc in b.accesses:
        _, kind, array, _, _ = acc
        if kind != "accumulate" and facts.arrays[array][0]:
            touched.setdefault(array, []).append(acc)
        if kind == "read" and array in accumulated:
            return None  # read while other iterations add into it
    if accumulated & set(touched):
        return None
    for x in accumulated:
        for y in touched:
            if facts.may_share(facts.arrays[x][1], facts.arrays[y][1]):
                return None
    return touched


def _check(b: _Body) -> list[list[int]] | None:
    """The target groups (statement positions, in body order) when fission is legal and
    useful; None otherwise."""
    touched = _arrays_ok(b)
    if touched is None:
        return None
    for accs in touched.values():  # read at one element, then zeroed there, once
        zeros = [a for a in accs if a[1] == "zero"]
        if len(zeros) != 1 or not b.own_part(zeros[0][4]):
            return None
        seq, _, _, index, _ = zeros[0]
        if any(a[3] != index or a[0] > seq for a in accs):
            return None
    groups: dict[tuple[str, str], list[int]] = {}
    for pos, s in enumerate(b.stmts):
        if s.kind == "accumulate":
            groups.setdefault((s.array, s.index), []).append(pos)
    per_array: dict[str, int] = {}
    for array, _ in groups:
        per_array[array] = per_array.get(array, 0) + 1
    if not any(k > 1 for k in per_array.values()) or len(groups) > MAX_TARGETS:
        return None  # no array is scattered into at two places: nothing to gain
    out = list(groups.values())
    zeros = [pos for pos, s in enumerate(b.stmts) if s.kind == "zero"]
    out[-1] = sorted(out[-1] + zeros)  # the last loop also zeros (after its reads)
    return out


def _commutes(b: _Body) -> bool:
    """Whether the iterations of a loop (nested loops inside) may run in any order: besides
    `_arrays_ok`, every adjoint array read or zeroed is touched only at elements whose index
    part k is the same a * it + b (a > 0, b >= 0), so iterations touch disjoint elements."""
    touched = _arrays_ok(b)
    if touched is None:
        return False
    for accs in touched.values():
        common = None
        for a in accs:
            own = b.own_part(a[4])
            common = own if common is None else common & own
        if not common:
            return False
    return True


def _slice(stmts: list[_Stmt], seeds: list[int]) -> list[int]:
    """Positions of `seeds` and of every earlier statement whose scalar they need."""
    keep, needed = set(seeds), set()
    for pos in range(len(stmts) - 1, -1, -1):
        s = stmts[pos]
        if s.kind == "comment":
            continue
        if pos not in keep and not (s.name is not None and s.name in needed):
            continue
        keep.add(pos)
        if s.kind == "assign":
            needed.discard(s.name)
        needed |= s.reads
    return sorted(keep)


def _emit(b: _Body, body: list, groups: list, target: str, count: ast.expr) -> list:
    out: list = [emit.Comment(SPLIT_MARK)]
    cited: set = set()
    for group in groups:
        stmts = []
        for pos in _slice(b.stmts, group):
            section = b.stmts[pos].section
            if section is not None and section not in cited:  # each comment once
                cited.add(section)
                stmts.append(body[section])
            stmts.append(copy.deepcopy(body[pos]))  # simplify edits nodes: one copy per loop
        up = emit.call(emit.name("range"), [copy.deepcopy(count)])
        out.append(ast.For(target=emit.store(target), iter=up, body=stmts, orelse=[]))
    return out
