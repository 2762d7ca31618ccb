"""Build structured SSA from a normalized function, flattening expressions and inlining helpers.

Every expression becomes three-address ops with named results (the lecture's computational
graph, one node per op). Names are bound to SSA values as statements run; if-joins get phis and
loops get carried values for every name their body assigns (dead ones are pruned later). Calls to
module-level helper functions are inlined: their statements become ops of the caller, named
`helper.x.1`, so reverse mode sees one flat program. Tuples exist only at compile time (a name can
be bound to a tuple of values), so packing, unpacking, swaps and helpers returning tuples cost
nothing at run time.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import math
import numbers
import operator
import types

import numpy as np

from .. import rules, runtime, runtime_arrays
from ..errors import (
    NoDerivativeRule,
    S2SADError,
    SourceUnavailable,
    UnsupportedSyntax,
)
from ..frontend import fence, normalize, source
from ..loc import Loc
from .nodes import (
    UNDEF,
    Block,
    Carried,
    Const,
    DerivativeSite,
    For,
    Function,
    If,
    Op,
    Phi,
    Stmt,
    Value,
    While,
    derivative_site,
    dim,
    leaves,
    make_slice,
    make_tuple,
    ndim_of,
    setitem,
    shape_of,
    size_of,
    uses,
    walk,
)

BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.MatMult: operator.matmul, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
}
CMPOPS = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
UNOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
         ast.Invert: operator.invert}
# Calls with only constant arguments to these are evaluated at build time.
FOLDABLE_MODULES = ("math", "operator", "_operator", "builtins")


class Ref:
    """A compile-time binding to a Python object (a module, a function) rather than a value."""

    def __init__(self, obj):
        self.obj = obj


class _Shape(tuple):
    """`x.shape` as a compile-time tuple of `dim` ops, made lazily: the builder does not know
    `x`'s number of dimensions (types come later), so it supports `x.shape[k]` with a constant k
    and `n, m = x.shape` (unpacking asks for as many dimensions as there are names)."""

    def __new__(cls, builder, array, node):
        self = super().__new__(cls, ())
        self.builder, self.array, self.node = builder, array, node
        return self

    def dim(self, k: int):
        return self.builder.op(dim, [self.array, Const(k)], self.node)


class _Method:
    """`x.sum` before it is called: the array and the method name."""

    def __init__(self, value, name: str):
        self.value, self.name = value, name


# Array methods and the NumPy function each one is (the receiver becomes the first argument).
METHODS = {
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min,
    "var": np.var, "std": np.std, "cumsum": np.cumsum, "cumprod": np.cumprod, "dot": np.dot,
    "reshape": np.reshape, "transpose": np.transpose, "ravel": np.ravel, "squeeze": np.squeeze,
    "clip": np.clip, "trace": np.trace, "argmax": np.argmax, "argmin": np.argmin,
}
# Methods whose extra positional arguments form one tuple: x.reshape(2, 3), x.transpose(1, 0).
TUPLE_METHODS = {"reshape", "transpose"}


def _method_function(name: str):
    if name in METHODS:
        return METHODS[name]
    if name in ("copy", "flatten"):
        from ..rules import numpy_arrays  # the method spellings are rule-table functions
        return getattr(numpy_arrays, name)
    return None


class _Scope:
    """One function being built: the top-level one or an inlined helper."""

    def __init__(self, parsed: source.Parsed, prefix: str):
        self.parsed = parsed
        self.prefix = prefix

    def lookup_global(self, name: str):
        p = self.parsed
        if name in p.closure:
            return p.closure[name]
        if name in p.globals:
            return p.globals[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        raise KeyError(name)


def build(parsed: source.Parsed, tree: ast.FunctionDef, derivative_kinds=None) -> Function:
    """SSA for `tree` (the output of `normalize.run(parsed)`). `derivative_kinds` holds the
    argument types of each `grad(g)(...)` call, by build order, once they are known."""
    return _Builder(derivative_kinds).function(parsed, tree)


# grad(g, wrt=...) objects made while building, shared by every function that calls them
_DERIVATIVES: dict = {}


def _prepare(fn) -> tuple[source.Parsed, ast.FunctionDef]:
    parsed = source.load(fn)
    fence.check(parsed)
    return parsed, normalize.run(parsed)


class _Builder:
    def __init__(self, derivative_kinds=None):
        self.derivative_kinds = derivative_kinds or {}
        self.derivative_calls = 0
        self.versions: dict[str, int] = {}
        self.block = Block()
        self.stack: list = []  # functions being inlined, for recursion detection
        self.fresh: set = set()  # temporaries created by the current statement
        self.stmt_info: Stmt | None = None
        self.scope: _Scope | None = None
        self.call_site: Stmt | None = None  # the caller's statement while inlining a helper
        self.helper = ""
        self.family: dict[int, Value] = {}  # id(version written in place) -> first version

    # ----------------------------------------------------------------- naming
    def new_value(self, base: str) -> Value:
        if base == "$":
            n = self.versions.get("$", 0) + 1
            self.versions["$"] = n
            return Value("$", n)
        base = f"{self.scope.prefix}{base}" if self.scope.prefix else base
        n = self.versions.get(base, 0) + 1
        self.versions[base] = n
        return Value(base, n)

    def loc(self, node: ast.AST) -> Loc:
        return self.scope.parsed.loc(node)

    # --------------------------------------------------------------- function
    def function(self, parsed: source.Parsed, tree: ast.FunctionDef) -> Function:
        self.scope = _Scope(parsed, "")
        self.stack.append(parsed.pyfunc)
        params = [Value(a.arg, None) for a in tree.args.posonlyargs + tree.args.args]
        env = {p.base: p for p in params}
        body = Block()
        self.block = body
        result = self.body(tree.body, env)
        bad = [r for r in leaves(result) if not isinstance(r, (Value, Const))]
        if bad:
            raise UnsupportedSyntax(
                f"'{parsed.name}' returns '{_obj_name(bad[0].obj)}', not a value",
                self.return_loc, "return numbers, arrays, or a tuple of them")
        return Function(parsed.name, params, body, result, parsed.loc(tree), parsed.file,
                        self.return_loc)

    def body(self, stmts: list, env: dict):
        """Build statements into the current block; return the bound value of the final return."""
        for stmt in stmts:
            if isinstance(stmt, ast.Return):
                self.begin(stmt)
                self.return_loc = self.loc(stmt)
                return self.expr(stmt.value, env)
            self.statement(stmt, env)
        return None

    def begin(self, stmt: ast.stmt) -> None:
        loc = self.loc(stmt)
        if getattr(stmt, "s2sad_synthetic", False):
            text = ""
        else:
            text = loc.source_line().strip()
            if isinstance(stmt, (ast.If, ast.For, ast.While)) and text.startswith("elif"):
                text = text[2:]
        self.stmt_info = Stmt(text, loc, self.call_site, self.helper)
        self.fresh = set()

    # -------------------------------------------------------------- statements
    def statement(self, stmt: ast.stmt, env: dict) -> None:
        self.begin(stmt)
        if isinstance(stmt, ast.Assign):
            value = self.expr(stmt.value, env)
            last = self.block.items[-1] if self.block.items else None
            if getattr(stmt, "s2sad_augmented", False) and isinstance(last, Op) \
                    and last.result is value:
                last.augmented = True
            for target in stmt.targets:
                self.assign(target, value, env)
        elif isinstance(stmt, ast.If):
            self.if_stmt(stmt, env)
        elif isinstance(stmt, ast.For):
            self.for_stmt(stmt, env)
        elif isinstance(stmt, ast.While):
            self.while_stmt(stmt, env)
        else:
            raise UnsupportedSyntax(
                f"'{type(stmt).__name__}' statements are not supported here", self.loc(stmt),
                "see docs/limitations.md")

    def assign(self, target: ast.expr, value, env: dict) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, Value) and value in self.fresh and value.base == "$":
                named = self.new_value(target.id)
                value.base, value.version = named.base, named.version
                self.fresh.discard(value)
            env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, _Shape):
                value = tuple(value.dim(k) for k in range(len(target.elts)))
            if not isinstance(value, tuple) or len(value) != len(target.elts):
                n = len(value) if isinstance(value, tuple) else 1
                raise UnsupportedSyntax(
                    f"cannot unpack {n} value(s) into {len(target.elts)} names", self.loc(target),
                    "unpack a tuple of the same length")
            for t, v in zip(target.elts, value):
                self.assign(t, v, env)
        elif isinstance(target, ast.Subscript):
            self.store_item(target, value, env)
        else:
            raise UnsupportedSyntax("assignment to an attribute is not supported",
                                    self.loc(target), "assign to a name or an array element")

    def store_item(self, target: ast.Subscript, value, env: dict) -> None:
        """`y[index] = value`: a new version of `y` (the same array, written in place). Every
        name bound to that array sees the write, so all of them are rebound to the new
        version."""
        if not isinstance(target.value, ast.Name) or not isinstance(
                env.get(target.value.id), Value):
            raise UnsupportedSyntax(
                "only an array variable can be written into here", self.loc(target.value),
                "write into the array itself, e.g. A[i, j] = v rather than A[i][j] = v")
        array = env[target.value.id]
        items = self.index_items(target.slice, env)
        value = self.scalar(value, target)
        result = self.new_value(target.value.id)
        self.block.items.append(Op(result, setitem, [array, *items, value], self.stmt_info,
                                   self.loc(target)))
        root = self.family.get(id(array), array)
        self.family[id(result)] = root
        for name, bound in list(env.items()):
            if isinstance(bound, Value) and self.family.get(id(bound), bound) is root:
                env[name] = result

    def index_items(self, node: ast.expr, env: dict) -> list:
        """The parts of a subscript as operands: integers, index/mask arrays, slice ops."""
        parts = node.elts if isinstance(node, ast.Tuple) else [node]
        items = []
        for part in parts:
            if isinstance(part, ast.Slice):
                bounds = [Const(None) if b is None else self.scalar(self.expr(b, env), b)
                          for b in (part.lower, part.upper, part.step)]
                items.append(self.op(make_slice, bounds, part))
            elif isinstance(part, ast.Constant) and part.value is None:
                raise UnsupportedSyntax("np.newaxis / None in an index is not supported",
                                        self.loc(part), "use np.expand_dims(x, axis)")
            else:
                items.append(self.scalar(self.expr(part, env), part))
        return items

    def if_stmt(self, stmt: ast.If, env: dict) -> None:
        cond = self.scalar(self.expr(stmt.test, env), stmt.test)
        self.region_if(cond, stmt, lambda e: self.run_block(stmt.body, e),
                       lambda e: self.run_block(stmt.orelse, e), env)

    def run_block(self, stmts: list, env: dict) -> None:
        for s in stmts:
            self.statement(s, env)

    def region_if(self, cond, node, build_then, build_else, env: dict):
        """Build an If region; `build_*` fill a branch given its env and may return a value.

        Returns the phi (or folded value) of the branches' return values."""
        stmt, loc = self.stmt_info, self.loc(node)
        if isinstance(cond, Const) and cond is not UNDEF:
            chosen = build_then if cond.value else build_else
            return chosen(env)
        outer = self.block
        then_env, else_env = dict(env), dict(env)
        then_block, else_block = Block(), Block()
        self.block = then_block
        then_val = build_then(then_env)
        self.block = else_block
        else_val = build_else(else_env)
        self.block = outer
        self.stmt_info = stmt
        phis = []
        for name in _merge_order(env, then_env, else_env):
            a, b = then_env.get(name, UNDEF), else_env.get(name, UNDEF)
            env[name] = self.join(name, a, b, phis, node)
        result = self.join(None, then_val, else_val, phis, node) if then_val is not None else None
        outer.items.append(If(cond, then_block, else_block, phis, stmt, loc))
        return result

    def join(self, name, a, b, phis: list, node):
        if a is b:
            return a
        if isinstance(a, Const) and isinstance(b, Const) and a == b and a is not UNDEF:
            return a
        if isinstance(a, tuple) and b is UNDEF:  # e.g. a helper's tuple result, unset on the
            b = (UNDEF,) * len(a)                # path that has not returned yet
        if isinstance(b, tuple) and a is UNDEF:
            a = (UNDEF,) * len(b)
        if isinstance(a, tuple) or isinstance(b, tuple):
            if not (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)):
                raise UnsupportedSyntax(
                    f"'{name}' is a tuple on one path and not on the other", self.loc(node),
                    "give it the same shape on every path")
            return tuple(self.join(None, x, y, phis, node) for x, y in zip(a, b))
        if isinstance(a, Ref) or isinstance(b, Ref):
            if isinstance(a, Ref) and isinstance(b, Ref) and a.obj is b.obj:
                return a
            raise UnsupportedSyntax(f"'{name}' refers to different objects on different paths",
                                    self.loc(node), "bind functions and modules once")
        result = self.new_value(name or "$")
        if name is None:
            self.fresh.add(result)
        phis.append(Phi(result, a, b))
        return result

    def loop_carried(self, node, env: dict) -> list[str]:
        names = []
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store) \
                    and sub.id not in names:
                names.append(sub.id)
            if isinstance(sub, ast.Subscript) and isinstance(sub.ctx, ast.Store) \
                    and isinstance(sub.value, ast.Name):
                # `y[i] = v` makes a new version of y and of every name bound to that array
                written = env.get(sub.value.id)
                root = self.family.get(id(written), written)
                for name, bound in env.items():
                    if name not in names and (name == sub.value.id or (
                            isinstance(bound, Value)
                            and self.family.get(id(bound), bound) is root)):
                        names.append(name)
                if sub.value.id not in names:
                    names.append(sub.value.id)
        for name in names:
            if isinstance(env.get(name), (tuple, Ref)):
                raise UnsupportedSyntax(
                    f"'{name}' holds a tuple and is reassigned inside a loop", self.loc(node),
                    "unpack the tuple into separate variables before the loop")
        return names

    def open_loop(self, node, env: dict):
        names = self.loop_carried(node, env)
        carried = []
        body_env = dict(env)
        for name in names:
            header = self.new_value(name)
            carried.append(Carried(header, env.get(name, UNDEF), UNDEF, header))
            body_env[name] = header
        return names, carried, body_env

    def close_loop(self, node, names, carried, body_env, env, blocks) -> None:
        read = {id(a) for b in blocks for item in walk(b) for a in leaves(tuple(uses(item)))}
        for name, c in list(zip(names, carried)):
            nxt = body_env.get(name, UNDEF)
            if isinstance(nxt, (tuple, Ref)) and c.init is UNDEF and id(c.header) not in read \
                    and name != normalize.RETVAL:  # a returned tuple outlives the loop
                # a tuple made afresh in each iteration (`shape = x.shape`) is local to it
                carried.remove(c)
                env.pop(name, None)
                continue
            if isinstance(nxt, (tuple, Ref)):
                raise UnsupportedSyntax(
                    f"'{name}' becomes a tuple inside a loop", self.loc(node),
                    "unpack the tuple into separate variables")
            c.next = nxt
            c.result = self.new_value(name)
            env[name] = c.result

    def for_stmt(self, stmt: ast.For, env: dict) -> None:
        call = stmt.iter
        fn = self.expr(call.func, env) if isinstance(call, ast.Call) else None
        if not (isinstance(fn, Ref) and fn.obj is range) or call.keywords \
                or not 1 <= len(call.args) <= 3:
            raise UnsupportedSyntax("only 'for ... in range(...)' loops are supported",
                                    self.loc(stmt.iter), "loop over range(len(x)) and index")
        bounds = [self.scalar(self.expr(a, env), a) for a in call.args]
        start, stop, step = (
            (Const(0), bounds[0], Const(1)) if len(bounds) == 1
            else (bounds[0], bounds[1], Const(1)) if len(bounds) == 2 else tuple(bounds))
        if isinstance(step, Const) and step.value == 0:
            raise UnsupportedSyntax("range() step must not be zero", self.loc(call), None)
        stmt_info, loc = self.stmt_info, self.loc(stmt)
        names, carried, body_env = self.open_loop(stmt, env)
        index = self.new_value(stmt.target.id)
        body_env[stmt.target.id] = index
        outer, body = self.block, Block()
        self.block = body
        self.run_block(stmt.body, body_env)
        self.block = outer
        exit_ = body_env.get(stmt.s2sad_exit) if getattr(stmt, "s2sad_exit", None) else None
        self.stmt_info = stmt_info
        self.close_loop(stmt, names, carried, body_env, env, [body])
        outer.items.append(For(index, start, stop, step, body, carried, exit_, stmt_info, loc))

    def while_stmt(self, stmt: ast.While, env: dict) -> None:
        stmt_info, loc = self.stmt_info, self.loc(stmt)
        names, carried, body_env = self.open_loop(stmt, env)
        outer = self.block
        cond_block = Block()
        self.block = cond_block
        cond = self.scalar(self.expr(stmt.test, body_env), stmt.test)
        body = Block()
        self.block = body
        self.run_block(stmt.body, body_env)
        self.block = outer
        exit_ = body_env.get(stmt.s2sad_exit) if getattr(stmt, "s2sad_exit", None) else None
        self.stmt_info = stmt_info
        self.close_loop(stmt, names, carried, body_env, env, [cond_block, body])
        outer.items.append(While(cond_block, cond, body, carried, exit_, stmt_info, loc))

    # ------------------------------------------------------------- expressions
    def scalar(self, binding, node):
        if isinstance(binding, (Value, Const)):
            return binding
        what = "a tuple" if isinstance(binding, tuple) else f"'{_obj_name(binding.obj)}'"
        raise UnsupportedSyntax(f"expected a number here, got {what}", self.loc(node),
                                "s2sad differentiates numbers; index tuples with a constant")

    def op(self, fn, args: list, node, nvar: int = 0) -> Value | Const:
        if all(isinstance(a, Const) and a is not UNDEF for a in args) and _foldable(fn):
            try:
                return Const(fn(*[a.value for a in args]))
            except Exception:  # leave it to run time, where Python raises the user's error
                pass
        result = self.new_value("$")
        self.fresh.add(result)
        self.block.items.append(Op(result, fn, list(args), self.stmt_info, self.loc(node),
                                   nvar))
        return result

    def expr(self, node: ast.expr, env: dict):
        method = getattr(self, f"expr_{type(node).__name__}", None)
        if method is None:
            raise UnsupportedSyntax(f"'{type(node).__name__}' expressions are not supported",
                                    self.loc(node), "see docs/limitations.md")
        return method(node, env)

    def expr_Constant(self, node, env):
        if node.value is None or isinstance(node.value, (bool, int, float, str)):
            return Const(node.value)
        raise UnsupportedSyntax(f"constant {node.value!r} is not a number", self.loc(node), None)

    def expr_Name(self, node, env):
        if node.id in env:
            return env[node.id]
        try:
            obj = self.scope.lookup_global(node.id)
        except KeyError:
            raise UnsupportedSyntax(f"name '{node.id}' is not defined", self.loc(node),
                                    "assign it before use on every path") from None
        return self.classify(obj, node)

    def classify(self, obj, node):
        if isinstance(obj, (bool, np.bool_)):
            return Const(bool(obj))
        if isinstance(obj, numbers.Integral):
            return Const(int(obj))
        if isinstance(obj, numbers.Real):
            return Const(float(obj))
        if isinstance(obj, tuple) and all(isinstance(x, numbers.Real) for x in obj):
            return tuple(self.classify(x, node) for x in obj)
        if isinstance(obj, types.ModuleType) or callable(obj):
            return Ref(obj)
        raise UnsupportedSyntax(
            f"global '{getattr(node, 'id', getattr(node, 'attr', '?'))}' is a "
            f"{type(obj).__name__}, which s2sad cannot use", self.loc(node),
            "pass it as an argument or make it a number")

    def expr_Attribute(self, node, env):
        base = self.expr(node.value, env)
        if isinstance(base, Ref) and isinstance(base.obj, types.ModuleType):
            if not hasattr(base.obj, node.attr):
                raise UnsupportedSyntax(f"module '{base.obj.__name__}' has no '{node.attr}'",
                                        self.loc(node), None)
            return self.classify(getattr(base.obj, node.attr), node)
        if isinstance(base, Value):
            if node.attr == "shape":
                return _Shape(self, base, node)
            if node.attr == "T":
                return self.array_call(rules.arrays.lookup(np.transpose), np.transpose, [base],
                                       {}, node)
            if node.attr == "size":
                return self.op(size_of, [base], node)
            if node.attr == "ndim":
                return self.op(ndim_of, [base], node)
            if _method_function(node.attr) is not None:
                return _Method(base, node.attr)
        raise UnsupportedSyntax(
            f"attribute '.{node.attr}' is not supported here", self.loc(node),
            "arrays support .shape, .size, .ndim, .T and the methods "
            f"{', '.join(sorted(set(METHODS) | {'copy', 'flatten'}))}")

    def expr_BinOp(self, node, env):
        left = self.scalar(self.expr(node.left, env), node.left)
        right = self.scalar(self.expr(node.right, env), node.right)
        return self.op(BINOPS[type(node.op)], [left, right], node)

    def expr_UnaryOp(self, node, env):
        operand = self.scalar(self.expr(node.operand, env), node.operand)
        return self.op(UNOPS[type(node.op)], [operand], node)

    def expr_Compare(self, node, env):
        left = self.scalar(self.expr(node.left, env), node.left)
        if len(node.ops) == 1:
            right = self.scalar(self.expr(node.comparators[0], env), node.comparators[0])
            return self.op(CMPOPS[type(node.ops[0])], [left, right], node)
        # a < b < c: evaluate b once, and c only when a < b holds (Python's short circuit).
        return self.chain(left, list(zip(node.ops, node.comparators)), node, env)

    def chain(self, left, pairs, node, env):
        cmp_op, comparator = pairs[0]
        right = self.scalar(self.expr(comparator, env), comparator)
        first = self.op(CMPOPS[type(cmp_op)], [left, right], node)
        if len(pairs) == 1:
            return first
        return self.region_if(first, node, lambda e: self.chain(right, pairs[1:], node, e),
                              lambda e: first, env)

    def expr_BoolOp(self, node, env):
        first = self.scalar(self.expr(node.values[0], env), node.values[0])
        if len(node.values) == 1:
            return first
        rest = ast.BoolOp(op=node.op, values=node.values[1:])
        ast.copy_location(rest, node.values[1])

        def more(e):
            return self.scalar(self.expr(rest, e), rest)

        def same(e):
            return first

        if isinstance(node.op, ast.And):
            return self.region_if(first, node, more, same, env)
        return self.region_if(first, node, same, more, env)

    def expr_IfExp(self, node, env):
        cond = self.scalar(self.expr(node.test, env), node.test)
        return self.region_if(cond, node, lambda e: self.expr(node.body, e),
                              lambda e: self.expr(node.orelse, e), env)

    def expr_Tuple(self, node, env):
        return tuple(self.expr(e, env) for e in node.elts)

    # a list literal, which the fence allows only as a call argument (np.array([a, b])), is
    # the same compile-time sequence as a tuple
    expr_List = expr_Tuple

    def expr_Subscript(self, node, env):
        base = self.expr(node.value, env)
        if isinstance(base, Value):
            items = self.index_items(node.slice, env)
            return self.op(operator.getitem, [base, *items], node)
        index = self.expr(node.slice, env)
        if isinstance(base, _Shape) and isinstance(index, Const) and isinstance(index.value, int):
            return base.dim(index.value)
        if isinstance(base, tuple) and isinstance(index, Const) \
                and isinstance(index.value, int) and -len(base) <= index.value < len(base):
            return base[index.value]
        raise UnsupportedSyntax(
            "only arrays and tuples (with a constant index) can be indexed", self.loc(node),
            None)

    def expr_Call(self, node, env):
        fn = self.expr(node.func, env)
        args = [self.expr(a, env) for a in node.args]
        kwargs = {k.arg: self.expr(k.value, env) for k in node.keywords}
        if isinstance(fn, _Method):
            if fn.name in TUPLE_METHODS and len(args) > 1:
                args = [tuple(args)]
            obj = _method_function(fn.name)
            args = [fn.value, *args]
        elif isinstance(fn, Ref):
            obj = fn.obj
        else:
            raise UnsupportedSyntax("this is not a callable s2sad can resolve", self.loc(node.func),
                                    "call module-level functions by name")
        from .. import api  # late: api imports the pipeline, which imports this module
        if obj is api.grad or obj is api.value_and_grad:
            return self.derivative_object(obj is api.value_and_grad, args, kwargs, node)
        if type(obj) is api.Derivative:
            return self.derivative_call(obj, args, kwargs, node)
        if obj in api.TRANSFORMS or isinstance(obj, api.Derivative):
            raise UnsupportedSyntax(
                f"'{_obj_name(obj)}' cannot be differentiated through; of the derivative "
                "transforms, only grad and value_and_grad can be called inside a differentiated "
                "function", self.loc(node), "compute it outside, or use hvp for H·v")
        if obj is runtime.push_array and len(args) == 3 and not kwargs:
            return self.push_array(*args, node)
        if obj is runtime_arrays.cotangents and len(args) == 3:
            return args[0]  # a custom vjp's checked tuple: the tuple itself, when differentiated
        array_rule = rules.arrays.lookup(obj)
        if array_rule is not None:
            return self.array_call(array_rule, obj, args, kwargs, node)
        primal = getattr(obj, "py_func", obj)  # numba dispatchers: differentiate the Python source
        if obj is math.log and len(args) == 2 and not kwargs:
            obj = rules.mathfuncs.log_base  # the rule table keys log-with-base separately
        rule = rules.lookup(obj)
        if obj in (max, min) and len(args) > 2 and not kwargs:
            value = self.scalar(args[0], node.args[0])
            for a, n in zip(args[1:], node.args[1:]):
                value = self.op(obj, [value, self.scalar(a, n)], node)
            return value
        if obj is range:
            raise UnsupportedSyntax("range() is only supported as a for-loop iterable",
                                    self.loc(node), None)
        if rule is not None:
            if kwargs:
                raise UnsupportedSyntax(
                    f"keyword arguments to '{_obj_name(obj)}' are not supported", self.loc(node),
                    "pass them positionally")
            if rule.kind == "partials" and len(args) != len(rule.params):
                raise UnsupportedSyntax(
                    f"'{_obj_name(obj)}' is differentiable with {len(rule.params)} argument(s), "
                    f"called with {len(args)}", self.loc(node), None)
            return self.op(obj, [self.scalar(a, node) for a in args], node)
        if (getattr(primal, "__module__", None) or "").startswith("s2sad."):
            raise NoDerivativeRule(
                f"no derivative rule for s2sad's run-time helper '{_obj_name(obj)}'",
                self.loc(node), "this generated derivative cannot be differentiated again "
                "(second derivatives through np.prod/np.cumprod are not supported); see "
                "docs/hvp_hessian.md")
        if isinstance(primal, types.FunctionType):
            return self.inline(primal, args, kwargs, node)
        hint = ("give it derivatives with @s2sad.custom_vjp (docs/custom_rules.md), "
                "s2sad.rules.register(fn, partials, sample=...) for an elementwise function, or "
                "an @array_op rule (docs/rules.md); or compute it outside the differentiated "
                "function")
        if (getattr(obj, "__module__", None) or "").startswith("numpy"):
            hint = ("s2sad has no rule for this NumPy function yet (docs/supported.md lists "
                    "those it has); " + hint)
        raise NoDerivativeRule(f"no derivative rule for '{_obj_name(obj)}'", self.loc(node), hint)

    def array_call(self, rule, obj, args: list, kwargs: dict, node):
        """Bind a call to an array rule's signature: static parameters (axis, keepdims, ...)
        must be constants; a `*varargs` parameter takes the elements of a tuple
        (np.concatenate((a, b))) or the remaining positional arguments."""
        name = _obj_name(obj)
        params, bound, pos = rule.params, {}, list(args)

        def fail(message, hint=None):
            raise UnsupportedSyntax(f"{name}: {message}", self.loc(node), hint)

        for p in params:
            if p == rule.varargs:
                if pos and isinstance(pos[0], tuple) and not isinstance(pos[0], _Shape):
                    bound[p] = pos.pop(0)  # np.stack((a, b), 1): the tuple, then the rest
                else:
                    bound[p], pos = tuple(pos), []
            elif pos:
                bound[p] = pos.pop(0)
        if pos:
            fail(f"takes at most {len(params)} positional argument(s)")
        for k, v in kwargs.items():
            if k not in params or k in bound:
                fail(f"unexpected or repeated keyword argument '{k}'",
                     f"parameters: {', '.join(params)}")
            bound[k] = v
        op_args, nvar = [], 0
        for p in params:
            if p not in bound:
                if p not in rule.defaults:
                    fail(f"missing argument '{p}'")
                bound[p] = Const(rule.defaults[p])
            v = bound[p]
            if p in rule.static:
                op_args.append(self.static_arg(v, p, name, node))
            elif p == rule.varargs:
                op_args += [self.dynamic_arg(x, node) for x in v]
                nvar = len(v)
            else:
                op_args.append(self.dynamic_arg(v, node))
        return self.op(obj, op_args, node, nvar)

    def static_arg(self, v, param: str, name: str, node):
        if isinstance(v, Const) and v is not UNDEF:
            return v
        if isinstance(v, tuple) and all(isinstance(x, Const) for x in v):
            return Const(tuple(x.value for x in v))
        if isinstance(v, Ref):
            return Const(v.obj)  # a dtype such as np.float64
        raise UnsupportedSyntax(
            f"{name}: '{param}' must be a constant here", self.loc(node),
            f"write {param}= as a literal (s2sad specializes the derivative on it)")

    def dynamic_arg(self, v, node):
        if isinstance(v, _Shape):
            return self.op(shape_of, [v.array], node)
        if isinstance(v, tuple):
            items = [self.dynamic_arg(x, node) for x in v]
            if all(isinstance(x, Const) for x in items):
                return Const(tuple(x.value for x in items))
            return self.op(make_tuple, items, node)
        return self.scalar(v, node)

    # ---------------------------------------------------------------- inlining
    def push_array(self, tape, p, x, node):
        """A generated adjoint's `tape = push_array(tape, p, x)`, differentiated again: spelled
        out as `tape = grow(tape, p + x.size); tape[p:p + x.size] = np.ravel(x)`, a grow and
        a slice write, which both modes already differentiate."""
        end = self.op(operator.add, [p, self.op(size_of, [x], node)], node)
        grown = self.array_call(rules.arrays.lookup(runtime.grow), runtime.grow, [tape, end],
                                {}, node)
        flat = self.array_call(rules.arrays.lookup(np.ravel), np.ravel, [x], {}, node)
        span = self.op(make_slice, [p, end, Const(None)], node)
        result = self.new_value("$")
        self.block.items.append(Op(result, setitem, [grown, span, flat], self.stmt_info,
                                   self.loc(node)))
        self.family[id(result)] = self.family.get(id(grown), grown)
        return result

    def derivative_object(self, with_value: bool, args: list, kwargs: dict, node):
        """`grad(g, wrt=...)` inside a differentiated function: made here, at build time."""
        from .. import api
        maker = "value_and_grad" if with_value else "grad"
        bad = UnsupportedSyntax(
            f"{maker}(...) inside a differentiated function takes a module-level function and "
            "a constant wrt", self.loc(node), f"write {maker}(g, wrt=0) or {maker}(g, (0, 1))")
        if not args or not isinstance(args[0], Ref) or len(args) > 2 \
                or set(kwargs) - {"wrt", "jit"}:
            raise bad
        wrt = args[1] if len(args) == 2 else kwargs.get("wrt", Const(0))
        wrt = tuple(w.value for w in wrt) if isinstance(wrt, tuple) else getattr(wrt, "value", bad)
        if wrt is bad or not all(isinstance(w, (int, str)) for w in (
                wrt if isinstance(wrt, tuple) else (wrt,))):
            raise bad
        key = (args[0].obj, wrt, with_value)
        if key not in _DERIVATIVES:
            _DERIVATIVES[key] = api.Derivative(args[0].obj, wrt, jit=False, with_value=with_value)
        return Ref(_DERIVATIVES[key])

    def derivative_call(self, derivative, args: list, kwargs: dict, node):
        """`grad(g)(w, ...)`: g's generated adjoint, inlined like a helper, so the function
        calling it can be differentiated again (a gradient of a gradient). Until the argument
        types are known (the pipeline's first build), placeholders stand in for it."""
        if kwargs:
            raise UnsupportedSyntax("keyword arguments to a derivative are not supported",
                                    self.loc(node), "pass them positionally")
        index = self.derivative_calls
        self.derivative_calls += 1
        kinds = self.derivative_kinds.get(index)
        if kinds is None:
            site = DerivativeSite(derivative, index)
            value = self.op(derivative_site, [Const(site), Const(-1), *args], node)
            grads = tuple(self.op(derivative_site, [Const(site), Const(k), *args], node)
                          for k in range(len(derivative.wrt)))
        else:
            spec = derivative._specs.get(kinds) or derivative._build(kinds, [None] * len(kinds))
            value, grads = self.inline(spec.loaded.python, args, {}, node)
        out = grads[0] if derivative._single else tuple(grads)
        return (value, out) if derivative.with_value else out

    def inline(self, fn, args: list, kwargs: dict, node):
        if fn in self.stack:
            raise UnsupportedSyntax(
                f"recursive call to '{fn.__name__}'", self.loc(node),
                "s2sad inlines helpers, so recursion is not supported: write it as a loop")
        call_loc = self.loc(node)
        try:
            parsed, tree = _prepare(fn)
            bound = inspect.signature(fn).bind(*args, **kwargs)
        except TypeError as exc:
            raise UnsupportedSyntax(f"bad call to '{fn.__name__}': {exc}", call_loc, None) from None
        except SourceUnavailable as exc:  # the helper has no file: point at the call instead
            raise SourceUnavailable(f"cannot differentiate through '{fn.__name__}': "
                                    f"{exc.message}", call_loc, exc.hint) from None
        except S2SADError as exc:
            exc.add_note(f"while inlining '{fn.__name__}' called at {call_loc}")
            raise
        bound.apply_defaults()
        outer_scope, outer_stmt, outer_fresh = self.scope, self.stmt_info, self.fresh
        outer_site, outer_helper = self.call_site, self.helper
        self.call_site, self.helper = outer_stmt, fn.__name__
        self.scope = _Scope(parsed, f"{fn.__name__}.")
        env = {}
        for name, value in bound.arguments.items():
            env[name] = value if isinstance(value, (Value, Const, tuple, Ref)) \
                else self.classify(value, tree)
        self.stack.append(fn)
        try:
            result = self.body(tree.body, env)
        finally:
            self.stack.pop()
            self.scope, self.stmt_info, self.fresh = outer_scope, outer_stmt, outer_fresh
            self.call_site, self.helper = outer_site, outer_helper
        if result is None:
            raise UnsupportedSyntax(f"helper '{fn.__name__}' returns no value", call_loc, None)
        if isinstance(result, Value) and result.base == "$":
            self.fresh.add(result)
        return result


def _merge_order(env: dict, a: dict, b: dict) -> list[str]:
    names = list(env)
    names += [n for n in a if n not in env]
    names += [n for n in b if n not in env and n not in a]
    return names


def _foldable(fn) -> bool:
    module = getattr(fn, "__module__", None) or ("builtins" if fn in (abs, min, max) else "")
    return module in FOLDABLE_MODULES or fn in (abs, min, max, float, int, round, pow)


def _obj_name(obj) -> str:
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)
    return f"{module}.{name}" if module and module != "builtins" else name
