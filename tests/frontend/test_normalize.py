"""frontend.normalize: break/continue/return become flags, augmented assignment is desugared.

Each case is a module-level function; the lowered tree is inspected through `ast.unparse`.
"""

import ast
import inspect

import pytest

from s2sad.errors import UnsupportedSyntax
from s2sad.frontend import normalize, source

# --- functions under test ------------------------------------------------------------------------


def straight(x, y):
    q = x + y
    return q * 2.0


def with_docstring(x):
    """A docstring is not a statement to differentiate."""
    return x * x


def breaks(x, n):
    for _ in range(n):
        if x > 5.0:
            break
        x = x * 2.0
    return x


def continues(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            continue
        s = s + x
    return s


def early_return(x):
    if x > 0.0:
        return x * 2.0
    y = x + 1.0
    return y


def return_in_nested_loop(x, n):
    for _i in range(n):
        for _j in range(n):
            if x > 10.0:
                return x
            x = x * 2.0
    return x + 1.0


def while_true_returns(x):
    while True:
        x = x * 2.0
        if x > 10.0:
            return x


def augmented(x, y):
    z: float = x
    z += y
    z *= 2.0
    z -= x
    z /= y
    z **= 2.0
    pass
    return z


def if_else_both_return(x):
    if x > 0.0:
        return x
    else:
        return -x


def falls_off_the_end(x):
    if x > 0.0:
        return x


def bare_return(x):
    x = x * 2.0
    return


def loop_then_nothing(x, n):
    for _ in range(n):
        return x


def while_true_with_break(x):
    while True:
        x = x * 2.0
        if x > 10.0:
            break
        return x


# --- helpers -------------------------------------------------------------------------------------


def lowered(fn) -> ast.FunctionDef:
    return normalize.run(source.load(fn))


def text(fn) -> str:
    return ast.unparse(lowered(fn))


def body_lines(fn) -> list[str]:
    """The lowered function's body, one stripped line each (the def line dropped)."""
    return [line.strip() for line in text(fn).splitlines()[1:]]


def def_line(fn) -> int:
    return inspect.getsourcelines(fn)[1]


def loops(tree) -> list:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While))]


# --- a single final return -----------------------------------------------------------------------


def test_single_final_return_is_untouched():
    parsed = source.load(straight)
    assert ast.unparse(normalize.run(parsed)) == ast.unparse(parsed.tree)
    assert "$" not in text(straight)


def test_docstring_is_dropped():
    assert body_lines(with_docstring) == ["return x * x"]


def test_original_tree_is_not_mutated():
    parsed = source.load(breaks)
    before = ast.dump(parsed.tree, include_attributes=True)
    out = normalize.run(parsed)
    assert out is not parsed.tree
    assert ast.dump(parsed.tree, include_attributes=True) == before
    assert "break" in ast.unparse(parsed.tree)


def test_if_else_that_both_return_needs_a_flag():
    assert body_lines(if_else_both_return) == [
        "$ret = False",
        "if x > 0.0:",
        "$retval = x",
        "$ret = True",
        "else:",
        "$retval = -x",
        "$ret = True",
        "return $retval",
    ]


# --- break / continue ----------------------------------------------------------------------------


def test_break_becomes_break_and_skip_flags():
    assert text(breaks) == "\n".join([
        "def breaks(x, n):",
        "    for _ in range(n):",
        "        $skip1 = False",
        "        $brk1 = False",
        "        if x > 5.0:",
        "            $brk1 = True",
        "            $skip1 = True",
        "        if not $skip1:",
        "            x = x * 2.0",
        "    return x",
    ])
    (loop,) = loops(lowered(breaks))
    assert loop.s2sad_exit == "$brk1"
    assert not any(isinstance(n, ast.Break) for n in ast.walk(lowered(breaks)))


def test_continue_uses_only_a_skip_flag():
    out = "\n".join(body_lines(continues))
    assert "$skip1 = True" in out and "if not $skip1:" in out
    assert "$brk" not in out and "continue" not in out
    assert "s = s + x" in out  # desugared inside the guard
    (loop,) = loops(lowered(continues))
    assert loop.s2sad_exit is None


def test_flag_statements_are_marked_synthetic():
    tree = lowered(breaks)
    flags = [n for n in ast.walk(tree) if isinstance(n, ast.Assign)
             and isinstance(n.targets[0], ast.Name) and n.targets[0].id.startswith("$")]
    assert flags and all(getattr(n, "s2sad_synthetic", False) for n in flags)
    user = [n for n in ast.walk(tree) if isinstance(n, ast.Assign) and n.targets[0].id == "x"]
    assert user and not any(getattr(n, "s2sad_synthetic", False) for n in user)
    guards = [n for n in ast.walk(tree) if isinstance(n, ast.If)
              and isinstance(n.test, ast.UnaryOp)]
    assert guards and all(getattr(g, "s2sad_synthetic", False) for g in guards)


def test_lowered_statements_keep_the_user_lines():
    tree = lowered(breaks)
    start = def_line(breaks)
    (assign,) = [n for n in ast.walk(tree) if isinstance(n, ast.Assign)
                 and n.targets[0].id == "x"]
    assert assign.lineno == start + 4  # `x = x * 2.0`
    brk = [n for n in ast.walk(tree) if isinstance(n, ast.Assign)
           and n.targets[0].id == "$brk1" and n.value.value is True]
    assert brk[0].lineno == start + 3  # where the `break` was


# --- return --------------------------------------------------------------------------------------


def test_early_return_uses_ret_and_retval():
    assert body_lines(early_return) == [
        "$ret = False",
        "if x > 0.0:",
        "$retval = x * 2.0",
        "$ret = True",
        "if not $ret:",
        "y = x + 1.0",
        "$retval = y",
        "$ret = True",
        "return $retval",
    ]
    tree = lowered(early_return)
    assert isinstance(tree.body[-1], ast.Return)
    assert sum(isinstance(n, ast.Return) for n in ast.walk(tree)) == 1


def test_return_in_a_nested_loop_breaks_both_loops():
    out = text(return_in_nested_loop)
    for line in ("$retval = x", "$brk2 = True", "if $ret:", "$brk1 = True", "if not $skip2:",
                 "if not $ret:", "$retval = x + 1.0", "return $retval"):
        assert line in out, out
    outer, inner = loops(lowered(return_in_nested_loop))
    assert (outer.s2sad_exit, inner.s2sad_exit) == ("$brk1", "$brk2")
    # the propagation `if $ret:` sits right after the inner loop, inside the outer one
    index = outer.body.index(inner)
    propagate = outer.body[index + 1]
    assert ast.unparse(propagate.test) == "$ret"


def test_while_true_that_returns_counts_as_returning():
    out = text(while_true_returns)
    assert "$retval = x" in out and out.rstrip().endswith("return $retval")
    (loop,) = loops(lowered(while_true_returns))
    assert loop.s2sad_exit == "$brk1"


# --- augmented and annotated assignment ----------------------------------------------------------


def test_augmented_assignment_is_desugared():
    assert body_lines(augmented) == [
        "z = x",
        "z = z + y",
        "z = z * 2.0",
        "z = z - x",
        "z = z / y",
        "z = z ** 2.0",
        "return z",
    ]
    tree = lowered(augmented)
    assert not any(isinstance(n, (ast.AugAssign, ast.AnnAssign, ast.Pass))
                   for n in ast.walk(tree))
    loads = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "z"
             and isinstance(n.ctx, ast.Load)]
    assert len(loads) == 6  # five desugared reads and the return
    start = def_line(augmented)
    assert [s.lineno for s in tree.body] == [start + k for k in (1, 2, 3, 4, 5, 6, 8)]


# --- functions that may end without returning ----------------------------------------------------


@pytest.mark.parametrize("fn", [falls_off_the_end, bare_return, loop_then_nothing,
                                while_true_with_break])
def test_may_end_without_returning(fn):
    with pytest.raises(UnsupportedSyntax, match="may end without returning a value") as info:
        lowered(fn)
    err = info.value
    assert f"'{fn.__name__}'" in err.message
    assert err.loc.line == def_line(fn)
    assert err.loc.file == source.load(fn).file
    assert f"test_normalize.py:{def_line(fn)}:" in str(err)
    assert err.lineno == def_line(fn)  # also a SyntaxError pointing at the def
    assert err.hint and "return" in err.hint
