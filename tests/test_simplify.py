"""simplify: zero propagation (`bx = 0.0; bx += e` -> `bx = e`) and dead-code elimination.

Most cases run the pass on small hand-written functions; the last ones check whole generated
derivatives for leftovers.
"""

import ast
import re
import textwrap

import pytest

from s2sad import simplify

# --- helpers -------------------------------------------------------------------------------------


def run(body: str, params: str = "x, e, c, n") -> str:
    """Simplify `def f(params): body` and return the new body, dedented."""
    src = f"def f({params}):\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
    tree = ast.parse(src).body[0]
    out = simplify.run(tree)
    assert out is tree
    return textwrap.dedent("\n".join(ast.unparse(out).splitlines()[1:]))


def lines(text: str) -> list[str]:
    return text.splitlines()


# --- zero propagation ----------------------------------------------------------------------------


def test_zero_then_add_becomes_an_assignment():
    assert run("""
        bx = 0.0
        bx += e * 2.0
        return bx
    """) == "bx = e * 2.0\nreturn bx"


def test_zero_then_subtract_becomes_a_negation():
    assert run("""
        bx = 0.0
        bx -= e
        return bx
    """) == "bx = -e\nreturn bx"


def test_only_the_first_accumulation_is_folded():
    assert run("""
        bx = 0.0
        bx += e
        bx += c
        return bx
    """) == "bx = e\nbx += c\nreturn bx"


def test_unrelated_statements_in_between_are_fine():
    assert run("""
        bx = 0.0
        by = e * c
        bx += e
        return bx + by
    """) == "by = e * c\nbx = e\nreturn bx + by"


def test_not_folded_when_read_in_between():
    out = run("""
        bx = 0.0
        y = bx + 1.0
        bx += e
        return bx + y
    """)
    assert lines(out)[0] == "bx = 0.0"


def test_not_folded_when_the_increment_reads_the_target():
    out = run("""
        bx = 0.0
        bx += bx * e
        return bx
    """)
    assert lines(out)[:2] == ["bx = 0.0", "bx += bx * e"]


def test_not_folded_across_blocks():
    out = run("""
        bx = 0.0
        for i in range(n):
            bx += e
        return bx
    """)
    assert lines(out)[0] == "bx = 0.0"
    out = run("""
        bx = 0.0
        if c:
            bx += e
        return bx
    """)
    assert lines(out)[:3] == ["bx = 0.0", "if c:", "    bx += e"]


def test_folded_inside_nested_blocks():
    assert run("""
        for i in range(n):
            bx = 0.0
            bx += e
            c += bx
        return c
    """) == "for i in range(n):\n    bx = e\n    c += bx\nreturn c"


def test_integer_zero_is_not_a_float_adjoint():
    assert run("""
        k = 0
        k += 1
        return k
    """) == "k = 0\nk += 1\nreturn k"


def test_multiplicative_updates_are_left_alone():
    assert run("""
        bx = 0.0
        bx *= e
        return bx
    """) == "bx = 0.0\nbx *= e\nreturn bx"


# --- dead-code elimination -----------------------------------------------------------------------


def test_unread_assignments_disappear():
    assert run("""
        a = x * 2.0
        b = x * 3.0
        return b
    """) == "b = x * 3.0\nreturn b"


def test_chains_of_dead_assignments_disappear():
    assert run("""
        a = x * 2.0
        b = a + 1.0
        c2 = b * b
        return x
    """) == "return x"


def test_unread_accumulations_disappear():
    assert run("""
        bz = e
        bz += c
        return x
    """) == "return x"


def test_emptied_regions_disappear():
    assert run("""
        if c:
            a = x
        else:
            b = x
        for i in range(n):
            d = x
        return x
    """) == "return x"


def test_an_if_with_only_an_else_is_inverted():
    assert run("""
        y = 0.0
        if c:
            a = x
        else:
            y = x
        return y
    """) == "y = 0.0\nif not c:\n    y = x\nreturn y"


def test_an_emptied_while_keeps_a_pass():
    out = run("""
        while c:
            a = x
        return x
    """)
    assert out == "while c:\n    pass\nreturn x"


def test_subscript_stores_and_calls_are_kept():
    out = run("""
        tape[p] = x
        grow(tape, 3)
        return x
    """, params="x, tape, p, grow")
    assert out == "tape[p] = x\ngrow(tape, 3)\nreturn x"


def test_tuple_assignments_are_kept():
    assert run("""
        a, b = x, e
        return x
    """) == "a, b = (x, e)\nreturn x"


def test_zero_propagation_enables_more_dead_code():
    assert run("""
        bx = 0.0
        by = 0.0
        by += e
        bx += by
        return bx
    """) == "by = e\nbx = by\nreturn bx"


# --- on generated code ---------------------------------------------------------------------------


def lecture(x, y, z):
    q = x + y
    return q * z


def neuron(w0, w1, w2, x0, x1):
    s = w0 * x0 + w1 * x1 + w2
    return 1.0 / (1.0 + 2.718281828459045 ** (-s))


def accumulate(x, n):
    s = 0.0
    for _ in range(n):
        s = s * 0.5 + x
    return s


ZERO_THEN_ADD = re.compile(r"^(\s*)(\w+) = 0\.0\n\1\2 \+= ", re.M)


@pytest.mark.parametrize("fn, args, wrt", [
    (lecture, (-2.0, 5.0, -4.0), (0, 1, 2)),
    (neuron, (2.0, -3.0, -3.0, -1.0, -2.0), (0, 1, 2, 3, 4)),
    (accumulate, (0.5, 3), 0),
])
def test_generated_code_has_no_zero_then_add(derivatives, fn, args, wrt):
    d = derivatives.grad(fn, wrt, False)
    d(*args)
    assert not ZERO_THEN_ADD.search(d.source), d.source


def test_lecture_adjoints_are_plain_assignments(derivatives):
    d = derivatives.grad(lecture, (0, 1, 2), False)
    d(-2.0, 5.0, -4.0)
    rev = d.source.split("---- reverse sweep ----")[1]
    for line in ("b_t2 = 1.0", "bq_1 = z * b_t2", "bz = q_1 * b_t2", "bx = bq_1", "by = bq_1"):
        assert f"    {line}\n" in rev, d.source
    assert "+=" not in rev and "= 0.0" not in rev


def test_loop_accumulators_keep_their_zero(derivatives):
    d = derivatives.grad(accumulate, 0, False)
    d(0.5, 3)
    assert "    bx = 0.0\n" in d.source and "bx += " in d.source
