"""Functions the fence must reject: each module-level `bad_*` function marks its offending line.

`test_fence.py` loads every `bad_*` function, runs the fence, and checks that the error points at
the line carrying the trailing `REJECT` marker comment (exactly one per function). These functions
are never called.
"""
# ruff: noqa: B007, B018, E731, F401, F841, F842

import math

import numpy as np


class Box:
    value = 0.0


def bad_try(x):
    try:  # REJECT
        y = 1.0 / x
    except ZeroDivisionError:
        y = 0.0
    return y


def bad_try_finally(x):
    y = x
    try:  # REJECT
        y = y * 2.0
    finally:
        y = y + 1.0
    return y


def bad_with(x):
    with np.errstate(all="ignore"):  # REJECT
        y = x / 0.0
    return y


async def bad_async_def(x):  # REJECT
    return x


def bad_yield(x):
    yield x * 2.0  # REJECT


def bad_yield_from(x):
    y = yield from range(3)  # REJECT
    return y


def bad_lambda(x):
    f = lambda t: t * x  # REJECT
    return f(2.0)


def bad_nested_def(x):
    def inner(t):  # REJECT
        return t * t

    return inner(x)


def bad_class(x):
    class Point:  # REJECT
        pass

    return x


COUNTER = 0.0


def bad_global(x):
    global COUNTER  # REJECT
    COUNTER = x
    return x


def _make_nonlocal():
    total = 0.0

    def bad_nonlocal(x):
        nonlocal total  # REJECT
        total = total + x
        return total

    return bad_nonlocal


bad_nonlocal = _make_nonlocal()


def bad_list_comprehension(x):
    ys = [x * i for i in range(3)]  # REJECT
    return ys[0]


def bad_set_comprehension(x):
    return min({x * i for i in range(3)})  # REJECT


def bad_dict_comprehension(x):
    d = {i: x for i in range(3)}  # REJECT
    return d[0]


def bad_generator_expression(x):
    return sum(x * i for i in range(3))  # REJECT


def bad_starred_call(x):
    args = (x, 2.0)
    return math.pow(*args)  # REJECT


def bad_starred_target(x):
    a, *rest = x, 1.0, 2.0  # REJECT
    return a


def bad_double_star_call(x):
    return math.isclose(x, 1.0, **{"rel_tol": 0.1})  # REJECT


def bad_walrus(x):
    y = (z := x * 2.0) + 1.0  # REJECT
    return y + z


def bad_del(x):
    y = x * 2.0
    del y  # REJECT
    return x


def bad_assert(x):
    assert x > 0.0  # REJECT
    return math.sqrt(x)


def bad_raise(x):
    if x < 0.0:
        raise ValueError("negative")  # REJECT
    return math.sqrt(x)


def bad_import(x):
    import cmath  # REJECT

    return x


def bad_import_from(x):
    from math import sin  # REJECT

    return sin(x)


def bad_match(x, n):
    match n:  # REJECT
        case 0:
            return x
        case _:
            return 2.0 * x


def bad_fstring(x):
    return float(f"{x}")  # REJECT


def bad_dict_literal(x):
    d = {"a": x}  # REJECT
    return x


def bad_set_literal(x):
    s = {x, 2.0}  # REJECT
    return x


def bad_list_literal(x):
    xs = [x, 2.0]  # REJECT
    return x


def bad_string_constant(x):
    label = "x"  # REJECT
    return x


def bad_complex_constant(x):
    return x * 1j  # REJECT


def bad_bytes_constant(x):
    return math.fsum(b"ab")  # REJECT


def bad_for_else(x, n):
    for i in range(n):
        if i > 3:
            break
    else:  # REJECT
        x = 0.0
    return x


def bad_while_else(x):
    while x > 1.0:
        x = x / 2.0
    else:  # REJECT
        x = -x
    return x


def bad_attribute_assign(x, box):
    box.value = x  # REJECT
    return x


def bad_chained_attribute_assign(x, box):
    y = box.value = x * 2.0  # REJECT
    return y


def bad_augassign_attribute(x, box):
    box.value += x  # REJECT
    return x


def bad_annotation_without_value(x):
    y: float  # REJECT
    return x


def bad_annotated_attribute(x, box):
    box.value: float = x  # REJECT
    return x


def bad_subscript_unpack(x, a):
    a[0], a[1] = x, x  # REJECT
    return a


def bad_for_over_sequence(xs):
    total = 0.0
    for v in xs:  # REJECT
        total += v
    return total


def bad_for_tuple_target(xs):
    total = 0.0
    for i, v in enumerate(xs):  # REJECT
        total += v
    return total


def bad_range_keyword(x, n):
    for i in range(0, n, step=1):  # REJECT
        x = x * 2.0
    return x


def bad_print(x):
    print(x)  # REJECT
    return x


def bad_expression_statement(x):
    x + 1.0  # REJECT
    return x


def bad_string_statement(x):
    y = x * 2.0
    """Not a docstring: a string statement after the first."""  # REJECT
    return y


def bad_is(x):
    if x is None:  # REJECT
        return 0.0
    return x


def bad_is_not(x):
    return x if x is not None else 0.0  # REJECT


def bad_in(x):
    if x in (1.0, 2.0):  # REJECT
        return 0.0
    return x


def bad_not_in(x, n):
    return x if n not in (1, 2) else 0.0  # REJECT




def bad_bit_xor(x, n):
    return x * (n ^ 1)  # REJECT


def bad_left_shift(x, n):
    return x * (n << 1)  # REJECT


def bad_right_shift(x, n):
    return x * (n >> 1)  # REJECT




def bad_varargs(x, *rest):  # REJECT
    return x


def bad_kwargs(x, **options):  # REJECT
    return x


def bad_keyword_only(x, *, scale=2.0):  # REJECT
    return x * scale


def bad_call_result(x):
    return _scaler(2.0)(x)  # REJECT


def bad_ellipsis(x):
    return x[...]  # REJECT


def bad_order(x):
    return [x][0] if x is None else x  # REJECT


def _scaler(k):
    return math.sqrt
