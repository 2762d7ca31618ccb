"""Helpers that generated derivative code calls at run time.

Everything here must compile in Numba's nopython mode: generated code imports this module and
calls these functions from inside `@njit` derivatives. Keep it tiny.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def grow(tape, need):
    """Return `tape`, or a copy at least twice as long when it holds fewer than `need` slots.

    Tapes are typed stacks (float64 values, int64 counts, int8 branch decisions); a `while` loop
    or a nested loop reserves space before it pushes, so pushes never check bounds.
    """
    if need <= tape.shape[0]:
        return tape
    size = max(need, 2 * tape.shape[0], 16)
    bigger = np.empty(size, tape.dtype)
    for k in range(tape.shape[0]):  # not `bigger[:n] = tape`: Numba's shape-mismatch message
        bigger[k] = tape[k]          # for it costs 1.4 s of compile and makes callers uncacheable
    return bigger


@njit(cache=True)
def trip_count(start, stop, step):
    """len(range(start, stop, step)) for a nonzero step (range() itself rejects zero)."""
    if step > 0:
        if stop <= start:
            return 0
        return (stop - start + step - 1) // step
    if stop >= start:
        return 0
    return (start - stop - step - 1) // (-step)


@njit(cache=True, inline="always")
def push_array(tape, p, x):
    """`tape` (grown if needed) with the elements of `x` copied to `tape[p:p + x.size]`:
    an array the reverse sweep needs, or the part of one a write is about to overwrite."""
    tape = grow(tape, p + x.size)
    k = p
    for v in x.flat:  # any layout (a column, a transposed view), no temporary copy
        tape[k] = v
        k += 1
    return tape


@njit(cache=True)
def scatter_add2(target, rows, cols, values):
    """target[rows[k], cols[k]] += values[k] for every k, repeated pairs accumulating: the
    adjoint of reading A[rows, cols] (e.g. the log-probability of each sample's label)."""
    for k in range(rows.shape[0]):
        target[rows[k], cols[k]] += values[k]
    return target
