"""Rules of s2sad's own run-time helpers (s2sad/rules/runtime_rules.py), which make generated
derivatives differentiable again (hvp, hessian).

Each template is evaluated with NumPy on sample operands: the primal must equal the helper
itself, the tangent must match central differences of the helper, and the cotangents must pass
the dot-product test <g, J t> = <J^T g, t> against that tangent. End to end, the rules are
exercised through tests/test_second_order.py in both builds.
"""

import numpy as np
import pytest

import s2sad.runtime_arrays as rta
from s2sad import runtime
from s2sad.api import _kind
from s2sad.rules.arrays import ARRAY_OPS, RUNTIME_OPS, Src, lookup

RNG = np.random.default_rng(11)
SAMPLES = {  # helper -> operands by parameter (statics as constants)
    runtime.grow: dict(tape=RNG.normal(size=5), need=9),
    rta.scatter_add: dict(target=RNG.normal(size=5), index=np.array([0, 3, 3, 1]),
                          values=RNG.normal(size=4)),
    runtime.scatter_add2: dict(target=RNG.normal(size=(3, 4)), rows=np.array([0, 2, 2]),
                               cols=np.array([1, 3, 3]), values=RNG.normal(size=3)),
    rta.sum_to: dict(g=RNG.normal(size=(3, 4)), like=RNG.normal(size=(1, 4))),
    rta.centered: dict(a=RNG.normal(size=(3, 4)), axis=1),
    rta.rcumsum: dict(g=RNG.normal(size=(3, 4)), axis=0),
}
NAMESPACE = {"np": np, "rta": rta, "grow": runtime.grow, "push_array": runtime.push_array,
             "scatter_add2": runtime.scatter_add2, "trip_count": runtime.trip_count}


def _eval(text: str, env: dict):
    return eval(text, dict(NAMESPACE), {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                        for k, v in env.items()})


def _copy(v):
    return v.copy() if isinstance(v, np.ndarray) else v


def _hooks(rule, values):
    return [values[p] if p in rule.static else Src(p, _kind(values[p])) for p in rule.params]


def _live(out, rule, values):
    """A grown tape's slots past the old tape are uninitialized memory: compare only the part
    that holds values."""
    if rule.name == "grow":
        return out[: values["tape"].shape[0]]
    return out


@pytest.mark.parametrize("helper", list(SAMPLES), ids=lambda h: h.__name__)
def test_templates_agree_with_the_helper_and_each_other(helper):
    rule = lookup(helper)
    values = SAMPLES[helper]
    hooks = _hooks(rule, values)
    env = {p: v for p, v in values.items() if p not in rule.static}
    want = _live(helper(*[_copy(values[p]) for p in rule.params]), rule, values)
    out = _live(_eval(rule.primal(*hooks), env), rule, values)
    assert np.array_equal(out, want)

    tangents = {p: RNG.normal(size=np.shape(values[p])) for p in rule.diff}
    t_env = dict(env, **{f"t_{p}": t for p, t in tangents.items()})
    tan = _live(_eval(rule.jvp({p: Src(f"t_{p}", _kind(values[p])) for p in rule.diff},
                               Src("out", _kind(want)), *hooks), t_env), rule, values)
    h = 1e-6
    moved = {s: {p: (v + s * h * tangents[p] if p in tangents else _copy(v))
                 for p, v in values.items()} for s in (1, -1)}
    fd = (_live(helper(*[moved[1][p] for p in rule.params]), rule, values)
          - _live(helper(*[moved[-1][p] for p in rule.params]), rule, values)) / (2 * h)
    assert np.allclose(tan, fd, rtol=1e-7, atol=1e-8)

    full = helper(*[_copy(values[p]) for p in rule.params])
    g = np.zeros_like(full)
    live = _live(g, rule, values)
    live[...] = RNG.normal(size=live.shape)
    cots = rule.vjp(Src("g", _kind(g)), Src("out", _kind(full)), *hooks)
    lhs = float(np.sum(live * tan))
    rhs = 0.0
    for p, cot in zip(rule.diff, cots):
        c = _eval(cot, dict(env, g=g))
        rhs += float(np.sum(np.broadcast_to(c, np.shape(values[p])) * tangents[p]))
    assert np.isclose(lhs, rhs, rtol=1e-12, atol=1e-12)


def test_every_runtime_rule_is_checked_or_shares_a_numpy_rule():
    own = {h for h, r in RUNTIME_OPS.items() if r not in ARRAY_OPS.values()
           and r.kind != "custom"}  # users' custom rules live here too (tests/test_custom.py)
    nondiff = {h for h in own if not lookup(h).diff}  # trip counts and winner masks
    assert own - nondiff == set(SAMPLES)
    assert {runtime.trip_count, rta.argmax_mask, rta.argmin_mask} == nondiff


def test_trip_count_is_an_integer_rule():
    rule = lookup(runtime.trip_count)
    assert rule.primal("a", "b", "c") == "trip_count(a, b, c)" and rule.diff == ()
