"""ssa.verify: SSA invariants; a broken one is an InternalError (an s2sad bug), never an assert."""

import copy
import inspect
import operator

import pytest

from s2sad.errors import InternalError
from s2sad.pipeline import build_ssa
from s2sad.ssa import verify
from s2sad.ssa.nodes import UNDEF, Const, For, If, Op, Value, While, walk

# --- functions under test ------------------------------------------------------------------------


def straight(x, y):
    q = x + y
    return q * y


def branch(x):
    if x > 0.0:
        y = x * 2.0
    else:
        y = -x
    return y + 1.0


def loop(x, n):
    s = 0.0
    for i in range(n):
        t = s * x
        s = t + i
    return s


def halve(x):
    while x > 1.0:
        x = x / 2.0
    return x


def everything(x, n):
    s = x
    for i in range(n):
        if i % 2 == 0:
            continue
        for _ in range(i):
            s = s * x if s < 10.0 else s - 1.0
        if s > 100.0:
            break
    while s > 1.0:
        s = s / 3.0
    return s


# --- helpers -------------------------------------------------------------------------------------


def broken(fn, message):
    with pytest.raises(InternalError, match=message) as info:
        verify.run(fn)
    err = info.value
    assert err.message.startswith(f"invalid SSA in '{fn.name}': ")
    assert err.loc == fn.loc and err.loc.line == fn.loc.line
    assert err.hint and "report" in err.hint
    return err


def first(fn, kind):
    return next(item for item in walk(fn.body) if isinstance(item, kind))


# --- well-formed IR passes -----------------------------------------------------------------------


@pytest.mark.parametrize("fn", [straight, branch, loop, halve, everything])
def test_built_functions_verify(fn):
    assert verify.run(build_ssa(fn)) is None


# --- hand-broken IR ------------------------------------------------------------------------------


def test_value_defined_twice():
    fn = build_ssa(straight)
    fn.body.items.insert(1, copy.copy(fn.body.items[0]))  # same result Value, defined again
    broken(fn, r"q\.1 is defined twice")


def test_use_before_definition():
    fn = build_ssa(straight)
    fn.body.items.reverse()
    broken(fn, r"q\.1 is used in \$2 outside the region defining it")


def test_branch_value_used_after_the_if_without_a_phi():
    fn = build_ssa(branch)
    cond = first(fn, If)
    inner = cond.then.items[0].result  # y.1
    fn.body.items[-1].args[0] = inner  # `$4 = y.1 + 1.0` instead of the phi
    broken(fn, r"y\.1 is used in \$4 outside the region")


def test_phi_reads_the_other_branch():
    fn = build_ssa(branch)
    cond = first(fn, If)
    cond.phis[0].orelse = cond.then.items[0].result
    broken(fn, r"y\.1 is used in phi y\.3 outside the region")


def test_loop_body_value_used_after_the_loop():
    fn = build_ssa(loop)
    (for_,) = [item for item in fn.body.items if isinstance(item, For)]
    t = for_.body.items[0].result
    fn.result = t
    broken(fn, r"t\.2 is used in the function result outside the region")


def test_loop_index_used_after_the_loop():
    fn = build_ssa(loop)
    (for_,) = [item for item in fn.body.items if isinstance(item, For)]
    fn.result = for_.index
    broken(fn, r"i\.2 is used in the function result")


def test_carried_next_not_defined_in_the_body():
    fn = build_ssa(loop)
    (for_,) = [item for item in fn.body.items if isinstance(item, For)]
    for_.carried[0].next = Value("ghost", 1)
    broken(fn, r"ghost\.1 is used in the loop yield of s\.1")


def test_while_condition_undefined():
    fn = build_ssa(halve)
    (w,) = [item for item in fn.body.items if isinstance(item, While)]
    w.cond = Value("$", 99)
    broken(fn, r"\$99 is used in a while condition")


def test_undefined_operand():
    fn = build_ssa(straight)
    fn.body.items[0].args[1] = UNDEF
    broken(fn, r"an operand of q\.1 is undefined on some path")


def test_operand_that_is_not_a_value():
    fn = build_ssa(straight)
    fn.body.items[0].args[1] = "y"
    broken(fn, r"bad operand 'y' in q\.1")


def test_result_never_defined():
    fn = build_ssa(straight)
    fn.result = Value("nowhere", 3)
    broken(fn, r"nowhere\.3 is used in the function result")


def test_parameter_redefined_by_an_op():
    fn = build_ssa(straight)
    op = fn.body.items[0]
    fn.body.items[0] = Op(fn.params[0], operator.add, op.args, op.stmt, op.loc)
    broken(fn, r"x is defined twice")


def test_constants_and_tuple_results_are_fine():
    fn = build_ssa(straight)
    fn.result = (fn.body.items[-1].result, Const(2.0))
    assert verify.run(fn) is None


def test_internal_error_names_the_user_function():
    fn = build_ssa(straight)
    fn.result = Value("nowhere", 3)
    err = broken(fn, "nowhere")
    assert f"test_verify.py:{inspect.getsourcelines(straight)[1]}:" in str(err)
