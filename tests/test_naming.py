"""naming: deterministic, collision-free identifiers in generated code."""

import inspect
import math

import pytest

import s2sad
from s2sad.naming import MODULE_NAMES, Namer
from s2sad.ssa.nodes import Value

from .gradcheck import assert_grad_close, fd_grad

# --- functions under test ------------------------------------------------------------------------


def lecture(x, y, z):
    q = x + y
    return q * z


def loop(x, n):
    s = 1.0
    for i in range(n):
        s = s * x + math.sin(s) * i
    return s


def adjoint_lookalike(x, bx):
    return x * bx


def module_names(math, np, grow):
    return math * np * grow


def keyword_like(x, b_t1):
    t = x * b_t1
    return t * x


def long_names(velocity, time_step, n):
    position = 0.0
    for _ in range(n):
        position = position + velocity * time_step
    return position


def helper(x):
    y = x * x
    return y + 1.0


def calls_helper(x):
    return helper(x) * helper(x + 1.0)


def param_named_like_a_tape(tape_f, n):
    s = 1.0
    for _ in range(n):
        s = s * tape_f + 1.0
    return s


def param_named_like_a_pointer(x, p_f):
    s = 1.0
    for _ in range(p_f):
        s = s * x + 1.0
    return s


# --- the Namer -----------------------------------------------------------------------------------


def test_values_are_named_after_their_source_names():
    namer = Namer()
    # the Namer keys on id(value): keep the values alive, as the IR does
    values = [Value("x", None), Value("x", 3), Value("$", 7), Value("accel.a", 1),
              Value("$brk1", 2)]
    assert [namer.name(v) for v in values] == ["x", "x_3", "_t7", "accel_a_1", "brk1_2"]


def test_adjoints_get_a_b_prefix():
    namer = Namer()
    x, t = Value("x", 3), Value("$", 2)
    assert namer.adj(x) == "bx_3"
    assert namer.adj(t) == "b_t2"
    assert namer.adj(x) == "bx_3"  # stable


def test_same_value_same_name_distinct_values_distinct_names():
    namer = Namer()
    a, b = Value("x", 1), Value("x", 1)  # equal text, different values
    assert namer.name(a) == namer.name(a) == "x_1"
    assert namer.name(b) == "x_1_"


def test_collisions_append_underscores():
    namer = Namer(reserved=("bx",))
    x = Value("x", None)
    assert namer.adj(x) == "bx_"
    assert namer.fresh("it") == "it" and namer.fresh("it") == "it_" and namer.fresh("it") == "it__"


def test_module_names_and_keywords_are_never_used():
    namer = Namer()
    values = [Value(reserved, None) for reserved in sorted(MODULE_NAMES)]
    for value in values:
        assert namer.name(value) == value.base + "_"
    assert namer.unique("lambda") == "lambda_"
    assert namer.unique("for") == "for_"
    assert {"math", "np", "grow", "trip_count", "range"} <= MODULE_NAMES


def test_names_depend_only_on_request_order():
    def names():
        namer = Namer()
        values = [Value("x", None), Value("$", 1), Value("x", 1), Value("$", 1)]
        return [namer.name(v) for v in values] + [namer.adj(v) for v in values]

    assert names() == names() == ["x", "_t1", "x_1", "_t1_", "bx", "b_t1", "bx_1", "b_t1_"]


# --- generated code ------------------------------------------------------------------------------


def build(fn, wrt, args):
    d = s2sad.grad(fn, wrt=wrt, jit=False)
    d(*args)
    return d


def signature_line(d) -> str:
    return next(line for line in d.source.splitlines() if line.startswith("def "))


def test_parameters_keep_their_names():
    assert signature_line(build(lecture, (0, 1, 2), (1.0, 2.0, 3.0))) == \
        "def lecture_adjoint(x, y, z):"
    assert signature_line(build(long_names, (0, 1), (1.5, 0.1, 3))) == \
        "def long_names_adjoint(velocity, time_step, n):"


def test_two_builds_give_byte_identical_source():
    for fn, wrt, args in [(lecture, (0, 1, 2), (1.0, 2.0, 3.0)), (loop, 0, (0.5, 4)),
                          (calls_helper, 0, (0.3,))]:
        first, second = build(fn, wrt, args), build(fn, wrt, args)
        assert first is not second
        assert first.source == second.source


def test_deterministic_names_in_a_loop():
    src = build(loop, 0, (0.5, 4)).source
    for name in ("s_1", "s_2", "s_3", "i_2", "n_i_2", "_t1", "bs_1", "bs_3", "bx"):
        assert f"{name} " in src, name
    assert "for i_2 in range(n_i_2 - 1, -1, -1):" in src


def test_adjoint_of_a_parameter_named_like_an_adjoint():
    d = build(adjoint_lookalike, (0, 1), (2.0, 3.0))
    assert signature_line(d) == "def adjoint_lookalike_adjoint(x, bx):"
    assert "bx_ = bx * b_t1" in d.source and "bbx = x * b_t1" in d.source
    assert d(2.0, 3.0) == (3.0, 2.0)


def test_parameters_named_like_module_names_are_renamed():
    d = build(module_names, (0, 1, 2), (2.0, 3.0, 4.0))
    assert signature_line(d) == "def module_names_adjoint(math_, np_, grow_):"
    assert d(2.0, 3.0, 4.0) == (12.0, 8.0, 6.0)


def test_parameter_named_like_a_temporary_adjoint():
    d = build(keyword_like, (0, 1), (2.0, 3.0))
    assert signature_line(d) == "def keyword_like_adjoint(x, b_t1):"
    assert_grad_close(d(2.0, 3.0), fd_grad(keyword_like, (2.0, 3.0), (0, 1)))


def test_helper_locals_keep_their_helper_name():
    src = build(calls_helper, 0, (0.3,)).source
    assert "helper_y_1 = x * x" in src
    assert "helper_y_2 = _t" in src


@pytest.mark.parametrize("fn, args", [
    (param_named_like_a_tape, (1.5, 3)),
    (param_named_like_a_pointer, (1.5, 3)),
])
def test_parameters_named_like_tapes(fn, args, backend):
    # the tape and pointer names are reserved per function: they once clobbered such parameters
    d = s2sad.grad(fn, wrt=0, jit=backend)
    assert_grad_close(d(*args), fd_grad(fn, args, 0))
    params = list(inspect.signature(fn).parameters)
    assert signature_line(d) == f"def {fn.__name__}_adjoint({', '.join(params)}):"
