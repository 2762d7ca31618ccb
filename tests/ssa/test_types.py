"""ssa.types: per-signature type inference (float64, int64, bool), unifying at joins like Numba."""

import math
import operator

import pytest

from s2sad.pipeline import build_ssa
from s2sad.ssa import types
from s2sad.ssa.nodes import BOOL, FLOAT, INT, UNDEF, Const, Op, Stmt, Value, walk
from s2sad.ssa.printer import format_function

F, I, B = FLOAT, INT, BOOL

# --- functions under test ------------------------------------------------------------------------


def counters(x, n):
    k = 0
    s = 0
    for i in range(n):
        k = k + i
        s = s + x
    return s * k


def promote_at_phi(x, c):
    if c > 0:
        y = 1
    else:
        y = 2.5
    return y * x


def stays_int_at_phi(x, c):
    if c > 0:
        m = c * 2
    else:
        m = 3
    return x * m


def integer_ops(x, n):
    h = n // 2
    r = n / 2
    f = math.floor(x)
    a = abs(n)
    m = max(n, 3)
    p = n ** 2
    return x * r + h + f + a + m + p


def flags(x, y):
    b = x > y
    c = not b
    d = bool(x)
    return x if b and c or d else y


def int_loop_becomes_float(x, n):
    s = 0
    for _ in range(n):
        s = s * 2 + x
    return s


def stays_int_across_loop(x, n):
    s = 0
    for i in range(n):
        s = s + i * 2
    return x * s


def nested_promotion(x, n):
    s = 1
    for i in range(n):
        t = 0
        for _ in range(i):
            t = t + 1
            if t > 2:
                t = t * 0.5
        s = s + t
    return s * x


def while_counter(x):
    k = 0
    while x > 1.0:
        x = x / 2.0
        k = k + 1
    return x * k


def same_code_other_signature(a, b):
    return a * b + a


# --- helpers -------------------------------------------------------------------------------------


def typed(fn, *arg_types):
    out = build_ssa(fn)
    types.infer(out, list(arg_types))
    return out


def text(fn, *arg_types) -> str:
    return format_function(typed(fn, *arg_types), locs=False, types=True)


def type_of_name(fn, name: str):
    """The type of the value printed as `name` (op, phi, carried header or result, index)."""
    found = {}
    for p in fn.params:
        found[p.name] = p.type
    for item in walk(fn.body):
        values = []
        if isinstance(item, Op):
            values = [item.result]
        elif hasattr(item, "phis"):
            values = [p.result for p in item.phis]
        else:
            values = [c.header for c in item.carried] + [c.result for c in item.carried]
            if hasattr(item, "index"):
                values.append(item.index)
        for v in values:
            found[v.name] = v.type
    return found[name]


# --- tests ---------------------------------------------------------------------------------------


def test_int_loop_counters():
    assert text(counters, F, I) == "\n".join([
        "def counters(x:f64, n:i64):",
        "    for i.2:i64 in range(0, n, 1) carry (k.1:i64 = 0 -> k.2, s.1:f64 = 0 -> s.2) "
        "=> k.3:i64, s.3:f64:",
        "        k.2:i64 = k.1 + i.2",
        "        s.2:f64 = s.1 + x",
        "    $3:f64 = s.3 * k.3",
        "    return $3",
    ])


def test_float_promotion_across_a_phi():
    fn = typed(promote_at_phi, F, I)
    assert type_of_name(fn, "y.1") is F
    assert type_of_name(fn, "$1") is B
    assert "y.1:f64 = phi(1, 2.5)" in format_function(fn, locs=False, types=True)


def test_int_phi_stays_int():
    fn = typed(stays_int_at_phi, F, I)
    assert type_of_name(fn, "m.1") is I
    assert "m.2:i64 = phi(m.1, 3)" in format_function(fn, locs=False, types=True)
    assert type_of_name(fn, "$3") is F


def test_an_int_carried_value_becomes_float_at_the_fixpoint():
    fn = typed(int_loop_becomes_float, F, I)
    assert "carry (s.1:f64 = 0 -> s.2) => s.3:f64" in format_function(fn, locs=False, types=True)
    assert type_of_name(fn, "$1") is F  # s * 2, typed again once the header became float
    assert type_of_name(fn, "s.2") is F


def test_an_int_carried_value_stays_int():
    fn = typed(stays_int_across_loop, F, I)
    assert type_of_name(fn, "s.1") is I and type_of_name(fn, "s.3") is I
    assert type_of_name(fn, "i.2") is I


def test_nested_loops_promote_outwards():
    fn = typed(nested_promotion, F, I)
    assert type_of_name(fn, "t.2") is F  # promoted by `t * 0.5` on one branch
    assert type_of_name(fn, "t.3") is F and type_of_name(fn, "t.6") is F
    assert type_of_name(fn, "s.1") is F and type_of_name(fn, "s.3") is F
    assert type_of_name(fn, "i.2") is I


def test_while_counter_stays_int():
    fn = typed(while_counter, F)
    assert type_of_name(fn, "k.1") is I and type_of_name(fn, "k.3") is I
    assert type_of_name(fn, "x.1") is F


def test_operator_result_types():
    fn = typed(integer_ops, F, I)
    assert type_of_name(fn, "h.1") is I  # int // int
    assert type_of_name(fn, "r.1") is F  # true division
    assert type_of_name(fn, "f.1") is I  # math.floor
    assert type_of_name(fn, "a.1") is I  # abs(int)
    assert type_of_name(fn, "m.1") is I  # max(int, int)
    assert type_of_name(fn, "p.1") is I  # int ** int (as Numba types it)


def test_comparisons_and_not_are_bool():
    fn = typed(flags, F, F)
    assert type_of_name(fn, "b.1") is B and type_of_name(fn, "c.1") is B
    assert type_of_name(fn, "d.1") is B


def test_types_are_per_signature():
    assert "$1:f64 = a * b" in text(same_code_other_signature, F, F)
    assert "$1:i64 = a * b" in text(same_code_other_signature, I, I)
    assert "$1:f64 = a * b" in text(same_code_other_signature, I, F)
    assert "$1:i64 = a * b" in text(same_code_other_signature, B, I)  # bool arithmetic: int


@pytest.mark.parametrize("a, b, expected", [
    (None, F, F), (I, None, I), (B, I, I), (I, F, F), (F, B, F), (B, B, B), (None, None, None),
])
def test_unify(a, b, expected):
    assert types.unify(a, b) is expected


@pytest.mark.parametrize("arg, expected", [
    (Const(1), I), (Const(1.0), F), (Const(True), B), (UNDEF, None),
    (Value("x", 1, F), F), (Value("x", 1), None),
])
def test_type_of(arg, expected):
    assert types.type_of(arg) is expected


@pytest.mark.parametrize("fn, args, expected", [
    (operator.add, (I, I), I),
    (operator.add, (I, F), F),
    (operator.neg, (B,), I),
    (operator.truediv, (I, I), F),
    (operator.lt, (F, F), B),
    (math.sin, (I,), F),
    (math.ceil, (F,), I),
    (int, (F,), I),
    (float, (I,), F),
    (round, (F,), I),
])
def test_op_type(fn, args, expected):
    stmt = Stmt("", None)
    op = Op(Value("$", 1), fn, [Value("a", i, t) for i, t in enumerate(args)], stmt, None)
    assert types.op_type(op) is expected


def float_loop_count(x, n):
    s = 0.0
    for _ in range(n):
        s = s + x
    return s


def test_a_float_range_bound_is_refused_like_python_does():
    from s2sad import grad
    from s2sad.errors import UnsupportedSyntax

    with pytest.raises(UnsupportedSyntax, match="range\\(\\) takes integers"):
        grad(float_loop_count, wrt=1, jit=False)(2.0, 3.0)
    assert grad(float_loop_count, jit=False)(2.0, 3) == 3.0
