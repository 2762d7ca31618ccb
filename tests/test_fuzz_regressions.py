"""Bugs the random-program fuzzer found, reduced to a few lines each; both builds vs references."""

import math

import pytest

from s2sad import grad
from s2sad.errors import UnsupportedSyntax

from .gradcheck import assert_grad_close, fd_grad


def inner_range_from_outer_index(x):
    for i in range(2):
        for j in range(i, 3):
            x = math.sin(x + j)
    return x


def branch_with_zero_adjoint(x):
    if x > 1.0:
        x = 0.5
    else:
        x = x * 0.0
    return x


def float_of_a_bool(x, y):
    b = x > y
    return x * float(b)


def loop_under_two_ifs(x, n):
    s = x
    for i in range(n):
        if x > 0.0:
            if i > 0:
                for j in range(n):
                    s = math.sin(s + x * j)
    return s * s


def test_tape_reserved_for_a_loop_under_nested_ifs(backend):
    """Seed 21314: the outer loop's one reservation missed pushes of a loop two `if`s down,
    and the tape ran out (IndexError)."""
    args = (0.7, 6)
    assert_grad_close(grad(loop_under_two_ifs, wrt=0, jit=backend)(*args),
                      fd_grad(loop_under_two_ifs, args, 0))


def pair_returned_from_a_loop(x0, x1, m=1):
    x0 -= abs(x1)
    for _ in range(m):
        if x0 <= 1.58:  # folds to True: both arguments are constants at the call below
            return x1 * x0, x0 + 1.0
    return x0 * 3.0, x0 * x1


def calls_it_with_constants(x):
    a, b = pair_returned_from_a_loop(0.75, -0.09)
    return a + b * x


def test_a_pair_returned_from_a_loop_is_refused_not_zeroed():
    """Seed 40844: with the `if` folded away, the returned pair looked like a tuple local to
    the loop and was dropped, so the helper returned (0.0, 0.0) and the gradient was 0. It is
    refused like any pair returned from inside a loop."""
    with pytest.raises(UnsupportedSyntax, match="becomes a tuple inside a loop"):
        grad(calls_it_with_constants, jit=False)(0.5)


def test_inner_range_starting_at_the_outer_index(backend):
    got = grad(inner_range_from_outer_index, jit=backend)(0.345)
    assert_grad_close(got, fd_grad(inner_range_from_outer_index, (0.345,), 0))


def test_branch_whose_adjoint_folds_away(backend):
    assert grad(branch_with_zero_adjoint, jit=backend)(1.5) == 0.0
    assert grad(branch_with_zero_adjoint, jit=backend)(0.5) == 0.0


def test_float_of_a_bool(backend):
    assert_grad_close(grad(float_of_a_bool, wrt=(0, 1), jit=backend)(3.0, 2.0), (1.0, 0.0))
    assert_grad_close(grad(float_of_a_bool, wrt=(0, 1), jit=backend)(1.0, 2.0), (0.0, 0.0))


def _split(x, y):
    if x > 1.0:
        return x * y, y
    return math.sin(x), x * x


def tuple_helper_with_early_return(x, y):
    a, b = _split(x, y)
    return a * b


def test_helper_returning_a_tuple_with_an_early_return(backend):
    for x in (0.4, 1.7):
        got = grad(tuple_helper_with_early_return, wrt=(0, 1), jit=backend)(x, 0.8)
        assert_grad_close(got, fd_grad(tuple_helper_with_early_return, (x, 0.8), (0, 1)))
