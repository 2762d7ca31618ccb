"""Independent gradient references: finite differences and a readable closeness check.

Nothing here touches s2sad; these are the yardsticks the compiler is measured against.
"""

import inspect
import math


def _positions(f, wrt):
    """(argument indices, whether the caller asked for a tuple) for a `wrt` spec."""
    names = list(inspect.signature(f).parameters)

    def index(w):
        if isinstance(w, str):
            return names.index(w)
        return int(w)

    if isinstance(wrt, tuple):
        return [index(w) for w in wrt], True
    return [index(wrt)], False


def fd_partial(f, args, i, scale=1e-3):
    """d f / d args[i] by 4-point central differences in float64, h = scale * max(1, |x|)."""
    x = float(args[i])
    h = scale * max(1.0, abs(x))
    h = (x + h) - x  # a step exactly representable around x

    def at(xi):
        shifted = list(args)
        shifted[i] = xi
        return float(f(*shifted))

    return (at(x - 2.0 * h) - 8.0 * at(x - h) + 8.0 * at(x + h) - at(x + 2.0 * h)) / (12.0 * h)


def fd_grad(f, args, wrt, scale=1e-3):
    """The gradient of `f` at `args` w.r.t. `wrt`, shaped like s2sad's answer.

    `wrt`: an int or a parameter name gives one float; a tuple (of ints and/or names) gives a
    tuple, also for a 1-tuple.
    """
    indices, as_tuple = _positions(f, wrt)
    partials = tuple(fd_partial(f, args, i, scale) for i in indices)
    return partials if as_tuple else partials[0]


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def grad_close(got, want, rtol=1e-6, atol=1e-9):
    """True when every component satisfies |got - want| <= atol + rtol * |want|."""
    got_t, want_t = _as_tuple(got), _as_tuple(want)
    if len(got_t) != len(want_t):
        return False
    return all(
        math.isfinite(float(g)) and abs(float(g) - float(w)) <= atol + rtol * abs(float(w))
        for g, w in zip(got_t, want_t)
    )


def assert_grad_close(got, want, rtol=1e-6, atol=1e-9, what="gradient"):
    """Assert `got` matches `want` componentwise; the message shows both and the differences."""
    got_t, want_t = _as_tuple(got), _as_tuple(want)
    if isinstance(want, tuple) != isinstance(got, tuple) or len(got_t) != len(want_t):
        raise AssertionError(f"{what}: shape differs: got {got!r}, want {want!r}")
    if grad_close(got_t, want_t, rtol, atol):
        return
    rows = []
    for k, (g, w) in enumerate(zip(got_t, want_t)):
        g, w = float(g), float(w)
        err = abs(g - w)
        bad = not (math.isfinite(g) and err <= atol + rtol * abs(w))
        rel = err / abs(w) if w else math.inf
        mark = "  <-- differs" if bad else ""
        rows.append(f"  [{k}] got {g!r:>24}  want {w!r:>24}  abs {err:.3e}  rel {rel:.3e}{mark}")
    raise AssertionError(f"{what} mismatch (rtol={rtol}, atol={atol}):\n" + "\n".join(rows))


def fd_array(f, args, i, h=1e-6):
    """d f / d args[i] by 2-point central differences, one entry at a time, for array-valued
    or scalar f and an array or float argument: shape `np.shape(f(*args)) + np.shape(args[i])`."""
    import numpy as np

    x = np.asarray(args[i], dtype=float)
    out = np.asarray(f(*args), dtype=float)
    J = np.zeros(out.shape + x.shape)
    for idx in np.ndindex(x.shape):
        up, down = list(args), list(args)
        xu, xd = x.copy(), x.copy()
        xu[idx] += h
        xd[idx] -= h
        up[i], down[i] = (xu, xd) if x.ndim else (float(xu), float(xd))
        J[(...,) + idx] = (np.asarray(f(*up)) - np.asarray(f(*down))) / (2 * h)
    return J if J.ndim else float(J)
