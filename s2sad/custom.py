"""Custom derivatives: the lecture's "custom node", for functions s2sad should not or cannot see
into (a hand-optimized kernel, a SciPy special function, a C extension).

    @custom_vjp
    def softplus(x):                     # any callable: its body is never read
        return np.log1p(np.exp(x))

    @softplus.defvjp
    def softplus_vjp(g, out, x):         # cotangents, one per argument
        return (g / (1.0 + np.exp(-x)),)

    @softplus.defjvp                     # optional: forward mode (jvp, hvp)
    def softplus_jvp(tx, out, x):        # the output tangent from the inputs' tangents
        return tx / (1.0 + np.exp(-x))

Calls to `softplus` inside differentiated functions become one node: the generated code calls
the function, and its adjoint calls `softplus_vjp` once. Numbers and arrays both work; the
result has the type of the first argument unless `out=` says otherwise ("scalar", a parameter
name, or a function of the argument types). When the three callables are Numba-compiled
(`@numba.njit`) the derivative is compiled too; when one is plain Python, the compiled build
cannot call it, and the derivative falls back to the pure-Python build with a warning that
names it (S2SADFallbackWarning). A transform without its rule (forward mode with no `defjvp`,
reverse mode with no `defvjp`) raises NoDerivativeRule instead of guessing.
"""

from __future__ import annotations

import functools
import inspect
import sys

from .errors import NoDerivativeRule, RuleDefinitionError
from .jit import FALLBACK_NAMES
from .loc import Loc
from .rules.arrays import RUNTIME_OPS, ArrayRule
from .ssa.nodes import F32, FLOAT, Array


class CustomFunction:
    """A function with user-given derivatives. Call it like the function it wraps."""

    def __init__(self, fn, out=None):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.vjp_fn = None
        self.jvp_fn = None
        self.out = out
        frame = sys._getframe(2)
        self.loc = Loc(frame.f_code.co_filename, frame.f_lineno)
        module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
        if module is None or not qualname.isidentifier():
            raise RuleDefinitionError(
                f"custom_vjp needs a module-level function, not {fn!r}", self.loc,
                "define it with def at module level (generated code imports it by name)")
        self.module, self.qualname = module, qualname
        self.params = tuple(inspect.signature(getattr(fn, "py_func", fn)).parameters)
        self.rule = self._rule()
        RUNTIME_OPS[self] = self.rule

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<custom derivative of {self.qualname}>"

    def defvjp(self, vjp):
        """Register `vjp(g, out, *args) -> cotangents`: a tuple, one per argument (zeros for
        an argument without one; None is refused when that argument is differentiated)."""
        self.vjp_fn = vjp
        return vjp

    def defjvp(self, jvp):
        """Register `jvp(*tangents, out, *args) -> output tangent`."""
        self.jvp_fn = jvp
        return jvp

    # ---------------------------------------------------------------- the rule
    def _alias(self, attr: str) -> str:
        """The module global generated code calls `self.<attr>` by (see emit._import_line)."""
        alias = f"_{self.qualname}_{attr}"
        FALLBACK_NAMES.add(alias)
        self.rule.imports[alias] = (self.module, f"{self.qualname}.{attr}")
        return alias

    def _missing(self, what: str, decorator: str):
        raise NoDerivativeRule(
            f"custom rule for '{self.qualname}' has no {what}", self.loc,
            f"define one with @{self.qualname}.{decorator}")

    def _rule(self) -> ArrayRule:
        params = self.params
        n = len(params)

        def type_(*types):
            return self._out_type(types)

        def primal(*srcs):
            return f"{self._alias('fn')}({', '.join(map(str, srcs))})"

        def vjp(g, out, *srcs):
            if self.vjp_fn is None:
                self._missing("vjp (reverse mode)", "defvjp")
            return f"{self._alias('vjp_fn')}({g}, {out}, {', '.join(map(str, srcs))})"

        def jvp(t, out, *srcs):
            if self.jvp_fn is None:
                self._missing("jvp (forward mode)", "defjvp")
            if all(t[p] is None for p in params):
                return None
            tangents = [str(t[p]) if t[p] is not None else f"0.0 * {s}"
                        for p, s in zip(params, srcs)]
            return f"{self._alias('jvp_fn')}({', '.join(tangents)}, {out}, " \
                   f"{', '.join(map(str, srcs))})"

        rule = ArrayRule((self,), self.qualname, params, {}, frozenset(), frozenset(), None,
                         type_, primal, vjp, jvp, None, self.loc, kind="custom")
        rule.vjp_once = n  # the user's vjp returns all cotangents from one call
        return rule

    def _out_type(self, types):
        out = self.out
        if callable(out):
            return out(*types)
        if out == "scalar":
            return FLOAT
        t = types[self.params.index(out)] if isinstance(out, str) else types[0]
        if isinstance(t, Array):
            return Array(F32 if t.dtype == F32 else FLOAT, t.ndim)
        return FLOAT


def custom_vjp(fn=None, *, out=None):
    """Give `fn` hand-written derivatives: `@custom_vjp` then `@fn.defvjp` (and optionally
    `@fn.defjvp`). See the module docstring."""
    if fn is None:
        return lambda f: CustomFunction(f, out)
    return CustomFunction(fn, out)


custom_jvp = custom_vjp  # one object holds both rules; either name reads well at the def
