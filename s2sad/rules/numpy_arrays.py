"""Rules for NumPy's non-elementwise functions: reductions, linear algebra, shape changes and
construction (the mechanism is in `arrays.py`; elementwise functions are in
`numpy_elementwise.py`).

Every template specializes at generation time on what is static, so the generated code reads
like hand-written NumPy and compiles in Numba's nopython mode:
- Axes are normalized (the rule knows `ndim`), and `keepdims` is spelled with np.expand_dims:
  Numba has no keepdims. Cotangents of reductions are expanded back with np.expand_dims and
  left to broadcast in the generator's `b_a += ...`.
- Where Numba lacks an axis (prod, max, min, var, std, cumsum, cumprod) or a function (squeeze,
  inner, batched matmul), the code calls a helper from `s2sad/runtime_arrays.py` (`rta.*`) or
  an equivalent (`x[:, 0]` for squeeze, np.dot for inner).
- A `*varargs` parameter (concatenate's arrays, arange's args) reaches the hooks as a tuple of
  `Src`; its cotangent is a tuple with one entry per element (None: no derivative), and its
  tangent `t[name]` is a tuple with one tangent (or None) per element, or None.

Derivative conventions: max/min/norm(inf) send the gradient to the element NumPy's argmax
picks (the first one on a tie); prod and cumprod are exact at zeros (products of the other
elements, never out / a); norm(x) at x = 0 and std of constant data divide by zero, as their
derivatives do not exist there. Integer arguments of linear algebra are converted to float64
in the generated code, since Numba's BLAS/LAPACK bindings take floats only.
"""

from __future__ import annotations

import ast
import operator

import numpy as np

from ..ssa.nodes import BOOL, F32, FLOAT, INT, Array, Aux, Scalar
from .arrays import array_op, dtype_of, float_dtype

# ----------------------------------------------------------------------------- source text


def _parse(text: str) -> ast.expr | None:
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError:
        return None


def _atom(x) -> str:
    """`x` as the base of `.attr`, `[...]` or a unary minus: parenthesized unless atomic."""
    s = str(x)
    node = _parse(s)
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
        return s
    if isinstance(node, ast.Constant) and not (isinstance(node.value, (int, float))
                                               and node.value < 0):
        return s
    return f"({s})"


def _factor(x) -> str:
    """`x` as an operand of `*` or `/`: parenthesized unless a product, power or atom."""
    s = str(x)
    node = _parse(s)
    if isinstance(node, ast.BinOp) and not isinstance(node.op, (ast.Mult, ast.Pow)):
        return f"({s})"
    if isinstance(node, (ast.IfExp, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Lambda)):
        return f"({s})"
    return s if node is not None else f"({s})"


def _mul(*xs) -> str:
    return " * ".join(_factor(x) for x in xs)


def _sum_terms(terms) -> str | None:
    """The sum of the non-None terms; None when there are none (a zero tangent)."""
    terms = [str(t) for t in terms if t is not None]
    return " + ".join(terms) if terms else None


def _tuple_text(items) -> str:
    items = [str(x) for x in items]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _given(v) -> bool:
    """Whether an optional dynamic argument was passed (the frontend passes omitted ones as
    their default, None)."""
    return v is not None and str(v) != "None"


def _tangent(t, name):
    return t.get(name) if t else None


def _tangents(t, name, n) -> list:
    """One tangent (or None) per element of a *varargs parameter."""
    ts = _tangent(t, name)
    if ts is None:
        return [None] * n
    ts = list(ts) if isinstance(ts, (tuple, list)) else [ts]
    return ts + [None] * (n - len(ts))


# ----------------------------------------------------------------------------- types


def _ndim(t) -> int:
    """The number of dimensions of a type, or of an operand (Src)."""
    if isinstance(t, Array):
        return t.ndim
    return _ndim(t.type) if hasattr(t, "type") else 0


def _scalar(dtype: Scalar) -> Scalar:
    return FLOAT if dtype == F32 else dtype  # float32 elements compute as float64 scalars


def _typed(dtype: Scalar, ndim: int):
    return Array(dtype, ndim) if ndim > 0 else _scalar(dtype)


def _need_array(t, what: str, ndims=None):
    if not isinstance(t, Array):
        raise ValueError(f"{what} takes an array here, not a number")
    if ndims is not None and t.ndim not in ndims:
        want = " or ".join(f"{n}-d" for n in ndims)
        raise ValueError(f"{what} is supported for {want} arrays, got a {t.ndim}-d array")


def _sum_dtype(t) -> Scalar:
    """np.sum's result dtype: integer and bool data sum as int64."""
    return INT if t.dtype in (INT, BOOL) else t.dtype


def _no_bool(t, what: str):
    if isinstance(t, Array) and t.dtype == BOOL:
        raise ValueError(f"{what} of a bool array is not supported: convert it with "
                         ".astype(np.int64)")


_DTYPE_TEXT = {FLOAT: "np.float64", F32: "np.float32", INT: "np.int64", BOOL: "np.bool_"}


def _dtype(dtype) -> Scalar | None:
    """The s2sad dtype of a static `dtype=` argument (None when not given)."""
    if dtype is None:
        return None
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype {dtype!r} is not a NumPy dtype") from None
    found = {np.dtype(np.float64): FLOAT, np.dtype(np.float32): F32,
             np.dtype(np.int64): INT, np.dtype(np.bool_): BOOL}.get(d)
    if found is None and d == np.dtype(np.int8):  # the branch tape of a generated adjoint
        return INT
    if found is None:
        raise ValueError(f"dtype {d} is not supported: use float64, float32, int64 or bool")
    return found


def _dtype_arg(dtype, default=FLOAT) -> str:
    """`, np.float32` for a static dtype unless it is the function's default dtype (None:
    the default depends on the other arguments, so a given dtype is always spelled)."""
    d = _dtype(dtype)
    if d is not None and np.dtype(dtype) == np.dtype(np.int8):
        return ", np.int8"
    return "" if d is None or d == default else f", {_DTYPE_TEXT[d]}"


def _as_float(x, dtype: Scalar) -> str:
    """`x` converted to `dtype` (float32 or float64) unless it already is: Numba's np.dot and
    np.linalg take float arrays of one dtype."""
    t = getattr(x, "type", None)
    if isinstance(t, Array) and t.dtype != dtype:
        return f"{_atom(x)}.astype({_DTYPE_TEXT[dtype]})"
    return str(x)


def _shape_len(shape) -> int:
    """The number of dimensions a shape argument describes, from its type: a tuple of n values,
    or one integer."""
    if isinstance(shape, tuple):  # the elements themselves (a *shape-style parameter)
        if len(shape) == 1 and isinstance(shape[0], Aux):
            return shape[0].n
        return len(shape)
    if isinstance(shape, Aux) and shape.name == "tuple":
        return shape.n
    if shape in (INT, BOOL):
        return 1
    raise ValueError("the shape must be an int or a tuple of ints whose length is known "
                     "when the derivative is built")


def _shape_text(shape) -> str:
    if isinstance(shape, (tuple, list)):
        if len(shape) == 1 and isinstance(getattr(shape[0], "type", None), Aux):
            return str(shape[0])
        return _tuple_text(shape)
    return str(shape)


# ----------------------------------------------------------------------------- axes


def _axes(axis, ndim: int):
    """A static axis argument as a sorted tuple of non-negative axes; None for all."""
    if axis is None:
        return None
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    for k in items:
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
            raise ValueError(f"axis must be None, an int or a tuple of ints, not {k!r}")
        if not -ndim <= k < ndim:
            raise ValueError(f"axis {k} is out of bounds for a {ndim}-d array")
    out = tuple(sorted({int(k) % ndim for k in items}))
    if len(out) != len(items):
        raise ValueError(f"repeated axis in {axis!r}")
    return out


def _all(axes, ndim: int) -> bool:
    return axes is None or len(axes) == ndim


def _one_axis(axes, ndim: int, what: str):
    """The single axis a helper reduces over; None for a reduction over everything."""
    if _all(axes, ndim):
        return None
    if len(axes) > 1:
        raise ValueError(f"{what} over several axes is not supported: reduce one axis at a time")
    return axes[0]


def _reduced_type(a, axes, keepdims: bool, dtype: Scalar):
    if keepdims:
        return Array(dtype, a.ndim)
    if _all(axes, a.ndim):
        return _scalar(dtype)
    return Array(dtype, a.ndim - len(axes))


def _np_sum(x, axes, ndim: int) -> str:
    """np.sum over `axes` (one call per axis, last first: Numba takes one int axis)."""
    if _all(axes, ndim):
        return f"np.sum({x})"
    text = str(x)
    for k in reversed(axes):
        text = f"np.sum({text}, {k})"
    return text


def _expand(x, axes) -> str:
    for k in axes:
        x = f"np.expand_dims({x}, {k})"
    return str(x)


def _dtype_of(x):
    """The element dtype of an operand's type (None for numbers and untyped operands)."""
    return x.type.dtype if isinstance(getattr(x, "type", None), Array) else None


def _keep(result, axes, ndim: int, keepdims: bool, dtype=None) -> str:
    """A reduction's result with the reduced axes kept as size 1 when keepdims is set (a
    float32 result must say so: the scalar it is built from computes in float64)."""
    if not keepdims:
        return str(result)
    if _all(axes, ndim):
        single = ", np.float32" if dtype == F32 else ""
        return f"np.full({_tuple_text(['1'] * ndim)}, {result}{single})"
    return _expand(result, axes)


def _spread(g, axes, ndim: int, keepdims: bool) -> str:
    """A reduction's cotangent `g` with the reduced axes restored, to broadcast over them."""
    if keepdims or _all(axes, ndim):
        return str(g)
    return _expand(g, axes)


def _count(a, axes, ndim: int) -> str:
    """How many elements each result of a reduction over `axes` combines."""
    if _all(axes, ndim):
        return f"{_atom(a)}.size"
    dims = [f"{_atom(a)}.shape[{k}]" for k in axes]
    return dims[0] if len(dims) == 1 else f"({' * '.join(dims)})"


def _index(ndim: int, at: dict) -> str:
    """An index expression for `ndim` axes: `at[k]` on axis k, `:` elsewhere (trailing `:`
    dropped)."""
    last = max(at) if at else -1
    return ", ".join(str(at[k]) if k in at else ":" for k in range(last + 1))


def _named(name: str, rule):
    """A copy of a rule class built by a factory, under the name the rule table shows."""
    body = {k: v for k, v in vars(rule).items() if not k.startswith("__")}
    body["__doc__"] = rule.__doc__
    return type(name, (), body)


# ----------------------------------------------------------------------------- samples


def _dims(rng, ndim: int) -> tuple:
    return tuple(int(n) for n in rng.integers(2, 5, size=ndim))


def _pick(rng, options):
    return options[int(rng.integers(len(options)))]


def _reduction_sample(rng, *, tuples=False, min_ndim=1, values=None):
    ndim = int(rng.integers(min_ndim, 4))
    shape = _dims(rng, ndim)
    axes = [None, *range(-ndim, ndim)]
    if tuples and ndim >= 2:
        axes += [(0, ndim - 1), (-1, 0)]
    a = values(rng, shape) if values else rng.normal(size=shape)
    return dict(a=a, axis=_pick(rng, axes), keepdims=bool(rng.integers(2)))


def _distinct(rng, shape):
    """Values with no ties and gaps of at least 0.4 (finite differences stay off the kinks)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.5 - n / 4 + rng.uniform(0.0, 0.1, size=n)).reshape(shape)


def _with_zero(rng, shape):
    """Factors near ±1, sometimes one exact zero (prod's derivative must still be exact)."""
    a = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    if rng.random() < 0.5:
        a.flat[int(rng.integers(a.size))] = 0.0
    return a


def _matrix(rng, n: int):
    """An n x n matrix with singular values in [1, 2] (condition number at most 2)."""
    u, _ = np.linalg.qr(rng.normal(size=(n, n)))
    v, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return u @ np.diag(rng.uniform(1.0, 2.0, size=n)) @ v.T


# ============================================================================= reductions


@array_op(np.sum, sig="a, axis=None, keepdims=False", static=("axis", "keepdims"),
          sample=lambda rng: _reduction_sample(rng, tuples=True))
class sum_:
    def type(a, axis, keepdims):
        _need_array(a, "np.sum")
        return _reduced_type(a, _axes(axis, a.ndim), keepdims, _sum_dtype(a))

    def primal(a, axis, keepdims):
        axes = _axes(axis, a.ndim)
        return _keep(_np_sum(a, axes, a.ndim), axes, a.ndim, keepdims, a.type.dtype)

    def vjp(g, out, a, axis, keepdims):
        return (_spread(g, _axes(axis, a.ndim), a.ndim, keepdims),)

    def jvp(t, out, a, axis, keepdims):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        axes = _axes(axis, a.ndim)
        return _keep(_np_sum(ta, axes, a.ndim), axes, a.ndim, keepdims, _dtype_of(out))


@array_op(np.mean, sig="a, axis=None, keepdims=False", static=("axis", "keepdims"),
          sample=lambda rng: _reduction_sample(rng, tuples=True))
class mean:
    def type(a, axis, keepdims):
        _need_array(a, "np.mean")
        return _reduced_type(a, _axes(axis, a.ndim), keepdims, float_dtype(a))

    def primal(a, axis, keepdims):
        axes = _axes(axis, a.ndim)
        if _all(axes, a.ndim):
            return _keep(f"np.mean({a})", axes, a.ndim, keepdims, a.type.dtype)
        total = _np_sum(a, axes, a.ndim)
        return _keep(f"{total} / {_count(a, axes, a.ndim)}", axes, a.ndim, keepdims)

    def vjp(g, out, a, axis, keepdims):
        axes = _axes(axis, a.ndim)
        return (f"{_factor(_spread(g, axes, a.ndim, keepdims))} / {_count(a, axes, a.ndim)}",)

    def jvp(t, out, a, axis, keepdims):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        axes = _axes(axis, a.ndim)
        total = _np_sum(ta, axes, a.ndim)
        return _keep(f"{total} / {_count(a, axes, a.ndim)}", axes, a.ndim, keepdims)


@array_op(np.prod, sig="a, axis=None, keepdims=False", static=("axis", "keepdims"),
          sample=lambda rng: _reduction_sample(rng, values=_with_zero))
class prod:
    """Exact at zeros: the derivative is the product of the other elements (rta.prod_others),
    not out / a."""

    def type(a, axis, keepdims):
        _need_array(a, "np.prod")
        _no_bool(a, "np.prod")
        axes = _axes(axis, a.ndim)
        _one_axis(axes, a.ndim, "np.prod")
        return _reduced_type(a, axes, keepdims, _sum_dtype(a))

    def primal(a, axis, keepdims):
        axes = _axes(axis, a.ndim)
        k = _one_axis(axes, a.ndim, "np.prod")
        value = f"np.prod({a})" if k is None else f"rta.prod({a}, {k})"
        return _keep(value, axes, a.ndim, keepdims, a.type.dtype)

    def vjp(g, out, a, axis, keepdims):
        axes = _axes(axis, a.ndim)
        k = _one_axis(axes, a.ndim, "np.prod")
        return (_mul(_spread(g, axes, a.ndim, keepdims), f"rta.prod_others({a}, {k})"),)

    def jvp(t, out, a, axis, keepdims):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        axes = _axes(axis, a.ndim)
        k = _one_axis(axes, a.ndim, "np.prod")
        terms = _mul(ta, f"rta.prod_others({a}, {k})")
        return _keep(_np_sum(terms, axes, a.ndim), axes, a.ndim, keepdims, _dtype_of(out))


def _extremum(name: str, helper: str, mask: str):
    """max and min: the result is the winner's value, so the derivative is the winner's."""

    class rule:
        def type(a, axis, keepdims):
            _need_array(a, f"np.{name}")
            axes = _axes(axis, a.ndim)
            _one_axis(axes, a.ndim, f"np.{name}")
            return _reduced_type(a, axes, keepdims, a.dtype)

        def primal(a, axis, keepdims):
            axes = _axes(axis, a.ndim)
            k = _one_axis(axes, a.ndim, f"np.{name}")
            value = f"np.{name}({a})" if k is None else f"rta.{helper}({a}, {k})"
            return _keep(value, axes, a.ndim, keepdims, a.type.dtype)

        def vjp(g, out, a, axis, keepdims):
            axes = _axes(axis, a.ndim)
            k = _one_axis(axes, a.ndim, f"np.{name}")
            return (_mul(_spread(g, axes, a.ndim, keepdims), f"rta.{mask}({a}, {k})"),)

        def jvp(t, out, a, axis, keepdims):
            ta = _tangent(t, "a")
            if ta is None:
                return None
            axes = _axes(axis, a.ndim)
            k = _one_axis(axes, a.ndim, f"np.{name}")
            picked = _mul(ta, f"rta.{mask}({a}, {k})")
            return _keep(_np_sum(picked, axes, a.ndim), axes, a.ndim, keepdims, _dtype_of(out))

    rule.__name__ = rule.__qualname__ = name
    return rule


array_op(np.max, np.amax, sig="a, axis=None, keepdims=False", static=("axis", "keepdims"),
         sample=lambda rng: _reduction_sample(rng, values=_distinct))(
    _extremum("max", "amax", "argmax_mask"))
array_op(np.min, np.amin, sig="a, axis=None, keepdims=False", static=("axis", "keepdims"),
         sample=lambda rng: _reduction_sample(rng, values=_distinct))(
    _extremum("min", "amin", "argmin_mask"))


def _var_value(a, axes, ddof, sqrt=False) -> str:
    """var (or std) of `a`; rta.var computes in float64, so a float32 array result is
    converted back (NumPy keeps float32)."""
    k = _one_axis(axes, a.ndim, "np.var/np.std")
    if k is None and ddof == 0:
        return f"np.std({a})" if sqrt else f"np.var({a})"
    value = f"rta.var({a}, {k}, {ddof})"
    value = f"np.sqrt({value})" if sqrt else value
    if k is not None and a.ndim > 1 and a.type.dtype == F32:
        value = f"{value}.astype(np.float32)"
    return value


def _denominator(a, axes, ddof) -> str:
    n = _count(a, axes, a.ndim)
    return n if ddof == 0 else f"({n} - {ddof})"


def _var_sample(rng):
    s = _reduction_sample(rng, values=_distinct)  # spread out: std stays away from 0
    s["ddof"] = _pick(rng, [0, 0, 1])
    return s


def _var_check(a, axis, ddof, what):
    _need_array(a, what)
    if not isinstance(ddof, int) or isinstance(ddof, bool):
        raise ValueError("ddof must be an int constant")
    axes = _axes(axis, a.ndim)
    _one_axis(axes, a.ndim, what)
    return axes


@array_op(np.var, sig="a, axis=None, ddof=0, keepdims=False",
          static=("axis", "ddof", "keepdims"), sample=_var_sample)
class var:
    def type(a, axis, ddof, keepdims):
        axes = _var_check(a, axis, ddof, "np.var")
        return _reduced_type(a, axes, keepdims, float_dtype(a))

    def primal(a, axis, ddof, keepdims):
        axes = _axes(axis, a.ndim)
        return _keep(_var_value(a, axes, ddof), axes, a.ndim, keepdims, float_dtype(a.type))

    def vjp(g, out, a, axis, ddof, keepdims):
        axes = _axes(axis, a.ndim)
        k = _one_axis(axes, a.ndim, "np.var")
        scale = f"(2.0 / {_denominator(a, axes, ddof)})"
        return (_mul(_spread(g, axes, a.ndim, keepdims), f"rta.centered({a}, {k})", scale),)

    def jvp(t, out, a, axis, ddof, keepdims):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        axes = _axes(axis, a.ndim)
        k = _one_axis(axes, a.ndim, "np.var")
        dot = _np_sum(_mul(f"rta.centered({a}, {k})", ta), axes, a.ndim)
        scaled = f"{dot} * (2.0 / {_denominator(a, axes, ddof)})"
        return _keep(scaled, axes, a.ndim, keepdims, _dtype_of(out))


@array_op(np.std, sig="a, axis=None, ddof=0, keepdims=False",
          static=("axis", "ddof", "keepdims"), sample=_var_sample)
class std:
    """d std = d var / (2 std): the generated code divides by `out`, so constant data (std 0)
    has no derivative, as mathematically."""

    def type(a, axis, ddof, keepdims):
        axes = _var_check(a, axis, ddof, "np.std")
        return _reduced_type(a, axes, keepdims, float_dtype(a))

    def primal(a, axis, ddof, keepdims):
        axes = _axes(axis, a.ndim)
        value = _var_value(a, axes, ddof, sqrt=True)
        return _keep(value, axes, a.ndim, keepdims, float_dtype(a.type))

    def vjp(g, out, a, axis, ddof, keepdims):
        axes = _axes(axis, a.ndim)
        k = _one_axis(axes, a.ndim, "np.std")
        per = _spread(f"{_factor(g)} / {_atom(out)}", axes, a.ndim, keepdims)
        return (f"{_mul(per, f'rta.centered({a}, {k})')} / {_denominator(a, axes, ddof)}",)

    def jvp(t, out, a, axis, ddof, keepdims):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        axes = _axes(axis, a.ndim)
        k = _one_axis(axes, a.ndim, "np.std")
        dot = _np_sum(_mul(f"rta.centered({a}, {k})", ta), axes, a.ndim)
        kept = _keep(f"{dot} / {_denominator(a, axes, ddof)}", axes, a.ndim, keepdims,
                     _dtype_of(out))
        return f"{_factor(kept)} / {_atom(out)}"


def _cum_sample(rng, values=None):
    ndim = int(rng.integers(1, 4))
    shape = _dims(rng, ndim)
    a = values(rng, shape) if values else rng.normal(size=shape)
    return dict(a=a, axis=_pick(rng, [None, *range(-ndim, ndim)]))


def _cum_type(a, axis, what):
    _need_array(a, what)
    _no_bool(a, what)
    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise ValueError(f"{what} takes one int axis or None")
    _axes(axis, a.ndim)
    return Array(_sum_dtype(a), 1 if axis is None else a.ndim)


def _cum_axis(a, axis):
    """None when NumPy's own function applies (axis None flattens, and 1-d arrays)."""
    if axis is None or a.ndim == 1:
        return None
    return _axes(axis, a.ndim)[0]


@array_op(np.cumsum, sig="a, axis=None", static=("axis",), sample=_cum_sample)
class cumsum:
    def type(a, axis):
        return _cum_type(a, axis, "np.cumsum")

    def primal(a, axis):
        k = _cum_axis(a, axis)
        return f"np.cumsum({a})" if k is None else f"rta.cumsum({a}, {k})"

    def vjp(g, out, a, axis):
        if axis is None and a.ndim > 1:
            return (f"np.reshape(rta.rcumsum({g}, 0), {_atom(a)}.shape)",)
        return (f"rta.rcumsum({g}, {_axes(axis, a.ndim)[0] if axis is not None else 0})",)

    def jvp(t, out, a, axis):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        k = _cum_axis(a, axis)
        return f"np.cumsum({ta})" if k is None else f"rta.cumsum({ta}, {k})"


@array_op(np.cumprod, sig="a, axis=None", static=("axis",),
          sample=lambda rng: _cum_sample(rng, _with_zero))
class cumprod:
    """Exact at zeros: the adjoint and tangent run the recurrences of rta.cumprod_vjp/_jvp
    instead of dividing by `a`."""

    def type(a, axis):
        return _cum_type(a, axis, "np.cumprod")

    def primal(a, axis):
        k = _cum_axis(a, axis)
        return f"np.cumprod({a})" if k is None else f"rta.cumprod({a}, {k})"

    def vjp(g, out, a, axis):
        if axis is None and a.ndim > 1:
            flat = f"rta.cumprod_vjp({g}, np.ravel({a}), 0)"
            return (f"np.reshape({flat}, {_atom(a)}.shape)",)
        k = 0 if axis is None else _axes(axis, a.ndim)[0]
        return (f"rta.cumprod_vjp({g}, {a}, {k})",)

    def jvp(t, out, a, axis):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        if axis is None and a.ndim > 1:
            return f"rta.cumprod_jvp(np.ravel({ta}), np.ravel({a}), 0)"
        k = 0 if axis is None else _axes(axis, a.ndim)[0]
        return f"rta.cumprod_jvp({ta}, {a}, {k})"


def _norm_sample(rng):
    kind = _pick(rng, ["vec", "vec", "along", "along", "mat", "nd"])
    if kind in ("vec", "along"):
        shape = (int(rng.integers(3, 7)),) if kind == "vec" else _dims(rng, int(rng.integers(2, 4)))
        n = int(np.prod(shape))
        # magnitudes 0.4 apart and away from 0: off the kinks of |x| and of max |x|
        x = ((rng.permutation(n) * 0.5 + 0.3 + rng.uniform(0.0, 0.1, size=n))
             * rng.choice([-1.0, 1.0], size=n)).reshape(shape)
        axis = None if kind == "vec" else _pick(rng, list(range(-len(shape), len(shape))))
        return dict(x=x, ord=_pick(rng, [None, 1, 2, np.inf, -np.inf, 3, 1.5]), axis=axis,
                    keepdims=bool(rng.integers(2)))
    x = rng.normal(size=_dims(rng, 2 if kind == "mat" else 3))
    return dict(x=x, ord=_pick(rng, [None, "fro"]) if kind == "mat" else None,
                axis=_pick(rng, [None, (0, 1)]) if kind == "mat" else None,
                keepdims=bool(rng.integers(2)))


def _norm_kind(x, ord, axis):
    """(kind, axes): kind '2', '1', 'inf', '-inf' or 'p' for a vector norm (of a 1-d array, or
    along the one axis in `axes`), 'fro' for the Frobenius norm of the whole array (a matrix's
    default, and NumPy's flattened 2-norm of an n-d array); axes None for the whole array."""
    nd = _ndim(x)
    axes = _axes(axis, nd)
    if axes is not None and len(axes) == nd:
        axes = None  # all the axes: the same as none given
    if axes is not None and len(axes) > 1:
        raise ValueError("np.linalg.norm over two or more axes is not supported: use axis=None "
                         "or one axis")
    if nd == 1 or axes is not None:
        if ord is None or ord == 2:
            return "2", axes
        if isinstance(ord, str):
            raise ValueError(f"vector norm ord={ord!r} is not supported")
        if ord == 1:
            return "1", axes
        if ord == np.inf:
            return "inf", axes
        if ord == -np.inf:
            return "-inf", axes
        if isinstance(ord, (int, float)) and not isinstance(ord, bool) and ord > 0:
            return "p", axes
        raise ValueError(f"vector norm ord={ord!r} is not supported: use 1, 2, inf, -inf or "
                         "a positive number")
    if ord is None or (ord == "fro" and nd == 2):
        return "fro", None
    raise ValueError(f"matrix norm ord={ord!r} is not supported: use None or 'fro'")


@array_op(np.linalg.norm, sig="x, ord=None, axis=None, keepdims=False",
          static=("ord", "axis", "keepdims"), sample=_norm_sample)
class norm:
    """Vector norms of 1-d arrays and along one axis, the Frobenius norm of the whole array
    otherwise. The 2-norm's derivative x / out does not exist at x = 0 (nan there). Integer
    data is converted to float64 (NumPy's norms are floats)."""

    def type(x, ord, axis, keepdims):
        _need_array(x, "np.linalg.norm")
        _, axes = _norm_kind(x, ord, axis)
        return _reduced_type(x, axes, keepdims, float_dtype(x))

    def primal(x, ord, axis, keepdims):
        kind, axes = _norm_kind(x.type, ord, axis)
        fx = _lapack_input(x)
        k = None if axes is None else axes[0]
        if k is not None and kind == "2":
            value = f"np.sqrt(np.sum({_mul(fx, fx)}, {k}))"
        elif k is not None and kind == "1":
            value = f"np.sum(np.abs({fx}), {k})"
        elif k is not None and kind in ("inf", "-inf"):
            value = f"rta.{'amax' if kind == 'inf' else 'amin'}(np.abs({fx}), {k})"
        elif k is not None:
            value = f"np.sum(np.abs({fx}) ** {ord!r}, {k}) ** {1.0 / ord!r}"
            if x.type.dtype == F32:  # Numba's float32 ** float is float64; NumPy's float32
                value = f"({value}).astype(np.float32)"
        elif kind == "fro" and x.ndim > 2:
            value = f"np.linalg.norm(np.ravel({fx}))"
        elif kind in ("2", "fro"):
            value = f"np.linalg.norm({fx})"
        elif kind == "p":
            value = f"np.sum(np.abs({fx}) ** {ord!r}) ** {1.0 / ord!r}"
        else:
            value = f"np.linalg.norm({fx}, {_ORD_TEXT[kind]})"
        return _keep(value, axes, x.ndim, keepdims, float_dtype(x.type))

    def vjp(g, out, x, ord, axis, keepdims):
        _, axes = _norm_kind(x.type, ord, axis)
        g = _spread(g, axes, x.ndim, keepdims)
        return (_mul(g, _norm_direction(x, out, ord, axis, keepdims)),)

    def jvp(t, out, x, ord, axis, keepdims):
        tx = _tangent(t, "x")
        if tx is None:
            return None
        _, axes = _norm_kind(x.type, ord, axis)
        along = _mul(_norm_direction(x, out, ord, axis, keepdims), tx)
        return _keep(_np_sum(along, axes, x.ndim), axes, x.ndim, keepdims, _dtype_of(out))


_ORD_TEXT = {"1": "1", "inf": "np.inf", "-inf": "-np.inf"}


def _norm_direction(x, out, ord, axis, keepdims) -> str:
    """The gradient of the norm (of each line, for an axis) with respect to x."""
    kind, axes = _norm_kind(x.type, ord, axis)
    out = _spread(out, axes, x.ndim, keepdims)
    k = None if axes is None else axes[0]
    if kind in ("2", "fro"):
        return f"{_factor(x)} / {_atom(out)}"
    if kind == "1":
        return f"np.sign({x})"
    if kind in ("inf", "-inf"):
        mask = "argmax_mask" if kind == "inf" else "argmin_mask"
        return f"np.sign({x}) * rta.{mask}(np.abs({x}), {k})"
    return f"np.sign({x}) * (np.abs({x}) / {_atom(out)}) ** {ord - 1.0!r}"


@array_op(np.trace, sig="a, offset=0", static=("offset",),
          sample=lambda rng: dict(a=rng.normal(size=_dims(rng, 2)),
                                  offset=_pick(rng, [0, 0, 1, -1])))
class trace:
    def type(a, offset):
        _need_array(a, "np.trace", (2,))
        if not isinstance(offset, int):
            raise ValueError("offset must be an int constant")
        return _scalar(_sum_dtype(a))

    def primal(a, offset):
        if a.type.dtype in (INT, BOOL):  # Numba's np.trace takes floats only
            return f"np.sum(np.diag({a}{'' if offset == 0 else f', {offset}'}))"
        return f"np.trace({a})" if offset == 0 else f"np.trace({a}, {offset})"

    def vjp(g, out, a, offset):
        k = "" if offset == 0 else f", {offset}"
        eye = f"np.eye({_atom(a)}.shape[0], {_atom(a)}.shape[1]{k})"
        return (_mul(g, eye),)

    def jvp(t, out, a, offset):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        return f"np.trace({ta})" if offset == 0 else f"np.trace({ta}, {offset})"


# ============================================================================= linear algebra


def _product_dtype(a, b) -> Scalar:
    """The dtype a product is computed in: float32 when both are float32 arrays, else float64
    (integer data is converted: Numba's BLAS and LAPACK calls take floats only)."""
    if all(isinstance(t, Array) and t.dtype == F32 for t in (a, b)):
        return F32
    return FLOAT


def _integral(a, b) -> bool:
    """Whether NumPy's product of `a` and `b` is integer (the generated code then computes in
    float64 and converts back, exactly below 2**53)."""
    return all((t.dtype if isinstance(t, Array) else t) in (INT, BOOL) for t in (a, b))


def _result_dtype(a, b) -> Scalar:
    return INT if _integral(a, b) else _product_dtype(a, b)


def _back_to_int(text: str, a, b, ndim: int) -> str:
    if not _integral(a.type, b.type):
        return text
    return f"{_atom(text)}.astype(np.int64)" if ndim > 0 else f"int({text})"


def _bilinear_vjp(g, a, b, dot: str) -> tuple:
    """Cotangents of the product of 1-d/2-d arrays (np.dot or `@`, spelled `dot`)."""
    na, nb = a.ndim, b.ndim
    dt = _product_dtype(a.type, b.type)
    fa, fb = _as_float(a, dt), _as_float(b, dt)
    if na == 1 and nb == 1:
        return _mul(g, fb), _mul(g, fa)
    if na == 2 and nb == 1:
        return f"np.outer({g}, {fb})", _prod(g, fa, dot)
    if na == 1 and nb == 2:
        return _prod(fb, g, dot), f"np.outer({fa}, {g})"
    return _prod(g, f"{_atom(fb)}.T", dot), _prod(f"{_atom(fa)}.T", g, dot)


def _prod(x, y, dot: str) -> str:
    if dot == "@":
        return f"{_factor(x)} @ {_factor(y)}"
    return f"{dot}({x}, {y})"


def _scalar_cots(g, a, b) -> tuple:
    """Cotangents of a * b where at least one of them is a number: a number's cotangent sums
    over the other operand's elements."""
    ca = _mul(g, b)
    cb = _mul(g, a)
    if a.ndim == 0 and b.ndim > 0:
        ca = f"np.sum({ca})"
    if b.ndim == 0 and a.ndim > 0:
        cb = f"np.sum({cb})"
    return ca, cb


_PRODUCT_NDIM = {(1, 1): 0, (2, 1): 1, (1, 2): 1, (2, 2): 2}


def _dot_type(a, b, what: str, allow_scalars=True):
    na, nb = _ndim(a), _ndim(b)
    if not allow_scalars and (na == 0 or nb == 0):
        raise ValueError(f"{what} takes arrays, not numbers (use * for scalars)")
    if na > 2 or nb > 2:
        raise ValueError(f"{what} is supported for 1-d and 2-d arrays")
    if na == 0 or nb == 0:
        dt = dtype_of(a, b)
        return _typed(dt, max(na, nb))
    return _typed(_result_dtype(a, b), _PRODUCT_NDIM[(na, nb)])


def _dot_primal(a, b, dot="np.dot") -> str:
    if a.ndim == 0 or b.ndim == 0:
        return _mul(a, b)
    dt = _product_dtype(a.type, b.type)
    text = _prod(_as_float(a, dt), _as_float(b, dt), dot)
    return _back_to_int(text, a, b, _PRODUCT_NDIM[(a.ndim, b.ndim)])


def _dot_vjp(g, a, b, dot="np.dot") -> tuple:
    if a.ndim == 0 or b.ndim == 0:
        return _scalar_cots(g, a, b)
    return _bilinear_vjp(g, a, b, dot)


def _dot_jvp(t, a, b, dot="np.dot"):
    ta, tb = _tangent(t, "a"), _tangent(t, "b")
    if ta is not None:
        ta = _Like(ta, a)
    if tb is not None:
        tb = _Like(tb, b)
    return _sum_terms([None if ta is None else _dot_primal(ta, b, dot),
                       None if tb is None else _dot_primal(a, tb, dot)])


class _Like:
    """A tangent's text with its primal's type (tangents may arrive untyped)."""

    def __init__(self, text, like):
        self.text = str(text)
        self.type = getattr(text, "type", None) or like.type

    def __str__(self):
        return self.text

    @property
    def ndim(self):
        return _ndim(self.type)


def _dot_sample(rng):
    na, nb = _pick(rng, [(0, 1), (1, 0), (0, 2), (1, 1), (2, 1), (1, 2), (2, 2), (0, 0)])
    n, m, k = (int(x) for x in rng.integers(2, 5, size=3))
    dims_a = {0: (), 1: (n,), 2: (m, n)}[na]
    dims_b = {0: (), 1: (n,), 2: (n, k)}[nb]

    def value(dims):
        return float(rng.normal()) if dims == () else rng.normal(size=dims)
    return dict(a=value(dims_a), b=value(dims_b))


@array_op(np.dot, sig="a, b", sample=_dot_sample)
class dot:
    def type(a, b):
        return _dot_type(a, b, "np.dot")

    def primal(a, b):
        return _dot_primal(a, b)

    def vjp(g, out, a, b):
        return _dot_vjp(g, a, b)

    def jvp(t, out, a, b):
        return _dot_jvp(t, a, b)


def _matmul_sample(rng):
    shapes = _pick(rng, [(1, 1), (2, 1), (1, 2), (2, 2), (3, 3), (3, 2), (2, 3), (3, 3)])
    n, m, k, nb = (int(x) for x in rng.integers(2, 5, size=4))
    a = {1: (n,), 2: (m, n), 3: (nb, m, n)}[shapes[0]]
    b = {1: (n,), 2: (n, k), 3: (nb, n, k)}[shapes[1]]
    if shapes == (3, 3) and rng.random() < 0.5:  # a batch of one broadcasts
        a = (1,) + a[1:]
    return dict(a=rng.normal(size=a), b=rng.normal(size=b))


def _batched(a, b) -> bool:
    return a.ndim == 3 or b.ndim == 3


def _swap(x) -> str:
    return f"np.swapaxes({x}, 1, 2)" if x.ndim == 3 else f"{_atom(x)}.T"


@array_op(operator.matmul, np.matmul, sig="a, b", sample=_matmul_sample)
class matmul:
    """1-d and 2-d operands compile to `@`; a 3-d stack of matrices (with a 2-d or 3-d
    partner, batch of 1 broadcast) goes through rta.matmul, and its cotangents are summed back
    over the broadcast batch with rta.sum_to."""

    def type(a, b):
        if _ndim(a) == 3 or _ndim(b) == 3:
            if _ndim(a) < 2 or _ndim(b) < 2 or _ndim(a) > 3 or _ndim(b) > 3:
                raise ValueError("batched matmul takes 2-d and 3-d operands")
            return Array(_result_dtype(a, b), 3)
        return _dot_type(a, b, "matmul (@)", allow_scalars=False)

    def primal(a, b):
        if _batched(a, b):
            dt = _product_dtype(a.type, b.type)
            return _back_to_int(f"rta.matmul({_as_float(a, dt)}, {_as_float(b, dt)})", a, b, 3)
        return _dot_primal(a, b, "@")

    def vjp(g, out, a, b):
        if _batched(a, b):
            dt = _product_dtype(a.type, b.type)
            fa, fb = _Like(_as_float(a, dt), a), _Like(_as_float(b, dt), b)
            return (f"rta.sum_to(rta.matmul({g}, {_swap(fb)}), {a})",
                    f"rta.sum_to(rta.matmul({_swap(fa)}, {g}), {b})")
        return _dot_vjp(g, a, b, "@")

    def jvp(t, out, a, b):
        if _batched(a, b):
            dt = _product_dtype(a.type, b.type)
            ta, tb = _tangent(t, "a"), _tangent(t, "b")
            fa, fb = _as_float(a, dt), _as_float(b, dt)
            return _sum_terms([None if ta is None else f"rta.matmul({ta}, {fb})",
                               None if tb is None else f"rta.matmul({fa}, {tb})"])
        return _dot_jvp(t, a, b, "@")


def _vectors(rng):
    n = int(rng.integers(2, 6))
    return dict(a=rng.normal(size=n), b=rng.normal(size=n))


@array_op(np.outer, sig="a, b",
          sample=lambda rng: dict(a=rng.normal(size=int(rng.integers(2, 5))),
                                  b=rng.normal(size=int(rng.integers(2, 5)))))
class outer:
    def type(a, b):
        _need_array(a, "np.outer", (1,))
        _need_array(b, "np.outer", (1,))
        return Array(_result_dtype(a, b), 2)

    def primal(a, b):
        dt = _product_dtype(a.type, b.type)
        return _back_to_int(f"np.outer({_as_float(a, dt)}, {_as_float(b, dt)})", a, b, 2)

    def vjp(g, out, a, b):
        dt = _product_dtype(a.type, b.type)
        return f"np.dot({g}, {_as_float(b, dt)})", f"np.dot({_as_float(a, dt)}, {g})"

    def jvp(t, out, a, b):
        dt = _product_dtype(a.type, b.type)
        ta, tb = _tangent(t, "a"), _tangent(t, "b")
        fa, fb = _as_float(a, dt), _as_float(b, dt)
        return _sum_terms([None if ta is None else f"np.outer({ta}, {fb})",
                           None if tb is None else f"np.outer({fa}, {tb})"])


def _vector_product(what: str, spelling: str):
    """np.inner and np.vdot of two 1-d arrays: both are the dot product there."""

    class rule:
        def type(a, b):
            _need_array(a, what, (1,))
            _need_array(b, what, (1,))
            return _scalar(_result_dtype(a, b))

        def primal(a, b):
            dt = _product_dtype(a.type, b.type)
            return _back_to_int(f"{spelling}({_as_float(a, dt)}, {_as_float(b, dt)})", a, b, 0)

        def vjp(g, out, a, b):
            return _mul(g, b), _mul(g, a)

        def jvp(t, out, a, b):
            dt = _product_dtype(a.type, b.type)
            ta, tb = _tangent(t, "a"), _tangent(t, "b")
            fa, fb = _as_float(a, dt), _as_float(b, dt)
            return _sum_terms([None if ta is None else f"{spelling}({ta}, {fb})",
                               None if tb is None else f"{spelling}({fa}, {tb})"])

    rule.__name__ = rule.__qualname__ = what.split(".")[-1]
    return rule


array_op(np.inner, sig="a, b", sample=_vectors)(_vector_product("np.inner", "np.dot"))
array_op(np.vdot, sig="a, b", sample=_vectors)(_vector_product("np.vdot", "np.vdot"))


def _square(rng):
    return dict(a=_matrix(rng, int(rng.integers(2, 5))))


def _lapack_input(a) -> str:
    return _as_float(a, float_dtype(a.type))


@array_op(np.linalg.det, sig="a", sample=_square)
class det:
    """d det = det * tr(a^-1 da): undefined for a singular `a` (inv raises)."""

    def type(a):
        _need_array(a, "np.linalg.det", (2,))
        return FLOAT

    def primal(a):
        return f"np.linalg.det({_lapack_input(a)})"

    def vjp(g, out, a):
        return (_mul(g, out, f"np.linalg.inv({_lapack_input(a)}).T"),)

    def jvp(t, out, a):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        return _mul(out, f"np.trace(np.linalg.solve({_lapack_input(a)}, {ta}))")


@array_op(np.linalg.inv, sig="a", sample=_square)
class inv:
    def type(a):
        _need_array(a, "np.linalg.inv", (2,))
        return Array(float_dtype(a), 2)

    def primal(a):
        return f"np.linalg.inv({_lapack_input(a)})"

    def vjp(g, out, a):
        o = _atom(out)
        return (f"-({o}.T @ {_factor(g)} @ {o}.T)",)

    def jvp(t, out, a):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        o = _atom(out)
        return f"-({o} @ {_factor(ta)} @ {o})"


def _solve_sample(rng):
    n = int(rng.integers(2, 5))
    b = rng.normal(size=n) if rng.random() < 0.5 else rng.normal(size=(n, int(rng.integers(1, 4))))
    return dict(a=_matrix(rng, n), b=b)


@array_op(np.linalg.solve, sig="a, b", sample=_solve_sample)
class solve:
    """x = a^-1 b: b's cotangent is a^-T g, and a's is minus that times x^T."""

    def type(a, b):
        _need_array(a, "np.linalg.solve", (2,))
        _need_array(b, "np.linalg.solve", (1, 2))
        return Array(_product_dtype(a, b), b.ndim)

    def primal(a, b):
        dt = _product_dtype(a.type, b.type)
        return f"np.linalg.solve({_as_float(a, dt)}, {_as_float(b, dt)})"

    def vjp(g, out, a, b):
        dt = _product_dtype(a.type, b.type)
        gb = f"np.linalg.solve({_atom(_as_float(a, dt))}.T, {g})"
        ga = f"-np.outer({gb}, {out})" if b.ndim == 1 else f"-({gb} @ {_atom(out)}.T)"
        return ga, gb

    def jvp(t, out, a, b):
        dt = _product_dtype(a.type, b.type)
        ta, tb = _tangent(t, "a"), _tangent(t, "b")
        if ta is None and tb is None:
            return None
        if ta is None:
            rhs = str(tb)
        elif tb is None:
            rhs = f"-({_factor(ta)} @ {_atom(out)})"
        else:
            rhs = f"{tb} - {_factor(ta)} @ {_atom(out)}"
        return f"np.linalg.solve({_as_float(a, dt)}, {rhs})"


# ============================================================================= shape


def _perm(axes, ndim: int):
    if axes is None:
        return None
    if isinstance(axes, (tuple, list)) and len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = axes[0]
    if not isinstance(axes, (tuple, list)) or len(axes) != ndim or any(
            not isinstance(k, (int, np.integer)) for k in axes):
        raise ValueError(f"axes must be a permutation of the {ndim} axes, got {axes!r}")
    perm = tuple(int(k) % ndim if -ndim <= k < ndim else -1 for k in axes)
    if sorted(perm) != list(range(ndim)):
        raise ValueError(f"axes {axes!r} is not a permutation of the {ndim} axes")
    return perm


def _transpose_sample(rng):
    ndim = int(rng.integers(1, 4))
    a = rng.normal(size=_dims(rng, ndim))
    perm = tuple(int(k) for k in rng.permutation(ndim))
    if ndim > 1 and rng.random() < 0.3:
        perm = tuple(k - ndim for k in perm)  # negative axes
    return dict(a=a, axes=_pick(rng, [None, perm]))


@array_op(np.transpose, sig="a, axes=None", static=("axes",), sample=_transpose_sample)
class transpose:
    def type(a, axes):
        _need_array(a, "np.transpose")
        _perm(axes, a.ndim)
        return a

    def primal(a, axes):
        perm = _perm(axes, a.ndim)
        return f"np.transpose({a})" if perm is None else f"np.transpose({a}, {perm})"

    def vjp(g, out, a, axes):
        perm = _perm(axes, a.ndim)
        if perm is None:
            return (f"np.transpose({g})",)
        inverse = tuple(sorted(range(a.ndim), key=lambda k: perm[k]))
        return (f"np.transpose({g}, {inverse})",)

    def jvp(t, out, a, axes):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        perm = _perm(axes, a.ndim)
        return f"np.transpose({ta})" if perm is None else f"np.transpose({ta}, {perm})"


def _reshape_sample(rng):
    dims = _dims(rng, int(rng.integers(1, 4)))
    a = rng.normal(size=dims)
    n = a.size
    options = [n, -1, (n,), (1, n), (n, 1, 1)]
    if len(dims) > 1:
        options += [(dims[0], -1), (-1, dims[-1]), (dims[0], n // dims[0])]
    return dict(a=a, shape=_pick(rng, options))


@array_op(np.reshape, sig="a, shape", nondiff=("shape",), sample=_reshape_sample)
class reshape:
    """`np.reshape` as written (Numba reshapes contiguous arrays only, like the user's own
    code there); the cotangent is reshaped back to `a.shape`, so -1 needs no special case."""

    def type(a, shape):
        _need_array(a, "np.reshape")
        return Array(a.dtype, _shape_len(shape))

    def primal(a, shape):
        return f"np.reshape({a}, {_shape_text(shape)})"

    def vjp(g, out, a, shape):
        return (f"np.reshape({g}, {_atom(a)}.shape)",)

    def jvp(t, out, a, shape):
        ta = _tangent(t, "a")
        return None if ta is None else f"np.reshape({ta}, {_shape_text(shape)})"


def _any_array(rng):
    return dict(a=rng.normal(size=_dims(rng, int(rng.integers(1, 4)))))


def _flattening(spell):
    """ravel and flatten: a 1-d result whose cotangent is reshaped back."""

    class rule:
        def type(a):
            _need_array(a, spell("a"))
            return Array(a.dtype, 1)

        def primal(a):
            return spell(a)

        def vjp(g, out, a):
            return (f"np.reshape({g}, {_atom(a)}.shape)",)

        def jvp(t, out, a):
            ta = _tangent(t, "a")
            return None if ta is None else spell(ta)

    return rule


def flatten(a):
    """`x.flatten()` as a function: the frontend maps the method onto it."""
    return a.flatten()


def copy(a):
    """`x.copy()` as a function: the frontend maps the method onto it."""
    return a.copy()


array_op(np.ravel, sig="a", sample=_any_array)(
    _named("ravel", _flattening(lambda a: f"np.ravel({a})")))
array_op(flatten, sig="a", sample=_any_array)(
    _named("flatten", _flattening(lambda a: f"{_atom(a)}.flatten()")))


def _squeeze_axes(a, axis):
    if axis is None:
        raise ValueError("np.squeeze needs axis=: which axes have size 1 is only known at run "
                         "time, and the result's number of dimensions must be known when the "
                         "derivative is built")
    return _axes(axis, _ndim(a))


def _squeeze_sample(rng):
    ndim = int(rng.integers(1, 4))
    dims = list(_dims(rng, ndim))
    k = int(rng.integers(ndim))
    dims[k] = 1
    axis = _pick(rng, [k, k - ndim])
    if ndim == 3 and rng.random() < 0.5:
        j = (k + 1) % ndim
        dims[j] = 1
        axis = (k, j)
    return dict(a=rng.normal(size=tuple(dims)), axis=axis)


@array_op(np.squeeze, sig="a, axis=None", static=("axis",), sample=_squeeze_sample)
class squeeze:
    """Indexes the size-1 axes with 0 (`x[:, 0]`): Numba has no np.squeeze. Unlike NumPy, a
    size other than 1 is not an error (the first entry is taken). axis=None is rejected: the
    result's ndim would depend on run-time sizes."""

    def type(a, axis):
        _need_array(a, "np.squeeze")
        axes = _squeeze_axes(a, axis)
        return _typed(a.dtype, a.ndim - len(axes))

    def primal(a, axis):
        axes = _squeeze_axes(a.type, axis)
        return f"{_atom(a)}[{_index(a.ndim, {k: 0 for k in axes})}]"

    def vjp(g, out, a, axis):
        axes = _squeeze_axes(a.type, axis)
        return (str(g) if len(axes) == a.ndim else _expand(g, axes),)

    def jvp(t, out, a, axis):
        ta = _tangent(t, "a")
        if ta is None:
            return None
        axes = _squeeze_axes(a.type, axis)
        return f"{_atom(ta)}[{_index(a.ndim, {k: 0 for k in axes})}]"


def _expand_axes(a, axis):
    n = len(axis) if isinstance(axis, (tuple, list)) else 1
    return _axes(axis, _ndim(a) + n)


def _expand_dims_sample(rng):
    ndim = int(rng.integers(1, 4))
    axis = _pick(rng, [0, ndim, -1, (0, 2), (-1, 1)])
    return dict(a=rng.normal(size=_dims(rng, ndim)), axis=axis)


@array_op(np.expand_dims, sig="a, axis", static=("axis",), sample=_expand_dims_sample)
class expand_dims:
    def type(a, axis):
        _need_array(a, "np.expand_dims")
        return Array(a.dtype, a.ndim + len(_expand_axes(a, axis)))

    def primal(a, axis):
        return _expand(a, _expand_axes(a.type, axis))

    def vjp(g, out, a, axis):
        axes = _expand_axes(a.type, axis)
        return (f"{_atom(g)}[{_index(a.ndim + len(axes), {k: 0 for k in axes})}]",)

    def jvp(t, out, a, axis):
        ta = _tangent(t, "a")
        return None if ta is None else _expand(ta, _expand_axes(a.type, axis))


# ---- joining: a tuple of arrays, passed as the elements of a *arrays parameter


def _joined_dtype(arrays) -> Scalar:
    dts = {t.dtype for t in arrays}
    return dts.pop() if len(dts) == 1 else dtype_of(*arrays)


def _check_join(arrays, what: str, same_ndim=True):
    if not arrays:
        raise ValueError(f"{what} needs at least one array")
    for t in arrays:
        _need_array(t, what)
    if same_ndim and len({t.ndim for t in arrays}) > 1:
        raise ValueError(f"{what}: the arrays must have the same number of dimensions")


def _zero_tangent(x, out) -> str:
    """A zero tangent for a join's element without one, in the result's dtype."""
    dt = ", np.float32" if isinstance(out.type, Array) and out.type.dtype == F32 else ""
    return f"np.zeros({_atom(x)}.shape{dt})"


def _join_tangent(t, out, arrays, build):
    """The join of the elements' tangents (zeros for those without one)."""
    ts = _tangents(t, "arrays", len(arrays))
    if all(x is None for x in ts):
        return None
    return build([_Like(_zero_tangent(x, out) if tx is None else tx, x)
                  for x, tx in zip(arrays, ts)])


def _ranges(arrays, size) -> list:
    """(start, stop) source text of each joined array's range along the joining axis ('' for
    the ends)."""
    out, before = [], []
    for i, x in enumerate(arrays):
        lo = " + ".join(before)
        before.append(size(x))
        out.append((lo, " + ".join(before) if i < len(arrays) - 1 else ""))
    return out


def _slices(g, arrays, axis: int, ndim: int, size) -> tuple:
    """The part of `g` each joined array came from: consecutive ranges along `axis`."""
    if len(arrays) == 1:
        return (str(g),)
    return tuple(f"{_atom(g)}[{_index(ndim, {axis: f'{lo}:{hi}'})}]"
                 for lo, hi in _ranges(arrays, size))


def _join_sample(rng, stack=False, axis_options=None):
    ndim = int(rng.integers(1, 4))
    dims = _dims(rng, ndim)
    n = int(rng.integers(1, 4))
    axis = int(rng.integers(-ndim - stack, ndim + stack))
    arrays = []
    for _ in range(n):
        d = list(dims)
        if not stack:
            d[axis % ndim] = int(rng.integers(1, 4))
        arrays.append(rng.normal(size=tuple(d)))
    return dict(arrays=tuple(arrays), axis=axis)


@array_op(np.concatenate, sig="*arrays, axis=0", static=("axis",), sample=_join_sample)
class concatenate:
    """axis=None joins the flattened arrays, as NumPy."""

    def type(arrays, axis):
        _check_join(arrays, "np.concatenate")
        if axis is None:
            return Array(_joined_dtype(arrays), 1)
        _axes(axis, arrays[0].ndim)
        return Array(_joined_dtype(arrays), arrays[0].ndim)

    def primal(arrays, axis):
        if axis is None:
            return f"np.concatenate({_tuple_text(f'np.ravel({x})' for x in arrays)})"
        k = _axes(axis, arrays[0].ndim)[0]
        return f"np.concatenate({_tuple_text(arrays)}{'' if k == 0 else f', {k}'})"

    def vjp(g, out, arrays, axis):
        if axis is None:
            parts = _slices(g, arrays, 0, 1, lambda x: f"{_atom(x)}.size")
            return (tuple(f"np.reshape({p}, {_atom(x)}.shape)"
                          for p, x in zip(parts, arrays)),)
        k = _axes(axis, arrays[0].ndim)[0]
        return (_slices(g, arrays, k, arrays[0].ndim, lambda x: f"{_atom(x)}.shape[{k}]"),)

    def jvp(t, out, arrays, axis):
        return _join_tangent(t, out, arrays, lambda ts: concatenate.primal(ts, axis))


@array_op(np.stack, sig="*arrays, axis=0", static=("axis",),
          sample=lambda rng: _join_sample(rng, stack=True))
class stack:
    def type(arrays, axis):
        _check_join(arrays, "np.stack")
        return Array(_joined_dtype(arrays), arrays[0].ndim + 1)

    def primal(arrays, axis):
        k = _axes(axis, arrays[0].ndim + 1)[0]
        return f"np.stack({_tuple_text(arrays)}{'' if k == 0 else f', {k}'})"

    def vjp(g, out, arrays, axis):
        k = _axes(axis, arrays[0].ndim + 1)[0]
        return (tuple(f"{_atom(g)}[{_index(k + 1, {k: i})}]" for i in range(len(arrays))),)

    def jvp(t, out, arrays, axis):
        return _join_tangent(t, out, arrays, lambda ts: stack.primal(ts, axis))


def _hv_sample(rng):
    ndim = int(rng.integers(1, 4))
    dims = list(_dims(rng, ndim))
    arrays = []
    for _ in range(int(rng.integers(1, 4))):
        dims[0 if ndim == 1 else 1] = int(rng.integers(1, 4))
        arrays.append(rng.normal(size=tuple(dims)))
    return dict(arrays=tuple(arrays))


@array_op(np.hstack, sig="*arrays", sample=_hv_sample)
class hstack:
    """Joins 1-d arrays end to end, others along axis 1 (NumPy's rule)."""

    def type(arrays):
        _check_join(arrays, "np.hstack")
        return Array(_joined_dtype(arrays), arrays[0].ndim)

    def primal(arrays):
        return f"np.hstack({_tuple_text(arrays)})"

    def vjp(g, out, arrays):
        k = 0 if arrays[0].ndim == 1 else 1
        return (_slices(g, arrays, k, arrays[0].ndim, lambda x: f"{_atom(x)}.shape[{k}]"),)

    def jvp(t, out, arrays):
        return _join_tangent(t, out, arrays, hstack.primal)


def _vstack_sample(rng):
    if rng.random() < 0.4:  # 1-d rows, possibly mixed with 2-d blocks
        m = int(rng.integers(2, 5))
        arrays = tuple(rng.normal(size=_pick(rng, [(m,), (int(rng.integers(1, 3)), m)]))
                       for _ in range(int(rng.integers(1, 4))))
        return dict(arrays=arrays)
    ndim = int(rng.integers(2, 4))
    dims = _dims(rng, ndim)
    return dict(arrays=tuple(rng.normal(size=(int(rng.integers(1, 4)),) + dims[1:])
                             for _ in range(int(rng.integers(1, 4)))))


@array_op(np.vstack, sig="*arrays", sample=_vstack_sample)
class vstack:
    """1-d arrays are rows (NumPy's rule); with 2-d blocks among them they are lifted with
    `v[np.newaxis]`, because Numba's vstack wants one ndim."""

    def type(arrays):
        _check_join(arrays, "np.vstack", same_ndim=False)
        nds = {t.ndim for t in arrays}
        if len(nds) > 1 and nds != {1, 2}:
            raise ValueError("np.vstack: mix only 1-d rows with 2-d arrays")
        return Array(_joined_dtype(arrays), max(2, max(nds)))

    def primal(arrays):
        mixed = len({x.ndim for x in arrays}) > 1
        items = [f"{_atom(x)}[np.newaxis]" if mixed and x.ndim == 1 else str(x) for x in arrays]
        return f"np.vstack({_tuple_text(items)})"

    def vjp(g, out, arrays):
        if all(x.ndim == 1 for x in arrays):
            return (tuple(f"{_atom(g)}[{i}]" for i in range(len(arrays))),)
        ranges = _ranges(arrays, lambda x: "1" if x.ndim == 1 else f"{_atom(x)}.shape[0]")
        return (tuple(f"{_atom(g)}[{lo or 0}]" if x.ndim == 1 else f"{_atom(g)}[{lo}:{hi}]"
                      for (lo, hi), x in zip(ranges, arrays)),)

    def jvp(t, out, arrays):
        return _join_tangent(t, out, arrays, vstack.primal)


# ============================================================================= construction


def _shape_sample(rng, **extra):
    ndim = int(rng.integers(1, 4))
    dims = _dims(rng, ndim)
    shape = dims[0] if ndim == 1 and rng.random() < 0.5 else dims
    return dict(shape=shape, **extra)


def _filled(fill: str):
    """np.zeros, np.ones and np.empty: values that depend on nothing differentiable."""

    class rule:
        def type(shape, dtype):
            return Array(_dtype(dtype) or FLOAT, _shape_len(shape))

        def primal(shape, dtype):
            return f"np.{fill}({_shape_text(shape)}{_dtype_arg(dtype)})"

        def vjp(g, out, shape, dtype):
            return ()

        def jvp(t, out, shape, dtype):
            return None

    rule.__name__ = rule.__qualname__ = fill
    return rule


for _fn in (np.zeros, np.ones, np.empty):
    array_op(_fn, sig="shape, dtype=None", static=("dtype",), nondiff=("shape",),
             sample=lambda rng: _shape_sample(rng, dtype=_pick(rng, [None, float, np.float32,
                                                                     np.int64])))(
        _filled(_fn.__name__))


def _fill_type(fill, dtype):
    if isinstance(fill, Array):
        raise ValueError("the fill value must be a number (broadcasting an array fill is not "
                         "supported)")
    return _dtype(dtype) or (fill if fill in (INT, BOOL) else FLOAT)


@array_op(np.full, sig="shape, fill_value, dtype=None", static=("dtype",), nondiff=("shape",),
          sample=lambda rng: _shape_sample(rng, fill_value=float(rng.normal()),
                                           dtype=_pick(rng, [None, None, np.float32])))
class full:
    """The fill value is differentiable: every element is it, so its cotangent sums g."""

    def type(shape, fill_value, dtype):
        return Array(_fill_type(fill_value, dtype), _shape_len(shape))

    def primal(shape, fill_value, dtype):
        return f"np.full({_shape_text(shape)}, {fill_value}{_dtype_arg(dtype, None)})"

    def vjp(g, out, shape, fill_value, dtype):
        return (f"np.sum({g})",)

    def jvp(t, out, shape, fill_value, dtype):
        tf = _tangent(t, "fill_value")
        if tf is None:
            return None
        return f"np.full({_shape_text(shape)}, {tf}{_dtype_arg(dtype, None)})"


def _like_sample(rng, **extra):
    return dict(a=rng.normal(size=_dims(rng, int(rng.integers(1, 4)))), **extra)


def _filled_like(fill: str):
    """np.zeros_like and friends: only `a`'s shape and dtype matter."""

    class rule:
        def type(a, dtype):
            _need_array(a, f"np.{fill}_like")
            return Array(_dtype(dtype) or a.dtype, a.ndim)

        def primal(a, dtype):
            return f"np.{fill}_like({a}{_dtype_arg(dtype, a.type.dtype)})"

        def vjp(g, out, a, dtype):
            return ()

        def jvp(t, out, a, dtype):
            return None

    rule.__name__ = rule.__qualname__ = f"{fill}_like"
    return rule


for _fn in (np.zeros_like, np.ones_like, np.empty_like):
    array_op(_fn, sig="a, dtype=None", static=("dtype",), nondiff=("a",),
             sample=lambda rng: _like_sample(rng, dtype=_pick(rng, [None, np.float32])))(
        _filled_like(_fn.__name__.removesuffix("_like")))


@array_op(np.full_like, sig="a, fill_value, dtype=None", static=("dtype",), nondiff=("a",),
          sample=lambda rng: _like_sample(rng, fill_value=float(rng.normal()), dtype=None))
class full_like:
    def type(a, fill_value, dtype):
        _need_array(a, "np.full_like")
        _fill_type(fill_value, None)
        return Array(_dtype(dtype) or a.dtype, a.ndim)

    def primal(a, fill_value, dtype):
        return f"np.full_like({a}, {fill_value}{_dtype_arg(dtype, a.type.dtype)})"

    def vjp(g, out, a, fill_value, dtype):
        return (f"np.sum({g})",)

    def jvp(t, out, a, fill_value, dtype):
        tf = _tangent(t, "fill_value")
        if tf is None:
            return None
        return f"np.full_like({a}, {tf}{_dtype_arg(dtype, a.type.dtype)})"


def _arange_sample(rng):
    # stop midway between two grid points, so perturbing start, stop or step keeps the length
    form = int(rng.integers(1, 4))
    if form == 1:
        return dict(args=(_pick(rng, [int(rng.integers(1, 6)), int(rng.integers(1, 6)) + 0.5]),))
    start = float(rng.uniform(-1.0, 1.0))
    if form == 2:
        return dict(args=(start, start + int(rng.integers(1, 5)) + 0.5))
    step = float(rng.uniform(0.3, 0.7))
    return dict(args=(start, start + step * (int(rng.integers(2, 6)) + 0.5), step))


@array_op(np.arange, sig="*args, dtype=None", static=("dtype",), sample=_arange_sample)
class arange:
    """`np.arange(stop)`, `(start, stop)`, `(start, stop, step)`. The values move with a float
    start and step (start + i * step), so those have derivatives; stop only sets the length."""

    def type(args, dtype):
        if not 1 <= len(args) <= 3 or any(isinstance(x, (Array, Aux)) for x in args):
            raise ValueError("np.arange takes 1 to 3 numbers")
        return Array(_dtype(dtype) or dtype_of(*args), 1)

    def primal(args, dtype):
        return f"np.arange({', '.join(str(x) for x in args)}{_dtype_arg(dtype, None)})"

    def vjp(g, out, args, dtype):
        if len(args) == 1:
            return ((None,),)
        start = f"np.sum({g})"
        if len(args) == 2:
            return ((start, None),)
        return ((start, None, f"np.sum({_mul(g, f'np.arange({_atom(g)}.shape[0])')})"),)

    def jvp(t, out, args, dtype):
        ts = _tangents(t, "args", len(args))
        t_start = ts[0] if len(args) > 1 else None
        t_step = ts[2] if len(args) == 3 else None
        if t_start is None and t_step is None:
            return None
        step = None if t_step is None else _mul(t_step, f"np.arange({_atom(out)}.shape[0])")
        if t_start is None:
            return step
        if step is None:
            return f"np.full({_atom(out)}.shape, {t_start})"
        return f"{t_start} + {step}"


def _linspace_sample(rng):
    start = float(rng.normal())
    return dict(start=start, stop=start + float(rng.normal()), num=int(rng.integers(1, 7)))


@array_op(np.linspace, sig="start, stop, num=50", nondiff=("num",), sample=_linspace_sample)
class linspace:
    """out[i] = start + (stop - start) * w[i] with w = linspace(0, 1, num), so the
    cotangents are g weighted by 1 - w and by w. Only (start, stop, num): that is what Numba's
    np.linspace takes."""

    def type(start, stop, num):
        if any(isinstance(x, (Array, Aux)) for x in (start, stop, num)):
            raise ValueError("np.linspace takes numbers for start, stop and num")
        return Array(FLOAT, 1)

    def primal(start, stop, num):
        return f"np.linspace({start}, {stop}, {num})"

    def vjp(g, out, start, stop, num):
        w = f"np.linspace(0.0, 1.0, {_atom(g)}.shape[0])"
        return f"np.sum({_mul(g, f'(1.0 - {w})')})", f"np.sum({_mul(g, w)})"

    def jvp(t, out, start, stop, num):
        t_start, t_stop = _tangent(t, "start"), _tangent(t, "stop")
        w = f"np.linspace(0.0, 1.0, {_atom(out)}.shape[0])"
        return _sum_terms([None if t_start is None else _mul(t_start, f"(1.0 - {w})"),
                           None if t_stop is None else _mul(t_stop, w)])


def _eye_sample(rng):
    n = int(rng.integers(1, 5))
    return dict(N=n, M=_pick(rng, [None, int(rng.integers(1, 5))]), k=_pick(rng, [0, 0, 1, -1]),
                dtype=_pick(rng, [None, np.float32, np.int64]))


@array_op(np.eye, sig="N, M=None, k=0, dtype=None", static=("k", "dtype"), nondiff=("N", "M"),
          sample=_eye_sample)
class eye:
    def type(N, M, k, dtype):
        if not isinstance(k, int):
            raise ValueError("k must be an int constant")
        return Array(_dtype(dtype) or FLOAT, 2)

    def primal(N, M, k, dtype):
        args = [str(N)]
        if _given(M):
            args.append(str(M))
        if k != 0:
            args.append(f"k={k}")
        d = _dtype(dtype)
        if d not in (None, FLOAT):
            args.append(f"dtype={_DTYPE_TEXT[d]}")
        return f"np.eye({', '.join(args)})"

    def vjp(g, out, N, M, k, dtype):
        return ()

    def jvp(t, out, N, M, k, dtype):
        return None


@array_op(np.identity, sig="n, dtype=None", static=("dtype",), nondiff=("n",),
          sample=lambda rng: dict(n=int(rng.integers(1, 5)),
                                  dtype=_pick(rng, [None, np.float32])))
class identity:
    def type(n, dtype):
        return Array(_dtype(dtype) or FLOAT, 2)

    def primal(n, dtype):
        return f"np.identity({n}{_dtype_arg(dtype)})"

    def vjp(g, out, n, dtype):
        return ()

    def jvp(t, out, n, dtype):
        return None


# ---- copies and conversions: identity derivatives


def _passthrough(what: str, spell, tangent=None):
    class rule:
        def type(a):
            _need_array(a, what)
            return a

        def primal(a):
            return spell(a)

        def vjp(g, out, a):
            return (str(g),)

        def jvp(t, out, a):
            ta = _tangent(t, "a")
            return None if ta is None else (tangent or spell)(ta)

    return rule


array_op(np.copy, sig="a", sample=_any_array)(
    _named("copy", _passthrough("np.copy", lambda a: f"np.copy({a})")))
array_op(copy, sig="a", sample=_any_array)(
    _named("copy_method", _passthrough("x.copy()", lambda a: f"{_atom(a)}.copy()")))
array_op(np.ascontiguousarray, sig="a", sample=_any_array)(
    _named("ascontiguousarray", _passthrough(
        "np.ascontiguousarray", lambda a: f"np.ascontiguousarray({a})", str)))


def _array_sample(rng):
    form = _pick(rng, ["copy", "numbers", "arrays"])
    if form == "copy":
        return dict(object=(rng.normal(size=_dims(rng, int(rng.integers(1, 4)))),),
                    dtype=_pick(rng, [None, None, np.float32]))
    if form == "numbers":
        return dict(object=tuple(float(v) for v in rng.normal(size=int(rng.integers(1, 5)))),
                    dtype=None)
    dims = _dims(rng, int(rng.integers(1, 3)))
    return dict(object=tuple(rng.normal(size=dims) for _ in range(int(rng.integers(2, 4)))),
                dtype=None)


def _array_form(object) -> str:
    """'copy' for np.array(a) of one array, 'numbers' for a sequence of numbers, 'stack' for a
    sequence of arrays of one shape."""
    if len(object) == 1 and _ndim(object[0]) > 0:
        return "copy"
    nds = {_ndim(t) for t in object}
    if nds == {0}:
        return "numbers"
    if len(nds) == 1:
        return "stack"
    raise ValueError("np.array of a mix of numbers and arrays is not supported")


@array_op(np.array, sig="*object, dtype=None", static=("dtype",), sample=_array_sample)
class array:
    """np.array(a) copies an array; np.array((x, y, ...)) builds one from numbers (or stacks
    arrays of one shape). The frontend passes both as the elements of `object`, so a tuple
    holding a single array, np.array((a,)), reads as a copy of `a`. Numba's np.array takes
    no array, hence np.copy and np.stack."""

    def type(object, dtype):
        if not object:
            raise ValueError("np.array needs a value")
        form = _array_form(object)
        elems = [t.dtype if isinstance(t, Array) else t for t in object]
        natural = elems[0] if len(set(elems)) == 1 else dtype_of(*object)
        ndim = {"copy": 0, "numbers": 1, "stack": 1}[form] + _ndim(object[0])
        return Array(_dtype(dtype) or natural, ndim)

    def primal(object, dtype):
        form = _array_form(object)
        if form == "copy":
            a = object[0]
            d = _dtype(dtype)
            if d is None or d == getattr(a.type, "dtype", None):
                return f"np.copy({a})"
            return f"{_atom(a)}.astype({_DTYPE_TEXT[d]})"
        if form == "numbers":
            return f"np.array([{', '.join(str(x) for x in object)}]{_dtype_arg(dtype, None)})"
        stacked = f"np.stack({_tuple_text(object)})"
        d = _dtype(dtype)
        return stacked if d is None else f"{stacked}.astype({_DTYPE_TEXT[d]})"

    def vjp(g, out, object, dtype):
        if _array_form(object) == "copy":
            return ((str(g),),)
        return (tuple(f"{_atom(g)}[{i}]" for i in range(len(object))),)

    def jvp(t, out, object, dtype):
        ts = _tangents(t, "object", len(object))
        if all(x is None for x in ts):
            return None
        form = _array_form(object)
        if form == "copy":
            return f"np.copy({ts[0]})"
        if form == "numbers":
            return f"np.array([{', '.join('0.0' if x is None else str(x) for x in ts)}])"
        parts = [_zero_tangent(a, out) if x is None else x for a, x in zip(object, ts)]
        return f"np.stack({_tuple_text(parts)})"


def _asarray_sample(rng):
    a = rng.normal(size=_dims(rng, int(rng.integers(1, 4))))
    if rng.random() < 0.3:
        return dict(a=np.round(a * 3).astype(np.int64), dtype=_pick(rng, [float, np.float64]))
    return dict(a=a, dtype=_pick(rng, [None, np.float64]))


@array_op(np.asarray, sig="a, dtype=None", static=("dtype",), sample=_asarray_sample)
class asarray:
    """An array argument is returned as is (or converted to `dtype`): the derivative passes
    through unless the result is integer or bool, which carries none."""

    def type(a, dtype):
        _need_array(a, "np.asarray")
        return Array(_dtype(dtype) or a.dtype, a.ndim)

    def primal(a, dtype):
        d = _dtype(dtype)
        if d is None or d == getattr(a.type, "dtype", None):
            return f"np.asarray({a})"
        return f"np.asarray({a}, {_DTYPE_TEXT[d]})"

    def vjp(g, out, a, dtype):
        return (str(g),)

    def jvp(t, out, a, dtype):
        ta = _tangent(t, "a")
        return None if ta is None else str(ta)


# ---- arg-reductions: integer results, no derivative


def _arg_extremum(name: str):
    class rule:
        def type(a, axis):
            _need_array(a, f"np.{name}")
            axes = _axes(axis, a.ndim)
            if axes is not None and len(axes) > 1:
                raise ValueError(f"np.{name} takes one axis")
            return INT if axis is None or a.ndim == 1 else Array(INT, a.ndim - 1)

        def primal(a, axis):
            if axis is None:
                return f"np.{name}({a})"
            return f"np.{name}({a}, {_axes(axis, a.ndim)[0]})"

        def vjp(g, out, a, axis):
            return ()

        def jvp(t, out, a, axis):
            return None

    rule.__name__ = rule.__qualname__ = name
    return rule


for _fn in (np.argmax, np.argmin):
    array_op(_fn, sig="a, axis=None", static=("axis",), nondiff=("a",),
             sample=lambda rng: _cum_sample(rng, _distinct))(_arg_extremum(_fn.__name__))
