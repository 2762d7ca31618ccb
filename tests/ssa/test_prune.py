"""ssa.prune: dead ops, phis, carried values and whole regions disappear; live ones stay."""

import math

import pytest

from s2sad.ssa import build, prune, verify
from s2sad.ssa.printer import format_function

# --- functions under test ------------------------------------------------------------------------


def dead_op(x):
    unused = math.sin(x)  # noqa: F841
    y = x * 2.0
    return y


def dead_counter(x, n):
    k = 0
    s = x
    for _ in range(n):
        k = k + 1
        s = s * 2.0
    return s


def dead_loop(x, n):
    t = x
    for _ in range(n):
        t = t * t
    return x + 1.0


def dead_if(x):
    if x > 0.0:
        y = x * 2.0  # noqa: F841
    else:
        y = x * 3.0  # noqa: F841
    return x


def half_dead_if(x):
    if x > 0.0:
        y = x * 2.0
        z = x * 5.0  # noqa: F841
    else:
        y = x * 3.0
        z = x * 7.0  # noqa: F841
    return y


def read_only_through_the_header(x, n):
    a = x
    b = 0.0
    for _ in range(n):
        b = b + a
        a = a * 0.5
    return b


def computed_bound(x, m):
    n = m * 2
    s = x
    for _ in range(n):
        s = s * x
    return s


def early_exit(x, n):
    for _ in range(n):
        if x > 5.0:
            break
        x = x * 2.0
    return x


def dead_while_counter(x):
    c = 0
    while x > 1.0:
        x = x / 2.0
        c = c + 1
    return x


def nothing_dead(x, y):
    q = x + y
    return q * y


# --- helpers -------------------------------------------------------------------------------------


def raw_fn(fn):
    return build.build(*build._prepare(fn))


def raw(fn) -> str:
    return format_function(raw_fn(fn), locs=False)


def pruned(fn) -> str:
    out = prune.run(raw_fn(fn))
    verify.run(out)  # pruning keeps the SSA valid
    return format_function(out, locs=False)


# --- tests ---------------------------------------------------------------------------------------


def test_dead_op_is_removed():
    assert "unused.1 = math.sin(x)" in raw(dead_op)
    assert pruned(dead_op) == "def dead_op(x):\n    y.1 = x * 2.0\n    return y.1"


def test_dead_carried_values_are_removed():
    assert "k.1 = 0 -> k.2" in raw(dead_counter)
    assert "_.1 = undef -> _.2" in raw(dead_counter)  # the loop variable, carried by the builder
    assert pruned(dead_counter) == "\n".join([
        "def dead_counter(x, n):",
        "    for _.2 in range(0, n, 1) carry (s.1 = x -> s.2) => s.3:",
        "        s.2 = s.1 * 2.0",
        "    return s.3",
    ])


def test_a_loop_nobody_reads_disappears():
    assert pruned(dead_loop) == "def dead_loop(x, n):\n    $2 = x + 1.0\n    return $2"


def test_an_if_nobody_reads_disappears():
    assert pruned(dead_if) == "def dead_if(x):\n    pass\n    return x"


def test_dead_phis_and_their_branch_ops_go_live_ones_stay():
    assert pruned(half_dead_if) == "\n".join([
        "def half_dead_if(x):",
        "    $1 = x > 0.0",
        "    if $1:",
        "        y.1 = x * 2.0",
        "    else:",
        "        y.2 = x * 3.0",
        "    y.3 = phi(y.1, y.2)",
        "    return y.3",
    ])


def test_a_carried_value_read_only_through_its_header_stays():
    text = pruned(read_only_through_the_header)
    assert "carry (b.1 = 0.0 -> b.2, a.1 = x -> a.2) => b.3, a.3" in text
    assert "a.2 = a.1 * 0.5" in text


def test_range_bounds_of_a_live_loop_stay():
    assert pruned(computed_bound).splitlines()[1] == "    n.1 = m * 2"


def test_the_exit_flag_of_a_live_loop_stays():
    text = pruned(early_exit)
    assert " exit $brk1.2 " in text
    assert "$brk1.2 = phi(True, False)" in text
    assert "$skip1.2 = phi(True, False)" in text  # guards the rest of the iteration
    assert "$brk1.1 = undef" not in text and "$skip1.1" not in text  # not carried


def test_while_condition_stays_dead_counter_goes():
    assert pruned(dead_while_counter) == "\n".join([
        "def dead_while_counter(x):",
        "    while carry (x.1 = x -> x.2) => x.3:",
        "        $1 = x.1 > 1.0",
        "      test $1",
        "        x.2 = x.1 / 2.0",
        "    return x.3",
    ])


@pytest.mark.parametrize("fn", [nothing_dead, dead_counter, early_exit, half_dead_if])
def test_pruning_is_idempotent(fn):
    once = prune.run(raw_fn(fn))
    text = format_function(once, locs=False)
    assert format_function(prune.run(once), locs=False) == text


def test_nothing_to_prune():
    assert pruned(nothing_dead) == raw(nothing_dead)


def test_prune_returns_the_same_function_object():
    fn = raw_fn(dead_op)
    assert prune.run(fn) is fn
