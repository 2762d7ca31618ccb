"""The derivative rule table, keyed by primal callable (`math.sin`, `operator.mul`, `max`, ...).

A rule is plain, runnable Python returning the partial derivatives of its primal; forward and
reverse mode are both derived from the partials, so they cannot disagree. Rules are checked when
they are registered (so a bad rule fails at import, pointing at its own `def` line) and their
bodies are inlined into generated code, so Numba sees arithmetic, not calls. See docs/rules.md.
"""

from __future__ import annotations

import ast
import builtins
import copy
import inspect
import math
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import RuleDefinitionError
from ..loc import Loc

# ---------------------------------------------------------------------------------------------
# Sample domains: where each argument is smooth, so a sweep test can check every rule.


@dataclass(frozen=True)
class Domain:
    """Uniform on [lo, hi], or on [-hi, -lo] ∪ [lo, hi] when `mirrored`."""

    lo: float
    hi: float
    mirrored: bool = False

    def draw(self, rng: np.random.Generator) -> float:
        x = float(rng.uniform(self.lo, self.hi))
        return -x if self.mirrored and rng.random() < 0.5 else x


def uniform(lo: float, hi: float) -> Domain:
    if not lo < hi:
        raise ValueError(f"uniform({lo}, {hi}): need lo < hi")
    return Domain(float(lo), float(hi))


def away_from_zero(lo: float, hi: float) -> Domain:
    """For arguments that must not approach 0 (divisors, |x| at its kink)."""
    if not 0 < lo < hi:
        raise ValueError(f"away_from_zero({lo}, {hi}): need 0 < lo < hi")
    return Domain(float(lo), float(hi), mirrored=True)


def positive(lo: float = 0.1, hi: float = 3.0) -> Domain:
    if not 0 < lo < hi:
        raise ValueError(f"positive({lo}, {hi}): need 0 < lo < hi")
    return Domain(float(lo), float(hi))


# ---------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class _Body:
    """A validated rule body, parsed once. Never handed out: `Rule.inline` returns copies."""

    assigns: tuple[tuple[str, ast.expr], ...]  # local name, value (in body order)
    results: tuple[ast.expr, ...]  # one partial per param
    needs: tuple[frozenset[str], ...]  # locals each partial uses, transitively


@dataclass(eq=False)
class Rule:
    primals: tuple
    name: str
    kind: str  # "partials" or "nondiff"
    func: Callable | None
    params: tuple[str, ...]
    sample: tuple[Domain, ...]
    loc: Loc
    uses_out: bool
    _body: _Body | None = field(default=None, repr=False)
    # Whether the body also computes elementwise on arrays (np.* calls and arithmetic only:
    # no `x if c else y`, `and`/`or`, math.* or the float/abs/min/max builtins).
    vectorizable: bool = False

    def partials(self, *args, out) -> tuple:
        """One partial per argument, always a tuple. Zeros for a nondiff rule."""
        if self.func is None:
            return (0.0,) * len(args)
        result = self.func(*args, out=out)
        return tuple(result) if len(self.params) > 1 else (result,)

    def inline(self, args, out, fresh, needed=None):
        """The rule body with `args`/`out` substituted and locals renamed through `fresh`.

        Returns (prelude statements, one expression per param, `None` where not `needed`). The
        prelude holds only the locals the needed partials use. Every node returned is new.
        """
        n = len(args) if self._body is None else len(self.params)
        if len(args) != n:
            raise ValueError(f"rule {self.name}: {len(args)} arguments for {n} parameters")
        needed = [True] * n if needed is None else list(needed)
        if len(needed) != n:
            raise ValueError(f"rule {self.name}: `needed` has {len(needed)} entries, want {n}")
        if self._body is None:
            return [], [ast.Constant(0.0) if want else None for want in needed]
        body = self._body
        mapping: dict[str, ast.expr] = dict(zip(self.params, args))
        mapping["out"] = out
        wanted = set().union(*(body.needs[i] for i in range(n) if needed[i]))
        prelude: list[ast.stmt] = []
        for local, value in body.assigns:
            if local in wanted:
                new_value = _substitute(value, mapping)
                mapping[local] = ast.Name(fresh(local), ast.Load())
                target = ast.Name(mapping[local].id, ast.Store())
                prelude.append(ast.Assign(targets=[target], value=new_value))
        exprs = [_substitute(e, mapping) if want else None for e, want in zip(body.results, needed)]
        return prelude, exprs


RULES: dict[object, Rule] = {}
# Rules used instead of RULES[fn] when an operand is an array (`x ** y` needs np.where where
# the scalar rule branches with `if`).
ARRAY_PARTIALS: dict[object, Rule] = {}


def lookup(fn) -> Rule | None:
    try:
        return RULES.get(fn)
    except TypeError:  # unhashable callables have no rule
        return None


def lookup_array(fn):
    """The rule for `fn` applied to at least one array: an array rule (reductions, linear
    algebra, ...), an array variant of a scalar rule, or a scalar rule that vectorizes."""
    try:
        rule = arrays.lookup(fn) or ARRAY_PARTIALS.get(fn)
    except TypeError:
        return None
    if rule is not None:
        return rule
    rule = lookup(fn)
    module = getattr(fn, "__module__", None)
    takes_arrays = module in ("operator", "_operator") or (module or "").startswith("numpy") \
        or module is None and hasattr(fn, "nin") or rule is not None and rule.kind == "nondiff" \
        and module != "math"  # math.* and float() take numbers only
    if rule is not None and takes_arrays and (rule.kind == "nondiff" or rule.vectorizable):
        return rule
    return None


def lookup_any(fn):
    """Any rule for `fn` (scalar or array): whether s2sad knows the function at all."""
    return lookup(fn) or lookup_array(fn)


def array_partials(*primals, sample):
    """Like `partials`, for the array variant of primals whose scalar rule branches."""
    return partials(*primals, sample=sample, table=ARRAY_PARTIALS)


def partials(*primals, sample, table: dict | None = None):
    """Decorator: register the decorated function as the partials rule of every primal given.

    `sample` is one `Domain` per parameter (a bare `Domain` is accepted for 1-argument rules).
    `table` defaults to `RULES`; tests pass their own dict.
    """

    def decorate(func):
        _add(_build(primals, func, sample), table)
        return func

    return decorate


def register(primal, func, sample, table: dict | None = None) -> Rule:
    """Programmatic `@partials`: give `primal` (e.g. a user function) the rule `func`."""
    rule = _build((primal,), func, sample)
    _add(rule, table)
    return rule


def nondiff(*primals, table: dict | None = None) -> None:
    """Register callables whose derivative is zero wherever it exists (floor, comparisons, len)."""
    frame = sys._getframe(1)
    loc = Loc(frame.f_code.co_filename, frame.f_lineno)
    for primal in primals:
        name = getattr(primal, "__name__", repr(primal))
        _add(Rule((primal,), name, "nondiff", None, (), (), loc, False), table)


def _add(rule: Rule, table: dict | None) -> None:
    table = RULES if table is None else table
    for primal in rule.primals:
        if not callable(primal):
            raise RuleDefinitionError(
                f"rule `{rule.name}`: {primal!r} is not callable",
                rule.loc,
                "register rules for functions, e.g. math.sin or a user function",
            )
        if primal in table:
            old = table[primal].loc
            raise RuleDefinitionError(
                f"rule `{rule.name}`: {_qualname(primal)} already has a rule (at {old})",
                rule.loc,
                "each primal has exactly one rule; remove one of the two",
            )
    for primal in rule.primals:
        table[primal] = rule


def _qualname(fn) -> str:
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return f"{module}.{name}" if module and module != "builtins" else name


# ---------------------------------------------------------------------------------------------
# Parsing and checking a rule body

_MODULES = {"math": math, "np": np, "numpy": np}
_BUILTINS = {"float": builtins.float, "abs": builtins.abs, "min": builtins.min, "max": builtins.max}
_EXPR_NODES = (
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.BoolOp,
    ast.IfExp,
    ast.Call,
    ast.Attribute,
    ast.Name,
    ast.Constant,
)
_GRAMMAR_NODES = (ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.expr_context)
_BODY_HINT = (
    "a rule body is `name = expr` lines and one `return`, using only its parameters, "
    "`out`, earlier locals, math.*, np.*, float, abs, min and max"
)


def _build(primals, func, sample) -> Rule:
    name = getattr(func, "__name__", repr(func))
    fdef, loc, first = _parse(func, name)
    params = tuple(a.arg for a in fdef.args.posonlyargs + fdef.args.args)

    def fail(message, node=None, hint=_BODY_HINT):
        where = f" (line {first + node.lineno - 1})" if node is not None else ""
        raise RuleDefinitionError(f"rule `{name}`: {message}{where}", loc, hint)

    a = fdef.args
    if (
        a.vararg
        or a.kwarg
        or a.defaults
        or a.kw_defaults != [None]
        or [k.arg for k in a.kwonlyargs] != ["out"]
    ):
        fail(
            "the signature must be `(x, y, ..., *, out)`: positional parameters without "
            "defaults, then the keyword-only primal result `out`",
            hint="write e.g. `def tanh(x, *, out): return 1.0 - out * out`",
        )
    if not params:
        fail("a partials rule needs at least one parameter", hint="use nondiff(...) instead")
    sample = (sample,) if isinstance(sample, Domain) else tuple(sample or ())
    if len(sample) != len(params) or not all(isinstance(d, Domain) for d in sample):
        fail(
            f"`sample` must give one Domain per parameter: {len(params)} parameter(s) "
            f"{params}, {len(sample)} sample(s)",
            hint="e.g. sample=(uniform(-3.0, 3.0), away_from_zero(0.5, 3.0))",
        )
    body = _check_body(fdef, params, func, fail)
    exprs = [v for _, v in body.assigns] + list(body.results)
    uses_out = any(isinstance(n, ast.Name) and n.id == "out" for e in exprs for n in ast.walk(e))
    vectorizable = not any(
        isinstance(n, (ast.IfExp, ast.BoolOp))
        or (isinstance(n, ast.Attribute) and getattr(n.value, "id", "") == "math"
            and n.attr not in ("pi", "e", "inf"))
        or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name))
        for e in exprs for n in ast.walk(e))
    return Rule(tuple(primals), name, "partials", func, params, sample, loc, uses_out, body,
                vectorizable)


def _parse(func, name):
    """The FunctionDef of `func`, its `def` Loc, and the file line of the source's first line."""
    code = getattr(func, "__code__", None)
    fallback = Loc(code.co_filename, code.co_firstlineno) if code else None
    try:
        lines, first = inspect.getsourcelines(func)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        raise RuleDefinitionError(
            f"rule `{name}`: its source cannot be read",
            fallback,
            "define rules with `def` in a .py file (not lambda, exec or a builtin)",
        ) from None
    fdef = tree.body[0] if tree.body else None
    if not isinstance(fdef, ast.FunctionDef) or fdef.name != name:
        raise RuleDefinitionError(
            f"rule `{name}`: must be a plain `def` function",
            fallback,
            "lambdas and async functions cannot be rules",
        )
    line = first + fdef.lineno - 1
    text = lines[fdef.lineno - 1]
    return fdef, Loc(code.co_filename, line, len(text) - len(text.lstrip())), first


def _check_body(fdef, params, func, fail) -> _Body:
    stmts = list(fdef.body)
    if (
        stmts
        and isinstance(stmts[0], ast.Expr)
        and isinstance(stmts[0].value, ast.Constant)
        and isinstance(stmts[0].value.value, str)
    ):
        stmts = stmts[1:]  # docstring
    if not stmts or not isinstance(stmts[-1], ast.Return) or stmts[-1].value is None:
        fail("the body must end with `return <partials>`", stmts[-1] if stmts else fdef)
    reserved = set(params) | {"out"} | set(_MODULES) | set(_BUILTINS)
    known = set(params) | {"out"}
    assigns, deps = [], {}
    for stmt in stmts[:-1]:
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            fail(f"`{type(stmt).__name__}` statement not allowed", stmt)
        local = stmt.targets[0].id
        if local in reserved or local in deps:
            fail(
                f"`{local}` is assigned here but is already a parameter, `out`, a module, a "
                "builtin or an earlier local; give each local its own new name",
                stmt,
            )
        value = _check_expr(stmt.value, known, func, fail)
        uses = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)} & set(deps)
        deps[local] = frozenset(uses).union(*(deps[u] for u in uses))
        assigns.append((local, value))
        known.add(local)
    ret = stmts[-1].value
    parts = list(ret.elts) if isinstance(ret, ast.Tuple) else [ret]
    if len(parts) != len(params) or (isinstance(ret, ast.Tuple) and len(params) == 1):
        fail(
            f"returns {len(parts)} partial(s) for {len(params)} parameter(s); return a bare "
            "expression for one parameter, a tuple of one per parameter otherwise",
            stmts[-1],
        )
    results = tuple(_check_expr(e, known, func, fail) for e in parts)
    needs = []
    for e in results:
        uses = {n.id for n in ast.walk(e) if isinstance(n, ast.Name)} & set(deps)
        needs.append(frozenset(uses).union(*(deps[u] for u in uses)))
    return _Body(tuple(assigns), results, tuple(needs))


def _check_expr(expr, known, func, fail) -> ast.expr:
    """Check one expression; return a location-free copy with `numpy.` spelled `np.`."""
    for node in ast.walk(expr):
        if isinstance(node, (ast.Is, ast.IsNot, ast.In, ast.NotIn)):
            fail("`is` and `in` are not numeric comparisons", expr)
        if isinstance(node, _GRAMMAR_NODES):
            continue
        if not isinstance(node, _EXPR_NODES):
            fail(f"`{type(node).__name__}` not allowed in a rule body", node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            fail("`@` not allowed in a scalar rule", node)
        if isinstance(node, ast.Constant) and type(node.value) not in (int, float, bool):
            fail(f"constant {node.value!r} not allowed; only numbers and booleans", node)
        if isinstance(node, ast.Call):
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                fail("calls take positional arguments only", node)
            f = node.func
            if not (isinstance(f, ast.Attribute) or isinstance(f, ast.Name) and f.id in _BUILTINS):
                fail(
                    f"call of `{ast.unparse(f)}` not allowed; only math.*, np.*, float, abs, "
                    "min and max can be called",
                    node,
                )
        if isinstance(node, ast.Attribute):
            base = node.value
            if not (isinstance(base, ast.Name) and base.id in _MODULES):
                fail(f"attribute `{ast.unparse(node)}` not allowed; only math.X and np.X", node)
            if not hasattr(_MODULES[base.id], node.attr):
                fail(f"`{base.id}.{node.attr}` does not exist", node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            if not callable(getattr(_MODULES.get(getattr(f.value, "id", ""), None), f.attr, None)):
                fail(f"`{ast.unparse(f)}` is not a function", node)
        if isinstance(node, ast.Name):
            _check_name(node, known, func, fail)
    clean = copy.deepcopy(expr)
    for node in ast.walk(clean):
        for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
            if hasattr(node, attr):
                delattr(node, attr)
        if isinstance(node, ast.Name) and node.id == "numpy":
            node.id = "np"  # generated modules import numpy as np
    return _fold(clean)


def _check_name(node, known, func, fail) -> None:
    name = node.id
    if name in known:
        return
    bound = func.__globals__.get(name, getattr(builtins, name, None))
    if name in _MODULES:
        if bound is not _MODULES[name]:
            fail(
                f"`{name}` in the rule's module is not the {_MODULES[name].__name__} module",
                node,
                hint="import math / import numpy as np in the rules file",
            )
        return
    if name in _BUILTINS:
        if bound is not _BUILTINS[name]:
            fail(
                f"`{name}` is shadowed in the rule's module, so it is not the builtin",
                node,
                hint="do not rebind float/abs/min/max in a module that defines rules",
            )
        return
    fail(
        f"unknown name `{name}`",
        node,
        hint="use parameters, `out`, locals assigned above, math.X or np.X (e.g. math.sin, "
        "not sin); inline constants as literals or math.pi",
    )


def _fold(expr: ast.expr) -> ast.expr:
    """`-1.0` parses as a negation; make it a Constant so callers can spot literal partials.

    Only at the top of an expression: astor prints a negative Constant without parentheses, so
    folding under `**` would change the meaning (`(-1.0) ** 2` would print as `-1.0 ** 2`).
    """
    while (
        isinstance(expr, ast.UnaryOp)
        and isinstance(expr.op, (ast.USub, ast.UAdd))
        and isinstance(expr.operand, ast.Constant)
        and type(expr.operand.value) in (int, float)
    ):
        value = expr.operand.value
        expr = ast.Constant(-value if isinstance(expr.op, ast.USub) else value)
    return expr


class _Subst(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, ast.expr]):
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id not in self.mapping:
            return node
        new = copy.deepcopy(self.mapping[node.id])
        for sub in ast.walk(new):  # callers may build `ast.Name(p)` without a ctx
            if "ctx" in sub._fields:
                sub.ctx = ast.Load()
        if (
            isinstance(new, ast.Constant)
            and type(new.value) in (int, float)
            and math.copysign(1.0, new.value) < 0
        ):
            # Spelled as a negation inside expressions, for astor's sake (see `_fold`).
            new = ast.UnaryOp(ast.USub(), ast.Constant(-new.value))
        return new


def _substitute(expr: ast.expr, mapping: dict[str, ast.expr]) -> ast.expr:
    return _fold(_Subst(mapping).visit(copy.deepcopy(expr)))


# fill RULES, ARRAY_PARTIALS and arrays.ARRAY_OPS
from . import (  # noqa: E402, F401
    arrays,
    mathfuncs,
    numpy_arrays,
    numpy_elementwise,
    operators,
    runtime_rules,
)
