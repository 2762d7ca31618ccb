"""The public surface: `grad` and `value_and_grad`, as decorators or functions.

A derivative object parses and fences its function at decoration time (bad syntax fails early,
pointing at the user's line), then generates, compiles and caches one adjoint per argument
signature at first call — integer arguments are loop counts and indices, float arguments may be
differentiated.
"""

from __future__ import annotations

import ast
import functools
import inspect
import numbers

import numpy as np

from . import pipeline
from .errors import (
    NonDifferentiableArgument,
    NonScalarOutput,
    S2SADError,
    UnsupportedArgument,
)
from .frontend import fence, source
from .ssa import printer
from .ssa.nodes import BOOL, F32, FLOAT, INT, Array, is_float

_EXACT = {float: FLOAT, int: INT, bool: BOOL}
_DTYPES = {"f": FLOAT, "i": INT, "u": INT, "b": BOOL}


def _kind(value):
    kind = _EXACT.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, np.ndarray):  # before the slow `numbers` ABC checks: calls are hot
        if value.dtype.kind not in _DTYPES:
            return None
        if value.dtype.kind != "f" or value.dtype == np.float64:
            return Array(_DTYPES[value.dtype.kind], value.ndim)
        if value.dtype == np.float32:  # gradients come back in float32 too
            return Array(F32, value.ndim)
        return None
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, numbers.Integral):
        return INT
    if isinstance(value, numbers.Real):
        return FLOAT
    return None


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array"
    return type(value).__name__


def _scalar(x):
    """Plain Python numbers out of both builds (the Python build reads float64s off tapes)."""
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, tuple):  # a function returning a tuple (jvp)
        return tuple(_scalar(item) for item in x)
    return x


def _return_loc(parsed):
    """Where the function's last `return` is (its definition when it has none)."""
    returns = [n for n in ast.walk(parsed.tree) if isinstance(n, ast.Return)]
    return parsed.loc(max(returns, key=lambda n: (n.lineno, n.col_offset)) if returns
                      else parsed.tree)


def _range_bounds(tree) -> set[str]:
    """Names used directly as range() arguments: loop counts, so ints in a guessed signature."""
    return {a.id for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "range"
            for a in node.args if isinstance(a, ast.Name)}


class Derivative:
    """`grad(f)` / `value_and_grad(f)`: call it like `f`; inspect `.source`, `.python`, `.ir`."""

    mode = "reverse"

    def __init__(self, fn, wrt=0, jit: bool = True, with_value: bool = False):
        self.fn = fn
        self.__s2sad_primal__ = fn
        functools.update_wrapper(self, getattr(fn, "py_func", fn))
        self.jit = jit
        self.with_value = with_value
        self._parsed = source.load(fn)
        fence.check(self._parsed)
        self._signature = inspect.signature(self._parsed.pyfunc)
        self._params = list(self._signature.parameters)
        self._single = not isinstance(wrt, (tuple, list))
        self.wrt = self._resolve_wrt((wrt,) if self._single else tuple(wrt))
        self._specs: dict = {}
        self._last = None

    def _resolve_wrt(self, wrt: tuple) -> tuple[int, ...]:
        out = []
        for w in wrt:
            if isinstance(w, str):
                if w not in self._params:
                    raise NonDifferentiableArgument(
                        f"'{self.fn.__name__}' has no parameter '{w}'",
                        self._parsed.loc(self._parsed.tree), f"parameters: {self._params}")
                w = self._params.index(w)
            if not isinstance(w, int) or isinstance(w, bool) \
                    or not -len(self._params) <= w < len(self._params):
                raise NonDifferentiableArgument(
                    f"wrt={w!r} is not a parameter index of '{self.fn.__name__}'",
                    self._parsed.loc(self._parsed.tree),
                    f"use 0..{len(self._params) - 1} or a parameter name")
            out.append(w % len(self._params))
        return tuple(out)

    # -------------------------------------------------------------------- calling
    def __call__(self, *args, **kwargs):
        if kwargs or len(args) != len(self._params):
            bound = self._signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args = bound.args
        kinds = tuple(map(_kind, args))
        spec = self._specs.get(kinds)
        if spec is None:
            spec = self._build(kinds, args)
        value, grads = spec.loaded(*args)  # maps Numba compile errors to CompileError
        self._last = spec
        if spec.loaded.compiled is None:  # the Python build reads numpy scalars off its tapes
            value = _scalar(value)
            grads = tuple(_scalar(g) for g in grads)
        grads = grads[0] if self._single else tuple(grads)
        return (value, grads) if self.with_value else grads

    def _build(self, kinds: tuple, args: tuple):
        tree = self._parsed.tree
        all_args = tree.args.posonlyargs + tree.args.args
        for i, (k, a) in enumerate(zip(kinds, args)):
            if k is None:
                raise UnsupportedArgument(
                    f"argument '{self._params[i]}' is a {_describe(a)}; s2sad specializes on "
                    "float, int and bool arguments and float64, float32, integer and bool NumPy "
                    "arrays",
                    self._parsed.loc(all_args[i]),
                    "convert it, e.g. np.asarray(x, dtype=np.float64)")
        for i in self.wrt:
            if not is_float(kinds[i]):
                raise NonDifferentiableArgument(
                    f"cannot differentiate with respect to '{self._params[i]}': it was called "
                    f"with {type(args[i]).__name__} {args[i]!r}", self._parsed.loc(all_args[i]),
                    "integer arguments are loop counts and indices; pass a float "
                    f"(e.g. {float(args[i])!r}) to differentiate with respect to it")
        spec = pipeline.adjoint(self.fn, list(kinds), list(self.wrt), self.jit, self.mode)
        self._specs[kinds] = spec
        return spec

    def specialize(self, *args):
        """Generate (and load) the derivative for these example arguments without running it."""
        bound = self._signature.bind(*args)  # TypeError for a wrong number of arguments
        bound.apply_defaults()
        args = bound.args
        kinds = tuple(map(_kind, args))
        self._last = self._specs.get(kinds) or self._build(kinds, args)
        return self._last

    def _default_spec(self):
        if self._last is not None:
            return self._last
        kinds = []
        counts = _range_bounds(self._parsed.tree)
        for p in self._signature.parameters.values():
            ann, default = p.annotation, p.default
            untyped = ann is inspect.Parameter.empty
            if ann in (int, bool) or (untyped and (isinstance(default, int) or p.name in counts)):
                kinds.append(BOOL if ann is bool or isinstance(default, bool) else INT)
            else:
                kinds.append(FLOAT)
        sample = [1.0 if k is FLOAT else 1 if k is INT else True for k in kinds]
        try:
            return self._specs.get(tuple(kinds)) or self._build(tuple(kinds), sample)
        except S2SADError as exc:  # most often: the function takes arrays
            exc.add_note("(.source/.ir/.python before any call guess that every unannotated "
                         "parameter is a float, except range() bounds; call the derivative once, "
                         "or .specialize(*example_args), to pick the real argument types)")
            raise

    # ------------------------------------------------------------------ inspection
    @property
    def source(self) -> str:
        """The generated Python source of the last-used (or default) specialization."""
        return self._default_spec().source

    @property
    def python(self):
        """The un-jitted generated function: `(args) -> (value, grads)`."""
        return self._default_spec().loaded.python

    @property
    def compiled(self):
        """The Numba dispatcher (callable from your own @njit code), or None without jit."""
        return self._default_spec().loaded.compiled

    @property
    def ir(self) -> str:
        """The typed SSA of the last-used (or default) specialization."""
        return self._default_spec().ir

    def untyped_ir(self) -> str:
        return printer.format_function(pipeline.build_ssa(self.fn))


class Tangent(Derivative):
    """`jvp(f, wrt)`: call as `h(*args, *tangents)` -> `(value, directional derivative)`.

    One tangent per `wrt` argument, passed after the arguments; forward mode costs one sweep
    per direction, so it wins when a function has few inputs and many outputs."""

    mode = "forward"

    def __call__(self, *args_and_tangents):
        n, k = len(self._params), len(self.wrt)
        if len(args_and_tangents) != n + k:
            raise TypeError(f"{self.fn.__name__} jvp takes {n} arguments and {k} tangent(s), "
                            f"got {len(args_and_tangents)} values")
        args, tangents = args_and_tangents[:n], args_and_tangents[n:]
        kinds = tuple(map(_kind, args))
        spec = self._specs.get(kinds)
        if spec is None:
            spec = self._build(kinds, args)
        self._last = spec
        tangents = [t if isinstance(t, np.ndarray) else float(t) for t in tangents]
        value, tangent = spec.loaded(*args, *tangents)
        return _scalar(value), _scalar(tangent)


class VJP(Derivative):
    """`vjp(f, wrt)`: call as `h(*args, cotangent)` -> `(value, grads)`, the gradient of
    <cotangent, f(args)>: reverse mode for a function returning an array (cotangent of its
    shape) or a number (cotangent a float)."""

    mode = "vjp"

    def __call__(self, *args_and_cotangent):
        n = len(self._params)
        if len(args_and_cotangent) != n + 1:
            raise TypeError(f"{self.fn.__name__} vjp takes {n} arguments and a cotangent, got "
                            f"{len(args_and_cotangent)} values")
        args, cot = args_and_cotangent[:n], args_and_cotangent[n]
        kinds = tuple(map(_kind, args))
        spec = self._specs.get(kinds)
        if spec is None:
            spec = self._build(kinds, args)
        self._last = spec
        cot = np.asarray(cot, dtype=np.float64) if np.ndim(cot) else float(cot)
        value, grads = spec.loaded(*args, cot)
        if spec.loaded.compiled is None:
            value, grads = _scalar(value), tuple(_scalar(g) for g in grads)
        return value, (grads[0] if self._single else tuple(grads))


def vjp(fn=None, wrt=0, jit: bool = True):
    """Reverse mode with a cotangent: `vjp(f, wrt=0, jit=True)(*args, cotangent) -> (value,
    grads)`."""
    if fn is None:
        return lambda f: VJP(f, wrt, jit)
    return VJP(fn, wrt, jit)


def jacobian(fn, wrt=0, mode: str = "auto", jit: bool = True):
    """`jacobian(f, wrt=0, mode="auto")(*args)`: the Jacobian of f (shape `out.shape +
    arg.shape` per wrt argument; a tuple for a tuple `wrt`). Forward sweeps, one per input
    entry, when the inputs are fewer than the outputs; reverse sweeps, one per output entry,
    otherwise; mode="forward" or "reverse" forces one."""
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"jacobian mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
    forward, backward = Tangent(fn, wrt, jit), VJP(fn, wrt, jit)
    single = forward._single

    def jac(*args):
        positions = forward.wrt
        zeros = [np.zeros_like(np.asarray(args[i], dtype=np.float64)) if np.ndim(args[i])
                 else 0.0 for i in positions]
        value, _ = forward(*args, *zeros)
        if isinstance(value, tuple):
            raise NonScalarOutput(
                f"'{fn.__name__}' returns a tuple; jacobian needs one number or array",
                _return_loc(forward._parsed),
                "take the jacobian of each part, or stack them with np.concatenate")
        out_shape = np.shape(value)
        in_sizes = [int(np.size(args[i])) for i in positions]
        use_forward = mode == "forward" or (mode == "auto" and sum(in_sizes) < max(
            1, int(np.prod(out_shape, dtype=np.int64))))
        blocks = []
        for k, i in enumerate(positions):
            in_shape = np.shape(args[i])
            J = np.zeros(out_shape + in_shape)
            if use_forward:
                for idx in np.ndindex(in_shape):
                    tangents = list(zeros)
                    t = np.zeros(in_shape)
                    t[idx] = 1.0
                    tangents[k] = t if in_shape else 1.0
                    J[(...,) + idx] = forward(*args, *tangents)[1]
            blocks.append(J)
        if not use_forward:
            for idx in np.ndindex(out_shape):
                cot = np.zeros(out_shape)
                cot[idx] = 1.0
                grads = backward(*args, cot if out_shape else 1.0)[1]
                grads = (grads,) if single else grads
                for J, g in zip(blocks, grads):
                    J[idx] = g
        return blocks[0] if single else tuple(blocks)

    jac.forward, jac.reverse = forward, backward
    return jac


def jvp(fn=None, wrt=0, jit: bool = True):
    """Forward mode: `jvp(f, wrt=0, jit=True)(*args, *tangents) -> (value, tangent_out)`."""
    if fn is None:
        return lambda f: Tangent(f, wrt, jit)
    return Tangent(fn, wrt, jit)


def _decorator(with_value: bool):
    def make(fn=None, wrt=0, jit: bool = True):
        if fn is None:
            return lambda f: Derivative(f, wrt, jit, with_value)
        return Derivative(fn, wrt, jit, with_value)
    return make


grad = _decorator(with_value=False)
grad.__doc__ = """Gradient of a scalar function: `grad(f, wrt=0, jit=True)`, `@grad`, `@grad(wrt=)`.

`wrt` is a parameter index, a name, or a tuple of them; an int or name gives one gradient, a
tuple gives a tuple. `jit=False` (or S2SAD_JIT=0) gives the pure-Python build."""
value_and_grad = _decorator(with_value=True)
value_and_grad.__doc__ = """Like `grad`, returning `(value, grads)`."""


# Transforms a differentiated function may not call (grad and value_and_grad it may: their
# adjoints are inlined and differentiated again); second_order.py adds hvp and hessian.
TRANSFORMS = {jvp, vjp, jacobian}
