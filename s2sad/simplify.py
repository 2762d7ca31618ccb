"""Clean up generated code: zero propagation and dead-code elimination.

The reverse generator is deliberately naive — every adjoint starts at 0.0 and accumulates with
`+=`, every rule's partials are inlined whole — because naive is easy to get right. This pass
makes the result read like hand-written code: `bx = 0.0; bx += g` becomes `bx = g`, and
assignments nobody reads (unused adjoints, rule locals, dead primal temporaries) disappear.
Everything generated code calls is pure, so removing an unread assignment never changes results.
"""

from __future__ import annotations

import ast
import math


def run(func: ast.FunctionDef) -> ast.FunctionDef:
    changed = True
    while changed:
        changed = _fold(func)
        changed |= _zero_propagate(func.body)
        changed |= _dce(func)
    return func


# ------------------------------------------------------------------------- constant folding
_SAFE_MATH = {"floor", "ceil", "trunc", "sqrt", "log", "exp", "fabs", "isnan", "isinf"}


def _const(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float))


class _Folder(ast.NodeTransformer):
    """Evaluate constant sub-expressions. Rules are written for any argument (`pow` guards
    against negative bases and fractional exponents); with a constant exponent most of that
    folds away, and `x ** 2`'s partial reads `2 * x`."""

    def __init__(self, known: dict):
        self.known = known
        self.changed = False

    def done(self, old, new):
        self.changed = True
        return ast.copy_location(new, old)

    def evaluate(self, node):
        try:
            tree = ast.fix_missing_locations(ast.Expression(body=node))
            value = eval(compile(tree, "<fold>", "eval"),  # noqa: S307
                         {"__builtins__": {}, "math": math})
        except Exception:  # e.g. division by zero: leave it for run time, where it belongs
            return node
        if isinstance(value, (bool, int, float)) and not (isinstance(value, float)
                                                          and not math.isfinite(value)):
            return self.done(node, ast.Constant(value))
        return node

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.known:
            return self.done(node, ast.Constant(self.known[node.id]))
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if _const(node.left) and _const(node.right):
            return self.evaluate(node)
        if isinstance(node.op, ast.Pow) and _const(node.right) and node.right.value == 1:
            return self.done(node, node.left)  # e ** 1.0 is e
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if _const(node.operand) and not isinstance(node.op, ast.USub):
            return self.evaluate(node)  # -c stays as written: that is how constants print
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if _const(node.left) and all(_const(c) for c in node.comparators):
            return self.evaluate(node)
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        is_or = isinstance(node.op, ast.Or)
        values = []
        for v in node.values:  # every generated expression is pure, so dropping one is safe
            if _const(v) and bool(v.value) == is_or:
                return self.done(node, ast.Constant(is_or))
            if not _const(v):
                values.append(v)
        if len(values) == len(node.values):
            return node
        if not values:
            return self.done(node, ast.Constant(not is_or))
        return self.done(node, values[0] if len(values) == 1 else
                         ast.BoolOp(op=node.op, values=values))

    def visit_IfExp(self, node):
        self.generic_visit(node)
        if _const(node.test):
            return self.done(node, node.body if node.test.value else node.orelse)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                and f.value.id == "math" and f.attr in _SAFE_MATH and node.args \
                and all(_const(a) for a in node.args) and not node.keywords:
            return self.evaluate(node)
        return node


def _fold(func: ast.FunctionDef) -> bool:
    """Fold constants; a name assigned once, to a literal, is replaced by the literal."""
    counts: dict[str, int] = {}
    literal: dict[str, object] = {}
    for node in ast.walk(func):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.For)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        counts[n.id] = counts.get(n.id, 0) + 1
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name) and _const(node.value) \
                    and isinstance(node.value.value, bool):
                literal[node.targets[0].id] = node.value.value
    params = {a.arg for a in func.args.args}
    known = {k: v for k, v in literal.items() if counts.get(k) == 1 and k not in params}
    folder = _Folder(known)
    func.body = [folder.visit(s) for s in func.body]
    return folder.changed


def _names(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _is_zero_init(stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Constant) \
            and stmt.value.value == 0.0 and isinstance(stmt.value.value, float):
        return stmt.targets[0].id
    return None


def _zero_propagate(stmts: list) -> bool:
    """`b = 0.0 ... b += e` (nothing touching b between, same list) -> `b = e`."""
    changed = False
    i = 0
    while i < len(stmts):
        stmt = stmts[i]
        for field in ("body", "orelse"):
            if isinstance(getattr(stmt, field, None), list):
                changed |= _zero_propagate(getattr(stmt, field))
        target = _is_zero_init(stmt)
        if target is not None:
            for j in range(i + 1, len(stmts)):
                nxt = stmts[j]
                if isinstance(nxt, ast.AugAssign) and isinstance(nxt.target, ast.Name) \
                        and nxt.target.id == target and isinstance(nxt.op, (ast.Add, ast.Sub)) \
                        and target not in _names(nxt.value):
                    value = nxt.value if isinstance(nxt.op, ast.Add) else \
                        ast.UnaryOp(op=ast.USub(), operand=nxt.value)
                    new = ast.Assign(targets=[ast.Name(id=target, ctx=ast.Store())], value=value)
                    stmts[j] = ast.copy_location(new, nxt)
                    del stmts[i]
                    changed = True
                    i -= 1
                    break
                if target in _names(nxt):
                    break
        i += 1
    return changed


def _reads(func: ast.FunctionDef) -> set[str]:
    """Names read anywhere, not counting an augmented assignment reading its own target."""
    reads: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.AugAssign):
            reads |= _names(node.value)
            if not isinstance(node.target, ast.Name):
                reads |= _names(node.target)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads.add(node.id)
    # a Name target inside an AugAssign is Store; loads inside its value were counted above
    return reads


def _dce(func: ast.FunctionDef) -> bool:
    reads = _reads(func) | getattr(func, "s2sad_pinned", set())  # views write through
    return _sweep(func.body, reads)


def _dead(stmt, reads: set) -> bool:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id not in reads
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id not in reads
    return False


def _sweep(stmts: list, reads: set) -> bool:
    changed = False
    kept = []
    for stmt in stmts:
        if _dead(stmt, reads):
            changed = True
            continue
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            changed |= _sweep(stmt.body, reads)
            changed |= _sweep(stmt.orelse, reads)
            for field in ("body", "orelse"):  # comments alone do not make a block
                if all(type(s).__name__ == "Comment" for s in getattr(stmt, field)):
                    setattr(stmt, field, [])
            if isinstance(stmt, ast.If) and not stmt.body and not stmt.orelse:
                changed = True
                continue
            if isinstance(stmt, ast.For) and not stmt.body:
                changed = True
                continue
            if isinstance(stmt, ast.If) and not stmt.body:
                stmt.test = ast.UnaryOp(op=ast.Not(), operand=stmt.test)
                stmt.body, stmt.orelse = stmt.orelse, []
            if not stmt.body:
                stmt.body = [ast.Pass()]
        kept.append(stmt)
    if kept != stmts:
        stmts[:] = kept
    return changed
