"""s2sad.runtime: the njit helpers generated code calls, checked compiled and as plain Python."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from s2sad.runtime import grow, push_array, scatter_add2, trip_count

BOUNDS = range(-7, 8)
STEPS = [-5, -3, -2, -1, 1, 2, 3, 7]


@pytest.mark.parametrize("fn", [trip_count, trip_count.py_func], ids=["njit", "python"])
def test_trip_count_matches_range(fn):
    for start, stop, step in itertools.product(BOUNDS, BOUNDS, STEPS):
        assert fn(start, stop, step) == len(range(start, stop, step)), (start, stop, step)


def test_trip_count_large_values():
    for args in [(0, 10**12, 3), (10**12, -(10**12), -7), (-(2**40), 2**40, 2**20)]:
        assert trip_count(*args) == len(range(*args))


@pytest.mark.parametrize("fn", [grow, grow.py_func], ids=["njit", "python"])
@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.int8])
def test_grow_keeps_contents_and_dtype(fn, dtype):
    tape = np.arange(5).astype(dtype)
    assert fn(tape, 5) is tape and fn(tape, 0) is tape  # enough room: the same array
    bigger = fn(tape, 6)
    assert bigger.dtype == dtype and bigger.shape[0] >= 16
    np.testing.assert_array_equal(bigger[:5], tape)
    huge = fn(bigger, 1000)
    assert huge.dtype == dtype and huge.shape[0] >= 1000
    np.testing.assert_array_equal(huge[:5], tape)


@pytest.mark.parametrize("fn", [grow, grow.py_func], ids=["njit", "python"])
def test_grow_never_shrinks_and_at_least_doubles(fn):
    tape = np.ones(40)
    for need in [0, 1, 39, 40]:
        assert fn(tape, need).shape[0] == 40
    assert fn(tape, 41).shape[0] == 80
    assert fn(np.empty(0, np.int8), 1).shape[0] == 16


@pytest.mark.parametrize("fn", [push_array, push_array.py_func], ids=["njit", "python"])
def test_push_array_copies_any_layout_after_the_pointer(fn):
    tape = np.full(4, -1.0)
    A = np.arange(12.0).reshape(3, 4)
    tape = fn(tape, 2, A.T)  # a transposed view: elements in its own (row-major) order
    np.testing.assert_array_equal(tape[:2], [-1.0, -1.0])
    np.testing.assert_array_equal(tape[2:14], A.T.ravel())
    tape = fn(tape, 14, A[:, 1])  # a strided column
    np.testing.assert_array_equal(tape[14:17], A[:, 1])


@pytest.mark.parametrize("fn", [scatter_add2, scatter_add2.py_func], ids=["njit", "python"])
def test_scatter_add2_accumulates_repeated_pairs(fn):
    target = np.zeros((2, 3))
    fn(target, np.array([0, 1, 0]), np.array([2, 0, 2]), np.array([1.0, 2.0, 4.0]))
    np.testing.assert_array_equal(target, [[0.0, 0.0, 5.0], [2.0, 0.0, 0.0]])
