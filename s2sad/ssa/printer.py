"""The IR's canonical text form: near-Python, one op per line, deterministic, with locations.

    def f(x, n):                                      # demo.py:3
        y.1 = x * x                                   # demo.py:4
        for i.1 in range(0, n, 1) carry (y.2 = y.1 -> y.3) => y.4:
            ...
"""

from __future__ import annotations

import operator

from .nodes import UNDEF, Block, Const, For, Function, If, Op, Value

INFIX = {
    operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
    operator.floordiv: "//", operator.mod: "%", operator.pow: "**", operator.matmul: "@",
    operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=",
    operator.eq: "==", operator.ne: "!=",
}
PREFIX = {operator.neg: "-", operator.pos: "+", operator.not_: "not "}


def callable_name(fn) -> str:
    """A readable qualified name for a callable: 'math.sin', 'max', 'np.exp'."""
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    if module in ("builtins", ""):
        return name
    if module == "_operator":  # the C implementation behind the operator module
        module = "operator"
    if module.startswith("numpy"):
        return f"np.{name}"
    return f"{module}.{name}"


def arg_text(a, types: bool = False) -> str:
    if isinstance(a, Value):
        return f"{a.name}:{a.type}" if types and a.type is not None else a.name
    if isinstance(a, Const):
        return repr(a)
    if isinstance(a, tuple):
        return "(" + ", ".join(arg_text(x, types) for x in a) + ")"
    return repr(a)


def op_text(op: Op) -> str:
    args = [arg_text(a) for a in op.args]
    if op.fn is operator.getitem:
        return f"{args[0]}[{', '.join(args[1:])}]"
    if op.fn in INFIX and len(args) == 2:
        return f"{args[0]} {INFIX[op.fn]} {args[1]}"
    if op.fn in PREFIX and len(args) == 1:
        return f"{PREFIX[op.fn]}{args[0]}"
    return f"{callable_name(op.fn)}({', '.join(args)})"


def format_function(fn: Function, locs: bool = True, types: bool = False) -> str:
    lines: list[tuple[str, str]] = []
    params = ", ".join(arg_text(p, types) for p in fn.params)
    lines.append((f"def {fn.name}({params}):", fn.loc.short))
    _block(fn.body, 1, lines, types)
    lines.append((f"    return {arg_text(fn.result)}", ""))
    if not locs:
        return "\n".join(text for text, _ in lines)
    width = max(len(text) for text, _ in lines) + 2
    return "\n".join(
        f"{text:<{width}}# {where}" if where else text for text, where in lines
    )


def _block(block: Block, depth: int, lines: list, types: bool) -> None:
    pad = "    " * depth
    if not block.items:
        lines.append((pad + "pass", ""))
    for item in block.items:
        where = item.loc.short
        if isinstance(item, Op):
            lines.append((f"{pad}{arg_text(item.result, types)} = {op_text(item)}", where))
        elif isinstance(item, If):
            lines.append((f"{pad}if {arg_text(item.cond)}:", where))
            _block(item.then, depth + 1, lines, types)
            lines.append((f"{pad}else:", ""))
            _block(item.orelse, depth + 1, lines, types)
            for phi in item.phis:
                args = f"{arg_text(phi.then)}, {arg_text(phi.orelse)}"
                lines.append((f"{pad}{arg_text(phi.result, types)} = phi({args})", ""))
        else:
            carry = ", ".join(
                f"{arg_text(c.header, types)} = {arg_text(c.init)} -> {arg_text(c.next)}"
                for c in item.carried
            )
            results = ", ".join(arg_text(c.result, types) for c in item.carried)
            tail = f" carry ({carry}) => {results}" if item.carried else ""
            exit_ = f" exit {arg_text(item.exit)}" if item.exit is not None else ""
            if isinstance(item, For):
                rng = f"range({arg_text(item.start)}, {arg_text(item.stop)}, {arg_text(item.step)})"
                head = f"{pad}for {arg_text(item.index, types)} in {rng}{exit_}{tail}:"
                lines.append((head, where))
                _block(item.body, depth + 1, lines, types)
            else:
                lines.append((f"{pad}while{exit_}{tail}:", where))
                _block(item.cond_block, depth + 1, lines, types)
                lines.append((f"{pad}  test {arg_text(item.cond)}", ""))
                _block(item.body, depth + 1, lines, types)


__all__ = ["format_function", "callable_name", "op_text", "UNDEF"]
