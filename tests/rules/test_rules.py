"""The rule table: every rule against finite differences, inlined (Python and Numba), validated."""

import ast
import builtins
import inspect
import math
import operator
import os

import astor
import numba
import numpy
import numpy as np
import pytest

import s2sad.rules as rules
from s2sad.errors import RuleDefinitionError
from s2sad.rules import RULES, Rule, mathfuncs, partials, register, uniform

PARTIALS = [(primal, rule) for primal, rule in RULES.items() if rule.kind == "partials"]
RULE_IDS = [
    f"{rule.name}-{getattr(primal, '__module__', None) or 'builtins'}" for primal, rule in PARTIALS
]
UNIQUE = list({id(rule): rule for _, rule in PARTIALS}.values())


def _finite_difference(f, args, i):
    x = args[i]
    h = 1e-3 * max(1.0, abs(x))

    def at(dx):
        shifted = list(args)
        shifted[i] = x + dx
        return f(*shifted)

    return (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h)


def _points(rule, n=5, seed=0):
    rng = np.random.default_rng(seed)
    return [tuple(d.draw(rng) for d in rule.sample) for _ in range(n)]


# --- 1. every rule against a finite difference of its primal --------------------------------


@pytest.mark.parametrize("primal, rule", PARTIALS, ids=RULE_IDS)
def test_partials_match_finite_differences(primal, rule):
    for args in _points(rule):
        got = rule.partials(*args, out=primal(*args))
        assert len(got) == len(rule.params)
        for i, p in enumerate(got):
            want = _finite_difference(primal, args, i)
            assert p == pytest.approx(want, rel=1e-6, abs=1e-8), (rule.name, args, i)


def test_nondiff_rules_have_no_function():
    nondiffs = [primal for primal, rule in RULES.items() if rule.kind == "nondiff"]
    for primal in (
        math.floor,
        math.ceil,
        math.trunc,
        int,
        round,
        bool,
        len,
        range,
        math.isnan,
        math.isinf,
        math.isfinite,
        operator.floordiv,
        operator.lt,
        operator.le,
        operator.gt,
        operator.ge,
        operator.eq,
        operator.ne,
        operator.not_,
        operator.truth,
        math.gcd,
        math.factorial,
    ):
        assert primal in nondiffs
        rule = RULES[primal]
        assert rule.func is None and rule.sample == () and rule.params == ()
        assert rule.partials(1.5, 2.5, out=0) == (0.0, 0.0)


def test_expected_primals_share_rules():
    assert RULES[operator.pow] is RULES[builtins.pow] is RULES[math.pow]
    assert RULES[builtins.abs] is RULES[math.fabs]
    assert rules.lookup(math.sin).name == "sin"
    assert rules.lookup(print) is None and rules.lookup([]) is None


def test_pow_at_edges():
    pw = RULES[operator.pow].partials
    assert pw(0.0, 0.0, out=1.0) == (0.0, 0.0)  # x ** 0 is constant 1
    assert pw(0.0, 1.0, out=0.0) == (1.0, 0.0)
    assert pw(0.0, 2.5, out=0.0) == (0.0, 0.0)
    assert pw(0.0, 0.5, out=0.0)[0] == math.inf
    assert pw(-2.0, 3.0, out=-8.0)[0] == 12.0
    dx, dy = pw(-2.0, 2.5, out=math.nan)
    assert math.isnan(dx) and math.isnan(dy)


def test_max_min_ties_follow_python():
    assert RULES[max].partials(1.0, 1.0, out=1.0) == (1.0, 0.0)
    assert RULES[min].partials(1.0, 1.0, out=1.0) == (1.0, 0.0)
    assert RULES[max].partials(1.0, 2.0, out=2.0) == (0.0, 1.0)


# --- 2. inlining -----------------------------------------------------------------------------


def _fresh():
    count = iter(range(1000))
    return lambda name: f"{name}_{next(count)}"


def _inlined_function(rule, needed=None):
    params = list(rule.params)
    prelude, exprs = rule.inline(
        [ast.Name(p, ast.Load()) for p in params], ast.Name("out", ast.Load()), _fresh(), needed
    )
    exprs = [ast.Constant(None) if e is None else e for e in exprs]
    ret = ast.Return(ast.Tuple(exprs, ast.Load()))
    args = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(a) for a in params + ["out"]],
        kwonlyargs=[],
        kw_defaults=[],
        defaults=[],
    )
    fdef = ast.FunctionDef("f", args, prelude + [ret], [])
    module = ast.fix_missing_locations(ast.Module([fdef], type_ignores=[]))
    namespace = {"math": math, "np": np}
    exec(compile(module, f"<inlined {rule.name}>", "exec"), namespace)
    return namespace["f"], prelude


@pytest.mark.parametrize("rule", UNIQUE, ids=[r.name for r in UNIQUE])
def test_inlined_body_matches_python_and_numba(rule):
    f, _ = _inlined_function(rule)
    jitted = numba.njit(f)
    for args in _points(rule):
        out = rule.primals[0](*args)
        want = rule.partials(*args, out=out)
        assert f(*args, out) == want
        assert jitted(*args, out) == pytest.approx(want, rel=1e-12)


def test_needed_mask_drops_partials_and_their_locals():
    rule = RULES[math.atan2]
    prelude, exprs = rule.inline(
        [ast.Name("y"), ast.Name("x")], ast.Name("o"), _fresh(), [False, True]
    )
    assert exprs[0] is None and exprs[1] is not None
    assert len(prelude) == 1  # r2 is used by the wanted partial
    prelude, exprs = RULES[max].inline(
        [ast.Name("a"), ast.Name("b")], ast.Name("o"), _fresh(), [False, False]
    )
    assert prelude == [] and exprs == [None, None]
    # pow's dy does not read `ok` or `dx`.
    f, prelude = _inlined_function(RULES[operator.pow], [False, True])
    assert [s.targets[0].id for s in prelude] == ["dy_0"]
    assert f(2.0, 3.0, 8.0) == (None, 8.0 * math.log(2.0))


def test_locals_are_renamed_in_order():
    names = []

    def fresh(name):
        names.append(name)
        return f"t{len(names)}"

    prelude, _ = RULES[operator.pow].inline([ast.Name("a"), ast.Name("b")], ast.Name("o"), fresh)
    assert names == ["ok", "dx", "dy"]
    assert [s.targets[0].id for s in prelude] == ["t1", "t2", "t3"]
    assert "t1" in ast.unparse(ast.fix_missing_locations(prelude[1]))


@pytest.mark.parametrize(
    "primal, want",
    [
        (operator.add, [1.0, 1.0]),
        (operator.sub, [1.0, -1.0]),
        (operator.neg, [-1.0]),
        (operator.pos, [1.0]),
    ],
)
def test_literal_partials_are_constants(primal, want):
    rule = RULES[primal]
    _, exprs = rule.inline([ast.Name(p) for p in rule.params], ast.Name("o"), _fresh())
    assert all(isinstance(e, ast.Constant) for e in exprs)
    assert [e.value for e in exprs] == want


def test_arguments_are_substituted_as_copies():
    rule = RULES[operator.mul]
    x, y = ast.Constant(2.0), ast.Name("b", ast.Load())
    _, exprs = rule.inline([x, y], ast.Name("o"), _fresh())
    assert isinstance(exprs[0], ast.Name) and exprs[0] is not y
    assert isinstance(exprs[1], ast.Constant) and exprs[1].value == 2.0 and exprs[1] is not x
    # A negative constant substituted inside an expression stays a negation (astor prints a
    # negative Constant without parentheses, which would misparse under `**`).
    prelude, _ = RULES[operator.pow].inline(
        [ast.Constant(-2.0), ast.Name("y")], ast.Name("o"), _fresh()
    )
    assert "(-2.0) ** (y - 1.0)" in astor.to_source(ast.Module(prelude, type_ignores=[]))


def test_inline_returns_fresh_trees():
    rule = RULES[operator.truediv]
    args = [ast.Name("x", ast.Load()), ast.Name("y", ast.Load())]
    first = rule.inline(args, ast.Name("o", ast.Load()), _fresh())
    before = ast.dump(first[1][1])
    for node in ast.walk(first[1][1]):
        if isinstance(node, ast.Name):
            node.id = "clobbered"
    second = rule.inline(args, ast.Name("o", ast.Load()), _fresh())
    assert ast.dump(second[1][1]) == before
    assert args[0].id == "x"


def test_numpy_is_spelled_np_when_inlined():
    def cosine(x, *, out):
        return -numpy.sin(x)

    rule = register(lambda x: numpy.cos(x), cosine, uniform(-1.0, 1.0), table={})
    _, (dx,) = rule.inline([ast.Name("x")], ast.Name("o"), _fresh())
    assert ast.unparse(dx) == "-np.sin(x)"


# --- 3. validation ---------------------------------------------------------------------------


def _primal(x, y=0.0):
    return x


def _raises_at(func, sample=None, table=None):
    sample = (uniform(0.0, 1.0),) if sample is None else sample
    with pytest.raises(RuleDefinitionError) as info:
        register(_primal, func, sample, table={} if table is None else table)
    assert info.value.loc.line == func.__code__.co_firstlineno
    assert info.value.loc.file == __file__
    assert info.value.hint
    return info.value


def test_wrong_sample_arity():
    def two(x, y, *, out):
        return 1.0, 0.0

    assert "sample" in _raises_at(two).message


def test_loop_in_body():
    def looping(x, *, out):
        s = 0.0
        for _ in range(3):
            s = s + x
        return s

    assert "For" in _raises_at(looping).message


def test_unknown_global_name():
    def scaled(x, *, out):
        return SCALE * x  # noqa: F821

    assert "SCALE" in _raises_at(scaled).message


@pytest.mark.parametrize("case", ["os", "sorted", "method", "keyword"])
def test_calls_outside_math_are_rejected(case):
    def via_os(x, *, out):
        return os.cpu_count() * x

    def via_sorted(x, *, out):
        return sorted(x)

    def via_method(x, *, out):
        return x.conjugate()

    def via_keyword(x, *, out):
        return max(x, 1.0, key=abs)

    func = {"os": via_os, "sorted": via_sorted, "method": via_method, "keyword": via_keyword}
    _raises_at(func[case])


def test_other_malformed_bodies():
    def no_return(x, *, out):
        y = x  # noqa: F841

    def rebinds_param(x, *, out):
        x = 2.0 * x
        return x

    def wrong_count(x, y, *, out):
        return 1.0

    def no_out(x):
        return 1.0

    def string_constant(x, *, out):
        return "one"

    def identity_test(x, *, out):
        return 1.0 if x is out else 0.0

    def constant_called(x, *, out):
        return math.pi(x)

    for func in (no_return, rebinds_param, no_out, string_constant, identity_test, constant_called):
        _raises_at(func)
    _raises_at(wrong_count, sample=(uniform(0, 1), uniform(0, 1)))


def test_lambda_is_rejected():
    with pytest.raises(RuleDefinitionError):
        register(_primal, lambda x, *, out: 1.0, (uniform(0, 1),), table={})


def test_duplicate_registration():
    table = {}

    def first(x, *, out):
        return 1.0

    def second(x, *, out):
        return 1.0

    register(_primal, first, (uniform(0, 1),), table=table)
    error = _raises_at(second, table=table)
    assert "already has a rule" in error.message
    assert table[_primal].func is first


def test_decorator_registers_into_given_table_only():
    table = {}

    @partials(_primal, sample=uniform(0.0, 1.0), table=table)
    def ident(x, *, out):
        return 1.0

    assert table[_primal].func is ident and _primal not in RULES
    assert table[_primal].sample == (uniform(0.0, 1.0),)
    with pytest.raises(RuleDefinitionError):
        partials(math.sin, sample=uniform(0.0, 1.0), table=dict(RULES))(ident)


# --- 4. the table itself ---------------------------------------------------------------------


def test_table_is_well_formed():
    here = {"operators.py", "mathfuncs.py", "numpy_elementwise.py"}
    for primal, rule in RULES.items():
        assert callable(primal) and isinstance(rule, Rule)
        assert primal in rule.primals
        assert os.path.basename(rule.loc.file) in here
        if rule.kind == "partials":
            assert len(rule.sample) == len(rule.params) > 0
            assert rule.loc.file == inspect.getsourcefile(rule.func)
            assert rule.loc.source_line().lstrip().startswith(f"def {rule.name}(")
        else:
            assert rule.kind == "nondiff"
            assert "nondiff(" in rule.loc.source_line()


def test_each_rule_lives_in_its_namespace_file():
    for primal, rule in RULES.items():
        module = getattr(primal, "__module__", None)
        expect = "mathfuncs.py" if module in ("math", mathfuncs.__name__) else "operators.py"
        if module is None and hasattr(primal, "nin") or module == "numpy":  # NumPy ufuncs
            expect = "numpy_elementwise.py"
        if rule.name in ("pow", "abs"):  # math.pow / math.fabs share the operator rules
            expect = "operators.py"
        assert os.path.basename(rule.loc.file) == expect, rule.name
