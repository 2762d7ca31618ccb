"""Run-time helpers for the array rules (`s2sad/rules/numpy_arrays.py`), spelled `rta.NAME(...)`
in generated code.

They exist where Numba's nopython mode lacks a NumPy feature the rules need: an `axis` for
prod/max/min/var and the cumulative functions, exact derivatives of products at zeros, batched
matmul, summing a broadcast cotangent back to its operand, and scatter-adding through an index
array. Each public helper is an `njit(cache=True)` function, so the pure-Python build and the
Numba build call the same code.

An axis reduction views its operand as lines along the axis: a contiguous `(pre, n, post)` array
(`_lines`), which works for any number of dimensions without generating code per `ndim`. The few
places that must build a tuple whose length depends on `ndim` (a reduced shape) use
`numba.extending.overload`, which sees the array types when it is compiled; the stubs it
overloads (`_lines`, `_finish`, `_batch`, `_sum_to`) keep a NumPy body that says what the
compiled code does. Helpers take non-negative or negative int axes; those documented so also
take `None` (the flattened array).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core.errors import TypingError
from numba.extending import overload
from numba.np.unsafe.ndarray import to_fixed_tuple

# --------------------------------------------------------------------------- shape plumbing


def _lines(a, axis):
    """`a` as a contiguous `(pre, n, post)` array whose middle axis is `axis` (None: all)."""
    a = np.ascontiguousarray(a)
    if axis is None:
        return a.reshape((1, a.size, 1))
    axis = axis % a.ndim
    pre = int(np.prod(a.shape[:axis]))
    post = int(np.prod(a.shape[axis + 1:]))
    return a.reshape((pre, a.shape[axis], post))


@overload(_lines)
def _lines_nb(a, axis):
    if isinstance(axis, (types.NoneType, types.Omitted)):
        def flat(a, axis):
            return np.ascontiguousarray(a).reshape((1, a.size, 1))
        return flat

    def along(a, axis):
        k = axis + a.ndim if axis < 0 else axis
        pre = 1
        post = 1
        for i in range(k):
            pre *= a.shape[i]
        for i in range(k + 1, a.ndim):
            post *= a.shape[i]
        return np.ascontiguousarray(a).reshape((pre, a.shape[k], post))
    return along


def _finish(r, shape, axis):
    """A reduction's `(pre * post)` results in the reduced shape (a scalar when that is ())."""
    if axis is None or len(shape) == 1:
        return r[0]
    axis = axis % len(shape)
    return r.reshape(shape[:axis] + shape[axis + 1:])


@overload(_finish)
def _finish_nb(r, shape, axis):
    m = len(shape) - 1
    if isinstance(axis, (types.NoneType, types.Omitted)) or m == 0:
        def scalar(r, shape, axis):
            return r[0]
        return scalar

    def reshaped(r, shape, axis):
        k = axis + m + 1 if axis < 0 else axis
        dims = np.empty(m, np.intp)
        j = 0
        for i in range(m + 1):
            if i != k:
                dims[j] = shape[i]
                j += 1
        return r.reshape(to_fixed_tuple(dims, m))
    return reshaped


# --------------------------------------------------------------------------- reductions
# Each helper is a thin wrapper (compiled per argument type, cheaply) around a loop over a
# contiguous (pre, n, post) array (compiled once per dtype): the costly code is not recompiled
# for every ndim and layout.


@njit(cache=True)
def _prod_lines(x):
    pre, n, post = x.shape
    r = np.ones(pre * post, x.dtype)
    for i in range(pre):
        for k in range(post):
            for j in range(n):
                r[i * post + k] *= x[i, j, k]
    return r


@njit(cache=True)
def prod(a, axis):
    """np.prod(a, axis): Numba's np.prod takes no axis."""
    return _finish(_prod_lines(_lines(a, axis)), a.shape, axis)


@njit(cache=True)
def _extremum_lines(x, sign):
    """The max (sign 1) or min (sign -1) of each line, and where it first occurs."""
    pre, n, post = x.shape
    r = np.empty(pre * post, x.dtype)
    at = np.zeros(pre * post, np.intp)
    for i in range(pre):
        for k in range(post):
            best = 0
            for j in range(1, n):
                if (x[i, j, k] > x[i, best, k]) if sign > 0 else (x[i, j, k] < x[i, best, k]):
                    best = j
            r[i * post + k] = x[i, best, k]
            at[i * post + k] = best
    return r, at


@njit(cache=True)
def _winner_mask(x, at):
    pre, n, post = x.shape
    out = np.zeros(x.shape)
    for i in range(pre):
        for k in range(post):
            out[i, at[i * post + k], k] = 1.0
    return out


@njit(cache=True)
def amax(a, axis):
    """np.max(a, axis): Numba's np.max takes no axis."""
    return _finish(_extremum_lines(_lines(a, axis), 1)[0], a.shape, axis)


@njit(cache=True)
def amin(a, axis):
    """np.min(a, axis): Numba's np.min takes no axis."""
    return _finish(_extremum_lines(_lines(a, axis), -1)[0], a.shape, axis)


@njit(cache=True)
def argmax_mask(a, axis):
    """1.0 at the first maximum along `axis` (None: of the whole array), 0.0 elsewhere: where
    the derivative of max goes (NumPy's argmax picks the same element on ties)."""
    x = _lines(a, axis)
    return _winner_mask(x, _extremum_lines(x, 1)[1]).reshape(a.shape)


@njit(cache=True)
def argmin_mask(a, axis):
    """1.0 at the first minimum along `axis` (None: of the whole array), 0.0 elsewhere."""
    x = _lines(a, axis)
    return _winner_mask(x, _extremum_lines(x, -1)[1]).reshape(a.shape)


@njit(cache=True)
def _centered_lines(x):
    pre, n, post = x.shape
    out = np.empty(x.shape)
    for i in range(pre):
        for k in range(post):
            mean = 0.0
            for j in range(n):
                mean += x[i, j, k]
            mean /= n
            for j in range(n):
                out[i, j, k] = x[i, j, k] - mean
    return out


@njit(cache=True)
def var(a, axis, ddof):
    """np.var(a, axis, ddof=ddof) in float64: Numba's np.var takes neither axis nor ddof."""
    c = _centered_lines(_lines(a, axis))
    pre, n, post = c.shape
    r = np.empty(pre * post)
    for i in range(pre):
        for k in range(post):
            ss = 0.0
            for j in range(n):
                ss += c[i, j, k] * c[i, j, k]
            r[i * post + k] = ss / (n - ddof)
    return _finish(r, a.shape, axis)


@njit(cache=True)
def centered(a, axis):
    """`a` minus its mean along `axis` (None: over all elements), in float64: the direction of
    the derivative of var and std, without NumPy's keepdims."""
    return _centered_lines(_lines(a, axis)).reshape(a.shape)


@njit(cache=True)
def _prod_others_lines(x):
    pre, n, post = x.shape
    out = np.empty(x.shape)
    for i in range(pre):
        for k in range(post):
            left = 1.0
            for j in range(n):
                out[i, j, k] = left
                left *= x[i, j, k]
            right = 1.0
            for j in range(n - 1, -1, -1):
                out[i, j, k] *= right
                right *= x[i, j, k]
    return out


@njit(cache=True)
def prod_others(a, axis):
    """For each element, the product of the other elements of its line along `axis` (None: of
    the whole array): the exact derivative of prod, also where elements are zero (out / a is not).
    """
    return _prod_others_lines(_lines(a, axis)).reshape(a.shape)


# --------------------------------------------------------------------------- cumulative


@njit(cache=True)
def _cumulative_lines(x, product, backward):
    pre, n, post = x.shape
    out = np.empty_like(x)
    for i in range(pre):
        for k in range(post):
            j = n - 1 if backward else 0
            acc = x[i, j, k]
            out[i, j, k] = acc
            for step in range(1, n):
                j = n - 1 - step if backward else step
                acc = acc * x[i, j, k] if product else acc + x[i, j, k]
                out[i, j, k] = acc
    return out


@njit(cache=True)
def cumsum(a, axis):
    """np.cumsum(a, axis): Numba's np.cumsum takes no axis (until recent versions)."""
    return _cumulative_lines(_lines(a, axis), False, False).reshape(a.shape)


@njit(cache=True)
def rcumsum(g, axis):
    """Cumulative sums from the end along `axis` (None: of the whole array, kept in g's
    shape): the adjoint of cumsum."""
    return _cumulative_lines(_lines(g, axis), False, True).reshape(g.shape)


@njit(cache=True)
def cumprod(a, axis):
    """np.cumprod(a, axis): Numba's np.cumprod takes no axis."""
    return _cumulative_lines(_lines(a, axis), True, False).reshape(a.shape)


@njit(cache=True)
def _cumprod_vjp_lines(g, x):
    pre, n, post = x.shape
    out = np.empty(x.shape)
    for i in range(pre):
        for k in range(post):
            s = g[i, n - 1, k] * 1.0
            out[i, n - 1, k] = s
            for j in range(n - 2, -1, -1):
                s = g[i, j, k] + x[i, j + 1, k] * s
                out[i, j, k] = s
            p = 1.0
            for j in range(n):
                out[i, j, k] *= p
                p *= x[i, j, k]
    return out


@njit(cache=True)
def cumprod_vjp(g, a, axis):
    """The cotangent of `a` for out = cumprod(a, axis), exact at zeros: with P the exclusive
    prefix product and S[j] = g[j] + a[j+1] * S[j+1], the cotangent is P[j-1] * S[j]."""
    return _cumprod_vjp_lines(_lines(g, axis), _lines(a, axis)).reshape(a.shape)


@njit(cache=True)
def _cumprod_jvp_lines(t, x):
    pre, n, post = x.shape
    out = np.empty(x.shape)
    for i in range(pre):
        for k in range(post):
            p = 1.0
            d = 0.0
            for j in range(n):
                d = d * x[i, j, k] + p * t[i, j, k]
                p *= x[i, j, k]
                out[i, j, k] = d
    return out


@njit(cache=True)
def cumprod_jvp(t, a, axis):
    """The tangent of out = cumprod(a, axis) for the input tangent `t`, exact at zeros:
    dout[j] = dout[j-1] * a[j] + out[j-1] * t[j]."""
    return _cumprod_jvp_lines(_lines(t, axis), _lines(a, axis)).reshape(a.shape)


# --------------------------------------------------------------------------- linear algebra


def _batch(a):
    """A 2-d matrix as a batch of one, so batched matmul handles (3-d, 2-d) pairs."""
    return a if a.ndim == 3 else a[np.newaxis]


@overload(_batch)
def _batch_nb(a):
    if a.ndim == 3:
        return lambda a: np.ascontiguousarray(a)
    return lambda a: np.ascontiguousarray(a).reshape((1,) + a.shape)


@njit(cache=True)
def _matmul_batches(x, y):
    nb = max(x.shape[0], y.shape[0])
    if x.shape[0] not in (1, nb) or y.shape[0] not in (1, nb):
        raise ValueError("matmul: batch sizes do not broadcast")
    first = np.dot(x[0], y[0])
    out = np.empty((nb,) + first.shape, first.dtype)
    out[0] = first
    for i in range(1, nb):
        out[i] = np.dot(x[min(i, x.shape[0] - 1)], y[min(i, y.shape[0] - 1)])
    return out


@njit(cache=True)
def matmul(a, b):
    """`a @ b` where one operand is 3-d (a stack of matrices) and the other 2-d or 3-d, with a
    batch of 1 broadcast: Numba's `@` takes only 1-d and 2-d operands."""
    return _matmul_batches(_batch(a), _batch(b))


# --------------------------------------------------------------------------- cotangent plumbing


def _sum_to(g, like):
    """What the overload below compiles (sum_to is always compiled)."""
    lead = g.ndim - like.ndim
    axes = tuple(range(lead)) + tuple(
        lead + d for d in range(like.ndim) if like.shape[d] == 1 and g.shape[lead + d] != 1)
    return np.sum(g, axis=axes).reshape(like.shape) if axes else g


@njit(cache=True)
def _reduce_flat(src, g_shape, t_shape, out):
    """Add each element of `src` (C order, shape g_shape) into `out` (C order, shape t_shape,
    aligned with g_shape's trailing axes), at index 0 along the target's size-1 axes."""
    lead = g_shape.size - t_shape.size
    for d in range(t_shape.size):
        if t_shape[d] != 1 and t_shape[d] != g_shape[lead + d]:
            raise ValueError("sum_to: shapes do not broadcast")
    index = np.zeros(g_shape.size, np.intp)
    for f in range(src.size):
        o = 0
        for d in range(t_shape.size):
            o = o * t_shape[d] + (0 if t_shape[d] == 1 else index[lead + d])
        out[o] += src[f]
        d = g_shape.size - 1
        while d >= 0:  # the next element's index, last axis fastest
            index[d] += 1
            if index[d] < g_shape[d]:
                break
            index[d] = 0
            d -= 1


@overload(_sum_to)
def _sum_to_nb(g, like):
    if not (isinstance(g, types.Array) and isinstance(like, types.Array)):
        return None
    if like.ndim > g.ndim:
        raise TypeError("sum_to: the target has more dimensions than the cotangent")

    def reduced(g, like):
        out = np.zeros(like.shape, g.dtype)
        _reduce_flat(np.ascontiguousarray(g).reshape(-1), np.array(g.shape),
                     np.array(like.shape), out.reshape(-1))
        return out

    def same_rank(g, like):  # only here can the result be g itself
        if g.shape == like.shape:
            return g
        out = np.zeros(like.shape, g.dtype)
        _reduce_flat(np.ascontiguousarray(g).reshape(-1), np.array(g.shape),
                     np.array(like.shape), out.reshape(-1))
        return out

    return same_rank if like.ndim == g.ndim else reduced


@njit(cache=True)
def sum_to(g, like):
    """`g` summed over the axes it was broadcast along, so it has the shape of `like` (an array
    with no more dimensions than g). Returns g itself, not a copy, when the shapes agree."""
    return _sum_to(g, like)


@njit(cache=True)
def scatter_add(target, index, values):
    """target[index[i]] += values[i] for every i, accumulating repeated indices (NumPy's
    `target[index] += values` keeps only the last, and Numba has no np.add.at). Indexes axis 0
    of a target of any ndim; negative indices count from the end. Returns target."""
    n = target.shape[0]
    for i in range(index.shape[0]):
        j = index[i]
        if j < 0:
            j += n
        target[j] += values[i]
    return target


def cotangents(r, n, needed):
    """What a custom vjp returned (s2sad/custom.py), checked: a tuple, one entry per argument,
    and no None where the derivative uses it (bit k of `needed`: argument k is differentiated).
    A bare array would otherwise be indexed by argument position without complaint."""
    if not isinstance(r, tuple) or len(r) != n:
        raise TypeError(f"a custom vjp must return a tuple of {n} cotangent(s), one per "
                        f"argument; it returned {type(r).__name__}")
    if any(needed >> k & 1 and c is None for k, c in enumerate(r)):
        raise TypeError(_NONE)
    return r


_NONE = ("a custom vjp returned None for an argument being differentiated; return zeros "
         "(e.g. 0.0 * x) for it")


@overload(cotangents)
def _cotangents_nb(r, n, needed):
    if not isinstance(r, types.BaseTuple):
        raise TypingError("a custom vjp must return a tuple of cotangents, one per argument")
    bits = getattr(needed, "literal_value", -1)  # a literal int in generated code
    if any(bits >> k & 1 and isinstance(t, (types.NoneType, types.Omitted))
           for k, t in enumerate(r)):
        raise TypingError(_NONE)
    return lambda r, n, needed: r
