"""From Python AST to source text (via astor), and how callables are spelled in generated code.

This is the only module that imports astor. Generated code is a product: one comment per source
statement (`# x = x + dt * v    (osc.py:12)`), operators printed as operators, and a line map
from generated lines back to the user's statements for error messages.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import importlib
import inspect
import math
import operator
import sys
from pathlib import Path

import astor
from astor.code_gen import SourceGenerator

from .api_markers import stop_gradient
from .loc import Loc
from .rules import mathfuncs
from .ssa import build
from .ssa.nodes import BOOL, FLOAT, INT, UNDEF, Const, Scalar, dim

# Operators are spelled back as the syntax ssa.build resolved them from (one table, inverted).
BINOPS = {fn: node for node, fn in build.BINOPS.items()}
CMPOPS = {fn: node for node, fn in build.CMPOPS.items()}
UNOPS = {fn: node for node, fn in build.UNOPS.items()}


class Comment(ast.stmt):
    """A comment line in generated code; `loc` maps the lines below it to a user statement."""

    _fields = ("text",)

    def __init__(self, text: str, loc: Loc | None = None):
        super().__init__()
        self.text = text
        self.loc = loc


class _Generator(SourceGenerator):
    def visit_Comment(self, node):
        self.statement(node, "# " + node.text)


def name(id_: str) -> ast.Name:
    return ast.Name(id=id_, ctx=ast.Load())


def store(id_: str) -> ast.Name:
    return ast.Name(id=id_, ctx=ast.Store())


def assign(target: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[store(target)], value=value)


def augassign(target: str, op: ast.operator, value: ast.expr) -> ast.AugAssign:
    return ast.AugAssign(target=store(target), op=op, value=value)


def attr(module: str, field: str) -> ast.Attribute:
    return ast.Attribute(value=name(module), attr=field, ctx=ast.Load())


def call(func: ast.expr, args: list) -> ast.Call:
    return ast.Call(func=func, args=list(args), keywords=[])


def const(value) -> ast.expr:
    """A literal; inf and nan are spelled through math (they have no literal form)."""
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return attr("math", "nan")
        inf = attr("math", "inf")
        return inf if value > 0 else ast.UnaryOp(op=ast.USub(), operand=inf)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-value))
    return ast.Constant(value)


def zero(t: Scalar | None) -> ast.expr:
    """The placeholder for a value undefined on some path (never read there)."""
    return ast.Constant({FLOAT: 0.0, INT: 0, BOOL: False}.get(t, 0.0))


def to_expr(node: ast.expr) -> str:
    """Source text of one expression (array rule templates are written over text)."""
    text = astor.to_source(ast.Expr(value=node)).strip()
    return f"({text})" if isinstance(node, ast.Tuple) and not text.startswith("(") else text


def const_arg(c: Const, t: Scalar | None = None) -> ast.expr:
    return zero(t) if c is UNDEF else const(c.value)


def spell(fn, args: list, imports: dict | None = None) -> ast.expr:
    """The expression computing `fn(*args)` in generated code.

    Functions outside math/numpy/builtins (a user function with a registered rule) are imported
    into the generated module by name; `imports` collects `alias -> (module, qualname)`."""
    if fn is operator.getitem:
        index = args[1] if len(args) == 2 else ast.Tuple(elts=list(args[1:]), ctx=ast.Load())
        return ast.Subscript(value=args[0], slice=index, ctx=ast.Load())
    if fn is dim:
        shape = ast.Attribute(value=args[0], attr="shape", ctx=ast.Load())
        return ast.Subscript(value=shape, slice=args[1], ctx=ast.Load())
    if fn in BINOPS and len(args) == 2:
        return ast.BinOp(left=args[0], op=BINOPS[fn](), right=args[1])
    if fn in CMPOPS and len(args) == 2:
        return ast.Compare(left=args[0], ops=[CMPOPS[fn]()], comparators=[args[1]])
    if fn in UNOPS and len(args) == 1:
        return ast.UnaryOp(op=UNOPS[fn](), operand=args[0])
    if fn is operator.truth:
        return call(name("bool"), args)
    if fn is stop_gradient:
        return args[0]  # the identity; its zero derivative lives in the rule table
    if fn is math.fmod:  # Numba has no math.fmod; np.fmod is the same function on scalars
        return call(attr("np", "fmod"), args)
    if fn is mathfuncs.log_base:  # Numba has no two-argument math.log
        return ast.BinOp(left=call(attr("math", "log"), args[:1]), op=ast.Div(),
                         right=call(attr("math", "log"), args[1:]))
    if getattr(builtins, getattr(fn, "__name__", ""), None) is fn:
        return call(name(fn.__name__), args)
    module = getattr(fn, "__module__", None)
    if module == "math":
        return call(attr("math", fn.__name__), args)
    if module is not None and module.startswith("numpy") or module is None and \
            hasattr(fn, "nin"):  # numpy ufuncs report no module
        return call(attr("np", fn.__name__), args)
    qualname = getattr(fn, "__qualname__", "")
    if imports is None or module is None or not qualname.isidentifier():
        raise NotImplementedError(f"cannot refer to {fn!r} from generated code")
    alias = f"_{qualname}_fn"
    if imports.get(alias, (module, qualname)) != (module, qualname):  # same name, other module
        alias = f"_{module.replace('.', '_')}_{qualname}_fn"
    imports[alias] = (module, qualname)
    return call(name(alias), args)


HEADER = '''"""Generated by s2sad from {where}. Do not edit: regenerated from the source."""
import math

import numpy as np

import s2sad.runtime_arrays as rta
from s2sad.runtime import grow, push_array, scatter_add2, trip_count  # runtime {runtime}
{imports}
'''
_RUNTIME = hashlib.sha256(b"".join(
    (Path(__file__).with_name(f)).read_bytes() for f in ("runtime.py", "runtime_arrays.py")
)).hexdigest()[:12]


def _import_line(alias: str, module: str, qualname: str) -> str:
    """`from m import f as alias`; a dotted name (a custom rule's `f.vjp_fn`) is imported
    through its first part and bound as a module global, where Numba finds it."""
    root, _, rest = qualname.partition(".")
    tag = _source_tag(module, qualname)
    if not rest:
        return f"from {module} import {root} as {alias}{tag}\n"
    return f"from {module} import {root} as {alias}_owner\n{alias} = {alias}_owner.{rest}{tag}\n"


def _source_tag(module: str, qualname: str) -> str:
    """`  # source <hash>` of a user callable the generated code calls: editing it changes the
    generated module, so neither s2sad's nor Numba's on-disk cache keeps the old machine code
    (Numba's cache does not look at the functions a cached function calls)."""
    try:
        obj = sys.modules.get(module) or importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        text = inspect.getsource(getattr(obj, "py_func", obj))
    except (ImportError, AttributeError, OSError, TypeError):
        return ""
    return f"  # source {hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"


def to_source(func: ast.FunctionDef, where: str,
              imports: dict | None = None) -> tuple[str, dict[int, Loc]]:
    """Source text of a generated module holding `func`, and generated-line -> user Loc.

    The header names the runtime's content hash, so a changed runtime gives new generated files
    (and a fresh Numba compile) instead of stale cached machine code."""
    ast.fix_missing_locations(func)
    body = astor.to_source(func, source_generator_class=_Generator)
    lines = "".join(_import_line(a, m, q) for a, (m, q) in sorted((imports or {}).items()))
    source = HEADER.format(where=where, runtime=_RUNTIME, imports=lines) + "\n" + body
    return source, _line_map(source, list(_comments(func.body)))


def _line_map(source: str, comments: list) -> dict[int, Loc]:
    """Map each generated line to the user statement of the nearest comment above it."""
    by_text: dict[str, list] = {}
    for c in comments:
        by_text.setdefault("# " + c.text, []).append(c.loc)
    line_locs: dict[int, Loc] = {}
    current = None
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped in by_text and by_text[stripped]:
            current = by_text[stripped].pop(0)
        if current is not None:
            line_locs[number] = current
    return line_locs


def _comments(stmts: list):
    """Comment nodes in source order (depth first through nested statement lists)."""
    for stmt in stmts:
        if isinstance(stmt, Comment):
            yield stmt
        for field in ("body", "orelse"):
            yield from _comments(getattr(stmt, field, []) or [])
