"""ssa.printer: the IR's canonical text, with and without locations and types."""

import inspect
import math
import operator

import numpy as np
import pytest

from s2sad.loc import Loc
from s2sad.pipeline import build_ssa
from s2sad.ssa import types
from s2sad.ssa.nodes import (
    FLOAT,
    INT,
    UNDEF,
    Block,
    Carried,
    Const,
    For,
    Function,
    If,
    Op,
    Phi,
    Stmt,
    Value,
    While,
)
from s2sad.ssa.printer import arg_text, callable_name, format_function, op_text

# --- functions under test ------------------------------------------------------------------------


def branch(x):
    if x > 0.0:
        y = x * 2.0
    else:
        y = -x
    return y + 1.0


def loop(x, n):
    s = 0.0
    for i in range(n):
        s = s * x + i
    return s


def early_exit(x, n):
    for _ in range(n):
        if x > 5.0:
            break
        x = x * 2.0
    return x


def halve(x):
    while x > 1.0:
        x = x / 2.0
    return x


def negations(x, b):
    return -x if not b else +x


def calls(x, y):
    return math.atan2(x, y) + max(x, y)


# --- helpers -------------------------------------------------------------------------------------

HERE = Loc("/somewhere/demo.py", 7)
STMT = Stmt("y = f(x)", HERE)


def op(result, fn, *args) -> Op:
    return Op(result, fn, list(args), STMT, HERE)


def start(fn) -> int:
    return inspect.getsourcelines(fn)[1]


# --- whole functions -----------------------------------------------------------------------------


def test_locations_are_aligned_comments():
    s = start(branch)
    assert format_function(build_ssa(branch)) == "\n".join([
        f"def branch(x):           # test_printer.py:{s}",
        f"    $1 = x > 0.0         # test_printer.py:{s + 1}",
        f"    if $1:               # test_printer.py:{s + 1}",
        f"        y.1 = x * 2.0    # test_printer.py:{s + 2}",
        "    else:",
        f"        y.2 = -x         # test_printer.py:{s + 4}",
        "    y.3 = phi(y.1, y.2)",
        f"    $4 = y.3 + 1.0       # test_printer.py:{s + 5}",
        "    return $4",
    ])


def test_without_locations():
    text = format_function(build_ssa(branch), locs=False)
    assert "#" not in text
    assert text.splitlines()[0] == "def branch(x):"
    assert text.splitlines()[-1] == "    return $4"


def test_types_annotate_definitions_only():
    fn = build_ssa(loop)
    types.infer(fn, [FLOAT, INT])
    assert format_function(fn, locs=False, types=True) == "\n".join([
        "def loop(x:f64, n:i64):",
        "    for i.2:i64 in range(0, n, 1) carry (s.1:f64 = 0.0 -> s.2) => s.3:f64:",
        "        $1:f64 = s.1 * x",
        "        s.2:f64 = $1 + i.2",
        "    return s.3",
    ])


def test_untyped_values_print_without_annotation_even_with_types():
    text = format_function(build_ssa(loop), locs=False, types=True)
    assert ":f64" not in text and ":i64" not in text


def test_exit_flag_and_empty_blocks():
    text = format_function(build_ssa(early_exit), locs=False)
    head = text.splitlines()[1]
    assert head.startswith("    for _.2 in range(0, n, 1) exit $brk1.") and " carry (" in head
    assert "        if $1:\n            pass\n        else:\n            pass" in text


def test_while_prints_its_condition_block_and_test():
    assert format_function(build_ssa(halve), locs=False) == "\n".join([
        "def halve(x):",
        "    while carry (x.1 = x -> x.2) => x.3:",
        "        $1 = x.1 > 1.0",
        "      test $1",
        "        x.2 = x.1 / 2.0",
        "    return x.3",
    ])


def test_prefix_operators_and_calls():
    text = format_function(build_ssa(negations), locs=False)
    assert "$1 = not b" in text and "$2 = -x" in text and "$3 = +x" in text
    text = format_function(build_ssa(calls), locs=False)
    assert "$1 = math.atan2(x, y)" in text and "$2 = max(x, y)" in text


def test_printing_is_deterministic():
    assert format_function(build_ssa(early_exit)) == format_function(build_ssa(early_exit))


# --- hand-built IR -------------------------------------------------------------------------------


def test_hand_built_function():
    x, n = Value("x", None), Value("n", None)
    i, h, nxt, out = Value("i", 1), Value("s", 1), Value("s", 2), Value("s", 3)
    body = Block([op(nxt, operator.mul, h, x)])
    loop_ = For(i, Const(0), n, Const(1), body, [Carried(h, Const(1.0), nxt, out)], None,
                STMT, HERE)
    c, a, p = Value("$", 1), Value("a", 1), Value("p", 1)
    cond = If(c, Block([op(a, math.sin, out)]), Block([]), [Phi(p, a, UNDEF)], STMT, HERE)
    fn = Function("f", [x, n], Block([loop_, op(c, operator.gt, out, Const(0.0)), cond]), p,
                  HERE, HERE.file)
    assert format_function(fn, locs=False) == "\n".join([
        "def f(x, n):",
        "    for i.1 in range(0, n, 1) carry (s.1 = 1.0 -> s.2) => s.3:",
        "        s.2 = s.1 * x",
        "    $1 = s.3 > 0.0",
        "    if $1:",
        "        a.1 = math.sin(s.3)",
        "    else:",
        "        pass",
        "    p.1 = phi(a.1, undef)",
        "    return p.1",
    ])
    located = format_function(fn).splitlines()
    commented = [line for line in located if "#" in line]
    assert len(commented) == 6  # def, for, op, op, if, op: not else/pass/phi/return
    assert all(line.endswith("  # demo.py:7") for line in commented)
    assert len({line.index("#") for line in commented}) == 1  # one aligned column
    width = max(len(line) for line in format_function(fn, locs=False).splitlines()) + 2
    assert commented[0].index("#") == width


def test_while_without_condition_ops_and_tuple_results():
    x, h, nxt, out = Value("x", None), Value("x", 1), Value("x", 2), Value("x", 3)
    loop_ = While(Block([]), Const(True), Block([op(nxt, operator.neg, h)]),
                  [Carried(h, x, nxt, out)], Value("$brk1", 1), STMT, HERE)
    fn = Function("g", [x], Block([loop_]), (out, Const(2.0)), HERE, HERE.file)
    assert format_function(fn, locs=False) == "\n".join([
        "def g(x):",
        "    while exit $brk1.1 carry (x.1 = x -> x.2) => x.3:",
        "        pass",
        "      test True",
        "        x.2 = -x.1",
        "    return (x.3, 2.0)",
    ])


# --- pieces --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn, expected", [
    (math.sin, "math.sin"),
    (max, "max"),
    (abs, "abs"),
    (np.exp, "np.exp"),
    (float, "float"),
])
def test_callable_name(fn, expected):
    assert callable_name(fn) == expected


def test_callable_name_of_an_operator_function():
    # operator functions report __module__ '_operator'; users wrote `operator.truth`
    assert callable_name(operator.truth) == "operator.truth"


def test_arg_text():
    v = Value("x", 2, FLOAT)
    assert arg_text(v) == "x.2"
    assert arg_text(v, types=True) == "x.2:f64"
    assert arg_text(Value("$", 7, INT), types=True) == "$7:i64"
    assert arg_text(Value("x", None)) == "x"
    assert arg_text(Const(1.5)) == "1.5"
    assert arg_text(Const(3)) == "3"
    assert arg_text(Const(True)) == "True"
    assert arg_text(UNDEF) == "undef"
    assert arg_text((v, Const(0.0))) == "(x.2, 0.0)"
    assert Value("helper.y", 1).name == "helper.y.1"


@pytest.mark.parametrize("fn, args, expected", [
    (operator.add, ("a", "b"), "a + b"),
    (operator.truediv, ("a", "b"), "a / b"),
    (operator.floordiv, ("a", "b"), "a // b"),
    (operator.pow, ("a", "b"), "a ** b"),
    (operator.le, ("a", "b"), "a <= b"),
    (operator.ne, ("a", "b"), "a != b"),
    (operator.neg, ("a",), "-a"),
    (operator.not_, ("a",), "not a"),
    (math.hypot, ("a", "b"), "math.hypot(a, b)"),
    (min, ("a", "b"), "min(a, b)"),
])
def test_op_text(fn, args, expected):
    result = Value("$", 1)
    assert op_text(op(result, fn, *[Value(a, None) for a in args])) == expected
