"""The fence: reject, at decoration time, any syntax outside the differentiable subset.

It is a whitelist. Each allowed node class has a method here (`s_For`, `e_Call`, ...) that checks
its own restrictions and visits its children; any other class is refused, with a specific message
and hint from `_REFUSED` when we know why it is out, else a generic one naming the `ast` class. So
a construct added to Python later is refused until someone decides how to differentiate it.

All violations are collected and the one earliest in the source is raised, because `ast` field
order is not source order (`a if c else b` stores `c` first). Later passes may assume the subset.
Name resolution (which callable `f(x)` is, recursion, missing rules) happens in later passes.
"""

from __future__ import annotations

import ast
import linecache
import re

from ..errors import UnsupportedSyntax
from ..loc import Loc
from .source import Parsed

_LIMITS = "see docs/limitations.md"
_LOOP_HINT = "write the loop: for i in range(n): ..."
_PURE_HINT = "pass the value in as an argument and return the new value"
_SYNC_HINT = "s2sad differentiates plain synchronous functions"
_GEN_HINT = "generators are not differentiable; return the result instead"
_IMPORT = "import inside a differentiated function is not supported"

# Known-unsupported classes: (message, hint). Anything not here and without a method is refused
# generically.
_REFUSED: dict[type, tuple[str, str]] = {
    ast.Try: ("try statements are not supported", "handle errors outside the function"),
    ast.With: ("with statements are not supported", "move the with block outside the function"),
    ast.AsyncWith: ("async with is not supported", _SYNC_HINT),
    ast.AsyncFor: ("async for is not supported", _SYNC_HINT),
    ast.FunctionDef: (
        "nested function definitions are not supported",
        "define the helper with def at module level; calls to it are differentiated",
    ),
    ast.AsyncFunctionDef: ("nested async def is not supported", _SYNC_HINT),
    ast.ClassDef: ("class definitions are not supported here", "define the class at module level"),
    ast.Global: ("global statements are not supported", _PURE_HINT),
    ast.Nonlocal: ("nonlocal statements are not supported", _PURE_HINT),
    ast.Delete: ("del is not supported", "remove it; locals are freed when the function returns"),
    ast.Assert: ("assert is not supported", "check it before calling the derivative"),
    ast.Raise: ("raise is not supported", "validate the inputs before calling the derivative"),
    ast.Import: (_IMPORT, "import at module level"),
    ast.ImportFrom: (_IMPORT, "import at module level"),
    ast.Match: ("match statements are not supported", "use if/elif/else"),
    ast.Yield: ("yield is not supported", _GEN_HINT),
    ast.YieldFrom: ("yield from is not supported", _GEN_HINT),
    ast.Await: ("await is not supported", _SYNC_HINT),
    ast.Lambda: ("lambda is not supported", "define it with def at module level"),
    ast.ListComp: ("list comprehensions are not supported", _LOOP_HINT),
    ast.SetComp: ("set comprehensions are not supported", _LOOP_HINT),
    ast.DictComp: ("dict comprehensions are not supported", _LOOP_HINT),
    ast.GeneratorExp: ("generator expressions are not supported", _LOOP_HINT),
    ast.Starred: ("starred expressions (*x) are not supported", "unpack the items one by one"),
    ast.NamedExpr: ("assignment expressions (:=) are not supported", "assign on a line of its own"),
    ast.JoinedStr: ("f-strings are not supported", "format strings outside the function"),
    ast.Dict: ("dict literals are not supported", "use separate variables or a tuple"),
    ast.Set: ("set literals are not supported", "use a tuple"),
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _REFUSED[ast.TryStar] = ("try/except* is not supported", _REFUSED[ast.Try][1])

# Compound statements span lines; underline their keyword instead of a lone caret.
_KEYWORDS = {
    ast.Try: "try", ast.With: "with", ast.AsyncWith: "async with", ast.AsyncFor: "async for",
    ast.FunctionDef: "def", ast.AsyncFunctionDef: "async def", ast.ClassDef: "class",
    ast.Match: "match",
}
if hasattr(ast, "TryStar"):
    _KEYWORDS[ast.TryStar] = "try"

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult,
           ast.BitAnd, ast.BitOr)  # & and | combine boolean masks
_BITOPS = {ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}
_COMPARES = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
_BAD_COMPARES = {
    ast.Is: ("is", "compare values with == or !="),
    ast.IsNot: ("is not", "compare values with == or !="),
    ast.In: ("in", "compare with == explicitly, e.g. x == a or x == b"),
    ast.NotIn: ("not in", "compare with != explicitly, e.g. x != a and x != b"),
}


def check(parsed: Parsed) -> None:
    """Raise `UnsupportedSyntax` at the first construct outside the subset; return None if none."""
    fence = _Fence(parsed)
    fence.function(parsed.tree)
    if fence.found:
        loc, message, hint = min(fence.found, key=lambda v: (v[0].line, v[0].col))
        raise UnsupportedSyntax(message, loc, hint)


class _Fence:
    def __init__(self, parsed: Parsed):
        self.file = parsed.file
        self.found: list[tuple[Loc, str, str]] = []

    # -- reporting ---------------------------------------------------------------------------

    def reject(self, where: ast.AST | Loc, message: str, hint: str) -> None:
        if isinstance(where, ast.AST):
            where = self.loc(where)
        self.found.append((where, message, hint))

    def refuse(self, node: ast.AST) -> None:
        name = type(node).__name__
        message, hint = _REFUSED.get(
            type(node), (f"{name} syntax is outside the differentiable subset", _LIMITS)
        )
        self.reject(node, message, hint)

    def loc(self, node: ast.AST) -> Loc:
        keyword = _KEYWORDS.get(type(node))
        if keyword:
            return Loc(self.file, node.lineno, node.col_offset, node.col_offset + len(keyword))
        return Loc.of(node, self.file)

    def else_loc(self, node: ast.For | ast.While) -> Loc:
        """The `else` keyword of a loop; `ast` records no position for it, so find its line."""
        lines = linecache.getlines(self.file)
        col = node.col_offset
        for lineno in range(node.orelse[0].lineno, node.body[-1].end_lineno, -1):
            text = lines[lineno - 1] if lineno <= len(lines) else ""
            if not text[:col].strip() and re.match(r"else\s*:", text[col:]):
                return Loc(self.file, lineno, col, col + 4)
        return Loc.of(node.orelse[0], self.file)

    def starred_loc(self, arg: ast.arg) -> Loc:
        """`*args` / `**kwargs` including the stars, which `ast` leaves out of the arg's span."""
        loc = Loc.of(arg, self.file)
        before = linecache.getline(self.file, loc.line)[: loc.col].rstrip()
        stars = len(before) - len(before.rstrip("*"))
        if stars:
            return Loc(self.file, loc.line, len(before) - stars, loc.end_col)
        return loc

    # -- the function ------------------------------------------------------------------------

    def function(self, tree: ast.FunctionDef) -> None:
        if isinstance(tree, ast.AsyncFunctionDef):
            self.reject(tree, "cannot differentiate an async def", "define it with plain def")
            return
        args = tree.args
        if args.vararg:
            self.reject(self.starred_loc(args.vararg), "*args parameters are not supported",
                        "take a tuple or an array parameter instead")
        for arg in args.kwonlyargs:
            self.reject(arg, f"keyword-only parameter '{arg.arg}' is not supported",
                        "pass it positionally: move it before the *")
        if args.kwarg:
            self.reject(self.starred_loc(args.kwarg), "**kwargs parameters are not supported",
                        "list the parameters explicitly")
        body = tree.body
        if _is_docstring(body[0]):
            body = body[1:]
        self.body(body)

    # -- statements --------------------------------------------------------------------------

    def body(self, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            visit = getattr(self, "s_" + type(stmt).__name__, None)
            if visit is None:
                self.refuse(stmt)
            else:
                visit(stmt)

    def s_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.target(target)
        self.expr(node.value)

    def s_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Attribute):
            self.reject(node.target, "augmented assignment to an attribute is not supported",
                        _PURE_HINT)
        else:
            self.target(node.target, unpack=False)
        self.binop(node, node.op)
        self.expr(node.value)

    def s_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Attribute):
            self.reject(node.target, "assignment to an attribute is not supported", _PURE_HINT)
        elif not isinstance(node.target, ast.Name):
            self.reject(node.target, "an annotated assignment must assign to a plain name",
                        "drop the annotation")
        if node.value is None:
            self.reject(node, "an annotation without a value is not supported",
                        "give it a value, e.g. total: float = 0.0")
        else:
            self.expr(node.value)  # the annotation itself is never evaluated by s2sad

    def s_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.expr(node.value)

    def s_If(self, node: ast.If) -> None:
        self.expr(node.test)
        self.body(node.body)
        self.body(node.orelse)

    def s_For(self, node: ast.For) -> None:
        if not isinstance(node.target, ast.Name):
            self.reject(node.target, "the loop variable must be a single name",
                        "loop over an index and unpack inside the loop")
        self.loop_iter(node.iter)
        self.body(node.body)
        if node.orelse:
            self.reject(self.else_loc(node), "for-else is not supported",
                        "set a flag before break and test it after the loop")

    def s_While(self, node: ast.While) -> None:
        self.expr(node.test)
        self.body(node.body)
        if node.orelse:
            self.reject(self.else_loc(node), "while-else is not supported",
                        "set a flag before break and test it after the loop")

    def s_Break(self, node: ast.Break) -> None:
        pass

    s_Continue = s_Pass = s_Break

    def s_Expr(self, node: ast.Expr) -> None:
        value = node.value
        if isinstance(value, (ast.Yield, ast.YieldFrom, ast.Await)):
            self.expr(value)  # refused with its own message
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            self.expr(value)  # a method call such as x.fill(0.0) may mutate its object
        else:
            hint = "an expression statement has no effect on the result"
            if isinstance(value, ast.Call) and _is_name(value.func, "print"):
                hint += "; print outside the differentiated function"
            self.reject(node, "expression statements are not supported", hint)

    def loop_iter(self, node: ast.expr) -> None:
        if not (isinstance(node, ast.Call) and _is_name(node.func, "range")):
            self.reject(node, "a for loop can only iterate over range(...)",
                        "loop over range(len(x)) and index x[i]")
            return
        if node.keywords or not 1 <= len(node.args) <= 3 or any(
            isinstance(arg, ast.Starred) for arg in node.args
        ):
            self.reject(node, "range() takes 1 to 3 positional arguments here",
                        "write range(stop), range(start, stop) or range(start, stop, step)")
            return
        for arg in node.args:
            self.expr(arg)

    def target(self, node: ast.expr, unpack: bool = True) -> None:
        """An assignment target: a name, a subscript, or a (nested) tuple/list of names."""
        if isinstance(node, ast.Name):
            return
        if isinstance(node, ast.Subscript):
            self.expr(node.value)
            self.expr(node.slice)
        elif isinstance(node, ast.Attribute):
            self.reject(node, "assignment to an attribute is not supported", _PURE_HINT)
        elif isinstance(node, (ast.Tuple, ast.List)) and unpack:
            for elt in node.elts:
                if isinstance(elt, ast.Subscript):
                    self.reject(elt, "unpacking into a subscript is not supported",
                                "assign each element on its own line")
                else:
                    self.target(elt)
        else:
            self.refuse(node)

    # -- expressions -------------------------------------------------------------------------

    def expr(self, node: ast.expr, arg: bool = False) -> None:
        """Check an expression; `arg`: it is a call argument, where strings and lists may appear."""
        visit = getattr(self, "e_" + type(node).__name__, None)
        if visit is None:
            self.refuse(node)
        else:
            visit(node, arg)

    def binop(self, node: ast.AST, op: ast.operator) -> None:
        if isinstance(op, _BINOPS):
            return
        symbol = _BITOPS.get(type(op), type(op).__name__)
        self.reject(node, f"bitwise operator {symbol} is not supported",
                    "bit operations are not differentiable; use and/or/not for conditions")

    def e_BinOp(self, node: ast.BinOp, arg: bool) -> None:
        self.binop(node, node.op)
        self.expr(node.left)
        self.expr(node.right)

    def e_UnaryOp(self, node: ast.UnaryOp, arg: bool) -> None:
        self.expr(node.operand)  # ~ negates a boolean mask

    def e_BoolOp(self, node: ast.BoolOp, arg: bool) -> None:
        for value in node.values:
            self.expr(value)

    def e_Compare(self, node: ast.Compare, arg: bool) -> None:
        for op in node.ops:
            if not isinstance(op, _COMPARES):
                symbol, hint = _BAD_COMPARES.get(type(op), (type(op).__name__, _LIMITS))
                self.reject(node, f"'{symbol}' comparisons are not supported", hint)
        self.expr(node.left)
        for comparator in node.comparators:
            self.expr(comparator)

    def e_Call(self, node: ast.Call, arg: bool) -> None:
        self.expr(node.func)
        inner = node.func.func if isinstance(node.func, ast.Call) else None  # grad(g)(x)
        inner = getattr(inner, "id", getattr(inner, "attr", None))
        if inner in ("jvp", "vjp", "jacobian", "hvp", "hessian"):
            self.reject(node.func, f"{inner}(...) cannot be differentiated through; of the "
                        "derivative transforms, only grad and value_and_grad can be called "
                        "inside a differentiated function", "compute it outside, or use hvp")
        elif not isinstance(node.func, (ast.Name, ast.Attribute)) \
                and inner not in ("grad", "value_and_grad"):
            self.reject(node.func, "only named functions and methods can be called",
                        "assign the callable to a module-level name and call it by name")
        for value in node.args:
            if isinstance(value, ast.Starred):
                self.reject(value, "*-unpacking in a call is not supported",
                            "pass the arguments one by one")
            else:
                self.expr(value, arg=True)
        for keyword in node.keywords:
            if keyword.arg is None:
                self.reject(keyword, "**-unpacking in a call is not supported",
                            "pass the keyword arguments by name")
            else:
                self.expr(keyword.value, arg=True)

    def e_IfExp(self, node: ast.IfExp, arg: bool) -> None:
        self.expr(node.test)
        self.expr(node.body)
        self.expr(node.orelse)

    def e_Constant(self, node: ast.Constant, arg: bool) -> None:
        value = node.value
        if value is None or isinstance(value, (bool, int, float)):
            return
        if isinstance(value, str):
            if not arg:
                self.reject(node, "strings are only supported as call arguments",
                            'use them for options such as norm(a, ord="fro")')
        elif isinstance(value, complex):
            self.reject(node, "complex numbers are not supported",
                        "s2sad differentiates real-valued code; split real and imaginary parts")
        else:
            self.reject(node, f"{type(value).__name__} constants are not supported", _LIMITS)

    def e_Name(self, node: ast.Name, arg: bool) -> None:
        pass

    def e_Attribute(self, node: ast.Attribute, arg: bool) -> None:
        self.expr(node.value)

    def e_Subscript(self, node: ast.Subscript, arg: bool) -> None:
        self.expr(node.value)
        self.expr(node.slice)

    def e_Slice(self, node: ast.Slice, arg: bool) -> None:
        for part in (node.lower, node.upper, node.step):
            if part is not None:
                self.expr(part)

    def e_Tuple(self, node: ast.Tuple, arg: bool) -> None:
        for elt in node.elts:
            self.expr(elt, arg)

    def e_List(self, node: ast.List, arg: bool) -> None:
        if not arg:
            self.reject(node, "list literals are only supported as call arguments",
                        "use a tuple, or build an array with np.array([...])")
            return
        for elt in node.elts:
            self.expr(elt, arg)


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )
