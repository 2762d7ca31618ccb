"""The whole compiler, in order. Reading this file tells you every pass s2sad runs.

    fn ─ frontend: source → fence → normalize ─ ssa: build → prune → hoist → verify
       ─ specialize: types → activity ─ reverse | vjp | forward → simplify ─ emit (astor)
       ─ jit (Numba)

(reverse and forward begin with `ssa.memory`: which array values share a variable, which are
views, and the aliasing hazards refused with a located error.)

The frontend and SSA passes run once per argument signature (float/int/bool per argument, like
Numba's own dispatcher) because `types` writes into the values; they take milliseconds, while
Numba's compile of the result takes most of a second.

Environment knobs (for whoever debugs a miscompile): S2SAD_DUMP_AFTER=ssa,reverse prints the IR
(typed once `types` has run) or the generated source after those passes; S2SAD_TIMINGS=1 prints
per-pass times.
"""

from __future__ import annotations

import ast
import os
import sys
import time
from dataclasses import dataclass

from . import emit, forward, jit, reverse, simplify
from .errors import InternalError, S2SADError
from .frontend import fence, normalize, source
from .ssa import activity, build, cse, hoist, inplace, printer, prune, types, verify
from .ssa.nodes import Function, Op, Scalar, derivative_site, walk


@dataclass
class Pass:
    name: str
    run: object
    doc: str


FRONT = (
    Pass("source", source.load, "read the function's source with its true file lines"),
    Pass("fence", lambda parsed: (fence.check(parsed), parsed)[1],
         "reject unsupported syntax with a located error"),
    Pass("normalize", lambda parsed: (parsed, normalize.run(parsed)),
         "lower break/continue/return to flags; desugar augmented assignment"),
    Pass("ssa", lambda pt: build.build(*pt), "structured SSA; helpers inlined"),
    Pass("prune", prune.run, "drop dead ops, phis and carried values"),
    Pass("hoist", hoist.run, "move loop-invariant arithmetic out of loops"),
    Pass("verify", lambda fn: (verify.run(fn), fn)[1], "check SSA invariants"),
)


def _run(p: Pass, value, where: str):
    start = time.perf_counter()
    try:
        out = p.run(value)
    except S2SADError:
        raise
    except Exception as exc:  # an s2sad bug: never show a bare KeyError/AssertionError
        raise InternalError(f"{type(exc).__name__}: {exc} (during pass '{p.name}' on {where})",
                            hint="please report this with the function that triggered it") \
            from exc
    if os.environ.get("S2SAD_TIMINGS"):
        print(f"s2sad: {p.name:<10} {1e3 * (time.perf_counter() - start):8.2f} ms  ({where})",
              file=sys.stderr)
    if p.name in os.environ.get("S2SAD_DUMP_AFTER", "").split(","):
        print(f"--- after {p.name} ({where}) ---\n{_dump(out)}", file=sys.stderr)
    return out


def _dump(out) -> str:
    """Readable text of a pass's output: IR as IR, generated AST and modules as source."""
    if isinstance(out, tuple) and out and isinstance(out[0], Function):
        out = out[0]
    if isinstance(out, Function):
        return printer.format_function(out, types=True)
    if isinstance(out, ast.AST):
        return emit.to_source(out, "(dump)")[0]
    if isinstance(out, tuple) and out and isinstance(out[0], str):
        return out[0]
    if isinstance(out, tuple) and out and isinstance(out[0], tuple):
        return out[0][0]
    return str(out)


def build_ssa(fn, derivative_kinds=None) -> Function:
    """Untyped, pruned SSA of `fn` (helpers inlined; with `derivative_kinds`, the adjoints of
    the `grad(g)(...)` calls it makes too)."""
    value = fn
    where = getattr(fn, "__qualname__", repr(fn))
    for p in FRONT:
        if p.name == "ssa" and derivative_kinds:
            p = Pass(p.name, lambda pt: build.build(*pt, derivative_kinds), p.doc)
        value = _run(p, value, where)
    return value


def _with_derivatives(fn, ssa: Function, arg_types: list) -> Function:
    """`ssa` again with each `grad(g)(...)` call inlined as g's adjoint for its argument types,
    which a first typing of the placeholder version finds out."""
    sites = [op.args[0].value for op in walk(ssa.body)
             if isinstance(op, Op) and op.fn is derivative_site]
    if not sites:
        return ssa
    types.infer(ssa, arg_types)
    return build_ssa(fn, {site.index: site.kinds for site in sites})


@dataclass
class Adjoint:
    """Everything produced for one signature: typed IR, generated source, loaded function."""

    ir: str
    source: str
    loaded: jit.Loaded


def adjoint(fn, arg_types: list[Scalar], wrt: list[int], jit_on: bool,
            mode: str = "reverse") -> Adjoint:
    """Generate, emit and load the derivative of `fn` for `arg_types`.

    mode "reverse": `(args) -> (value, grads)`; "vjp": `(args, cotangent) -> (value, grads)`;
    mode "forward": `(args, tangents) -> (value,
    tangent)`. Both share every pass up to `activity`."""
    transform = {"reverse": reverse.generate, "forward": forward.generate,
                 "vjp": lambda *a: reverse.generate(*a, cotangent=True)}[mode]
    suffix = "tangent" if mode == "forward" else "adjoint"
    where = getattr(fn, "__qualname__", repr(fn))
    ssa = build_ssa(fn)  # rebuilt per signature: types are written into the values
    ssa = _with_derivatives(fn, ssa, arg_types)
    steps = (
        Pass("types", lambda f: (types.infer(f, arg_types), f)[1], "infer float/int/bool"),
        Pass("inplace", inplace.run, "x op= v on an array writes the array in place"),
        Pass("cse", cse.run, "a number computed twice from the same operands, once"),
        Pass("activity", lambda f: (f, activity.analyze(f, [f.params[i] for i in wrt])),
             "values that need adjoints"),
        Pass(mode, lambda fa: transform(
            fa[0], fa[1], [fa[0].params[i] for i in wrt], f"{fa[0].name}_{suffix}"),
            "derivative function as Python AST"),
        Pass("simplify", simplify.run, "zero propagation and dead-code elimination"),
        Pass("emit", lambda tree: emit.to_source(
            tree, f"{os.path.basename(ssa.file)}:{ssa.loc.line}", tree.s2sad_imports),
             "Python source via astor"),
        Pass("jit", lambda emitted: (emitted, jit.load(
            emitted[0], f"{ssa.name}_{suffix}", f"{ssa.name}_{suffix}", emitted[1], jit_on)),
             "write the module to the cache and wrap it with numba.njit(cache=True)"),
    )
    value = ssa
    typed_ir = None
    for p in steps:
        value = _run(p, value, where)
        if p.name == "types":
            typed_ir = printer.format_function(value, types=True)
    (src, _), loaded = value
    return Adjoint(typed_ir, src, loaded)
