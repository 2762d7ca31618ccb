"""ssa.activity: only floats both varied (depend on a wrt argument) and useful (reach the result)."""

import math

from s2sad.pipeline import build_ssa
from s2sad.ssa import activity, types
from s2sad.ssa.nodes import FLOAT, INT, For, If, Op, walk

F, I = FLOAT, INT

# --- functions under test ------------------------------------------------------------------------


def lecture(x, y, z):
    q = x + y
    return q * z


def counted_loop(x, n):
    k = 0
    s = 0.0
    for i in range(n):
        k = k + 1
        s = s + x * i
    return s * k


def only_decides(x):
    c = x * 2.0
    if c > 1.0:
        y = x
    else:
        y = -x
    return y


def through_floor(x):
    f = math.floor(x * 3.0)
    g = float(f) * 2.0
    return g + x


def through_int(x):
    k = int(x)
    return k * 2.0 + x


def constant_result(x):
    y = x * 2.0  # noqa: F841
    return 1.0


def phi_and_carried(x, n):
    s = x
    for _ in range(n):
        if s > 2.0:
            s = s * 0.5
        else:
            s = s + x
    return s


# --- helpers -------------------------------------------------------------------------------------


def all_values(fn):
    values = list(fn.params)
    for item in walk(fn.body):
        if isinstance(item, Op):
            values.append(item.result)
        elif isinstance(item, If):
            values += [p.result for p in item.phis]
        else:
            values += [c.header for c in item.carried] + [c.result for c in item.carried]
            if isinstance(item, For):
                values.append(item.index)
    return values


def analyze(fn, arg_types, wrt):
    """(names of active values, names of inactive values)."""
    ssa = build_ssa(fn)
    types.infer(ssa, list(arg_types))
    active = activity.analyze(ssa, [ssa.params[i] for i in wrt])
    values = all_values(ssa)
    return ({v.name for v in values if id(v) in active},
            {v.name for v in values if id(v) not in active})


# --- tests ---------------------------------------------------------------------------------------


def test_everything_is_active_in_the_lecture_circuit():
    active, inactive = analyze(lecture, [F, F, F], [0, 1, 2])
    assert active == {"x", "y", "z", "q.1", "$2"}
    assert inactive == set()


def test_not_varied_values_are_inactive():
    active, inactive = analyze(lecture, [F, F, F], [2])  # only z
    assert active == {"z", "$2"}
    assert {"x", "y", "q.1"} <= inactive


def test_int_counters_and_loop_indices_are_inactive():
    active, inactive = analyze(counted_loop, [F, I], [0])
    assert {"k.1", "k.2", "k.3", "i.2", "n"} <= inactive
    assert {"x", "s.1", "s.2", "s.3"} <= active
    # x * i reads the int index but is a float depending on x
    assert any(name.startswith("$") for name in active)


def test_values_only_deciding_a_branch_are_inactive():
    active, inactive = analyze(only_decides, [F], [0])
    assert "c.1" in inactive  # feeds a comparison only
    assert "$2" in inactive  # the comparison itself
    assert {"x", "y.1", "y.2"} <= active


def test_nondifferentiable_calls_cut_activity():
    active, inactive = analyze(through_floor, [F], [0])
    assert {"$1", "f.1", "$3", "g.1"} <= inactive  # x * 3.0 only reaches floor
    assert active == {"x", "$5"}
    active, inactive = analyze(through_int, [F], [0])
    assert "k.1" in inactive


def test_nothing_is_active_when_the_result_is_constant():
    active, _ = analyze(constant_result, [F], [0])
    assert active == set()


def test_int_arguments_are_never_active():
    active, _ = analyze(counted_loop, [F, I], [0, 1])
    assert "n" not in active


def test_phis_and_carried_values_are_active():
    active, inactive = analyze(phi_and_carried, [F, I], [0])
    assert {"s.1", "s.2", "s.3", "s.4", "s.5"} <= active
    assert "$1" in inactive  # s > 2.0
