"""source.load: true file positions, unwrapping, namespaces, and located errors."""

import ast
import functools
import itertools
import linecache
import math

import numba
import pytest

from s2sad.errors import SourceUnavailable, UnsupportedSyntax
from s2sad.frontend import source

_files = itertools.count()


def define(text, name):
    """Exec `text` under a fresh linecache pseudo-file (as IPython does) and return `name`."""
    filename = f"<s2sad-test-source-{next(_files)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name]


def line_of(marker):
    """(line number, text) of the line in this file that carries the comment `# <marker>`."""
    with open(__file__, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            if "# " + marker in text:
                return number, text
    raise LookupError(marker)


def _tag(fn):
    fn.tagged = True
    return fn


@_tag
@_tag
def decorated(x):  # MARK-decorated-def
    """The docstring stays in the tree."""
    return 2.0 * x


@numba.njit
def jitted(x):  # MARK-jitted-def
    return x * x


def _logged(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return fn(x)

    return wrapper


@_logged
def logged_square(x):
    return x * x


def test_true_positions_of_an_indented_function():
    if True:

        def indented(x, y):  # MARK-indented-def
            z = x * y  # MARK-indented-assign
            return (z +  # MARK-indented-return
                    math.sin(x))

    parsed = source.load(indented)
    tree = parsed.tree
    def_line, def_text = line_of("MARK-indented-def")
    assert (tree.lineno, tree.col_offset) == (def_line, def_text.index("def indented"))

    assign, ret = tree.body
    line, text = line_of("MARK-indented-assign")
    assert (assign.lineno, assign.end_lineno) == (line, line)
    assert assign.col_offset == text.index("z = x")
    product = assign.value
    assert (product.col_offset, product.end_col_offset) == (text.index("x * y"), text.index("  #"))

    line, text = line_of("MARK-indented-return")
    assert (ret.lineno, ret.end_lineno) == (line, line + 1)  # end_lineno is shifted too
    assert tree.end_lineno == line + 1
    call = ret.value.right
    assert (call.lineno, call.col_offset) == (line + 1, text.index("(z") + 1)

    loc = parsed.loc(product)
    assert (loc.file, loc.line, loc.col) == (parsed.file, assign.lineno, product.col_offset)
    assert loc.excerpt().splitlines()[1].strip() == "^" * len("x * y")


def test_decorators_are_stripped_and_docstring_kept():
    parsed = source.load(decorated)
    assert decorated.tagged
    assert parsed.tree.decorator_list == []
    assert parsed.tree.lineno == line_of("MARK-decorated-def")[0]
    assert ast.get_docstring(parsed.tree) == "The docstring stays in the tree."
    assert (parsed.name, parsed.qualname) == ("decorated", "decorated")
    assert parsed.file == __file__
    assert parsed.globals is globals()


def test_numba_dispatcher_is_unwrapped():
    assert source.unwrap(jitted) is jitted.py_func
    parsed = source.load(jitted)
    assert parsed.pyfunc is jitted.py_func
    assert parsed.tree.name == "jitted"
    assert parsed.tree.lineno == line_of("MARK-jitted-def")[0]
    assert source.load(jitted) is source.load(jitted.py_func)


def test_s2sad_primal_is_unwrapped():
    class Derivative:
        __s2sad_primal__ = jitted  # a chain: derivative -> dispatcher -> function

    assert source.unwrap(Derivative()) is jitted.py_func


def test_functools_wraps_is_not_followed():
    parsed = source.load(logged_square)
    assert parsed.tree.name == "wrapper"
    assert parsed.name == "logged_square"  # copied by functools.wraps
    assert parsed.closure["fn"].__name__ == "logged_square"


def test_load_is_cached():
    assert source.load(decorated) is source.load(decorated)


def test_linecache_pseudo_file_with_non_ascii_columns():
    text = "import math\n\n\ndef f(x):\n    σ = 2.0 * x\n    return math.sin(σ)\n"
    f = define(text, "f")
    parsed = source.load(f)
    assert parsed.file.startswith("<s2sad-test-source-")
    assert parsed.globals["math"] is math
    assert (parsed.tree.lineno, parsed.tree.end_lineno) == (4, 6)
    assign = parsed.tree.body[0]
    # Columns count characters, not UTF-8 bytes, so the caret sits under `2.0 * x`.
    assert (assign.value.col_offset, assign.value.end_col_offset) == (8, 15)
    assert parsed.loc(assign.value).excerpt() == "        σ = 2.0 * x\n            ^^^^^^^"


def test_indented_pseudo_file_function():
    text = "if True:\n    def g(x):\n        return x + 1.0\n"
    parsed = source.load(define(text, "g"))
    ret = parsed.tree.body[0]
    assert (parsed.tree.lineno, parsed.tree.col_offset) == (2, 4)
    assert (ret.lineno, ret.col_offset, ret.value.col_offset, ret.value.end_col_offset) == (
        3, 8, 15, 22,
    )


def test_closure_values_are_captured_and_empty_cells_omitted():
    scale = 3.0

    def scaled(x):
        return scale * x + late

    parsed = source.load(scaled)
    assert parsed.closure == {"scale": 3.0}  # `late` is still an empty cell
    late = 1.0
    again = source.load(scaled)  # the cell is filled now: a fresh closure, the same tree
    assert again.closure == {"scale": 3.0, "late": late}
    assert again.tree is parsed.tree
    assert source.load(scaled) is again


@pytest.mark.parametrize("fn, name", [(math.sin, "math.sin"), (len, "len"), (dict, "dict")])
def test_source_unavailable_for_opaque_callables(fn, name):
    with pytest.raises(SourceUnavailable) as info:
        source.load(fn)
    assert name in info.value.message
    assert "derivative rule" in info.value.hint
    assert "hint:" in str(info.value)


def test_source_unavailable_for_exec_without_linecache():
    namespace = {}
    exec("def made_by_exec(x):\n    return x\n", namespace)
    with pytest.raises(SourceUnavailable) as info:
        source.load(namespace["made_by_exec"])
    assert "made_by_exec" in info.value.message
    assert info.value.loc.file == "<string>"
    assert "linecache" in info.value.hint


def test_source_unavailable_when_the_text_no_longer_matches():
    f = define("def f(x):\n    return x\n", "f")
    filename = f.__code__.co_filename
    linecache.cache[filename] = (8, None, ["x = 1.0\n"], filename)
    with pytest.raises(SourceUnavailable, match="not its definition"):
        source.load(f)


def test_lambda_is_rejected_at_its_location():
    with pytest.raises(UnsupportedSyntax) as info:
        source.load(lambda x: x * x)  # MARK-lambda
    line, text = line_of("MARK-lambda")
    err = info.value
    assert (err.loc.file, err.loc.line, err.loc.col) == (__file__, line, text.index("lambda"))
    assert err.lineno == line
    assert err.hint == "define it with def at module level"
