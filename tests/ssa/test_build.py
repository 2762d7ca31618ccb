"""ssa.build: structured SSA from normalized Python, flattened to three-address ops.

`raw(fn)` is the builder's own output (before prune/hoist), `ssa(fn)` what the pipeline hands
on; both are compared as printed IR (`format_function(fn, locs=False)`).
"""

import inspect
import math
import operator

import numba
import numpy as np
import pytest

import s2sad
from s2sad.errors import NoDerivativeRule, UnsupportedSyntax
from s2sad.pipeline import build_ssa
from s2sad.ssa import build
from s2sad.ssa.nodes import For, If, Op, While, walk
from s2sad.ssa.printer import format_function

K = 3
PAIR = (2.0, 0.5)
SCALE = 1.5
STEP = -2
NEG = -1.5
LIST = [1.0, 2.0]

# --- functions under test ------------------------------------------------------------------------


def lecture(x, y, z):
    q = x + y
    return q * z


def branch(x):
    if x > 0.0:
        y = x * 2.0
    else:
        y = -x
    return y + 1.0


def one_sided(x, c):
    y = x
    if c > 0.0:
        y = x * x
    return y


def carried(x, n):
    s = 0.0
    for i in range(n):
        s = s * x + i
    return s


def while_loop(x):
    while x < 10.0:
        x = x * 2.0
    return x


def nested_loops(x, n):
    s = x
    for i in range(n):
        for _j in range(i):
            s = s * x
    return s


def ranges(x, a, b):
    s = x
    for _i in range(a, b):
        s = s + x
    for _j in range(b, a, STEP):
        s = s * x
    return s


def swap(a, b):
    a, b = b, a
    return a - b


def rotate(a, b, c):
    a, b, c = b, c, a
    return a * 100.0 + b * 10.0 + c


def pack_unpack(x, y):
    t = (x, y)
    u, v = t
    return u * v + t[0] - t[1]


def negative_tuple_index(x, y):
    t = (x, y)
    return t[-1]


def globals_are_constants(x):
    a, b = PAIR
    return x * a + x * b * K + SCALE


def square_plus_one(x):
    y = x * x
    return y + 1.0


def calls_helper(x):
    y = x + 1.0
    return square_plus_one(x) * square_plus_one(y)


def sum_and_difference(x, y):
    return x + y, x - y


def tuple_helper(x, y):
    s, d = sum_and_difference(x, y)
    return s * d


def defaulted(x, scale=2.0):
    return x * scale


def calls_defaulted(x):
    return defaulted(x) + defaulted(x, scale=3.0)


@numba.njit
def jitted_helper(x):
    return x * 3.0


def calls_jitted(x):
    return jitted_helper(x) + 1.0


def folds_math_calls(x):
    return x * math.sqrt(4.0) + max(1.0, 2.0) + math.floor(2.5) + abs(NEG)


def folds_arithmetic(x):
    c = 2.0 * math.pi
    return x * c + (K + 1)


def max_of_three(x, y, z):
    return max(x, y, z)


def log_with_base(x):
    return math.log(x, 2.0)


def chained(x, y):
    return x if 0.0 < x < y else y


def bool_ops(x, y):
    return x if x > 0.0 and y > 0.0 else y


def recursive(x):
    return recursive(x) + 1.0


def calls_unknown(x):
    return math.gamma(x)


def unpack_mismatch(x):
    a, b, c = PAIR
    return x


def over_a_list(x):
    s = x
    for v in LIST:
        s = s + v
    return s


def uses_global_list(x):
    return x * LIST


def calls_range(x, n):
    return x * len(range(n))


def undefined_name(x):
    return x * nowhere  # noqa: F821


def indexes_a_float(x):
    return x[0]


# --- helpers -------------------------------------------------------------------------------------


def raw(fn) -> str:
    return format_function(build.build(*build._prepare(fn)), locs=False)


def ssa(fn) -> str:
    return format_function(build_ssa(fn), locs=False)


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def ops(fn) -> list[Op]:
    return [item for item in walk(build_ssa(fn).body) if isinstance(item, Op)]


# --- straight-line code --------------------------------------------------------------------------


def test_three_address_ops_named_after_their_target():
    assert raw(lecture) == "\n".join([
        "def lecture(x, y, z):",
        "    q.1 = x + y",
        "    $2 = q.1 * z",
        "    return $2",
    ])


def test_ops_remember_their_statement_and_location():
    start = inspect.getsourcelines(lecture)[1]
    q, out = ops(lecture)
    assert q.fn is operator.add and out.fn is operator.mul
    assert q.stmt.text == "q = x + y" and q.stmt.loc.line == start + 1
    assert out.stmt.text == "return q * z" and out.loc.line == start + 2
    assert q.loc.col == 8  # the `x + y` expression, not the statement
    assert build_ssa(lecture).loc.line == start


# --- if-joins get phis ---------------------------------------------------------------------------


def test_phi_at_an_if_join():
    assert raw(branch) == "\n".join([
        "def branch(x):",
        "    $1 = x > 0.0",
        "    if $1:",
        "        y.1 = x * 2.0",
        "    else:",
        "        y.2 = -x",
        "    y.3 = phi(y.1, y.2)",
        "    $4 = y.3 + 1.0",
        "    return $4",
    ])


def test_phi_takes_the_old_value_on_the_untaken_side():
    assert lines(ssa(one_sided))[2:7] == [
        "if $1:",
        "y.1 = x * x",
        "else:",
        "pass",
        "y.2 = phi(y.1, x)",
    ]


def test_conditional_expressions_and_short_circuits_build_regions():
    text = lines(ssa(chained))
    assert text[1:4] == ["$1 = 0.0 < x", "if $1:", "$2 = x < y"]  # x < y only when 0 < x
    assert "$3 = phi($2, $1)" in text
    assert text[-2:] == ["$4 = phi(x, y)", "return $4"]
    text = lines(ssa(bool_ops))
    assert text[1:4] == ["$1 = x > 0.0", "if $1:", "$2 = y > 0.0"]
    assert "$3 = phi($2, $1)" in text and "z.1" not in text


# --- loops get carried values --------------------------------------------------------------------


def test_carried_value_at_a_for_header():
    assert ssa(carried) == "\n".join([
        "def carried(x, n):",
        "    for i.2 in range(0, n, 1) carry (s.1 = 0.0 -> s.2) => s.3:",
        "        $1 = s.1 * x",
        "        s.2 = $1 + i.2",
        "    return s.3",
    ])


def test_builder_carries_every_name_the_loop_assigns():
    text = raw(carried)
    assert "carry (i.1 = undef -> i.2, s.1 = 0.0 -> s.2) => i.3, s.3" in text


def test_while_loop_carries_and_tests_at_the_top():
    assert ssa(while_loop) == "\n".join([
        "def while_loop(x):",
        "    while carry (x.1 = x -> x.2) => x.3:",
        "        $1 = x.1 < 10.0",
        "      test $1",
        "        x.2 = x.1 * 2.0",
        "    return x.3",
    ])
    (loop,) = build_ssa(while_loop).body.items
    assert isinstance(loop, While) and loop.exit is None


def test_nested_loops_carry_through_both_headers():
    text = lines(ssa(nested_loops))
    assert text[1] == "for i.2 in range(0, n, 1) carry (s.1 = x -> s.4) => s.5:"
    assert text[2] == "for _j.3 in range(0, i.2, 1) carry (s.2 = s.1 -> s.3) => s.4:"
    assert text[3] == "s.3 = s.2 * x"


def test_range_forms():
    text = ssa(ranges)
    assert "range(a, b, 1)" in text and "range(b, a, -2)" in text


def test_break_sets_the_loop_exit_flag():
    def_src = build_ssa(_breaks)
    (loop,) = [i for i in def_src.body.items if isinstance(i, For)]
    assert loop.exit is not None and loop.exit.name.startswith("$brk1")
    assert f"exit {loop.exit.name}" in format_function(def_src, locs=False)


def _breaks(x, n):
    for _ in range(n):
        if x > 5.0:
            break
        x = x * 2.0
    return x


# --- tuples exist only at compile time -----------------------------------------------------------


def test_swap_produces_no_ops():
    assert ssa(swap) == "def swap(a, b):\n    $1 = b - a\n    return $1"


def test_rotation_and_packing_produce_no_ops():
    assert [op.fn for op in ops(rotate)] == [operator.mul, operator.mul, operator.add,
                                             operator.add]
    assert lines(ssa(rotate))[1] == "$1 = b * 100.0"
    assert lines(ssa(pack_unpack))[1:4] == ["$1 = x * y", "$2 = $1 + x", "$3 = $2 - y"]


def test_helper_returning_a_tuple_costs_nothing():
    assert ssa(tuple_helper) == "\n".join([
        "def tuple_helper(x, y):",
        "    $1 = x + y",
        "    $2 = x - y",
        "    $3 = $1 * $2",
        "    return $3",
    ])


def test_numeric_globals_are_constants():
    assert ssa(globals_are_constants) == "\n".join([
        "def globals_are_constants(x):",
        "    $1 = x * 2.0",  # a, b = PAIR: unpacked at compile time
        "    $2 = x * 0.5",
        "    $3 = $2 * 3",  # K
        "    $4 = $1 + $3",
        "    $5 = $4 + 1.5",  # SCALE
        "    return $5",
    ])


def test_negative_constant_tuple_index():
    # `-1` is folded to a constant (it was once an operator.neg op, and t[-1] was rejected)
    assert ssa(negative_tuple_index) == "def negative_tuple_index(x, y):\n    pass\n    return y"


# --- helpers are inlined -------------------------------------------------------------------------


def test_helper_locals_are_prefixed_with_the_helper_name():
    assert ssa(calls_helper) == "\n".join([
        "def calls_helper(x):",
        "    y.1 = x + 1.0",
        "    square_plus_one.y.1 = x * x",
        "    $3 = square_plus_one.y.1 + 1.0",
        "    square_plus_one.y.2 = y.1 * y.1",
        "    $5 = square_plus_one.y.2 + 1.0",
        "    $6 = $3 * $5",
        "    return $6",
    ])


def test_inlined_ops_point_at_the_helper_lines():
    start = inspect.getsourcelines(square_plus_one)[1]
    helper_ops = [op for op in ops(calls_helper) if op.result.base.startswith("square")]
    assert {op.stmt.text for op in helper_ops} == {"y = x * x"}
    assert {op.loc.line for op in helper_ops} == {start + 1}


def test_helper_defaults_and_keywords():
    assert lines(ssa(calls_defaulted))[1:4] == ["$1 = x * 2.0", "$2 = x * 3.0", "$3 = $1 + $2"]


def test_numba_dispatchers_are_inlined_from_their_python_source():
    assert lines(ssa(calls_jitted))[1:3] == ["$1 = x * 3.0", "$2 = $1 + 1.0"]


# --- calls and constant folding ------------------------------------------------------------------


def test_calls_with_constant_arguments_are_folded():
    assert ssa(folds_math_calls) == "\n".join([
        "def folds_math_calls(x):",
        "    $1 = x * 2.0",  # math.sqrt(4.0)
        "    $2 = $1 + 2.0",  # max(1.0, 2.0)
        "    $3 = $2 + 2",  # math.floor(2.5)
        "    $4 = $3 + 1.5",  # abs(NEG)
        "    return $4",
    ])


def test_arithmetic_on_constants_is_folded():
    # operator.mul.__module__ is '_operator': folding once missed every operator
    assert ssa(folds_arithmetic) == "\n".join([
        "def folds_arithmetic(x):",
        f"    $1 = x * {2.0 * math.pi!r}",
        "    $2 = $1 + 4",
        "    return $2",
    ])


def test_max_of_three_is_a_chain():
    assert lines(ssa(max_of_three))[1:3] == ["$1 = max(x, y)", "$2 = max($1, z)"]


def test_two_argument_log_maps_to_log_base():
    (op,) = ops(log_with_base)
    assert op.fn.__name__ == "log_base" and op.fn is not math.log


# --- errors --------------------------------------------------------------------------------------


def _line_of(fn, text: str) -> int:
    src, start = inspect.getsourcelines(fn)
    return start + next(k for k, line in enumerate(src) if text in line)


@pytest.mark.parametrize("fn, exc, message, marker", [
    (recursive, UnsupportedSyntax, "recursive call to 'recursive'", "recursive(x) + 1.0"),
    (calls_unknown, NoDerivativeRule, "no derivative rule for 'math.gamma'", "math.gamma"),
    (unpack_mismatch, UnsupportedSyntax, "cannot unpack 2 value(s) into 3 names", "a, b, c"),
    (over_a_list, UnsupportedSyntax, "a for loop can only iterate over range(...)", "for v in"),
    (uses_global_list, UnsupportedSyntax, "global 'LIST' is a list", "x * LIST"),
    (calls_range, UnsupportedSyntax, "range() is only supported as a for-loop", "range(n)"),
    (undefined_name, UnsupportedSyntax, "name 'nowhere' is not defined", "nowhere"),
])
def test_build_errors_point_at_the_user_line(fn, exc, message, marker):
    with pytest.raises(exc) as info:
        build_ssa(fn)
    assert message in info.value.message
    assert info.value.loc.line == _line_of(fn, marker)
    assert info.value.loc.file.endswith("test_build.py")


def test_indexing_a_float_is_refused_once_types_are_known():
    """`x[0]` builds (x may be an array); called with a float, typing refuses it at the line."""
    with pytest.raises(UnsupportedSyntax) as info:
        s2sad.grad(indexes_a_float, jit=False)(1.5)
    assert "indexing a number" in info.value.message
    assert info.value.loc.line == _line_of(indexes_a_float, "x[0]")


# --- structure -----------------------------------------------------------------------------------


def test_every_if_and_loop_carries_its_statement():
    fn = build_ssa(nested_loops)
    loops = [i for i in walk(fn.body) if isinstance(i, (For, While))]
    assert [loop.stmt.text for loop in loops] == ["for i in range(n):", "for _j in range(i):"]
    fn = build_ssa(branch)
    (cond,) = [i for i in walk(fn.body) if isinstance(i, If)]
    assert cond.stmt.text == "if x > 0.0:"


def list_literal_argument(a, b):
    v = np.array([a * b, a + b])
    return np.sum(v * v)


def test_a_list_literal_argument_is_a_sequence_like_a_tuple():
    from s2sad import grad

    for jit in (False, True):  # d/da, d/db of (ab)^2 + (a+b)^2 at (1, 2)
        assert grad(list_literal_argument, wrt=(0, 1), jit=jit)(1.0, 2.0) == (14.0, 10.0)
