"""Rules for whole-array operations that are not elementwise: reductions, linear algebra,
shape changes, construction.

An elementwise function needs only its partials (see `partials`): the generator broadcasts them
and sums cotangents back to each operand's shape. Everything else declares, once, four small
functions over *source text* — one rule drives both modes, and the generated code shows exactly
what runs:

    @array_op(np.sum, "a, axis=None, keepdims=False", static=("axis", "keepdims"),
              sample=lambda rng: dict(a=rng.normal(size=(3, 4)), axis=1, keepdims=False))
    class sum_:
        def type(a, axis, keepdims):           # result type from argument types
            return reduced(a, axis, keepdims)
        def primal(a, axis, keepdims):         # the expression the generated code evaluates
            return f"np.sum({a}, {axis})"
        def vjp(g, out, a, axis, keepdims):    # one cotangent per differentiable parameter
            return (f"np.expand_dims({g}, {axis})",)
        def jvp(t, out, a, axis, keepdims):    # the output tangent from the inputs' tangents
            return f"np.sum({t['a']}, {axis})"

Dynamic parameters arrive as `Src` (its `str` is the operand's source, `.type` its s2sad type,
`.ndim` its number of dimensions); static parameters (axis, keepdims, ...) arrive as the Python
constants the user wrote, so a rule can specialize on them at generation time and Numba never
sees a keyword it does not support. A cotangent must broadcast to its parameter's shape (the
generator adds it in place: `bx += cot`); `t[name]` is None for a parameter without a tangent.
Parameters listed in `nondiff` (indices, shapes, masks) get no cotangent.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import RuleDefinitionError
from ..loc import Loc
from ..ssa.nodes import Array, Scalar


class Src:
    """An operand in a rule template: source text plus its s2sad type."""

    def __init__(self, text: str, type_):
        self.text = text
        self.type = type_

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec) -> str:
        return format(self.text, spec)

    @property
    def ndim(self) -> int:
        return self.type.ndim if isinstance(self.type, Array) else 0

    @property
    def is_array(self) -> bool:
        return isinstance(self.type, Array)


@dataclass(eq=False)
class ArrayRule:
    primals: tuple
    name: str
    params: tuple[str, ...]
    defaults: dict
    static: frozenset
    nondiff: frozenset
    varargs: str | None  # a parameter collecting extra positional arguments into a tuple
    type: Callable
    primal: Callable
    vjp: Callable | None
    jvp: Callable | None
    sample: Callable | None
    loc: Loc
    kind: str = "array"
    # custom rules (s2sad/custom.py): callables generated code imports (alias -> (module,
    # dotted name)), and vjp_once: the vjp hook is one call returning a tuple of that many
    imports: dict = field(default_factory=dict)
    vjp_once: int = 0

    @property
    def diff(self) -> tuple[str, ...]:
        """The differentiable parameters, in order."""
        return tuple(p for p in self.params if p not in self.static and p not in self.nondiff)


ARRAY_OPS: dict[object, ArrayRule] = {}
# Rules for s2sad's own run-time helpers (rules/runtime_rules.py): what makes a generated
# derivative differentiable again. Kept apart so the NumPy table lists NumPy functions only.
RUNTIME_OPS: dict[object, ArrayRule] = {}


def hook_values(rule: ArrayRule, op, items: list) -> list:
    """The arguments of `rule`'s hooks for `op` (an SSA op of the rule): one per parameter,
    taken from `items` (one per operand: types, or source text), a *varargs parameter as a
    tuple of its `op.nvar` items, statics as their constant values."""
    out, k = [], 0
    for p in rule.params:
        if p == rule.varargs:
            out.append(tuple(items[k:k + op.nvar]))
            k += op.nvar
        else:
            out.append(op.args[k].value if p in rule.static else items[k])
            k += 1
    return out


def _parse_signature(sig: str) -> tuple[tuple[str, ...], dict, str | None]:
    params, defaults, varargs = [], {}, None
    for part in [p.strip() for p in sig.split(",") if p.strip()]:
        if part.startswith("*"):
            varargs = part[1:]
            params.append(varargs)
            continue
        if "=" in part:
            name, default = (x.strip() for x in part.split("=", 1))
            defaults[name] = eval(default, {})  # noqa: S307  (rule tables are our own code)
            params.append(name)
        else:
            params.append(part)
    return tuple(params), defaults, varargs


def array_op(*primals, sig: str, static=(), nondiff=(), sample=None, table=None):
    """Class decorator: register the class's `type`/`primal`/`vjp`/`jvp` as the rule of
    every primal given (`np.sum`, `np.ndarray.sum` are separate keys; the frontend maps
    methods onto the numpy function)."""
    frame = sys._getframe(1)
    loc = Loc(frame.f_code.co_filename, frame.f_lineno)

    def decorate(cls):
        params, defaults, varargs = _parse_signature(sig)
        for needed in ("type", "primal"):
            if not callable(getattr(cls, needed, None)):
                raise RuleDefinitionError(f"array rule `{cls.__name__}` has no `{needed}`", loc,
                                          "define type(...) and primal(...) in the class")
        for hook in ("type", "primal"):
            want = list(params)
            got = list(inspect.signature(getattr(cls, hook)).parameters)
            if got != want:
                raise RuleDefinitionError(
                    f"array rule `{cls.__name__}`: {hook}{tuple(got)} must take {tuple(want)}",
                    loc, "every hook takes the parameters in the signature's order")
        rule = ArrayRule(tuple(primals), cls.__name__.strip("_"), params, defaults,
                         frozenset(static), frozenset(nondiff), varargs, cls.type, cls.primal,
                         getattr(cls, "vjp", None), getattr(cls, "jvp", None), sample, loc)
        target = ARRAY_OPS if table is None else table
        for p in primals:
            if p in target:
                raise RuleDefinitionError(f"array rule `{rule.name}`: {p!r} already has a rule",
                                          loc, "each primal has exactly one rule")
            target[p] = rule
        return cls

    return decorate


def used_imports(rule: ArrayRule, *texts) -> dict:
    """The rule's imports that the generated `texts` mention (custom rules call user code)."""
    joined = " ".join(map(str, texts))
    return {alias: where for alias, where in rule.imports.items() if alias in joined}


def lookup(fn) -> ArrayRule | None:
    try:
        return ARRAY_OPS.get(fn) or RUNTIME_OPS.get(fn)
    except TypeError:
        return None


# --------------------------------------------------------------------- type helpers for rules
def dtype_of(*types) -> Scalar:
    """The result dtype of an arithmetic combination: float unless every operand is an int."""
    from ..ssa.nodes import BOOL, F32, FLOAT, INT
    dts = [t.dtype if isinstance(t, Array) else t for t in types if t is not None]
    if any(d == FLOAT for d in dts):
        return FLOAT
    if any(d == F32 for d in dts):
        return F32
    if dts and all(d in (INT, BOOL) for d in dts):
        return INT
    return FLOAT


def float_dtype(t) -> Scalar:
    """float32 stays float32; everything else computes in float64."""
    from ..ssa.nodes import F32, FLOAT
    return F32 if isinstance(t, Array) and t.dtype == F32 else FLOAT


def array_or_scalar(dtype: Scalar, ndim: int):
    return Array(dtype, ndim) if ndim > 0 else dtype


def reduced(a, axis, keepdims, dtype=None):
    """The type of reducing `a` over `axis` (None: all axes)."""
    dtype = dtype or float_dtype(a)
    ndim = a.ndim if isinstance(a, Array) else 0
    if keepdims:
        return array_or_scalar(dtype, ndim)
    if axis is None:
        return dtype
    n_axes = len(axis) if isinstance(axis, tuple) else 1
    return array_or_scalar(dtype, ndim - n_axes)


def norm_axis(axis, ndim: int):
    """A non-negative axis (or tuple of axes)."""
    if isinstance(axis, tuple):
        return tuple(a % ndim for a in axis)
    return axis % ndim
