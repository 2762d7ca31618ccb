"""ssa.memory: which array values share a variable, which are views, and which programs are
refused because one array is written through one name while another name still reads it."""

import numpy as np
import pytest

from s2sad import grad
from s2sad.errors import UnsupportedSyntax
from s2sad.pipeline import build_ssa
from s2sad.ssa import memory, types
from s2sad.ssa.nodes import FLOAT, INT, Array, For, Op, setitem, walk

from ..gradcheck import fd_array as _fd

VEC = Array(FLOAT, 1)
MAT = Array(FLOAT, 2)


def analyzed(fn, arg_types):
    ssa = build_ssa(fn)
    types.infer(ssa, arg_types)
    return ssa, memory.analyze(ssa)


# ---- subjects (module level: s2sad reads their source)
def recurrence(x):
    y = np.zeros(x.shape[0])
    for i in range(1, x.shape[0]):
        y[i] = y[i - 1] * 0.5 + x[i]
    return np.sum(y)


def swap_buffers(u0, n):
    u = u0.copy()
    v = np.zeros(u0.shape[0])
    for _ in range(n):
        for i in range(1, u0.shape[0] - 1):
            v[i] = 0.5 * u[i] + 0.25 * (u[i - 1] + u[i + 1])
        u, v = v, u
    return np.sum(u * u)


def aliased_buffers(u0, n):
    u = u0.copy()
    v = np.zeros(u0.shape[0])
    for _ in range(n):
        for i in range(1, u0.shape[0] - 1):
            v[i] = 0.5 * u[i] + 0.25 * (u[i - 1] + u[i + 1])
        u = v  # ERROR: from now on u and v are one array, written through v
    return np.sum(u * u)


def write_through_view(A, x):
    r = A[1]
    r[0] = x[0] * 3.0
    return np.sum(A * A) + np.sum(r)


def reshape_then_write(x):
    y = x.copy()
    z = y.reshape((2, 2))
    y[0] = 5.0  # ERROR
    return np.sum(z * z)


def branch_then_write(a, b, c):
    a2 = a.copy()
    y = a2 if c > 0.0 else b.copy()
    y[0] = 1.0  # ERROR
    return np.sum(a2 * y)


# ---- facts
def test_versions_of_one_array_share_its_variable_and_a_loop_keeps_it():
    ssa, mem = analyzed(recurrence, [VEC])
    loop = next(i for i in walk(ssa.body) if isinstance(i, For))
    write = next(i for i in walk(loop.body) if isinstance(i, Op) and i.fn is setitem)
    carried = next(c for c in loop.carried if c.header.base == "y")
    assert mem.rep(write.result) is mem.rep(write.args[0]) is mem.rep(carried.init)
    assert id(carried.header) in mem.persistent
    assert mem.rep(carried.result) is mem.rep(carried.init)


def test_swapped_buffers_are_two_variables_and_accepted():
    ssa, mem = analyzed(swap_buffers, [VEC, INT])
    outer = next(i for i in ssa.body.items if isinstance(i, For))
    headers = [c.header for c in outer.carried if isinstance(c.header.type, Array)]
    assert len(headers) == 2 and not any(id(h) in mem.persistent for h in headers)


def test_basic_indexing_is_a_view_of_its_base():
    ssa, mem = analyzed(write_through_view, [MAT, VEC])
    row = next(i for i in walk(ssa.body) if isinstance(i, Op) and i.result.type == VEC
               and i.args[0] is ssa.params[0])
    assert mem.view[id(row.result)] is row
    assert mem.may_share(row.result, ssa.params[0])


# ---- hazards are refused at the write, with a hint
@pytest.mark.parametrize("fn, arg_types", [
    (reshape_then_write, [VEC]),
    (branch_then_write, [VEC, VEC, FLOAT]),
])
def test_writing_one_name_of_a_shared_array_is_refused(fn, arg_types):
    with pytest.raises(UnsupportedSyntax) as info:
        analyzed(fn, arg_types)
    err = info.value
    assert "may be the same array" in err.message and ".copy()" in err.hint
    import inspect
    lines, start = inspect.getsourcelines(fn)
    assert err.loc.line == start + next(k for k, t in enumerate(lines) if "# ERROR" in t)


def test_a_loop_that_makes_two_names_one_array_is_refused():
    with pytest.raises(UnsupportedSyntax) as info:
        analyzed(aliased_buffers, [VEC, INT])
    assert "u, v = v, u" in info.value.hint


# ---- and the accepted ones are differentiated correctly (both builds, finite differences)


@pytest.mark.parametrize("fn, args, wrt", [
    (write_through_view, (np.arange(9.0).reshape(3, 3) / 7.0, np.array([0.3, -0.2])), (0, 1)),
    (swap_buffers, (np.sin(np.arange(6.0)), 4), (0,)),
    (recurrence, (np.cos(np.arange(5.0)),), (0,)),
])
def test_shared_arrays_get_correct_gradients(fn, args, wrt, backend, derivatives):
    grads = derivatives.grad(fn, wrt, backend)(*[a.copy() if isinstance(a, np.ndarray) else a
                                                for a in args])
    for i, g in zip(wrt, grads):
        np.testing.assert_allclose(g, _fd(fn, args, i), rtol=1e-7, atol=1e-8)


def test_write_through_view_needs_no_copy_of_the_adjoint():
    d = grad(write_through_view, wrt=(0, 1), jit=False)
    d(np.ones((3, 3)), np.ones(2))
    assert "bA[1]" in d.source.replace(" ", "")  # the row's adjoint is a view of A's
