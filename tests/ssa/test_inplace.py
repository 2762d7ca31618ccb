"""`x op= v` on an array writes the array in place (s2sad/ssa/inplace.py).

These programs were differentiated wrongly before the pass existed: the write through a view
(`r = B[0]; r += t`) was treated as a new, unrelated array, so B's gradient missed it. Each is
checked against central differences in both builds; numbers keep their rebinding semantics.
"""

import numpy as np
import pytest

from s2sad import pipeline, value_and_grad
from s2sad.ssa import printer

from ..gradcheck import fd_array


def add_row_through_view(A):
    B = A.copy()
    r = B[0]
    r += 2.0 * A[1]
    return np.sum(B ** 2)


def assign_row_through_view(A):
    B = A.copy()
    r = B[0]
    r[:] = r + 2.0 * A[1]
    return np.sum(B ** 2)


def second_name_sees_the_update(x):
    y = np.zeros(x.shape[0])
    z = y
    y += x * x
    return np.sum(z * x)


def column_view_in_loop(A, w):
    B = A.copy()
    for j in range(B.shape[1]):
        c = B[:, j]
        c *= w[j]
    return np.sum(np.sin(B))


def numbers_rebind(a, b):
    s = a
    t = s
    s += b * b
    return s * t


A = np.arange(6.0).reshape(2, 3) / 7.0 + 0.1
CASES = [
    (add_row_through_view, (A,)),
    (assign_row_through_view, (A,)),
    (second_name_sees_the_update, (np.array([0.3, -1.2, 0.8]),)),
    (column_view_in_loop, (A, np.array([0.5, -1.5, 2.0]))),
    (numbers_rebind, (0.7, -1.3)),
]


@pytest.mark.parametrize("jit", [False, True], ids=["python", "numba"])
@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_in_place_updates_match_finite_differences(fn, args, jit):
    wrt = tuple(range(len(args)))
    value, grads = value_and_grad(fn, wrt=wrt, jit=jit)(*args)
    assert np.isclose(value, fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args]), rtol=1e-13)
    for i, g in enumerate(grads):
        assert np.allclose(g, fd_array(fn, args, i), rtol=1e-6, atol=1e-8)


def test_the_ir_writes_the_whole_array():
    from s2sad.ssa import inplace, types
    from s2sad.ssa.nodes import FLOAT, Array

    fn = pipeline.build_ssa(add_row_through_view)
    types.infer(fn, [Array(FLOAT, 2)])
    text = printer.format_function(inplace.run(fn), locs=False)
    assert "r.2 = s2sad.ssa.nodes.setitem(r.1, " in text  # a new version of the same array


def test_float32_array_keeps_its_dtype():
    def scale(x):
        y = x.copy()
        y *= 2.0
        return np.sum(y * y)

    x = np.array([1.0, -2.0], dtype=np.float32)
    _, g = value_and_grad(scale, jit=False)(x)
    assert g.dtype == np.float32 and np.allclose(g, 8.0 * x)
