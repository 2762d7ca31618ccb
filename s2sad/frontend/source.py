"""Read a function's source and parse it so every node sits at its true place in the user's file.

Errors must point at the user's own line and column, so the tree is never re-based: an indented
function (a method, a def inside a block or a test) is parsed inside an `if 1:` wrapper instead of
being dedented, which keeps columns exact without rewriting, and line numbers are shifted by
`ast.increment_lineno`. Columns count characters, not UTF-8 bytes as `ast` does, so carets line up
under non-ASCII source.

`load` caches per function object: the returned `Parsed` (and its tree) is shared, so passes must
build new trees rather than mutate `parsed.tree`. Closure cells are re-read on every call, since a
cell can be rebound after the function is defined.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import linecache
import os
import re
import types
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import SourceUnavailable, UnsupportedSyntax
from ..loc import Loc

OPAQUE_HINT = (
    "s2sad needs the Python source of every function it differentiates; "
    "register a derivative rule for opaque callables (see docs/errors.md)"
)


@dataclass(eq=False)
class Parsed:
    """A user function as s2sad sees it: its tree at true file positions and its namespaces."""

    tree: ast.FunctionDef  # decorators removed; an `async def` stays AsyncFunctionDef for the fence
    file: str  # absolute path, or the linecache pseudo-filename ("<ipython-input-3>")
    name: str  # fn.__name__
    qualname: str
    pyfunc: Callable  # the plain Python function
    globals: dict
    closure: dict  # free variable -> value; empty cells are omitted

    def loc(self, node: ast.AST) -> Loc:
        return Loc.of(node, self.file)


def unwrap(fn: Callable) -> Callable:
    """See through s2sad derivative objects and Numba dispatchers to the plain Python function.

    `functools.wraps` chains are deliberately not followed: a wrapper is a different function
    with its own body, and differentiating the wrapped one would silently drop the wrapper's work.
    """
    for _ in range(16):  # a chain longer than this is a cycle
        if hasattr(fn, "__s2sad_primal__"):
            fn = fn.__s2sad_primal__
        elif isinstance(getattr(fn, "py_func", None), types.FunctionType):
            fn = fn.py_func  # @numba.njit / @numba.jit dispatchers
        else:
            break
    return fn


_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def load(fn: Callable) -> Parsed:
    """Parse `fn` (after `unwrap`) into a `Parsed`; cached while the code and file are unchanged.

    Raises:
        SourceUnavailable: `fn` is not a Python function, or its source cannot be read.
        UnsupportedSyntax: `fn` is a lambda.
    """
    pyfunc = unwrap(fn)
    if not isinstance(pyfunc, types.FunctionType):
        hint = OPAQUE_HINT
        if inspect.ismethod(pyfunc):
            hint = "differentiate a module-level function and pass the object's data as arguments"
        raise SourceUnavailable(
            f"cannot differentiate {_describe(pyfunc)}: it is not a Python function", hint=hint
        )
    code = pyfunc.__code__
    file = _filename(code)
    mtime = _mtime(file)
    hit = _cache.get(pyfunc)
    if hit is not None and hit[0] is code and hit[1] == mtime:
        parsed, closure = hit[2], _closure(pyfunc)
        if closure.keys() != parsed.closure.keys() or any(
            closure[k] is not parsed.closure[k] for k in closure
        ):  # a cell was (re)bound since: same tree, fresh values
            parsed = dataclasses.replace(parsed, closure=closure)
            _cache[pyfunc] = (code, mtime, parsed)
        return parsed
    if code.co_name == "<lambda>":
        raise UnsupportedSyntax(
            "cannot differentiate a lambda", _lambda_loc(code, file),
            hint="define it with def at module level",
        )
    parsed = Parsed(
        tree=_parse(pyfunc, file),
        file=file,
        name=pyfunc.__name__,
        qualname=pyfunc.__qualname__,
        pyfunc=pyfunc,
        globals=pyfunc.__globals__,
        closure=_closure(pyfunc),
    )
    _cache[pyfunc] = (code, mtime, parsed)
    return parsed


def _parse(pyfunc: types.FunctionType, file: str) -> ast.FunctionDef:
    code = pyfunc.__code__
    where = Loc(file, code.co_firstlineno)
    try:
        # On the code object, not the function: inspect would follow `__wrapped__`.
        lines, start = inspect.getsourcelines(code)
    except (OSError, TypeError) as exc:
        raise SourceUnavailable(
            f"cannot read the source of {_describe(pyfunc)} ({exc})", where,
            hint="define it in a .py file: code run by exec, eval or `python -c` has no source "
            "unless its text is registered in linecache",
        ) from None
    text = "".join(lines)
    wrapped = bool(lines) and lines[0][:1] in (" ", "\t")
    try:
        module = ast.parse("if 1:\n" + text if wrapped else text, filename=file)
    except SyntaxError as exc:
        raise SourceUnavailable(
            f"cannot parse the source of {_describe(pyfunc)}: {exc.msg}", where,
            hint="the file may have changed since it was imported; reload it",
        ) from None
    body = module.body[0].body if wrapped else module.body
    tree = body[0] if body else None
    if not isinstance(tree, (ast.FunctionDef, ast.AsyncFunctionDef)) or tree.name != code.co_name:
        raise SourceUnavailable(
            f"the source of {_describe(pyfunc)} at {where} is not its definition", where,
            hint="the file may have changed since it was imported; reload it",
        )
    tree.decorator_list = []
    ast.increment_lineno(tree, start - 1 - wrapped)  # also shifts end_lineno
    _columns_to_chars(tree, lines, start)
    return tree


def _columns_to_chars(tree: ast.AST, lines: list[str], start: int) -> None:
    """Turn `ast`'s UTF-8 byte columns into character columns on non-ASCII lines."""
    if all(line.isascii() for line in lines):
        return

    def fix(lineno: int | None, col: int | None) -> int | None:
        if lineno is None or col is None or not 0 <= lineno - start < len(lines):
            return col
        line = lines[lineno - start]
        return col if line.isascii() else len(line.encode()[:col].decode(errors="ignore"))

    for node in ast.walk(tree):
        if "col_offset" in node._attributes:
            node.col_offset = fix(node.lineno, node.col_offset)
            node.end_col_offset = fix(node.end_lineno, node.end_col_offset)


def _closure(pyfunc: types.FunctionType) -> dict:
    values = {}
    for name, cell in zip(pyfunc.__code__.co_freevars, pyfunc.__closure__ or ()):
        try:
            values[name] = cell.cell_contents
        except ValueError:  # the variable is not assigned yet
            pass
    return values


def _filename(code: types.CodeType) -> str:
    file = code.co_filename
    if file.startswith("<") and file.endswith(">"):
        return file  # a linecache pseudo-file; it has no path
    return os.path.abspath(file)


def _mtime(file: str) -> float | None:
    try:
        return os.stat(file).st_mtime
    except OSError:
        return None


def _lambda_loc(code: types.CodeType, file: str) -> Loc:
    line = linecache.getline(file, code.co_firstlineno)
    found = re.search(r"\blambda\b", line)
    col = found.start() if found else 0
    return Loc(file, code.co_firstlineno, col, col + 6 if found else None)


def _describe(obj: object) -> str:
    """`math.sin (a builtin function)`: the name a user would type, and what kind of thing it is."""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    module = getattr(obj, "__module__", None)
    if name is None:
        return f"{type(obj).__name__} object {obj!r:.60}"
    if module and module != "builtins":
        name = f"{module}.{name}"
    if inspect.isclass(obj):
        kind = "a class"
    elif inspect.isbuiltin(obj) or inspect.ismethoddescriptor(obj):
        kind = "a builtin function"
    elif inspect.ismethod(obj):
        kind = "a bound method"
    elif isinstance(obj, types.FunctionType):
        return name
    else:
        kind = f"a {type(obj).__name__} object"
    return f"{name} ({kind})"
