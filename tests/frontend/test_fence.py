"""The fence: every `bad_*` function in fence_cases is rejected at its marked line; good code passes."""

import ast
import dataclasses
import itertools
import linecache
import math
import os
import sys

import numpy as np
import pytest

from s2sad.errors import UnsupportedSyntax
from s2sad.frontend import fence, source

from . import fence_cases

FILE = os.path.abspath(fence_cases.__file__)
CASES = sorted(name for name in vars(fence_cases) if name.startswith("bad_"))

# The text the caret must start under, per case: the error points at the construct, not its line.
CARET = {
    "bad_try": "try:", "bad_try_finally": "try:", "bad_with": "with",
    "bad_async_def": "async def", "bad_yield": "yield x", "bad_yield_from": "yield from",
    "bad_lambda": "lambda", "bad_nested_def": "def inner", "bad_class": "class Point",
    "bad_global": "global", "bad_nonlocal": "nonlocal",
    "bad_list_comprehension": "[x * i", "bad_set_comprehension": "{x * i",
    "bad_dict_comprehension": "{i: x", "bad_generator_expression": "(x * i",
    "bad_starred_call": "*args", "bad_starred_target": "*rest", "bad_double_star_call": "**{",
    "bad_walrus": "z := x", "bad_del": "del y", "bad_assert": "assert", "bad_raise": "raise",
    "bad_import": "import cmath", "bad_import_from": "from math", "bad_match": "match n",
    "bad_fstring": 'f"{x}"', "bad_dict_literal": '{"a"', "bad_set_literal": "{x, 2.0}",
    "bad_list_literal": "[x, 2.0]", "bad_string_constant": '"x"', "bad_complex_constant": "1j",
    "bad_bytes_constant": 'b"ab"', "bad_for_else": "else:", "bad_while_else": "else:",
    "bad_attribute_assign": "box.value = x", "bad_chained_attribute_assign": "box.value = x",
    "bad_augassign_attribute": "box.value +=", "bad_annotation_without_value": "y: float",
    "bad_annotated_attribute": "box.value: float", "bad_subscript_unpack": "a[0],",
    "bad_for_over_sequence": "xs:", "bad_for_tuple_target": "i, v in",
    "bad_range_keyword": "range(0, n, step=1)", "bad_print": "print(x)",
    "bad_expression_statement": "x + 1.0", "bad_string_statement": '"""Not',
    "bad_is": "x is None", "bad_is_not": "x is not None", "bad_in": "x in (",
    "bad_not_in": "n not in",
    "bad_bit_xor": "n ^ 1", "bad_left_shift": "n << 1", "bad_right_shift": "n >> 1",
    "bad_varargs": "*rest",
    "bad_kwargs": "**options", "bad_keyword_only": "scale", "bad_call_result": "_scaler(2.0)",
    "bad_ellipsis": "...", "bad_order": "[x][0]",
}


def marked_line(name):
    """Scan fence_cases.py from `def <name>(` to the first line marked REJECT."""
    with open(FILE, encoding="utf-8") as f:
        lines = f.read().splitlines()
    start = next(i for i, text in enumerate(lines) if f"def {name}(" in text)
    return next(i + 1 for i in range(start, len(lines)) if lines[i].endswith("# REJECT"))


def rejection(fn):
    with pytest.raises(UnsupportedSyntax) as info:
        fence.check(source.load(fn))
    return info.value


def test_every_case_has_a_caret_expectation():
    assert sorted(CARET) == CASES


@pytest.mark.parametrize("name", CASES)
def test_rejected_at_the_marked_line(name):
    err = rejection(getattr(fence_cases, name))
    line = marked_line(name)
    text = linecache.getline(FILE, line).rstrip("\n")
    assert (err.loc.file, err.loc.line) == (FILE, line)
    assert text[err.loc.col:].startswith(CARET[name])
    rendered = str(err)
    assert rendered.startswith(f"{FILE}:{line}:{err.loc.col + 1}: error: ")
    assert text in rendered and "^" in rendered and "\nhint: " in rendered
    assert "outside the differentiable subset" not in err.message  # a specific message
    assert isinstance(err, SyntaxError)
    assert (err.filename, err.lineno, err.offset) == (FILE, line, err.loc.col + 1)


def test_first_violation_in_source_order_wins():
    # `x is None` is visited first (IfExp stores the test first) but `[x]` comes first in the text.
    err = rejection(fence_cases.bad_order)
    assert err.message == "list literals are only supported as call arguments"


def test_signature_messages():
    assert "pass it positionally" in rejection(fence_cases.bad_keyword_only).hint
    assert rejection(fence_cases.bad_varargs).message == "*args parameters are not supported"
    assert rejection(fence_cases.bad_kwargs).message == "**kwargs parameters are not supported"


def test_specific_hints():
    assert rejection(fence_cases.bad_assert).hint == "check it before calling the derivative"
    assert rejection(fence_cases.bad_for_over_sequence).hint.startswith("loop over range(len(x))")
    assert "write the loop" in rejection(fence_cases.bad_generator_expression).hint
    assert "no effect on the result" in rejection(fence_cases.bad_print).hint
    assert "'is' comparisons" in rejection(fence_cases.bad_is).message
    assert "bitwise operator ^" in rejection(fence_cases.bad_bit_xor).message


_files = itertools.count()


def define(text, name):
    """Exec `text` under a fresh linecache pseudo-file and return the function `name`."""
    filename = f"<s2sad-test-fence-{next(_files)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is Python 3.11+")
def test_try_star():
    text = "def f(x):\n    try:\n        y = x\n    except* ValueError:\n        y = 0.0\n    return y\n"
    err = rejection(define(text, "f"))
    assert (err.loc.line, err.loc.col, err.message) == (2, 4, "try/except* is not supported")


ASYNC_BODIES = """\
async def f(x, stream, lock):
    y = await stream.read()
    async for chunk in stream:
        y = y + chunk
    async with lock:
        y = y + x
    return y
"""


@pytest.mark.parametrize("skip, line, message", [
    (0, 2, "await is not supported"),
    (1, 3, "async for is not supported"),
    (2, 5, "async with is not supported"),
])
def test_async_constructs_in_a_body(skip, line, message):
    # Python only parses them inside `async def`, which the fence rejects first; so check the
    # body under a plain def to pin their own messages.
    parsed = source.load(define(ASYNC_BODIES, "f"))
    tree = parsed.tree
    plain = ast.FunctionDef(tree.name, tree.args, tree.body[skip:], [], None, None)
    plain = ast.copy_location(plain, tree)
    err = pytest.raises(
        UnsupportedSyntax, fence.check, dataclasses.replace(parsed, tree=plain)
    ).value
    assert (err.loc.line, err.loc.col, err.message) == (line, 4 + 4 * (skip == 0), message)


def test_unknown_node_class_is_refused_generically():
    parsed = source.load(define("def f(x):\n    return x\n", "f"))
    ret = parsed.tree.body[0]
    ret.value = ast.copy_location(ast.FormattedValue(ret.value, -1, None), ret.value)
    err = pytest.raises(UnsupportedSyntax, fence.check, parsed).value
    assert err.message == "FormattedValue syntax is outside the differentiable subset"
    assert "docs/limitations.md" in err.hint


# -- functions the fence accepts -----------------------------------------------------------------


def helper(a, b):
    return a * b


def rich(x, y, n, /, scale=1.0, mode="fast"):
    """A docstring may come first."""
    total: float = 0.0
    a = b = x
    p, (q, r) = y, (x, 2.0)
    for i in range(n):
        if i % 2 == 0 and not i > 10:
            continue
        elif i >= 7 or i == 5:
            break
        total += helper(a, b) * math.sin(x) ** 2 - -y + +q
        total = total if total < 1e6 else 1e6
    k = 0
    while k != n:
        k += 1
        if k > 3:
            break
    for j in range(1, n, 2):
        k -= j
    if total > 0.0:
        pass
    elif total > 1.0 and n < 0:
        return total * scale
    elif total <= -1.0:
        return None
    m = np.array([[a, b], [p, q]], dtype=mode, order="C")
    w = np.linalg.norm(m, ord="fro", axis=(0, 1))
    m[0, 1:2] = x
    m[0, ::2] += 1.0
    m.fill(0.0)
    z = (m @ m)[0, 0] + x // 2.0 % 3.0 / 1.0 + float(k) + r
    flag = True
    return (total + w + z) * scale if flag else 0.0


def bare():
    return


def test_rich_function_passes():
    assert fence.check(source.load(rich)) is None
    assert fence.check(source.load(bare)) is None
