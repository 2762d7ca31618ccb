"""A number computed twice from the same operands in one block is computed once (ssa/cse.py).

What must be merged (two reads of an array nobody writes, repeated arithmetic), what must not
(reads of an array written in between, names the user wrote, values in different branches), and
gradients of all of them against central differences in both builds."""

import math
import re

import numpy as np
import pytest

from s2sad import grad, pipeline, value_and_grad
from s2sad.ssa import cse, types
from s2sad.ssa.nodes import FLOAT, INT, Array, Op, walk

from ..gradcheck import fd_array


def rosen_term(x, i):
    return 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2


def repeated_arithmetic(a, b):
    return math.sin(a * b) + math.cos(a * b) * (a * b)


def read_write_read(x):
    y = x.copy()
    t = y[1] * 2.0
    y[1] = t * t
    return y[1] * x[0] + y[1]


def written_before_reads(x):
    y = x.copy()
    y[0] = 2.0 * y[0]
    return y[1] * y[1] + y[1] * x[0]


def loop_writes_between(x):
    y = x.copy()
    t = y[1] * 3.0
    for i in range(y.shape[0]):
        y[i] = y[i] * x[i]
    return t + y[1] * 3.0


def user_names_stay(a, b):
    p = a * b
    q = a * b
    return p * q + q


def different_branches(a, b):
    if a > 0.0:
        r = math.exp(a * b)
    else:
        r = a * b
    return r * (a * b)


def ops(fn, kinds):
    f = pipeline.build_ssa(fn)
    types.infer(f, kinds)
    before = sum(isinstance(op, Op) for op in walk(f.body))
    cse.run(f)
    return before, sum(isinstance(op, Op) for op in walk(f.body))


def test_repeated_reads_and_arithmetic_are_merged():
    before, after = ops(rosen_term, [Array(FLOAT, 1), INT])
    assert after == before - 1  # the second x[i]
    before, after = ops(repeated_arithmetic, [FLOAT, FLOAT])
    assert after == before - 2  # a * b, three times
    before, after = ops(written_before_reads, [Array(FLOAT, 1)])
    assert after == before - 2  # y[1] read three times after the only write


def test_what_must_stay_apart():
    before, after = ops(read_write_read, [Array(FLOAT, 1)])
    assert after == before - 1  # the read before the write stays; the two after it merge
    before, after = ops(loop_writes_between, [Array(FLOAT, 1)])
    assert after == before  # y[1] and y[1] * 3.0 on either side of a loop writing y
    before, after = ops(user_names_stay, [FLOAT, FLOAT])
    assert after == before  # q is the user's own name
    before, after = ops(different_branches, [FLOAT, FLOAT])
    assert after == before  # a * b in a branch and after it: different blocks


def test_one_update_of_the_element(derivatives):
    src = derivatives.grad(rosen_term, (0,), False).specialize(np.ones(4), 1).source
    assert len(re.findall(r"= x\[i\]", src)) == 1
    assert len(re.findall(r"bx\[i\] \+=", src)) == 1


CASES = [
    (rosen_term, (np.array([0.3, -0.7, 1.1, 0.4]), 1), (0,)),
    (repeated_arithmetic, (0.7, -1.3), (0, 1)),
    (read_write_read, (np.array([0.5, -1.5, 2.0]),), (0,)),
    (written_before_reads, (np.array([0.5, -1.5, 2.0]),), (0,)),
    (loop_writes_between, (np.array([0.5, -1.5, 2.0]),), (0,)),
    (user_names_stay, (0.7, -1.3), (0, 1)),
    (different_branches, (0.7, -1.3), (0, 1)),
    (different_branches, (-0.7, 1.3), (0, 1)),
]


@pytest.mark.parametrize("fn, args, wrt", CASES,
                         ids=[f"{c[0].__name__}{k}" for k, c in enumerate(CASES)])
def test_gradients_against_finite_differences(fn, args, wrt, backend):
    value, grads = value_and_grad(fn, wrt=wrt, jit=backend)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    for i, g in zip(wrt, grads):
        np.testing.assert_allclose(g, fd_array(fn, args, i), rtol=1e-6, atol=1e-8)


def test_grad_of_merged_reads_in_a_loop(backend):
    def energy(x):
        s = 0.0
        for i in range(x.shape[0] - 1):
            s += x[i] * x[i + 1] - 0.5 * x[i] * x[i]
        return s * s

    x = np.array([0.4, -0.2, 0.9, 1.3, -0.6])
    np.testing.assert_allclose(grad(energy, jit=backend)(x), fd_array(energy, (x,), 0),
                               rtol=1e-6, atol=1e-8)
