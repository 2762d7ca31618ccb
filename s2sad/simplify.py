"""Clean up generated code: zero propagation and dead-code elimination.

The reverse generator is deliberately naive — every adjoint starts at 0.0 and accumulates with
`+=`, every rule's partials are inlined whole — because naive is easy to get right. This pass
makes the result read like hand-written code: `bx = 0.0; bx += g` becomes `bx = g`, and
assignments nobody reads (unused adjoints, rule locals, dead primal temporaries) disappear.
Everything generated code calls is pure, so removing an unread assignment never changes results.
"""

from __future__ import annotations

import ast


def run(func: ast.FunctionDef) -> ast.FunctionDef:
    changed = True
    while changed:
        changed = _zero_propagate(func.body)
        changed |= _dce(func)
    return func


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
    reads = _reads(func)
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
