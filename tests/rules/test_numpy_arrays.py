"""Every array rule (s2sad/rules/numpy_arrays.py): its primal template against NumPy, its VJP
against finite differences, its JVP against its VJP (the dot-product test), and all three
templates compiled by Numba in nopython mode. Plus the run-time helpers the generator calls
directly (rta.sum_to, rta.scatter_add)."""

import itertools
import operator
import os
import pickle
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import s2sad.rules.numpy_arrays as numpy_arrays
import s2sad.runtime_arrays as rta
from s2sad.rules.arrays import ARRAY_OPS, Src
from s2sad.ssa.nodes import BOOL, F32, FLOAT, INT, Array, Aux

pytestmark = pytest.mark.filterwarnings("ignore::numba.core.errors.NumbaPerformanceWarning")

RULES = list({id(rule): rule for rule in ARRAY_OPS.values()}.values())
IDS = [rule.name for rule in RULES]
PYTHON_DRAWS = 20  # samples per rule checked in Python (each draws axis, keepdims, shapes...)
NUMBA_VARIANTS = 2  # of those, how many distinct generated kernels are compiled per rule
UNDETERMINED = {"empty", "empty_like"}  # values are whatever memory held: shape/dtype only
DTYPES = {np.dtype(np.float64): FLOAT, np.dtype(np.float32): F32, np.dtype(np.int64): INT,
          np.dtype(np.bool_): BOOL}

REQUIRED = [
    np.sum, np.mean, np.prod, np.max, np.amax, np.min, np.amin, np.var, np.std, np.cumsum,
    np.cumprod, np.linalg.norm, np.trace, np.dot, operator.matmul, np.matmul, np.outer,
    np.inner, np.vdot, np.linalg.det, np.linalg.inv, np.linalg.solve, np.transpose,
    np.reshape, np.ravel, numpy_arrays.flatten, np.squeeze, np.expand_dims, np.concatenate,
    np.stack, np.hstack, np.vstack, np.zeros, np.ones, np.empty, np.full, np.zeros_like,
    np.ones_like, np.empty_like, np.full_like, np.arange, np.linspace, np.eye, np.identity,
    np.copy, numpy_arrays.copy, np.array, np.asarray, np.ascontiguousarray,
]


def s2sad_type(v):
    if isinstance(v, (bool, np.bool_)):
        return BOOL
    if isinstance(v, (int, np.integer)):
        return INT
    if isinstance(v, (float, np.floating)):
        return FLOAT
    if isinstance(v, np.ndarray):
        return DTYPES[v.dtype] if v.ndim == 0 else Array(DTYPES[v.dtype], v.ndim)
    if isinstance(v, tuple):
        return Aux("tuple", len(v))
    raise TypeError(f"no s2sad type for {v!r}")


def is_float(v) -> bool:
    return isinstance(v, float) or isinstance(v, np.ndarray) and v.dtype.kind == "f"


class Case:
    """One draw of a rule's sample: operands named after their parameters (`a`, `arrays_0`,
    ...), as the frontend would hand them to the hooks."""

    def __init__(self, rule, sample: dict, prefix=""):
        self.rule = rule
        self.prefix = prefix  # for several cases in one Numba kernel
        self.values = {p: sample[p] if p in sample else rule.defaults[p] for p in rule.params}
        self.env = {}  # operand name -> value
        self.slots = []  # (param, element index or None, name) of every operand
        for p in rule.params:
            v = self.values[p]
            if p in rule.static or v is None:
                continue
            if p == rule.varargs:
                for i, x in enumerate(v):
                    self.slots.append((p, i, f"{prefix}{p}_{i}"))
                    self.env[f"{prefix}{p}_{i}"] = x
            else:
                self.slots.append((p, None, prefix + p))
                self.env[prefix + p] = v

    def hook_args(self, constants=False) -> list:
        """Src per dynamic parameter (a tuple of them for *varargs), constants for statics.
        With `constants`, numbers and tuples come untyped, as the generator passes literals."""
        def src(name):
            v = self.env[name]
            untyped = constants and not isinstance(v, np.ndarray)
            return Src(name, None if untyped else s2sad_type(v))

        out = []
        for p in self.rule.params:
            names = [n for q, _, n in self.slots if q == p]
            if p in self.rule.static or self.values[p] is None:
                out.append(self.values[p])
            elif p == self.rule.varargs:
                out.append(tuple(src(n) for n in names))
            else:
                out.append(src(names[0]))
        return out

    def type_args(self) -> list:
        out = []
        for p in self.rule.params:
            v = self.values[p]
            if p in self.rule.static or v is None:
                out.append(v)
            elif p == self.rule.varargs:
                out.append(tuple(s2sad_type(x) for x in v))
            else:
                out.append(s2sad_type(v))
        return out

    def reference(self, values=None):
        """The NumPy function itself: dynamic arguments positionally, statics by keyword."""
        values = values or self.values
        pos, kw = [], {}
        for p in self.rule.params:
            v = values[p]
            if p in self.rule.static:
                kw[p] = v
            elif p == self.rule.varargs and p == "args":
                pos += list(v)  # np.arange(*args)
            elif p == self.rule.varargs:  # np.array(a) of one array is a copy, not a stack
                one_array = p == "object" and len(v) == 1 and isinstance(v[0], np.ndarray)
                pos.append(v[0] if one_array else tuple(v))
            else:
                pos.append(v)
        return self.rule.primals[0](*pos, **kw)

    def diff_slots(self):
        """The operands that carry derivatives: float values of differentiable parameters."""
        return [(p, i, n) for p, i, n in self.slots
                if p in self.rule.diff and is_float(self.env[n])]

    def replaced(self, p, i, new):
        values = dict(self.values)
        if i is None:
            values[p] = new
        else:
            values[p] = tuple(new if j == i else x for j, x in enumerate(values[p]))
        return values


def cotangent_slots(case, cots):
    """(operand name, cotangent source or None) for every operand of a differentiable
    parameter, checking the shape of the vjp's answer on the way."""
    rule = case.rule
    assert isinstance(cots, tuple) and len(cots) == len(rule.diff), (rule.name, cots)
    found = dict(zip(rule.diff, cots))
    out = {}
    for p, i, n in case.slots:
        if p not in found:
            continue
        if i is None:
            out[n] = found[p]
        else:
            assert isinstance(found[p], tuple) and len(found[p]) == len(case.values[p])
            out[n] = found[p][i]
    return out


def run_python(case, g, tangents):
    """The templates evaluated by Python: (out, cotangent per operand, output tangent)."""
    rule = case.rule
    ns = {"np": np, "rta": rta, **case.env}
    args = case.hook_args()
    out = eval(rule.primal(*args), ns)
    out_type = rule.type(*case.type_args())
    if g is None:
        return out, {}, None
    ns.update(g=g, out=out)
    cots = cotangent_slots(case, rule.vjp(Src("g", out_type), Src("out", out_type), *args))
    bars = {}
    for _, _, n in case.diff_slots():
        value = case.env[n]
        bar = np.zeros_like(value) if isinstance(value, np.ndarray) else 0.0
        if cots.get(n) is not None:
            bar += eval(cots[n], ns)  # the generator's `b_x += cot`: must broadcast to x
        assert np.shape(bar) == np.shape(value), (rule.name, n, cots.get(n))
        bars[n] = bar
    t = tangent_srcs(case, tangents, case.diff_slots())
    jvp = rule.jvp(t, Src("out", out_type), *args)
    ns.update({f"t_{n}": v for n, v in tangents.items()})
    tan = None if jvp is None else eval(jvp, ns)
    return out, bars, tan


def tangent_srcs(case, tangents, slots) -> dict:
    t = {}
    for p, i, n in slots:
        src = Src(f"t_{n}", s2sad_type(case.env[n])) if n in tangents else None
        if i is None:
            t[p] = src
        else:
            items = list(t.get(p) or [None] * len(case.values[p]))
            items[i] = src
            t[p] = tuple(items)
    return t


def templates(case, constants: bool):
    """All the source a rule generates for `case` (numbers given as literals: untyped)."""
    rule, args = case.rule, case.hook_args(constants)
    out_type = rule.type(*case.type_args())
    slots = case.diff_slots()
    t = tangent_srcs(case, {n: None for _, _, n in slots}, slots)
    return (rule.primal(*args), rule.vjp(Src("g", out_type), Src("out", out_type), *args),
            rule.jvp(t, Src("out", out_type), *args))


def check_type(t, value, rule):
    if isinstance(t, Array):
        assert isinstance(value, np.ndarray), (rule.name, t, value)
        assert (value.ndim, DTYPES[value.dtype]) == (t.ndim, t.dtype), (rule.name, t, value.dtype)
    else:
        assert np.ndim(value) == 0, (rule.name, t, value)
        kind = np.asarray(value).dtype.kind
        assert {"f": FLOAT, "i": INT, "u": INT, "b": BOOL}[kind] == t, (rule.name, t, kind)


def check_value(got, want, rule):
    assert np.shape(got) == np.shape(want), (rule.name, np.shape(got), np.shape(want))
    if np.ndim(want):  # (a float32 number comes back from Numba as a Python float)
        assert np.asarray(got).dtype == np.asarray(want).dtype, (rule.name, got, want)
    if rule.name not in UNDETERMINED:
        tol = 1e-5 if np.asarray(want).dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=rule.name)


def finite_difference(case, g, p, i, n, direction, h=1e-3):
    def at(step):
        moved = case.replaced(p, i, case.env[n] + step * direction)
        return float(np.sum(g * case.reference(moved)))

    return (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h)


def draws(rule, n):
    for seed in range(n):
        rng = np.random.default_rng(1000 * seed + 7)
        yield Case(rule, rule.sample(rng)), rng


# ------------------------------------------------------------------------- the table itself


def test_table_is_filled_and_complete():
    assert ARRAY_OPS
    missing = [getattr(fn, "__name__", fn) for fn in REQUIRED if fn not in ARRAY_OPS]
    assert not missing
    for rule in RULES:
        assert rule.sample is not None, rule.name
        assert rule.vjp is not None and rule.jvp is not None, rule.name
    assert len(set(IDS)) == len(IDS)


# ------------------------------------------------------------------------- per rule


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_in_python(rule):
    for case, rng in draws(rule, PYTHON_DRAWS):
        want = case.reference()
        out_type = rule.type(*case.type_args())
        differentiable = is_float(want) and bool(case.diff_slots())
        g = (rng.normal(size=np.shape(want)) if np.ndim(want) else float(rng.normal())) \
            if differentiable else None
        tangents = {n: rng.normal(size=np.shape(case.env[n])) if np.ndim(case.env[n])
                    else float(rng.normal()) for _, _, n in case.diff_slots()}
        out, bars, tan = run_python(case, g, tangents)
        # (1) the primal template computes what NumPy computes, of the declared type
        check_value(out, want, rule)
        check_type(out_type, out, rule)
        check_type(out_type, want, rule)
        assert templates(case, True) == templates(case, False), rule.name
        if g is None:
            continue
        # float32 results round at 1e-7: longer steps and looser tolerances, the same checks
        single = np.asarray(want).dtype == np.float32
        fd_rel, dot_rel, h = (2e-3, 1e-5, 1e-1) if single else (1e-6, 1e-10, 1e-3)
        # (2) VJP against central differences of <g, f(x + h v)>
        for p, i, n in case.diff_slots():
            v = rng.normal(size=np.shape(case.env[n])) if np.ndim(case.env[n]) \
                else float(rng.normal())
            fd = finite_difference(case, g, p, i, n, v, h)
            assert float(np.sum(bars[n] * v)) == pytest.approx(fd, rel=fd_rel, abs=1e-8), \
                (rule.name, n, case.values)
        # (3) JVP: <g, jvp(t)> == sum of <vjp_p(g), t_p>, with all tangents and one at a time
        pairs = [(tangents, tan)]
        for _, _, n in case.diff_slots():
            pairs.append(({n: tangents[n]}, run_python(case, g, {n: tangents[n]})[2]))
        for given, t_out in pairs:
            lhs = 0.0 if t_out is None else float(np.sum(g * t_out))
            rhs = sum(float(np.sum(bars[n] * tv)) for n, tv in given.items())
            scale = sum(float(np.sum(np.abs(bars[n] * tv))) for n, tv in given.items())
            assert lhs == pytest.approx(rhs, rel=dot_rel, abs=dot_rel * 1e-2 * (1.0 + scale)), \
                (rule.name, sorted(given), case.values)


DTYPE_DRAWS = 1


def converted(sample: dict, dtype) -> dict:
    """The sample with its float64 arrays in another dtype (integers: rounded, from 3x)."""
    def convert(v):
        if isinstance(v, np.ndarray) and v.dtype == np.float64:
            return np.round(3 * v).astype(dtype) if dtype == np.int64 else v.astype(dtype)
        if isinstance(v, tuple) and v and all(isinstance(x, np.ndarray) for x in v):
            return tuple(convert(x) for x in v)
        return v
    return {k: convert(v) for k, v in sample.items()}


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_keeps_numpy_dtypes(rule, dtype):
    """float32 data stays float32 where NumPy keeps it; integer data gives NumPy's result
    dtype (matrix products are computed in float64 and converted back)."""
    for seed in range(DTYPE_DRAWS):
        case = Case(rule, converted(rule.sample(np.random.default_rng(seed)), dtype))
        try:
            want = case.reference()
        except (TypeError, ValueError, np.linalg.LinAlgError):
            continue  # NumPy itself refuses (a singular integer matrix, ...)
        out = eval(rule.primal(*case.hook_args()), {"np": np, "rta": rta, **case.env})
        out_type = rule.type(*case.type_args())
        check_type(out_type, want, rule)
        check_type(out_type, out, rule)
        assert np.shape(out) == np.shape(want)
        if rule.name not in UNDETERMINED:
            np.testing.assert_allclose(out, want, rtol=1e-5, err_msg=rule.name)


# ------------------------------------------------------------------------- chosen corners


def vjp_of(fn, g, *args, **static):
    rule = ARRAY_OPS[fn]
    case = Case(rule, dict(zip([p for p in rule.params if p not in static], args), **static))
    out, bars, _ = run_python(case, g, {})
    return out, bars


def test_prod_and_cumprod_are_exact_at_zeros():
    x = np.array([2.0, 0.0, 3.0, -1.5])
    _, bars = vjp_of(np.prod, 1.0, x, axis=None, keepdims=False)
    np.testing.assert_array_equal(bars["a"], [0.0, -9.0, 0.0, 0.0])
    _, bars = vjp_of(np.prod, 1.0, np.array([0.0, 2.0, 0.0]), axis=None, keepdims=False)
    np.testing.assert_array_equal(bars["a"], [0.0, 0.0, 0.0])
    g = np.array([1.0, 2.0, 3.0, 4.0])
    _, bars = vjp_of(np.cumprod, g, x, axis=None)
    # d/dx1 of sum_j g_j cumprod_j = g1*x0 + g2*x0*x2 + g3*x0*x2*x3 = 4 + 18 - 36
    np.testing.assert_allclose(bars["a"], [1.0, 4.0 + 18.0 - 36.0, 0.0, 0.0])


def test_max_gradient_goes_to_the_first_of_tied_winners():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    _, bars = vjp_of(np.max, np.array([1.0, 1.0]), x, axis=1, keepdims=False)
    np.testing.assert_array_equal(bars["a"], [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    _, bars = vjp_of(np.min, 1.0, np.array([2.0, 0.0, 0.0]), axis=None, keepdims=False)
    np.testing.assert_array_equal(bars["a"], [0.0, 1.0, 0.0])


@pytest.mark.parametrize("fn, static, types, message", [
    (np.squeeze, dict(axis=None), [Array(FLOAT, 2)], "needs axis"),
    (np.prod, dict(axis=(0, 1), keepdims=False), [Array(FLOAT, 3)], "several axes"),
    (np.linalg.norm, dict(ord=None, axis=(0, 1), keepdims=False), [Array(FLOAT, 3)], "axes"),
    (np.linalg.norm, dict(ord="nuc", axis=None, keepdims=False), [Array(FLOAT, 2)], "nuc"),
    (np.dot, {}, [Array(FLOAT, 3), Array(FLOAT, 1)], "1-d and 2-d"),
    (np.sum, dict(axis=2, keepdims=False), [Array(FLOAT, 2)], "out of bounds"),
    (np.zeros, dict(dtype=np.int32), [Aux("tuple", 2)], "int32"),
    (np.full, dict(dtype=None), [INT, Array(FLOAT, 1)], "fill value"),
    (operator.matmul, {}, [FLOAT, Array(FLOAT, 2)], "numbers"),
])
def test_unsupported_combinations_say_why(fn, static, types, message):
    rule = ARRAY_OPS[fn]
    given = iter(types)
    args = [static[p] if p in static else next(given) for p in rule.params]
    with pytest.raises(ValueError, match=message):
        rule.type(*args)


def test_shape_arguments_in_every_spelling():
    """A shape arrives as an int, a tuple-typed operand, or the tuple's elements."""
    rule = ARRAY_OPS[np.reshape]
    a = Src("a", Array(FLOAT, 2))
    assert rule.type(Array(FLOAT, 2), INT) == Array(FLOAT, 1)
    assert rule.type(Array(FLOAT, 2), Aux("tuple", 3)) == Array(FLOAT, 3)
    assert rule.type(Array(FLOAT, 2), (INT, INT)) == Array(FLOAT, 2)
    assert rule.primal(a, Src("(n_1, 3)", Aux("tuple", 2))) == "np.reshape(a, (n_1, 3))"
    assert rule.primal(a, (Src("n_1", INT), Src("3", INT))) == "np.reshape(a, (n_1, 3))"
    assert rule.primal(a, (Src("x.shape", Aux("tuple", 2)),)) == "np.reshape(a, x.shape)"
    zeros = ARRAY_OPS[np.zeros]
    assert zeros.primal(Src("n", INT), None) == "np.zeros(n)"
    assert zeros.primal(Src("(n, m)", Aux("tuple", 2)), np.float32) == \
        "np.zeros((n, m), np.float32)"


def test_generated_code_reads_like_numpy():
    a2 = Src("x", Array(FLOAT, 2))
    g = Src("g", Array(FLOAT, 1))
    assert ARRAY_OPS[np.sum].primal(a2, -1, False) == "np.sum(x, 1)"
    assert ARRAY_OPS[np.sum].vjp(g, g, a2, -1, False) == ("np.expand_dims(g, 1)",)
    assert ARRAY_OPS[np.mean].primal(a2, 0, True) == "np.expand_dims(np.sum(x, 0) / x.shape[0], 0)"
    assert ARRAY_OPS[np.max].primal(a2, 1, False) == "rta.amax(x, 1)"
    assert ARRAY_OPS[operator.matmul].vjp(Src("g", Array(FLOAT, 2)), None, a2, a2) == \
        ("g @ x.T", "x.T @ g")


# ------------------------------------------------------------------------- run-time helpers


@pytest.mark.parametrize("g_ndim", [1, 2, 3, 4])
def test_sum_to_every_rank_pair(g_ndim):
    rng = np.random.default_rng(g_ndim)
    for t_ndim in range(1, g_ndim + 1):
        g_shape = tuple(int(n) for n in rng.integers(2, 4, size=g_ndim))
        for keep in itertools.product([False, True], repeat=t_ndim):
            t_shape = tuple(n if k else 1 for n, k in zip(g_shape[g_ndim - t_ndim:], keep))
            g = rng.normal(size=g_shape)
            got = rta.sum_to(g, np.zeros(t_shape))
            lead = g_ndim - t_ndim
            axes = tuple(range(lead)) + tuple(lead + d for d in range(t_ndim)
                                              if t_shape[d] == 1)
            want = np.sum(g, axis=axes).reshape(t_shape)
            assert got.shape == t_shape
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    same = rng.normal(size=(2,) * g_ndim)
    assert np.shares_memory(rta.sum_to(same, np.zeros_like(same)), same)  # no copy
    strided = rng.normal(size=(3,) * g_ndim)[..., ::2]
    np.testing.assert_allclose(rta.sum_to(strided, np.zeros(strided.shape[-1:])),
                               np.sum(strided.reshape(-1, strided.shape[-1]), axis=0))


def test_scatter_add_accumulates_repeated_indices():
    index = np.array([0, 2, 2, -1, 0, 2])
    for shape in [(5,), (5, 2), (5, 2, 3)]:
        values = np.random.default_rng(0).normal(size=(len(index),) + shape[1:])
        target = np.ones(shape)
        want = target.copy()
        np.add.at(want, index, values)
        got = rta.scatter_add(target, index, values)
        np.testing.assert_allclose(got, want)
        np.testing.assert_allclose(target, want)  # in place


# ------------------------------------------------------------------------- Numba


def kernel_lines(case, with_derivatives: bool) -> tuple[list, list, str]:
    """Parameters, body lines and result of one case's part of a Numba kernel: the primal, the
    VJP accumulated as the generator does (`b_x = zeros; b_x += cot`) and the JVP."""
    rule, k = case.rule, case.prefix
    args = case.hook_args()
    slots = case.diff_slots()
    lines = [f"{k}out = {rule.primal(*args)}"]
    if not with_derivatives:
        return list(case.env), lines, f"{k}out"
    out_type = rule.type(*case.type_args())
    cots = cotangent_slots(case, rule.vjp(Src(f"{k}g", out_type), Src(f"{k}out", out_type),
                                          *args))
    for _, _, n in slots:
        zero = f"np.zeros_like({n})" if isinstance(case.env[n], np.ndarray) else "0.0"
        lines.append(f"b_{n} = {zero}")
        if cots.get(n) is not None:
            lines.append(f"b_{n} += {cots[n]}")
    t = tangent_srcs(case, {n: None for _, _, n in slots}, slots)
    jvp = rule.jvp(t, Src(f"{k}out", out_type), *args)
    lines.append(f"{k}tan = {'0.0' if jvp is None else jvp}")
    params = list(case.env) + [f"{k}g"] + [f"t_{n}" for _, _, n in slots]
    bars = "".join(f"b_{n}, " for _, _, n in slots)
    return params, lines, f"({k}out, ({bars}), {k}tan)"


def numba_job(rule):
    """Up to NUMBA_VARIANTS distinct kernels from the rule's draws, fused into one function (the
    NumPy and LAPACK code they share is compiled once): its source, its arguments, and per
    case the (case, g, tangents) to check the results against."""
    seen, parts, inputs, cases = set(), [], [], []
    for seed in range(PYTHON_DRAWS):
        rng = np.random.default_rng(1000 * seed + 7)
        case = Case(rule, rule.sample(rng), prefix=f"v{len(parts)}_")
        want = case.reference()
        differentiable = is_float(want) and bool(case.diff_slots())
        part = kernel_lines(case, differentiable)
        variant = "\n".join(part[1]).replace(case.prefix, "")
        if variant in seen:
            continue  # the same code again: compiling it would prove nothing new
        seen.add(variant)
        if differentiable:
            g = rng.normal(size=np.shape(want)) if np.ndim(want) else float(rng.normal())
            tangents = {n: rng.normal(size=np.shape(case.env[n])) if np.ndim(case.env[n])
                        else float(rng.normal()) for _, _, n in case.diff_slots()}
            cases.append((case, g, tangents))
            inputs += [*case.env.values(), g, *tangents.values()]
        else:
            cases.append((case, None, None))
            inputs += list(case.env.values())
        parts.append(part)
        if len(parts) == NUMBA_VARIANTS:
            break
    for dtype in (np.float32, np.int64):  # the primal on other dtypes, as in Python
        case = Case(rule, converted(rule.sample(np.random.default_rng(0)), dtype),
                    prefix=f"v{len(parts)}_")
        try:
            case.reference()
        except (TypeError, ValueError, np.linalg.LinAlgError):
            continue
        parts.append(kernel_lines(case, False))
        cases.append((case, None, None))
        inputs += list(case.env.values())
    params = [p for ps, _, _ in parts for p in ps]
    body = "".join(f"    {line}\n" for _, lines, _ in parts for line in lines)
    source = (f"def kernel({', '.join(params)}):\n{body}"
              f"    return ({''.join(r + ', ' for _, _, r in parts)})\n")
    return source, inputs, cases


WORKER = """
import pickle, sys, warnings
import numba, numpy as np
import s2sad.runtime_arrays as rta


class LoadOnly:  # helpers compiled here at NUMBA_OPT=0 must not reach the on-disk cache
    def __init__(self, cache):
        self.cache = cache

    def save_overload(self, sig, cres):
        pass

    def __getattr__(self, name):
        return getattr(self.cache, name)


for f in vars(rta).values():
    if isinstance(f, numba.core.registry.CPUDispatcher):
        f._cache = LoadOnly(f._cache)
warnings.simplefilter("ignore")
with open(sys.argv[1], "rb") as file:
    jobs = pickle.load(file)
results = {}
for name, (source, inputs) in jobs.items():
    try:
        ns = {"np": np, "rta": rta}
        exec(source, ns)
        results[name] = (True, numba.njit(ns["kernel"])(*inputs))
    except Exception as exc:
        results[name] = (False, f"{type(exc).__name__}: {exc}")
with open(sys.argv[2], "wb") as file:
    pickle.dump(results, file)
"""


class NumbaWorker:
    """Compiles the kernels in a child process while this one runs the Python checks: Numba's
    compiling is most of this module's time, and it runs in parallel there. The child skips
    LLVM's optimizer (NUMBA_OPT=0): the kernels only have to type-check, compile and run once.
    """

    def __init__(self, rules):
        self.jobs = {rule.name: numba_job(rule) for rule in rules}
        self.dir = tempfile.mkdtemp(prefix="s2sad-array-rules-")
        jobs = os.path.join(self.dir, "jobs.pkl")
        with open(jobs, "wb") as file:
            pickle.dump({k: (source, inputs) for k, (source, inputs, _) in self.jobs.items()},
                        file)
        self.results_path = os.path.join(self.dir, "results.pkl")
        self.log = open(os.path.join(self.dir, "log.txt"), "w+")
        repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ, NUMBA_OPT="0",
                   PYTHONPATH=os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")]))
        self.proc = subprocess.Popen([sys.executable, "-c", WORKER, jobs, self.results_path],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.results = None

    def result(self, name):
        if self.results is None:
            self.proc.wait(timeout=900)
            if self.proc.returncode != 0 or not os.path.exists(self.results_path):
                self.log.seek(0)
                raise RuntimeError(f"the Numba worker failed:\n{self.log.read()[-5000:]}")
            with open(self.results_path, "rb") as file:
                self.results = pickle.load(file)
        return self.results[name]

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def numba_worker(request):
    """Started with the module's first test, so it compiles while the others run."""
    rules = [item.callspec.params["rule"] for item in request.session.items
             if getattr(item, "function", None) is test_rule_compiles_in_numba]
    worker = NumbaWorker(rules) if rules else None
    yield worker
    if worker is not None:
        worker.close()


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_compiles_in_numba(rule, numba_worker):
    source, _, cases = numba_worker.jobs[rule.name]
    ok, results = numba_worker.result(rule.name)
    assert ok, f"{rule.name}: the templates do not compile in nopython mode: {results}\n{source}"
    for (case, g, tangents), got in zip(cases, results):
        if g is None:  # no derivatives: the primal only
            check_value(got, case.reference(), rule)
            check_type(rule.type(*case.type_args()), got, rule)
            continue
        (py_out, py_bars, py_tan), (out, bars, tan) = run_python(case, g, tangents), got
        check_value(out, py_out, rule)
        check_type(rule.type(*case.type_args()), out, rule)
        assert len(bars) == len(py_bars)
        for bar, n in zip(bars, py_bars):
            np.testing.assert_allclose(bar, py_bars[n], rtol=1e-10, atol=1e-12,
                                       err_msg=f"{rule.name}: cotangent of {n}\n{source}")
        np.testing.assert_allclose(tan, 0.0 if py_tan is None else py_tan, rtol=1e-10,
                                   atol=1e-12, err_msg=f"{rule.name}: tangent\n{source}")
