"""Lower `break`, `continue` and `return` to flags, and desugar augmented assignment.

After this pass a function has structured control flow only: every loop exits at its top (the
`while` test, the end of the `range`) or after an iteration whose break flag is set, and the
function has a single `return` as its last statement. That is what lets `ssa.build` produce
structured SSA and `reverse` emit structured Python without a CFG.

    for i in range(n):              for i in range(n):
        if x > 5:                       $skip1 = False; $brk1 = False
            break           ==>         if x > 5:
        x = x * 2                           $brk1 = True; $skip1 = True
                                        if not $skip1:
                                            x = x * 2
                                        (loop exits after the iteration when $brk1)

The loop's break flag name is stored on the loop node as `s2sad_exit`. Expressions are left
alone: `ssa.build` flattens them to three-address ops as it goes.
"""

from __future__ import annotations

import ast
import copy

from ..errors import UnsupportedSyntax
from .source import Parsed

RET, RETVAL = "$ret", "$retval"


def run(parsed: Parsed) -> ast.FunctionDef:
    """Return a lowered copy of `parsed.tree` (the original is left untouched)."""
    tree = copy.deepcopy(parsed.tree)
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # docstring
    if not _always_returns(body):
        raise UnsupportedSyntax(
            f"function '{tree.name}' may end without returning a value",
            parsed.loc(tree),
            "return a number on every path (s2sad differentiates the returned value)",
        )
    lowering = _Lowering()
    if _needs_flags(body):
        new_body, _ = lowering.block(body, loop=None)
        ret_init = _assign(RET, ast.Constant(False), tree)
        final = ast.Return(value=ast.Name(id=RETVAL, ctx=ast.Load()))
        ast.copy_location(final, body[-1])
        tree.body = [ret_init] + new_body + [final]
    else:
        new_body, _ = lowering.block(body[:-1], loop=None)
        tree.body = new_body + [body[-1]]
    ast.fix_missing_locations(tree)
    return tree


def _needs_flags(body: list) -> bool:
    """Flags are needed unless the only `return` is the last top-level statement."""
    returns = [n for s in body for n in ast.walk(s) if isinstance(n, ast.Return)]
    return not (len(returns) == 1 and isinstance(body[-1], ast.Return) and returns[0] is body[-1])


def _always_returns(body: list) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return):
        return last.value is not None
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    if isinstance(last, ast.While) and isinstance(last.test, ast.Constant) and last.test.value:
        breaks = any(isinstance(n, ast.Break) for n in _own_loop_nodes(last.body))
        return not breaks
    return False


def _own_loop_nodes(stmts: list):
    """Nodes of `stmts` that belong to this loop level (not inside nested loops)."""
    for s in stmts:
        yield s
        if isinstance(s, (ast.For, ast.While)):
            continue
        for child in ast.iter_child_nodes(s):
            if isinstance(child, ast.stmt):
                yield from _own_loop_nodes([child])


def _assign(name: str, value: ast.expr, where: ast.AST) -> ast.Assign:
    node = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value)
    return _synthetic(ast.copy_location(node, where))


def _synthetic(node):
    """Mark a statement the user did not write, so generated code gives it no source comment."""
    node.s2sad_synthetic = True
    return node


def _true(name: str, where: ast.AST) -> ast.Assign:
    return _assign(name, ast.Constant(True), where)


class _Loop:
    def __init__(self, number: int):
        self.brk = f"$brk{number}"
        self.skip = f"$skip{number}"
        self.uses_brk = False
        self.uses_skip = False


class _Lowering:
    def __init__(self):
        self.loops = 0

    def block(self, stmts: list, loop: _Loop | None) -> tuple[list, set]:
        out: list = []
        escapes: set = set()
        for idx, stmt in enumerate(stmts):
            lowered, esc = self.stmt(stmt, loop)
            out.extend(lowered)
            escapes |= esc
            rest = stmts[idx + 1:]
            if esc and rest:
                guard_name = loop.skip if loop is not None else RET
                if loop is not None:
                    loop.uses_skip = True
                rest_lowered, rest_esc = self.block(rest, loop)
                escapes |= rest_esc
                test = ast.UnaryOp(op=ast.Not(), operand=ast.Name(id=guard_name, ctx=ast.Load()))
                guard = ast.If(test=ast.copy_location(test, rest[0]), body=rest_lowered, orelse=[])
                out.append(_synthetic(ast.copy_location(guard, rest[0])))
                break
        return out, escapes

    def stmt(self, stmt: ast.stmt, loop: _Loop | None) -> tuple[list, set]:
        if isinstance(stmt, ast.Break):
            loop.uses_brk = loop.uses_skip = True
            return [_true(loop.brk, stmt), _true(loop.skip, stmt)], {"loop"}
        if isinstance(stmt, ast.Continue):
            loop.uses_skip = True
            return [_true(loop.skip, stmt)], {"loop"}
        if isinstance(stmt, ast.Return):
            keep = ast.copy_location(ast.Assign(
                targets=[ast.Name(id=RETVAL, ctx=ast.Store())], value=stmt.value), stmt)
            out = [keep, _true(RET, stmt)]
            if loop is None:
                return out, {"ret"}
            loop.uses_brk = loop.uses_skip = True
            return out + [_true(loop.brk, stmt), _true(loop.skip, stmt)], {"loop", "ret"}
        if isinstance(stmt, ast.AugAssign):
            load = copy.deepcopy(stmt.target)
            for node in ast.walk(load):
                if hasattr(node, "ctx"):
                    node.ctx = ast.Load()
            value = ast.copy_location(ast.BinOp(left=load, op=stmt.op, right=stmt.value), stmt)
            node = ast.Assign(targets=[stmt.target], value=value)
            node.s2sad_augmented = isinstance(stmt.target, ast.Name)  # see ssa/inplace.py
            return [ast.copy_location(node, stmt)], set()
        if isinstance(stmt, ast.AnnAssign):
            node = ast.Assign(targets=[stmt.target], value=stmt.value)
            return [ast.copy_location(node, stmt)], set()
        if isinstance(stmt, ast.Pass):
            return [], set()
        if isinstance(stmt, ast.If):
            then, e1 = self.block(stmt.body, loop)
            orelse, e2 = self.block(stmt.orelse, loop)
            node = ast.If(test=stmt.test, body=then, orelse=orelse)
            return [ast.copy_location(node, stmt)], e1 | e2
        if isinstance(stmt, (ast.For, ast.While)):
            return self.loop(stmt, loop)
        return [stmt], set()

    def loop(self, stmt, outer: _Loop | None) -> tuple[list, set]:
        self.loops += 1
        inner = _Loop(self.loops)
        body, escapes = self.block(stmt.body, inner)
        prologue = []
        if inner.uses_skip:
            prologue.append(_assign(inner.skip, ast.Constant(False), stmt))
        if inner.uses_brk:
            prologue.append(_assign(inner.brk, ast.Constant(False), stmt))
        node = copy.copy(stmt)
        node.body = prologue + body
        node.orelse = []
        node.s2sad_exit = inner.brk if inner.uses_brk else None
        out = [node]
        if "ret" not in escapes:
            return out, set()
        if outer is None:
            return out, {"ret"}
        outer.uses_brk = outer.uses_skip = True
        test = ast.copy_location(ast.Name(id=RET, ctx=ast.Load()), stmt)
        propagate = ast.If(test=test, body=[_true(outer.brk, stmt), _true(outer.skip, stmt)],
                           orelse=[])
        out.append(_synthetic(ast.copy_location(propagate, stmt)))
        return out, {"loop", "ret"}
