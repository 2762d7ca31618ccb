"""Forward (tangent) mode: typed SSA -> one Python function returning (value, tangent).

Each active value `y = f(a, b)` gets a tangent `dy = p_a * da + p_b * db`, with the partials
`p_a, p_b` inlined from the same rule table reverse mode uses — one declaration drives both modes,
so they cannot disagree. Phis and loop-carried values carry their tangents alongside. No tapes:
tangents flow in program order, so the function is the primal plus a few lines per statement.

The generator reuses reverse mode's primal emission and overrides its hooks (`op_code`,
`phi_code`, `carry_pairs`, `carry_results`) to append tangent code.
"""

from __future__ import annotations

import ast
import operator

from .emit import assign, attr, call, name
from .reverse import Generator, _parse, hook_args, make_plan, param_positions, rule_of
from .rules import arrays as array_rules
from .ssa.nodes import (
    Array,
    Function,
    Op,
    Value,
    make_slice,
    make_tuple,
    ndim_of,
    setitem,
    shape_of,
    size_of,
)


class TangentGenerator(Generator):
    def __init__(self, fn: Function, plan, wrt: list[Value]):
        # no tapes, counters, saved overwrites or reverse sweep
        plan.pushes, plan.adjoint, plan.restore, plan.shapes, plan.recount = {}, {}, set(), {}, {}
        super().__init__(fn, plan, wrt)
        self.tangent_params = [self.tan_name(p) for p in wrt]

    def tan_name(self, v: Value) -> str:
        v = self.namer.rep(v)  # versions of one array share one tangent array
        key = ("tangent", id(v))
        if key not in self.namer.adjoint:
            self.namer.adjoint[key] = self.namer.unique(f"d{self.namer.name(v)}")
        return self.namer.adjoint[key]

    def tan(self, a) -> ast.expr:
        """The tangent of an operand: its variable when active, else zero (of its shape)."""
        if self.plan.is_active(a):
            return name(self.tan_name(a))
        if isinstance(a, Value) and isinstance(a.type, Array):
            return call(attr("np", "zeros_like"), [name(self.namer.name(a))])
        return ast.Constant(0.0)

    def op_code(self, op: Op) -> list:
        out = super().op_code(op)
        if not self.plan.is_active(op.result):
            return out
        if op.fn is operator.getitem:  # the element's tangent is the tangent's element
            slot = ast.Subscript(value=self.tan(op.args[0]), slice=self.index(op.args[1:]),
                                 ctx=ast.Load())
            return out + [assign(self.tan_name(op.result), slot)]
        if op.fn is setitem:  # the written slot's tangent is the value's tangent
            slot = ast.Subscript(value=name(self.tan_name(op.args[0])),
                                 slice=self.index(op.args[1:-1]), ctx=ast.Store())
            return out + [ast.Assign(targets=[slot], value=self.tan(op.args[-1]))]
        if op.fn in (make_slice, make_tuple, shape_of, size_of, ndim_of):
            return out
        if array_rules.lookup(op.fn) is not None:
            return out + self.tangent_of_array_rule(op)
        rule = rule_of(op)
        needed = [self.plan.is_active(a) for a in op.args]
        prelude, partials = rule.inline([self.arg(a) for a in op.args],
                                        name(self.namer.name(op.result)),
                                        lambda hint: self.namer.fresh(f"_{hint}"), needed)
        terms = []
        for a, p in zip(op.args, partials):
            if p is None or not self.plan.is_active(a):
                continue
            if isinstance(p, ast.Constant) and p.value in (0, 0.0):
                continue
            da = name(self.tan_name(a))
            if isinstance(p, ast.Constant) and p.value in (1.0, -1.0):
                terms.append((p.value, da))
            else:
                terms.append((1.0, ast.BinOp(left=p, op=ast.Mult(), right=da)))
        value = _sum(terms) if terms else self.tan_zero(op.result)
        return out + list(prelude) + [assign(self.tan_name(op.result), value)]

    def tangent_of_array_rule(self, op: Op) -> list:
        rule, hooks = hook_args(op, [self.src(a) for a in op.args])
        positions = param_positions(op, rule)
        t = {}
        for p in rule.diff:
            srcs = tuple(array_rules.Src(self.tan_name(op.args[k]), op.args[k].type)
                         if self.plan.is_active(op.args[k]) else None for k in positions[p])
            t[p] = srcs if p == rule.varargs else srcs[0]
        out_src = array_rules.Src(self.namer.name(op.result), op.result.type)
        tangent = rule.jvp(t, out_src, *hooks) if rule.jvp is not None else None
        self.imports.update(array_rules.used_imports(rule, tangent))
        if tangent is None:  # zero: an array of zeros, or 0.0
            value = self.tan_zero(op.result)
        else:
            value = _parse(str(tangent))
        return [assign(self.tan_name(op.result), value)]

    def tan_zero(self, v: Value) -> ast.expr:
        if isinstance(v.type, Array):
            return call(attr("np", "zeros_like"), [name(self.namer.name(v))])
        return ast.Constant(0.0)

    def phi_code(self, phis: list, side: str) -> list:
        out = super().phi_code(phis, side)
        return out + [assign(self.tan_name(p.result), self.tan(getattr(p, side)))
                      for p in phis if self.plan.is_active(p.result)]

    def carry_pairs(self, loop, which: str) -> list:
        pairs = super().carry_pairs(loop, which)
        return pairs + [(self.tan_name(c.header), self.tan(getattr(c, which)))
                        for c in loop.carried if self.plan.is_active(c.header)]

    def carry_results(self, loop) -> list:
        out = super().carry_results(loop)
        return out + [assign(self.tan_name(c.result), self.tan(c.header))
                      for c in loop.carried if self.plan.is_active(c.result)]

    def tree(self, result, leaf) -> ast.expr:
        """A function result (a value or a nested tuple of them) with `leaf` applied to each."""
        if isinstance(result, tuple):
            return ast.Tuple(elts=[self.tree(r, leaf) for r in result], ctx=ast.Load())
        return leaf(result)

    def function(self, func_name: str) -> ast.FunctionDef:
        body = self.forward(self.fn.body)
        ret = ast.Return(value=ast.Tuple(elts=[self.tree(self.fn.result, self.arg),
                                               self.tree(self.fn.result, self.tan)],
                                         ctx=ast.Load()))
        params = [self.namer.name(p) for p in self.fn.params] + self.tangent_params
        args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None,
                             kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
        func = ast.FunctionDef(name=func_name, args=args, body=body + [ret], decorator_list=[],
                               returns=None, type_comment=None)
        func.s2sad_imports = self.imports
        return func


def _sum(terms: list) -> ast.expr:
    """`t1 + t2 - t3` from (sign, expr) pairs; a lone negative term becomes `-t`."""
    sign, expr = terms[0]
    out = expr if sign > 0 else ast.UnaryOp(op=ast.USub(), operand=expr)
    for sign, expr in terms[1:]:
        out = ast.BinOp(left=out, op=ast.Add() if sign > 0 else ast.Sub(), right=expr)
    return out


def generate(fn: Function, active: set, wrt: list[Value], func_name: str) -> ast.FunctionDef:
    return TangentGenerator(fn, make_plan(fn, active), wrt).function(func_name)
