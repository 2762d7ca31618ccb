"""reverse: the generated adjoint's shape — comments, tapes, counters — and that it is right.

Sources come from the pure-Python build (the Numba build compiles the very same text); values
are checked against finite differences, and a few against the Numba build too.
"""

import inspect
import math
import re
from collections import Counter

import pytest

from s2sad import grad
from s2sad.errors import InternalError, S2SADError

from .gradcheck import assert_grad_close, fd_grad

# --- functions under test ------------------------------------------------------------------------


def straight(x, y, z):
    q = x + y
    r = q * z
    s = math.sin(r)
    return s * x


def loop(x, n):
    s = 1.0
    for _ in range(n):
        s = s * x + 1.0
    return s


def branch_in_loop(x, n):
    s = 0.0
    for _ in range(n):
        if s > 1.0:
            s = s * 0.5
        else:
            s = s + x * x
    return s


def nested(x, n):
    s = x
    for i in range(n):
        for _ in range(i):
            s = s + x * math.sin(s)
    return s


def uses_index(x, n):
    s = 0.0
    for i in range(n):
        s = 0.5 * s + x * i  # not a plain sum: its reverse runs as a separate loop
    return s


def stepped(x, a, b):
    s = 0.0
    for i in range(a, b, 3):
        s = 0.5 * s + x * i
    return s


def while_loop(x):
    while x < 10.0:
        x = x * 1.5 + math.sin(x)
    return x


def breaks(x, n):
    for _ in range(n):
        if x > 5.0:
            break
        x = x * 2.0
    return x


def before_the_loop(x, n):
    c = math.exp(x)
    s = 0.0
    for _ in range(n):
        s = s + c * s + x
    return s


def ignores_y(x, y):
    return x * 2.0


def early_return(x):
    if x > 0.0:
        return x * x
    y = x + 1.0
    return y * 3.0


def returns_a_pair(x, y):
    return x * y, x + y


def square_plus_one(x):
    t = x * x
    return t + 1.0


def interleaved(x):
    y = x * 2.0 + square_plus_one(x)
    return y * x


def everything(x, y, n):
    a = x * y
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            s = s + a * math.cos(s)
        else:
            s = s - y
    b = s * s
    return b + a


# --- helpers -------------------------------------------------------------------------------------

COMMENT = re.compile(r"#\s*(grad of: )?(.*?)    \((\S+):(\d+)\)$")


def source_of(derivatives, fn, args, wrt=0):
    d = derivatives.grad(fn, wrt, False)
    d(*args)
    return d.source


def citations(source: str, reverse: bool) -> list[tuple[str, str, int]]:
    """(statement text, file, line) of each forward (or `grad of:`) comment, in order."""
    out = []
    for line in source.splitlines():
        m = COMMENT.search(line.strip())
        if m and bool(m.group(1)) == reverse:
            out.append((m.group(2), m.group(3), int(m.group(4))))
    return out


def def_line(fn) -> int:
    return inspect.getsourcelines(fn)[1]


def check_gradient(derivatives, fn, args, wrt, jit=False):
    got = derivatives.grad(fn, wrt, jit)(*args)
    assert_grad_close(got, fd_grad(fn, args, wrt))


# --- comments ------------------------------------------------------------------------------------


def test_one_grad_comment_per_source_statement(derivatives):
    src = source_of(derivatives, everything, (0.7, 0.3, 5), (0, 1))
    start = def_line(everything)
    cited = citations(src, reverse=True)
    lines = Counter(line for _, _, line in cited)
    assert all(count == 1 for count in lines.values()), src
    # every statement doing differentiable work: not `s = 0.0`, not the `else:`
    expected = {start + k for k in (1, 3, 4, 5, 7, 8, 9)}
    assert set(lines) == expected, src
    assert {file for _, file, _ in cited} == {"test_reverse.py"}
    texts = {line: text for text, _, line in cited}
    assert texts[start + 1] == "a = x * y"
    assert texts[start + 3] == "for i in range(n):"
    assert texts[start + 4] == "if i % 2 == 0:"
    assert texts[start + 9] == "return b + a"


def test_reverse_comments_run_backwards(derivatives):
    src = source_of(derivatives, straight, (0.5, 0.25, 2.0), (0, 1, 2))
    start = def_line(straight)
    forward = [line for _, _, line in citations(src, reverse=False)]
    backward = [line for _, _, line in citations(src, reverse=True)]
    assert forward == [start + 1, start + 2, start + 3, start + 4]
    assert backward == forward[::-1]
    assert "# grad of: r = q * z    (test_reverse.py:" in src


def test_forward_comments_cite_every_statement(derivatives):
    src = source_of(derivatives, early_return, (0.5,))
    start = def_line(early_return)
    assert [line for _, _, line in citations(src, reverse=False)] == [
        start + k for k in (1, 2, 3, 4)]


# --- tapes ---------------------------------------------------------------------------------------


def test_no_tape_for_straight_line_code(derivatives):
    src = source_of(derivatives, straight, (0.5, 0.25, 2.0), (0, 1, 2))
    assert "tape" not in src and "np.empty" not in src and "grow(" not in src
    assert "p_f" not in src and "trip_count(" not in src


def test_float_tape_for_a_loop(derivatives):
    src = source_of(derivatives, loop, (0.5, 4))
    assert "tape_f = np.empty(16, np.float64)" in src
    assert "np.int64" not in src and "np.int8" not in src
    assert "tape_f = grow(tape_f, p_f + n___2)" in src  # reserved once, before the loop
    assert "tape_f[p_f] = s_1" in src and "s_1 = tape_f[p_f]" in src
    assert "n___2 = trip_count(0, n, 1)" in src
    assert "for it in range(n___2 - 1, -1, -1):" in src


def test_int8_tape_for_a_branch_inside_a_loop(derivatives):
    src = source_of(derivatives, branch_in_loop, (0.55, 6))
    assert "tape_b = np.empty(16, np.int8)" in src
    assert "tape_b[p_b] = _t1" in src
    assert "_t1 = tape_b[p_b] != 0" in src
    assert "np.float64" not in src  # s * 0.5 and s + x * x need no primal values of s


def test_int64_tape_for_a_nested_loop_count(derivatives):
    src = source_of(derivatives, nested, (0.3, 5))
    assert "tape_i = np.empty(16, np.int64)" in src
    assert "tape_i[p_i] = n___3" in src and "n___3 = tape_i[p_i]" in src
    assert "tape_f = np.empty(16, np.float64)" in src  # s and sin(s) of the inner body


def test_straight_line_values_before_a_loop_are_not_taped(derivatives):
    src = source_of(derivatives, before_the_loop, (0.2, 4))
    assert "c_1 = math.exp(x)" in src
    assert "tape_f[p_f] = s_1" in src
    assert "= c_1\n" not in src.split("---- reverse sweep ----")[0].split("for ")[-1]
    assert not re.search(r"tape_f\[[^]]*\] = c_1", src)


def test_the_loop_index_is_recomputed_not_taped(derivatives):
    src = source_of(derivatives, uses_index, (0.5, 4))
    assert "tape" not in src
    assert "for i_2 in range(n_i_2 - 1, -1, -1):" in src
    src = source_of(derivatives, stepped, (0.5, 2, 11))
    assert "tape" not in src
    assert "i_2 = a + it * 3" in src


def test_while_loops_count_iterations_and_grow_per_iteration(derivatives):
    src = source_of(derivatives, while_loop, (1.0,))
    assert "n_while = 0" in src and "n_while += 1" in src
    assert "for it in range(n_while - 1, -1, -1):" in src
    body = src.split("while True:")[1].split("---- reverse sweep ----")[0]
    assert "tape_f = grow(tape_f, p_f + 1)" in body


def test_a_loop_that_can_break_counts_its_iterations(derivatives):
    src = source_of(derivatives, breaks, (1.0, 5))
    assert "trip_count(" not in src
    assert "n___2 = 0" in src and "n___2 += 1" in src
    assert re.search(r"if brk1_\d+:\n\s+break", src)


# --- gradients -----------------------------------------------------------------------------------


def test_an_argument_the_result_ignores_gets_zero(derivatives):
    src = source_of(derivatives, ignores_y, (1.0, 2.0), (0, 1))
    assert src.rstrip().endswith("return _t1, (bx, 0.0)")
    assert derivatives.grad(ignores_y, (0, 1), False)(1.0, 2.0) == (2.0, 0.0)


@pytest.mark.parametrize("fn, args, wrt", [
    (straight, (0.5, 0.25, 2.0), (0, 1, 2)),
    (loop, (0.5, 4), 0),
    (branch_in_loop, (0.55, 6), 0),
    (nested, (0.3, 5), 0),
    (uses_index, (0.5, 4), 0),
    (stepped, (0.5, 2, 11), 0),
    (while_loop, (1.0,), 0),
    (breaks, (1.0, 5), 0),
    (before_the_loop, (0.2, 4), 0),
    (early_return, (0.5,), 0),
    (early_return, (-0.5,), 0),
    (everything, (0.7, 0.3, 5), (0, 1)),
], ids=lambda v: getattr(v, "__name__", None))
def test_gradients_match_finite_differences(derivatives, fn, args, wrt):
    check_gradient(derivatives, fn, args, wrt)


@pytest.mark.parametrize("fn, args, wrt", [
    (branch_in_loop, (0.55, 6), 0),
    (nested, (0.3, 5), 0),
    (while_loop, (1.0,), 0),
    (everything, (0.7, 0.3, 5), (0, 1)),
], ids=lambda v: getattr(v, "__name__", None))
def test_numba_build_matches(derivatives, fn, args, wrt):
    check_gradient(derivatives, fn, args, wrt, jit=True)


def test_zero_trip_loops(derivatives):
    assert derivatives.grad(loop, 0, False)(0.5, 0) == 0.0
    assert derivatives.grad(nested, 0, False)(0.5, 0) == 1.0
    assert math.isclose(derivatives.grad(while_loop, 0, False)(20.0), 1.0)


# --- known problems ------------------------------------------------------------------------------


def test_returning_a_tuple_is_a_located_error():
    with pytest.raises(S2SADError) as info:
        grad(returns_a_pair, wrt=0, jit=False)(1.0, 2.0)
    assert not isinstance(info.value, InternalError)
    assert info.value.loc is not None
    assert info.value.loc.line == def_line(returns_a_pair) + 1


def test_inlined_helper_statements_are_cited_with_the_helper_name(derivatives):
    src = source_of(derivatives, interleaved, (1.5,))
    start = def_line(square_plus_one)
    assert f"#   square_plus_one: grad of: t = x * x    (test_reverse.py:{start + 1})" in src
    assert "# grad of: y = x * 2.0 + square_plus_one(x)    (test_reverse.py:" in src


def test_code_after_an_inlined_helper_maps_back_to_the_caller(derivatives):
    d = derivatives.grad(interleaved, 0, False)
    d(1.5)
    caller = def_line(interleaved) + 1
    lines = d.source.splitlines()
    for number, loc in d._last.loaded.line_locs.items():
        text = lines[number - 1].strip()
        if text in ("y_1 = _t1 + _t3", "bx += 2.0 * b_t1"):
            assert loc.line == caller, (text, loc)
