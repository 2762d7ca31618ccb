"""Seeded random scalar programs for differential testing of s2sad, and the check that runs them.

`make_program(seed)` returns `(source_text, func_name, args, wrt)`: the source of a module with
`import math`, sometimes module-level constants, zero to two helper functions and a main function
`fz<seed>` of 2-4 float parameters (and sometimes an int `n`, 2..8, used as a loop bound), plus
the point and the `wrt` spec (positions, negative positions or names) to differentiate at.
`generate(seed)` returns the same as a `FuzzProgram` that also holds the imported function and
its finite-difference reference gradient; `check_program(prog, jit)` runs s2sad on it.

The statement mix: assignments of random expression trees over the live variables and constants
(`+ - * /` with guarded denominators, `**` with integer, int-variable or positive-base exponents,
`%` and `//`, the math module, `abs`, `min`/`max` of 2-3 arguments, conditional expressions,
`float`/`int`, helper calls with positional, keyword and default arguments), augmented and
annotated assignments, chained assignments, tuple swaps and nested tuple unpacking, bool flags,
if/elif/else, for-range loops (constant, `n`-dependent, outer-variable-dependent and computed
bounds, negative steps, nested to depth 2, loop variables rebound inside the body or read after
the loop), while loops bounded by a counter (`k < 6 and x > 0.1`, or `while True` with a counted
`break`), break/continue under a condition, `return` inside loops and branches, int updates of
loop bounds. Helpers reuse the caller's variable names (inlining must keep them apart), may have
an int parameter used as a loop bound, may call the helper before them, and may return a pair
(called as `a, b = helper(...)`). Inside loops, updates are contractive or bounded so values stay
moderate.

Programs are built as small syntax trees and rendered twice: the real source, written to its own
`.py` file and imported as a unique module (s2sad reads source from files), and a *probe* twin in
which every comparison, `abs`, `min`, `max`, `int`, `%`, `//`, `math.floor` and `math.fmod`
records what it decided, and `**`, `math.pow` and `math.hypot` refuse the points where they have
no derivative (`0 ** y`, `hypot(0, 0)`). A candidate is kept only when finite differences are a
reliable reference there:

* the primal runs and returns a finite float of moderate size, and every float local stays
  moderate along the way (and it finishes: a runaway loop is cut off);
* the probe trace (executed lines in order, plus every recorded decision) is identical at the
  point and at all finite-difference stencil points (steps h and h/2, for every `wrt` argument);
* 4-point central differences with steps h and h/2 agree to `FD_AGREE_RTOL`;
* not every gradient component is zero (except for one candidate in four: a zero gradient
  is worth checking too, but most such programs are dull).

Otherwise the next sub-seed is tried, so `generate(seed)` is deterministic. Nothing in the
generation depends on s2sad.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import inspect
import itertools
import math
import os
import random
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field

from ..gradcheck import _positions, assert_grad_close, fd_grad, grad_close

MAX_ATTEMPTS = 400
# Constructs `generate(seed, avoid=...)` can leave out, each with the s2sad bug it runs into.
AVOIDABLE = {
    "float-bool": "float() of a bool variable (the Numba build cannot compile float(bool))",
    "pair-early-return": "early returns in helpers that return a pair (rejected: '$retval')",
}
FD_AGREE_RTOL = 1e-7  # steps h and h/2 must agree this well (the check itself uses rtol 1e-6)
FD_AGREE_ATOL = 1e-10
MAX_MAGNITUDE = 1e6  # |value|, |gradient| and every float local stay below this
MAX_LINES = 100_000  # executed lines per call: a longer run is rejected (guards against hangs)
KERNEL_SHARE = 0.33  # main functions that end in an array/sum kernel (`_Gen.kernel`)

# =================================================================================================
# Syntax trees
#
# Expressions are tuples: ("lit", text) | ("call", name, [args], [(kw, arg)]) | ("bin", op, l, r)
# | ("neg", e) | ("pos", e) | ("not", c) | ("cmp", op, l, r) | ("chain", [e, op, e, op, e])
# | ("bool", "and"|"or", l, r) | ("ifexp", c, a, b) | ("tuple", [es]).
# Statements: ("assign", target, e) | ("ann", target, e) | ("chained", [targets], e)
# | ("tassign", [targets], [es]) | ("aug", target, op, e) | ("pass",) | ("doc",)
# | ("if", [(cond, body), ...], else_body | None) | ("for", var, [range args], body)
# | ("while", cond, body) | ("break",) | ("continue",) | ("return", e).
# =================================================================================================

PROBE_CALLS = {
    "abs": "_fz_abs",
    "min": "_fz_min",
    "max": "_fz_max",
    "int": "_fz_int",
    "math.fabs": "_fz_fabs",
    "math.floor": "_fz_floor",
    "math.fmod": "_fz_fmod",
    "math.hypot": "_fz_hypot",
    "math.pow": "_fz_pow",
}
PROBE_BINOPS = {"%": "_fz_mod", "//": "_fz_floordiv", "**": "_fz_pow"}


def lit(text) -> tuple:
    return ("lit", str(text))


def num(value: float) -> tuple:
    text = repr(float(value))
    return ("lit", f"({text})" if value < 0 else text)


def ilit(value: int) -> tuple:
    return ("lit", str(int(value)))


def call(name, *args, kwargs=()) -> tuple:
    return ("call", name, list(args), list(kwargs))


def bin_(op, left, right) -> tuple:
    return ("bin", op, left, right)


def render_expr(e, probe: bool, top: bool = False) -> str:
    kind = e[0]
    if kind == "lit":
        return e[1]
    if kind == "call":
        name = PROBE_CALLS.get(e[1], e[1]) if probe else e[1]
        parts = [render_expr(a, probe, True) for a in e[2]]
        parts += [f"{k}={render_expr(a, probe, True)}" for k, a in e[3]]
        return f"{name}({', '.join(parts)})"
    if kind == "bin":
        op, left, right = e[1], render_expr(e[2], probe), render_expr(e[3], probe)
        if probe and op in PROBE_BINOPS:
            return f"{PROBE_BINOPS[op]}({left}, {right})"
        text = f"{left} {op} {right}"
    elif kind == "neg":
        text = f"-{render_expr(e[1], probe)}"
    elif kind == "pos":
        text = f"+{render_expr(e[1], probe)}"
    elif kind == "not":
        text = f"not {render_expr(e[1], probe)}"
    elif kind == "chain":
        text = " ".join(x if isinstance(x, str) else render_expr(x, probe) for x in e[1])
        if probe:
            return f"_fz_c({text})"
    elif kind == "cmp":
        text = f"{render_expr(e[2], probe)} {e[1]} {render_expr(e[3], probe)}"
        if probe:
            return f"_fz_c({text})"
    elif kind == "bool":
        text = f"{render_expr(e[2], probe)} {e[1]} {render_expr(e[3], probe)}"
    elif kind == "tuple":
        text = ", ".join(render_expr(x, probe, True) for x in e[1])
    elif kind == "ifexp":
        a, c, b = (render_expr(x, probe) for x in (e[2], e[1], e[3]))
        text = f"{a} if {c} else {b}"
    else:  # pragma: no cover - generator bug
        raise ValueError(f"unknown expression node {kind!r}")
    return text if top else f"({text})"


def render_block(stmts, indent: int, probe: bool, out: list) -> None:
    pad = "    " * indent

    def rx(e):
        return render_expr(e, probe, top=True)

    for s in stmts:
        kind = s[0]
        if kind == "assign":
            out.append(f"{pad}{s[1]} = {rx(s[2])}")
        elif kind == "ann":
            out.append(f"{pad}{s[1]}: float = {rx(s[2])}")
        elif kind == "chained":
            out.append(f"{pad}{' = '.join(s[1])} = {rx(s[2])}")
        elif kind in ("pass", "doc"):
            out.append(pad + ("pass" if kind == "pass" else '"""A generated function."""'))
        elif kind == "tassign":  # targets: names or lists of names (nested unpacking)
            targets = ", ".join(t if isinstance(t, str) else f"({', '.join(t)})" for t in s[1])
            values = [render_expr(e, probe, top=len(s[2]) == 1 or e[0] != "tuple") for e in s[2]]
            out.append(f"{pad}{targets} = {', '.join(values)}")
        elif kind == "aug":
            out.append(f"{pad}{s[1]} {s[2]}= {rx(s[3])}")
        elif kind == "if":
            for k, (cond, body) in enumerate(s[1]):
                out.append(f"{pad}{'if' if k == 0 else 'elif'} {rx(cond)}:")
                render_block(body, indent + 1, probe, out)
            if s[2]:
                out.append(f"{pad}else:")
                render_block(s[2], indent + 1, probe, out)
        elif kind == "for":
            out.append(f"{pad}for {s[1]} in range({', '.join(rx(a) for a in s[2])}):")
            render_block(s[3], indent + 1, probe, out)
        elif kind == "while":
            out.append(f"{pad}while {rx(s[1])}:")
            render_block(s[2], indent + 1, probe, out)
        elif kind in ("break", "continue"):
            out.append(f"{pad}{kind}")
        elif kind == "return":
            out.append(f"{pad}return {rx(s[1])}")
        else:  # pragma: no cover - generator bug
            raise ValueError(f"unknown statement node {kind!r}")


def render_module(functions, probe: bool, header: str, constants=(), numpy: bool = False) -> str:
    """`functions`: [(name, params text, body)], helpers first; `constants`: [(name, value)]."""
    out = [header, "import math"] + (["", "import numpy as np"] if numpy else []) + [""]
    if constants:
        out += [f"{name} = {value!r}" for name, value in constants] + [""]
    for name, params, body in functions:
        out += ["", f"def {name}({params}):"]
        render_block(body, 1, probe, out)
        out.append("")
    return "\n".join(out)


# =================================================================================================
# Random generation
# =================================================================================================


@dataclass
class Helper:
    name: str
    floats: list  # [(name, default or None)], required ones first
    int_param: str | None  # name of a trailing int parameter with a default, or None
    int_default: int = 2
    arity: int = 1  # 2: returns a pair, called only as `a, b = helper(...)`

    def params_text(self) -> str:
        parts = [p if d is None else f"{p}={d}" for p, d in self.floats]
        if self.int_param:
            parts.append(f"{self.int_param}={self.int_default}")
        return ", ".join(parts)


@dataclass
class Scope:
    """What a statement being generated may read and write."""

    floats: list  # float variables defined on every path to here
    ints: list  # int variables (the bound, loop variables, counters, computed bounds)
    bound: str | None = None  # the int parameter usable as a loop bound ("n", or a helper's)
    loop_vars: list = field(default_factory=list)  # enclosing loops' variables, innermost last
    for_vars: list = field(default_factory=list)  # enclosing `for` variables
    loop_depth: int = 0
    nest: int = 0  # enclosing if/for/while blocks
    helpers: list = field(default_factory=list)  # helpers callable from here
    bools: list = field(default_factory=list)  # bool variables
    constants: list = field(default_factory=list)  # module-level float constants
    arity: int = 1  # values the function being generated returns

    def child(self, **changes) -> Scope:
        sc = Scope(list(self.floats), list(self.ints), self.bound, list(self.loop_vars),
                   list(self.for_vars), self.loop_depth, self.nest + 1, self.helpers,
                   list(self.bools), self.constants, self.arity)
        for k, v in changes.items():
            setattr(sc, k, v)
        return sc


NICE_CONSTANTS = (0.5, 1.5, 2.0, 0.25, 3.0, 0.1, 0.75, 1.0, 2.5, 0.3, -1.0, -0.5)
# Parameter names of helpers: often the same names as the caller's variables, so that inlining
# must keep the two sets of variables apart.
HELPER_PARAMS = (("a", "b", "c"), ("x0", "x1", "x2"), ("x1", "x0", "v0"), ("v0", "v1", "a"),
                 ("x2", "v1", "x0"))


class _Gen:
    """One program from one `random.Random`."""

    def __init__(self, rng: random.Random, prefix: str, avoid=frozenset()):
        self.rng = rng
        self.prefix = prefix
        self.avoid = avoid  # names from AVOIDABLE
        self.fresh = itertools.count()
        self.used: set = set()  # names taken in the function being generated
        self.budget = 0
        self.constants: list = []  # module-level constants [(name, value)]
        self.numpy = False  # whether the program uses `np` (an array kernel)
        self.no_return = False  # no early returns (before a kernel: they would wrap it in an if)

    # ------------------------------------------------------------------------ small pieces
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, weighted: dict):
        keys = [k for k, w in weighted.items() if w > 0]
        return self.rng.choices(keys, [weighted[k] for k in keys])[0]

    def name(self, stem: str) -> str:
        while True:
            name = f"{stem}{next(self.fresh)}"
            if name not in self.used:
                self.used.add(name)
                return name

    def const(self, sc: Scope | None = None) -> tuple:
        if sc is not None and self.chance(0.12):
            return lit(self.rng.choice(sc.constants + ["math.pi", "math.e"]))
        if self.chance(0.6):
            return num(self.rng.choice(NICE_CONSTANTS))
        value = 0.0
        while abs(value) < 0.05:
            value = round(self.rng.uniform(-2.5, 2.5), 2)
        return num(value)

    def int_leaf(self, sc: Scope) -> tuple:
        var = lit(self.rng.choice(sc.ints))
        form = self.rng.randrange(4)
        if form == 0:
            return call("float", var)
        if form == 1:
            return bin_("*", num(self.rng.choice((0.1, 0.25, 0.5, -0.2))), var)
        if form == 2:
            return bin_("/", var, num(self.rng.choice((4.0, 3.0, -5.0))))
        return bin_("+", var, self.const())

    def leaf(self, sc: Scope) -> tuple:
        r = self.rng.random()
        if r < 0.66 and sc.floats:
            return lit(self.rng.choice(sc.floats))
        if r < 0.76 and sc.ints:
            return self.int_leaf(sc)
        if r < 0.77 and sc.bools and "float-bool" not in self.avoid:
            return call("float", lit(self.rng.choice(sc.bools)))
        return self.const(sc)

    def var(self, sc: Scope) -> tuple:
        return lit(self.rng.choice(sc.floats)) if sc.floats else self.const()

    # ------------------------------------------------------------------------ expressions
    def fexpr(self, sc: Scope, depth: int) -> tuple:
        """A float-valued expression tree of at most `depth` operator levels."""
        if depth <= 0 or self.chance(0.12):
            return self.leaf(sc)
        d = depth - 1
        kind = self.pick({
            "arith": 30, "div": 8, "rawdiv": 1.5, "pow": 6, "math": 22, "rare_math": 3,
            "abs": 4, "minmax": 6, "neg": 3, "ifexp": 4, "mod": 1.5,
            "call": 6 if self.scalar_helpers(sc) else 0,
        })
        rng = self.rng
        if kind == "arith":
            return bin_(rng.choice("+-*"), self.fexpr(sc, d), self.fexpr(sc, d))
        if kind == "div":
            num_ = self.fexpr(sc, d)
            r = self.fexpr(sc, max(d - 1, 0))
            den = rng.choice([
                lambda: bin_("+", num(1.0), bin_("*", r, r)),
                lambda: bin_("+", num(2.0), call("math.sin", r)),
                lambda: bin_("+", num(0.5), call("abs", r)),
                lambda: bin_("+", num(1.0), call("math.exp", bin_("*", num(0.5), r))),
                lambda: num(rng.choice((2.0, -3.0, 0.5, 1.5, 4.0))),
                lambda: call("math.sqrt", bin_("+", num(1.0), bin_("*", r, r))),
            ])()
            return bin_("/", num_, den)
        if kind == "rawdiv":  # unguarded: kept only where the denominator stays away from 0
            return bin_("/", self.fexpr(sc, d), self.fexpr(sc, max(d - 1, 0)))
        if kind == "pow":
            base = self.fexpr(sc, d)
            form = rng.randrange(11)
            if form == 0:
                return bin_("**", base, ilit(rng.choice((2, 3))))
            if form == 1:
                return bin_("**", base, num(2.0))
            if form == 2:
                pos = bin_("+", num(1.0), bin_("*", base, base))
                return bin_("**", pos, num(rng.choice((0.5, -0.5, 1.5, 0.25, -1.0))))
            if form == 3:
                pos = bin_("+", num(1.5), call("math.sin", base))
                return bin_("**", pos, self.fexpr(sc, max(d - 1, 0)))
            if form == 4:
                return bin_("**", num(rng.choice((2.0, 0.5, 1.5))), call("math.tanh", base))
            if form == 5 and sc.loop_vars:
                return bin_("**", base, bin_("%", lit(rng.choice(sc.loop_vars)), ilit(3)))
            if form == 6 and sc.bound:
                return bin_("**", call("math.tanh", base), lit(sc.bound))
            if form == 7:
                return bin_("**", bin_("+", num(1.0), bin_("*", base, base)), ilit(-2))
            if form == 8:
                return bin_("**", call("abs", base), num(rng.choice((1.5, 2.5, 3.0))))
            if form == 9 and sc.bound:
                return bin_("*", base, bin_("**", num(rng.choice((0.9, 1.1, -0.8))), lit(sc.bound)))
            return call("math.pow", bin_("+", num(1.0), bin_("*", base, base)),
                        num(rng.choice((0.5, 1.5, -0.5))))
        if kind == "math":
            a = self.fexpr(sc, d)
            fn = rng.choice(["sin", "cos", "tanh", "atan", "exp", "exp2", "log", "log2", "sqrt",
                             "sqrt2", "hypot"])
            if fn in ("sin", "cos", "tanh", "atan"):
                return call(f"math.{fn}", a)
            if fn == "exp":
                return call("math.exp", bin_("*", num(rng.choice((0.1, -0.2, 0.3, 0.5))), a))
            if fn == "exp2":
                return call("math.exp", ("neg", bin_("*", a, a)))
            if fn == "log":
                return call("math.log", bin_("+", num(1.0), bin_("*", a, a)))
            if fn == "log2":
                return call("math.log", bin_("+", num(2.0), call("math.cos", a)))
            if fn == "sqrt":
                return call("math.sqrt", bin_("+", num(1.0), bin_("*", a, a)))
            if fn == "sqrt2":
                return call("math.sqrt", bin_("+", call("abs", a), num(0.25)))
            return call("math.hypot", a, self.fexpr(sc, d))
        if kind == "rare_math":
            a = self.fexpr(sc, d)
            return rng.choice([
                lambda: call("math.erf", a),
                lambda: call("math.log1p", bin_("*", a, a)),
                lambda: call("math.expm1", bin_("*", num(0.2), a)),
                lambda: call("math.atan2", a, bin_("+", num(1.0), bin_("*", a, a))),
                lambda: call("math.sinh", call("math.tanh", a)),
                lambda: call("math.fabs", a),
                lambda: call("math.fmod", a, num(1.5)),
                lambda: bin_("*", num(0.5), call("math.floor", a)),
                lambda: call("float", a),
                lambda: ("pos", a),
            ])()
        if kind == "abs":
            return call("abs", self.fexpr(sc, d))
        if kind == "minmax":
            args = [self.fexpr(sc, d) for _ in range(rng.choice((2, 2, 3)))]
            if self.chance(0.15):
                args[rng.randrange(len(args))] = ilit(rng.choice((0, 1, -1)))
            return call(rng.choice(("min", "max")), *args)
        if kind == "neg":
            return ("neg", self.fexpr(sc, d))
        if kind == "ifexp":
            return ("ifexp", self.cond(sc), self.fexpr(sc, d), self.fexpr(sc, d))
        if kind == "mod":
            if self.chance(0.6):
                return bin_("%", self.fexpr(sc, d), num(rng.choice((1.5, 2.0, 0.7))))
            if self.chance(0.5):
                return bin_("//", self.fexpr(sc, d), num(rng.choice((1.0, 0.5))))
            return bin_("%", self.fexpr(sc, d),
                        bin_("+", num(1.0), bin_("*", self.leaf(sc), self.leaf(sc))))
        return self.helper_call(sc, d)

    def bounded(self, sc: Scope, depth: int) -> tuple:
        """An expression whose value stays in [-pi/2, pi/2] whatever its argument."""
        f = self.rng.choice(("math.tanh", "math.sin", "math.cos", "math.atan"))
        return call(f, self.fexpr(sc, depth))

    def scalar_helpers(self, sc: Scope) -> list:
        return [h for h in sc.helpers if h.arity == 1]

    def early_return_ok(self, sc: Scope) -> bool:
        return sc.arity == 1 or "pair-early-return" not in self.avoid

    def ret_value(self, sc: Scope, depth: int) -> tuple:
        if sc.arity == 1:
            return self.fexpr(sc, depth)
        return ("tuple", [self.fexpr(sc, depth) for _ in range(sc.arity)])

    def helper_call(self, sc: Scope, depth: int, h: Helper | None = None) -> tuple:
        h = h or self.rng.choice(self.scalar_helpers(sc))
        params = [(p, d is not None) for p, d in h.floats]
        if h.int_param:
            params.append((h.int_param, True))
        npos = self.rng.randint(0, len(params))
        args, kwargs = [], []
        for k, (p, optional) in enumerate(params):
            if optional and k >= npos and self.chance(0.5):
                continue  # use the default
            if p == h.int_param:
                value = lit(sc.bound) if sc.bound and self.chance(0.5) else \
                    ilit(self.rng.randint(1, 3))
            else:
                value = self.fexpr(sc, depth)
            if k < npos:
                args.append(value)
            else:
                kwargs.append((p, value))
        self.rng.shuffle(kwargs)
        return call(h.name, *args, kwargs=kwargs)

    def cond(self, sc: Scope, by_trip: float = 0.25) -> tuple:
        """A condition; with probability `by_trip` one on an enclosing loop's variable."""
        rng = self.rng
        if sc.loop_vars and self.chance(by_trip):
            v = lit(rng.choice(sc.loop_vars))
            form = rng.randrange(5)
            if form == 0:
                c = ("cmp", "==", v, ilit(rng.randint(0, 3)))
            elif form == 1:
                c = ("cmp", "==", bin_("%", v, ilit(2)), ilit(rng.randint(0, 1)))
            elif form == 2:
                c = ("cmp", rng.choice((">", ">=", "<")), v, ilit(rng.randint(1, 4)))
            elif form == 3:
                c = ("cmp", rng.choice(("<", ">")), v, self.var(sc))
            else:
                c = ("cmp", "!=", v, ilit(rng.randint(0, 2)))
        elif sc.bools and self.chance(0.2):
            c = lit(rng.choice(sc.bools))
        elif self.chance(0.06):
            low, high = sorted(round(rng.uniform(-2.0, 2.0), 1) for _ in range(2))
            c = ("chain", [num(low - 0.1), "<", self.var(sc), "<=", num(high + 0.1)])
        else:
            left = self.var(sc) if self.chance(0.6) else self.fexpr(sc, 1)
            right = self.const() if self.chance(0.55) else self.var(sc)
            c = ("cmp", rng.choice(("<", "<=", ">", ">=")), left, right)
        r = rng.random()
        if r < 0.12:
            return ("bool", rng.choice(("and", "or")), c, self.cond(sc))
        if r < 0.17:
            return ("not", c)
        return c

    # ------------------------------------------------------------------------ statements
    def update(self, sc: Scope, target: str) -> tuple:
        """An assignment or augmented assignment to an existing float variable `target`."""
        rng = self.rng
        d = rng.randint(1, 3)
        if sc.loop_depth == 0:
            if self.chance(0.6):
                return ("assign", target, self.fexpr(sc, d + (1 if self.chance(0.2) else 0)))
            op = rng.choice(("+", "-", "*", "/"))
            if op == "/":
                e = self.fexpr(sc, d - 1)
                return ("aug", target, "/", bin_("+", num(1.0), bin_("*", e, e)))
            return ("aug", target, op, self.fexpr(sc, d))
        # In loops: contractive or bounded updates, so values stay moderate over many trips.
        form = rng.randrange(6)
        if form == 0:
            keep = num(rng.choice((0.5, 0.8, 0.9, -0.6)))
            step = num(rng.choice((0.1, 0.2, 0.3, 0.5)))
            return ("assign", target, bin_("+", bin_("*", keep, lit(target)),
                                           bin_("*", step, self.fexpr(sc, d))))
        if form == 1:
            return ("assign", target, self.bounded(sc, d))
        if form == 2:
            return ("aug", target, rng.choice("+-"),
                    bin_("*", num(rng.choice((0.1, 0.2, 0.05))), self.fexpr(sc, d)))
        if form == 3:
            return ("aug", target, "*",
                    bin_("+", num(0.9), bin_("*", num(0.1), self.bounded(sc, d - 1))))
        if form == 4:
            e = self.fexpr(sc, d - 1)
            return ("aug", target, "/", bin_("+", num(1.0), bin_("*", num(0.1), bin_("*", e, e))))
        return ("assign", target, self.fexpr(sc, 1))

    def stmt(self, sc: Scope) -> list:
        rng = self.rng
        self.budget -= 1
        kind = self.pick({
            "new": 5, "set": 5 if sc.floats else 0, "tuple": 1.2 if len(sc.floats) >= 2 else 0,
            "if": 2.5 if sc.nest < 3 else 0, "for": 3.0 if sc.loop_depth < 2 and self.budget > 1
            else 0, "while": 1.2 if sc.loop_depth < 2 and self.budget > 1 else 0,
            "jump": 2.5 if sc.loop_depth else 0,
            "ret": 0 if sc.nest >= 3 or not self.early_return_ok(sc) or self.no_return
            else 1.5 if sc.loop_depth else 0.5,
            "call": 2.0 if self.scalar_helpers(sc) else 0, "int": 0.4 if sc.bound else 0,
            "pair": 2.0 if len(self.scalar_helpers(sc)) < len(sc.helpers) else 0,
            "loopvar": 0.4 if sc.for_vars else 0, "flag": 0.5, "odd": 0.5,
        })
        if kind == "new":
            name = self.name("v")
            e = self.bounded(sc, rng.randint(1, 3)) if sc.loop_depth and self.chance(0.3) \
                else self.fexpr(sc, rng.randint(1, 3))
            sc.floats.append(name)
            return [("assign", name, e)]
        if kind == "set":
            return [self.update(sc, rng.choice(sc.floats))]
        if kind == "flag":
            name = self.name("f")
            stmt = ("assign", name, self.cond(sc))
            sc.bools.append(name)
            return [stmt]
        if kind == "odd":  # less common spellings of an assignment
            form = rng.randrange(3)
            if form == 2 or len(sc.floats) < 1:
                return [("pass",)]
            name = self.name("v")
            e = self.fexpr(sc, rng.randint(1, 2))
            if sc.loop_depth:
                e = call("math.tanh", e)
            sc.floats.append(name)
            if form == 0:
                return [("ann", name, e)]
            other = rng.choice(sc.floats[:-1])
            return [("chained", [name, other], e)]
        if kind == "tuple":
            k = 3 if len(sc.floats) >= 3 and self.chance(0.25) else 2
            targets = rng.sample(sc.floats, k)
            if self.chance(0.4):
                return [("tassign", targets, [lit(t) for t in targets[1:] + targets[:1]])]
            values = [self.fexpr(sc, 1) for _ in targets]
            if sc.loop_depth:
                values = [call("math.tanh", e) for e in values]
            if k == 3 and self.chance(0.5):  # nested: a, (b, c) = e1, (e2, e3)
                return [("tassign", [targets[0], targets[1:]], [values[0], ("tuple", values[1:])])]
            return [("tassign", targets, values)]
        if kind == "if":
            branches = [(self.cond(sc), self.block(sc.child(), 1, 3))]
            for _ in range(rng.choice((0, 0, 1, 2))):
                branches.append((self.cond(sc), self.block(sc.child(), 1, 2)))
            other = self.block(sc.child(), 1, 2) if self.chance(0.5) else None
            return [("if", branches, other)]
        if kind == "for":
            return self.for_loop(sc)
        if kind == "while":
            return self.while_loop(sc)
        if kind == "jump":
            body = [self.update(sc, rng.choice(sc.floats))] if sc.floats and self.chance(0.3) \
                else []
            body.append((rng.choice(("break", "continue")),))
            other = self.block(sc.child(), 1, 1) if self.chance(0.25) else None
            return [("if", [(self.cond(sc, 0.5), body)], other)]
        if kind == "ret":
            value = self.ret_value(sc, rng.randint(1, 2))
            return [("if", [(self.cond(sc, 0.5), [("return", value)])], None)]
        if kind == "int":
            target = rng.choice([sc.bound] + [v for v in sc.ints if v.startswith("m")])
            value = rng.choice([
                lambda: bin_("-", lit(target), ilit(1)),
                lambda: bin_("+", lit(target), ilit(1)),
                lambda: call("min", lit(target), ilit(rng.randint(2, 5))),
                lambda: call("max", lit(target), ilit(rng.randint(1, 3))),
                lambda: bin_("//", lit(target), ilit(2)),
            ])()
            return [("assign", target, value)]
        if kind == "loopvar":  # rebinding a for variable lasts until the next trip
            var = rng.choice(sc.for_vars)
            if self.chance(0.5):
                return [("aug", var, "+", ilit(rng.randint(1, 2)))]
            return [("assign", var, bin_("*", lit(var), ilit(2)))]
        if kind == "pair":  # a, b = helper returning a pair; targets new or existing
            h = rng.choice([h for h in sc.helpers if h.arity == 2])
            e = self.helper_call(sc, rng.randint(0, 2), h)
            targets = []
            for _ in range(2):
                if sc.floats and self.chance(0.4):
                    targets.append(rng.choice([f for f in sc.floats if f not in targets]))
                else:
                    targets.append(self.name("v"))
            sc.floats.extend(t for t in targets if t not in sc.floats)
            return [("tassign", targets, [e])]
        # "call"
        e = self.helper_call(sc, rng.randint(0, 2))
        if sc.loop_depth:
            e = call("math.tanh", e)
        if sc.floats and self.chance(0.4):
            return [("assign", rng.choice(sc.floats), e)]
        name = self.name("v")
        sc.floats.append(name)
        return [("assign", name, e)]

    def block(self, sc: Scope, lo: int, hi: int) -> list:
        out = []
        for _ in range(self.rng.randint(lo, hi)):
            if self.budget <= 0 and out:
                break
            out += self.stmt(sc)
        return out

    def loop_body(self, sc: Scope, outer_floats: list) -> list:
        body = self.block(sc, 1, 3)
        if outer_floats:  # make the loop matter: update a variable that lives after it
            at = self.rng.randint(0, len(body))
            body.insert(at, self.update(sc, self.rng.choice(outer_floats)))
        if self.chance(0.04):  # an unconditional exit ends the body
            body.append(("break",) if self.chance(0.6) or not self.early_return_ok(sc)
                        or self.no_return else
                        ("return", self.ret_value(sc, self.rng.randint(1, 2))))
        return body

    def for_loop(self, sc: Scope) -> list:
        rng = self.rng
        var = ("i", "j")[sc.loop_depth]
        pre = []
        nb = sc.bound
        forms = ["const", "const_down"]
        if nb:
            forms += ["n", "n", "1_n", "down", "down2", "step2", "n_expr"]
        if sc.loop_vars:
            forms += ["outer", "outer2"] + (["outer_n"] if nb else [])
        forms += ["computed", "computed_down"]
        form = rng.choice(forms)
        c = rng.randint(2, 4)
        outer = lit(sc.loop_vars[-1]) if sc.loop_vars else None
        n = lit(nb) if nb else None
        if form == "const":
            args = [ilit(c)] if self.chance(0.7) else [ilit(0), ilit(c)]
        elif form == "const_down":
            args = [ilit(c), ilit(0), ilit(-1)]
        elif form == "n":
            args = [n]
        elif form == "1_n":
            args = [ilit(1), n]
        elif form == "down":
            args = [bin_("-", n, ilit(1)), ilit(-1), ilit(-1)]
        elif form == "down2":
            args = [n, ilit(0), ilit(-2)]
        elif form == "step2":
            args = [ilit(2), bin_("+", n, ilit(2)), ilit(2)]
        elif form == "n_expr":
            args = [rng.choice([bin_("//", n, ilit(2)), bin_("-", bin_("*", ilit(2), n), ilit(3)),
                                bin_("*", ilit(3), n)])]
        elif form == "outer":
            args = [bin_("+", outer, ilit(1))]
        elif form == "outer2":
            args = [outer, ilit(c + 1)]
        elif form == "outer_n":
            args = [outer, n]
        else:
            m = self.name("m")
            choice = rng.randrange(3)
            if choice == 0:
                bound = bin_("+", ilit(1), bin_("%", call("int", bin_("*", call(
                    "abs", self.fexpr(sc, 1)), num(2.0))), ilit(4)))
            elif choice == 1 and nb:
                bound = call("min", n, ilit(rng.randint(2, 4)))
            else:
                bound = call("int", bin_("+", num(2.0), bin_("*", num(1.5), self.bounded(sc, 1))))
            pre.append(("assign", m, bound))
            args = [lit(m)] if form == "computed" else [lit(m), ilit(-1), ilit(-1)]
            sc.ints.append(m)
        inner = sc.child(loop_depth=sc.loop_depth + 1)
        inner.ints.append(var)
        inner.loop_vars.append(var)
        inner.for_vars.append(var)
        loop = ("for", var, args, self.loop_body(inner, list(sc.floats)))
        if form in ("const", "const_down") and var not in sc.ints and self.chance(0.3):
            sc.ints.append(var)  # at least one trip: the variable keeps its last value after
        return pre + [loop]

    def while_loop(self, sc: Scope) -> list:
        rng = self.rng
        k = self.name("k")
        pre = [("assign", k, ilit(0))]
        if not sc.floats:
            sc.floats.append(self.name("v"))
            pre.insert(0, ("assign", sc.floats[-1], self.fexpr(sc, 1)))
        v = rng.choice(sc.floats)
        counter = ("cmp", "<", lit(k), ilit(rng.randint(3, 6)))
        form = rng.randrange(6)
        if form == 5:  # while True, left by a break once the counter runs out
            inner = sc.child(loop_depth=sc.loop_depth + 1)
            inner.ints.append(k)
            inner.loop_vars.append(k)
            body = self.loop_body(inner, list(sc.floats))
            stop = ("if", [(("cmp", ">=", lit(k), ilit(rng.randint(2, 6))), [("break",)])], None)
            # the exit test comes before anything that could `continue` past it
            return pre + [("while", lit("True"), [("aug", k, "+", ilit(1)), stop] + body)]
        if form == 0 and sc.bound:
            cond = ("bool", "and", ("cmp", "<", lit(k), lit(sc.bound)), ("cmp", "<", lit(k),
                                                                          ilit(8)))
        elif form == 1:
            cond = ("bool", "and", ("cmp", "<", lit(v), self.const()), counter)
        elif form == 2:
            cond = ("bool", "and", counter, ("not", ("cmp", "<=", lit(v), self.const())))
        else:
            cond = ("bool", "and", counter, ("cmp", ">", lit(v), self.const()))
        inner = sc.child(loop_depth=sc.loop_depth + 1)
        inner.ints.append(k)
        inner.loop_vars.append(k)
        body = self.loop_body(inner, list(sc.floats))
        shrink = ("assign", v, bin_("-", bin_("*", num(rng.choice((0.7, 0.8, 0.5))), lit(v)),
                                    num(rng.choice((0.1, 0.05, 0.2)))))
        grow = ("aug", v, "+", bin_("*", num(0.3), call("abs", self.fexpr(inner, 1))))
        body.insert(rng.randint(0, len(body)), grow if form == 1 else shrink)
        return pre + [("while", cond, [("aug", k, "+", ilit(1))] + body)]

    def result(self, sc: Scope) -> tuple:
        """A float expression that reads several live variables, the latest ones first."""
        rng = self.rng
        recent = sc.floats[-3:]
        names = list(dict.fromkeys(recent + rng.sample(sc.floats, min(2, len(sc.floats)))))
        e = lit(names[0])
        for name in names[1:]:
            term = lit(name) if self.chance(0.6) else self.fexpr(sc, 1)
            if self.chance(0.3):
                term = call(rng.choice(("math.sin", "math.tanh", "math.cos")), term)
            e = bin_(rng.choice("+-*+"), e, term)
        if self.chance(0.3):
            e = bin_("+", e, self.fexpr(sc, 2))
        return e

    def final(self, sc: Scope) -> tuple:
        if sc.arity == 1:
            return self.result(sc)
        return ("tuple", [self.result(sc) for _ in range(sc.arity)])

    def ending(self, sc: Scope) -> list:
        """The last statement: a return, or an if/elif/else whose branches all return."""
        if self.chance(0.8) or not self.early_return_ok(sc):
            return [("return", self.final(sc))]
        branches = [(self.cond(sc), [("return", self.final(sc))])
                    for _ in range(self.rng.randint(1, 2))]
        return [("if", branches, [("return", self.final(sc))])]

    # ------------------------------------------------------------------------ kernels
    # The main function's last statements can be a *kernel* instead of `ending`: a loop shaped
    # like the ones s2sad differentiates specially, or a near miss of one (`near`). Sum loops
    # (`s += t`, the last loop, followed by scalar ops whose partials need only values from
    # before it) run each iteration's reverse right after its forward (`reverse.fusable`), also
    # when they fill a 1-D scratch buffer first; stencil sweeps `v[i] = c0 * u[i - 1] + ...` get
    # their reverse split by target (`reverse_fission`). Near misses must keep the plain reverse
    # sweep: the sum read in the loop, a product, a contraction, a sum under a branch, a `break`,
    # `s * s` after the loop, a buffer read before it is filled / filled in part / read after
    # the loop, a write into a non-scratch array, an in-place stencil, an active coefficient.
    # Array values are numpy scalars, so the returned value is wrapped in `float(...)`.

    def trips(self, sc: Scope) -> tuple:
        if sc.bound and self.chance(0.6):
            return lit(sc.bound)
        return ilit(self.rng.randint(2, 5))

    def loop_scope(self, sc: Scope, var: str) -> Scope:
        inner = sc.child(loop_depth=sc.loop_depth + 1)
        inner.ints.append(var)
        inner.loop_vars.append(var)
        inner.for_vars.append(var)
        return inner

    def term(self, sc: Scope) -> tuple:
        """A summand of moderate size."""
        if self.chance(0.35):
            return self.bounded(sc, self.rng.randint(1, 2))
        e = self.fexpr(sc, self.rng.randint(1, 3))
        return bin_("*", num(self.rng.choice((0.5, 0.2, 1.0, -0.3))), e) if self.chance(0.3) \
            else e

    def fill(self, sc: Scope) -> tuple:
        """An element of a buffer filled by `for j in range(k)`: reads the scalars and `j`."""
        e = self.term(sc)
        if self.chance(0.7):
            j = bin_("+", lit("j"), num(self.rng.choice((1.0, 0.5, -1.5))))
            e = bin_(self.rng.choice("+-"), e, bin_("*", self.var(sc), j))
        return e

    def active(self, sc: Scope, e: tuple) -> tuple:
        """`e`, made to read a float variable if it reads none."""
        text = render_expr(e, False)
        if any(re.search(rf"\b{re.escape(f)}(?![\w\[])", text) for f in sc.floats
               if f.isidentifier()):
            return e
        return bin_(self.rng.choice("+*"), e, lit(self.rng.choice(
            [f for f in sc.floats if f.isidentifier()] or ["1.0"])))

    def sum_update(self, s: str, t: tuple) -> tuple:
        form = self.rng.randrange(5)
        if form == 0:
            return ("aug", s, "+", t)
        if form == 1:
            return ("aug", s, "-", t)
        if form == 2:
            return ("assign", s, bin_("+", lit(s), t))
        if form == 3:
            return ("assign", s, bin_("-", lit(s), t))
        return ("assign", s, bin_("+", t, lit(s)))

    def near_update(self, sc: Scope, s: str, t: tuple) -> list:
        """An update of `s` in a loop that is not a plain sum."""
        rng = self.rng
        form = rng.randrange(6)
        if form == 0:  # the sum read elsewhere in the loop
            return [("assign", s, bin_("+", lit(s), bin_("*", t, bin_("*", num(0.1), call(
                "math.tanh", lit(s))))))]
        if form == 1:
            r = self.name("r")
            return [("assign", r, call("math.sin", lit(s))),
                    ("aug", s, "+", bin_("*", num(0.2), bin_("*", lit(r), t)))]
        if form == 2:  # a product
            f = bin_("+", num(0.9), bin_("*", num(0.1), call("math.tanh", t)))
            return [("aug", s, "*", f) if self.chance(0.5) else
                    ("assign", s, bin_("*", lit(s), f))]
        if form == 3:  # a contraction
            return [("assign", s, bin_("+", bin_("*", num(rng.choice((0.9, 0.5, -0.7))),
                                                  lit(s)), t))]
        if form == 4:  # under a branch
            return [("if", [(self.cond(sc, 0.5), [self.sum_update(s, t)])],
                     [self.sum_update(s, self.term(sc))] if self.chance(0.6) else None)]
        # s = s + t + u: the add that makes the next value does not read the sum
        return [("assign", s, bin_("+", bin_("+", lit(s), t), self.term(sc)))]

    def after(self, sc: Scope, sums: list, near: bool) -> tuple:
        """The returned value: scalar ops on the sums and values from before the loop."""
        rng = self.rng
        s = lit(sums[0])
        if near:  # partials that read the sums themselves
            form = rng.randrange(6)
            if form == 0:
                e = bin_("*", s, s)
            elif form == 1:
                e = call(rng.choice(("math.tanh", "math.sin")), s)
            elif form == 2:
                e = bin_("/", s, bin_("+", num(1.0), bin_("*", s, s)))
            elif form == 3:
                e = bin_("*", s, lit(sums[-1])) if len(sums) > 1 else call("math.exp", bin_(
                    "*", num(0.1), s))
            elif form == 4:
                e = bin_("*", s, self.var(sc))
            else:
                v = self.var(sc)
                e = bin_("/", s, bin_("+", num(1.0), bin_("*", v, v)))
        else:
            form = rng.randrange(5)
            if form == 0:
                e = s
            elif form == 1:
                e = bin_("/", s, lit(sc.bound) if sc.bound and self.chance(0.5) else
                         num(rng.choice((4.0, 3.0, 2.0))))
            elif form == 2:
                e = ("neg", s)
            elif form == 3:
                e = bin_("+", bin_("*", num(rng.choice((0.5, 2.0, -1.5))), s), self.var(sc))
            else:
                e = bin_("+", s, self.fexpr(sc, 2))
            for other in sums[1:]:
                e = bin_(rng.choice("+-"), e, bin_("*", num(rng.choice((0.5, 1.0, -2.0))),
                                                   lit(other)))
        return call("float", e)

    def kernel(self, sc: Scope) -> list:
        kind = self.pick({"sum": 3, "scratch": 4, "stencil": 4})
        near = self.chance(0.4)
        if kind == "stencil":
            return self.stencil_kernel(sc, near)
        return self.sum_kernel(sc, near, kind == "scratch")

    def sum_kernel(self, sc: Scope, near: bool, scratch: bool) -> list:
        """`s = 0.0; [a = np.empty(k)]; for i in range(N): [fill a]; ...; s += t`, returned."""
        rng = self.rng
        misses = ["update", "break", "after", "outer", "while"]
        if scratch:
            misses += ["before", "part", "read_after", "other_array", "other_array"]
        miss = rng.choice(misses) if near else None
        sums = [self.name("s") for _ in range(2 if self.chance(0.25) else 1)]
        pre = [("assign", s, num(0.0) if self.chance(0.7) else self.fexpr(sc, 1)) for s in sums]
        inner = self.loop_scope(sc, "i")
        body = []
        a = None
        if scratch:
            self.numpy = True
            a = self.name("a")
            size = lit(sc.bound) if sc.bound and self.chance(0.3) else ilit(rng.randint(2, 4))
            k = int(size[1]) if size[1].isdigit() else 2  # elements that surely exist
            alloc = rng.choice(("np.empty", "np.zeros", "np.ones"))
            if miss in ("before", "part") and alloc == "np.empty":
                alloc = "np.zeros"
            pre.append(("assign", a, call(alloc, size)))
            fill_sc = self.loop_scope(inner, "j")
            fill = ("for", "j", [bin_("-", size, ilit(1)) if miss == "part" else size],
                    [("assign", f"{a}[j]", self.fill(fill_sc))])
            reads = [f"{a}[{x}]" for x in sorted({0, rng.randrange(k), k - 1})]
            if miss == "part":
                reads = [f"{a}[0]"]
            if miss == "before":  # what the previous iteration left in the buffer
                t0 = self.name("t")
                body.append(("assign", t0, bin_("*", lit(rng.choice(reads)), self.var(inner))))
                inner.floats.append(t0)
            body.append(fill)
            if self.chance(0.35):  # a reduction over the buffer
                q = self.name("q")
                red = self.loop_scope(inner, "j")
                red.floats.append(f"{a}[j]")
                body += [("assign", q, num(0.0)),
                         ("for", "j", [size], [("aug", q, "+", bin_(
                             "*", num(0.5), call("math.tanh", self.fexpr(red, 1))))])]
                inner.floats.append(q)
            inner.floats += reads
        for _ in range(rng.choice((0, 1, 1, 2))):
            t = self.name("t")
            body.append(("assign", t, self.term(inner)))
            inner.floats.append(t)
        for s in sums:
            t = self.active(sc, self.term(inner))
            if a and f"{a}[" not in render_expr(t, False):  # make the buffer matter
                t = bin_(rng.choice("+*"), t, lit(rng.choice(reads)))
            body += self.near_update(inner, s, t) if miss == "update" and s == sums[0] else \
                [self.sum_update(s, t)]
        if miss == "outer" and sc.floats:  # a carried value that is not a sum
            v = rng.choice(sc.floats)
            body.insert(rng.randint(0, len(body)), self.update(inner, v))
        trips = self.trips(sc)
        if miss == "other_array":  # a write into an array that lives across iterations
            y = self.name("y")
            pre.append(("assign", y, call("np.zeros", bin_("+", trips, ilit(1)))))
            body.insert(rng.randint(0, len(body)), ("assign", f"{y}[i]", self.term(inner)))
        if miss == "break":
            cond = ("cmp", ">=", lit("i"), ilit(rng.randint(1, 3))) if self.chance(0.6) else \
                self.cond(inner, 0.3)
            body.insert(rng.randint(1, len(body)), ("if", [(cond, [("break",)])], None))
        if miss == "while":
            loop = [("assign", "i", ilit(0)),
                    ("while", ("cmp", "<", lit("i"), trips), body + [("aug", "i", "+", ilit(1))])]
        else:
            loop = [("for", "i", [trips], body)]
        e = self.after(sc, sums, miss == "after")
        if miss == "read_after":
            e = call("float", bin_("+", e[2][0], lit(f"{a}[0]")))
        return pre + loop + [("return", e)]

    def stencil_kernel(self, sc: Scope, near: bool) -> list:
        """An array filled from the scalars, stencil sweeps into a second one (swapped across a
        time loop), and a sum over the result."""
        rng = self.rng
        self.numpy = True
        miss = rng.choice(("inplace", "active", "accumulate")) if near else None
        n = lit(sc.bound) if sc.bound and self.chance(0.6) else ilit(rng.randint(3, 6))
        size = bin_("+", n, ilit(2)) if n[1] == sc.bound else ilit(int(n[1]) + 2)
        last = bin_("+", n, ilit(1)) if n[1] == sc.bound else ilit(int(n[1]) + 1)  # the last interior index + 1
        u, v = self.name("u"), self.name("w")
        init = self.loop_scope(sc, "i")
        pre = [("assign", u, call(rng.choice(("np.empty", "np.zeros")), size)),
               ("assign", v, call("np.zeros", size)),
               ("for", "i", [size], [("assign", f"{u}[i]", call(rng.choice((
                   "math.tanh", "math.sin")), self.active(sc, bin_("+", self.fexpr(init, 1), bin_(
                       "*", num(rng.choice((0.3, -0.5, 0.7))), lit("i"))))))])]
        offsets = rng.choice(((-1, 0, 1), (-1, 0, 1), (-1, 1), (0, 1), (-1, 0)))
        weights = [rng.choice((0.25, 0.5, -0.25, 0.3, 0.2)) for _ in offsets]
        terms = []
        for off, w in zip(offsets, weights):
            x = lit(f"{u}[i]" if off == 0 else f"{u}[i {'+' if off > 0 else '-'} {abs(off)}]")
            if self.chance(0.15):
                x = call(rng.choice(("math.sin", "math.tanh")), x)
            coef = lit(rng.choice(sc.constants)) if sc.constants and self.chance(0.15) else num(w)
            if coef[0] == "lit" and coef[1] in sc.constants:
                coef = bin_("*", num(0.2), coef)  # module constants can reach 2.0
            terms.append(bin_("*", coef, x))
        if miss == "active" and sc.floats:
            terms[rng.randrange(len(terms))] = bin_("*", call("math.tanh", self.var(sc)),
                                                    lit(f"{u}[i]"))
        e = terms[0]
        for t in terms[1:]:
            e = bin_("+", e, t)
        target = u if miss == "inplace" else v
        store = ("aug", f"{target}[i]", "+", bin_("*", num(0.5), e)) if miss == "accumulate" \
            else ("assign", f"{target}[i]", e)
        sweep = ("for", "i", [ilit(1), last], [store])
        steps = rng.choice((0, 1, 2, 3)) if miss != "inplace" else rng.choice((0, 2))
        if steps:
            body = [sweep] + ([("tassign", [u, v], [lit(v), lit(u)])] if target == v else [])
            loops = [("for", "t", [ilit(steps)], body)]
            result = u  # the latest values, after the swap
        else:
            loops = [sweep]
            result = target
        s = self.name("s")
        red = self.loop_scope(sc, "i")
        red.floats = [f"{result}[i]"] * 3 + red.floats
        form = rng.randrange(3)
        if form == 0:
            post = [("assign", s, call("float", call("np.sum", bin_("*", lit(result),
                                                                    lit(result)))))]
            e = bin_("*", lit(s), self.var(sc)) if self.chance(0.5) else lit(s)
            return pre + loops + post + [("return", call("float", e))]
        t = lit(f"{result}[i]")
        summand = bin_("*", t, t) if form == 1 else bin_("*", t, self.term(red))
        post = [("assign", s, num(0.0)), ("for", "i", [size], [self.sum_update(s, summand)])]
        return pre + loops + post + [("return", self.after(sc, [s], False))]

    # ------------------------------------------------------------------------ functions
    def helper(self, index: int, callable_helpers: list) -> tuple[Helper, tuple]:
        rng = self.rng
        names = rng.choice(HELPER_PARAMS)
        floats = [(names[0], None), (names[1], None)]
        consts = [c for c, _ in self.constants]
        if self.chance(0.3):
            floats[1] = (names[1], repr(rng.choice((0.5, 1.5, -1.0))))
        if self.chance(0.6):
            default = rng.choice(consts) if consts and self.chance(0.3) else \
                repr(rng.choice((0.5, 0.25, 2.0, -0.75)))
            floats.append((names[2], default))
        elif floats[1][1] is None and self.chance(0.3):
            floats.append((names[2], None))
        int_param = rng.choice(("n", "m")) if self.chance(0.35) else None
        h = Helper(f"{self.prefix}_h{index}", floats, int_param, rng.randint(1, 3),
                   2 if self.chance(0.25) else 1)
        self.fresh = itertools.count()
        self.used = {p for p, _ in floats} | ({int_param} if int_param else set())
        sc = Scope([p for p, _ in floats], [int_param] if int_param else [], bound=int_param,
                   helpers=callable_helpers, constants=consts, arity=h.arity)
        self.budget = rng.randint(2, 5)
        body = self.block(sc, 1, 4)
        if int_param and not any(s[0] == "for" for s in body):
            inner = sc.child(loop_depth=1)
            inner.ints.append("i")
            inner.loop_vars.append("i")
            inner.for_vars.append("i")
            body.append(("for", "i", [lit(int_param)], self.loop_body(inner, list(sc.floats))))
        body += self.ending(sc)
        if self.chance(0.1):
            body.insert(0, ("doc",))
        return h, (h.name, h.params_text(), body)

    def program(self):
        rng = self.rng
        helpers, functions = [], []
        for k in range(rng.choice((0, 0, 1, 2))):
            self.constants.append((f"{self.prefix.upper()}_C{k}",
                                   rng.choice((0.7, 1.25, -0.4, 2.0, 0.05))))
        for index in range(rng.choice((0, 1, 1, 2))):
            h, fn = self.helper(index, list(helpers))
            helpers.append(h)
            functions.append(fn)
        nfloat = rng.randint(2, 4)
        params = [f"x{k}" for k in range(nfloat)]
        has_n = self.chance(0.6)
        if has_n:
            params.insert(rng.randint(0, nfloat), "n")
        self.fresh = itertools.count()
        self.used = set(params)
        sc = Scope([p for p in params if p != "n"], ["n"] if has_n else [],
                   bound="n" if has_n else None, helpers=helpers,
                   constants=[c for c, _ in self.constants])
        kernel = self.chance(KERNEL_SHARE)
        self.budget = rng.randint(2, 7) if kernel else rng.randint(5, 14)
        self.no_return = kernel and self.chance(0.85)
        body = self.block(sc, 2 if kernel else 3, 5 if kernel else 9)
        self.no_return = False
        body += self.kernel(sc) if kernel else self.ending(sc)
        if self.chance(0.1):
            body.insert(0, ("doc",))
        name = self.prefix
        functions.append((name, ", ".join(params), body))

        args = []
        for p in params:
            if p == "n":
                args.append(rng.randint(2, 8))
            else:
                x = 0.0
                while abs(x) < 0.2:
                    x = round(rng.uniform(-2.0, 2.0), 3)
                args.append(x)
        float_idx = [k for k, p in enumerate(params) if p != "n"]
        chosen = sorted(rng.sample(float_idx, rng.randint(1, len(float_idx))))
        if self.chance(0.3):
            rng.shuffle(chosen)
        spec = []
        for k in chosen:
            r = rng.random()
            spec.append(params[k] if r < 0.15 else k - len(params) if r < 0.22 else k)
        if len(spec) == 1 and self.chance(0.5):
            wrt = spec[0]
        else:
            wrt = tuple(spec)
        return name, functions, tuple(args), wrt, self.constants


# =================================================================================================
# Validity: the probe trace and finite differences
# =================================================================================================


class Reject(Exception):
    """A candidate program that is not a fair finite-difference test; `kind` says why."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


class _Probe:
    """The probe twin of a program and a tracer recording its decisions and executed lines."""

    def __init__(self, source: str, filename: str, name: str):
        self.filename = filename
        self.events: list = []
        ev = self.events

        def c(x):
            ev.append(bool(x))
            return x

        def _abs(x):
            ev.append(("abs", x > 0, x < 0))
            return abs(x)

        def _fabs(x):
            ev.append(("abs", x > 0, x < 0))
            return math.fabs(x)

        def _pick(fn, tag):
            def probe(*args):
                out = fn(*args)
                ev.append((tag, [a == out for a in args].index(True)))
                return out
            return probe

        def _int(x):
            out = int(x)
            ev.append(("int", out))
            return out

        def _floor(x):
            out = math.floor(x)
            ev.append(("floor", out))
            return out

        def _fmod(x, y):
            ev.append(("fmod", math.trunc(x / y)))
            return math.fmod(x, y)

        def _mod(x, y):
            ev.append(("mod", math.floor(x / y)))
            return x % y

        def _floordiv(x, y):
            out = x // y
            ev.append(("floordiv", out))
            return out

        # Points where the derivative does not exist, even if the value there is smooth along
        # the program's path (`a = x - x; math.hypot(a, a)`): no fair test.
        def _hypot(*args):
            if not any(args):
                raise Reject("singular", "math.hypot at 0")
            return math.hypot(*args)

        def _pow(x, y):
            if x == 0:
                raise Reject("singular", "0 ** y")
            return x ** y

        ns = {"__name__": "s2sad_fuzz_probe", "_fz_c": c, "_fz_abs": _abs, "_fz_fabs": _fabs,
              "_fz_min": _pick(min, "min"), "_fz_max": _pick(max, "max"), "_fz_int": _int,
              "_fz_floor": _floor, "_fz_fmod": _fmod, "_fz_mod": _mod,
              "_fz_floordiv": _floordiv, "_fz_hypot": _hypot, "_fz_pow": _pow}
        exec(compile(source, filename, "exec"), ns)
        self.fn = ns[name]

    def trace(self, args, check_locals: bool = False) -> list:
        """Events of one call: (function, line) per executed line and every probe decision."""
        self.events.clear()
        ev, filename = self.events, self.filename

        def local(frame, event, arg):
            if event == "line":
                ev.append((frame.f_code.co_name, frame.f_lineno))
                if len(ev) > MAX_LINES:
                    raise Reject("too-long", f"more than {MAX_LINES} lines executed")
                if check_locals:
                    for key, value in frame.f_locals.items():
                        if isinstance(value, float) and not abs(value) < MAX_MAGNITUDE:
                            raise Reject("large-local", f"{key} = {value!r}")
            return local

        def tracer(frame, event, arg):
            return local if frame.f_code.co_filename == filename else None

        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            self.fn(*args)
        finally:
            sys.settrace(previous)
        return list(ev)


def _stencil(args, indices, scale):
    for i in indices:
        x = float(args[i])
        h = scale * max(1.0, abs(x))
        h = (x + h) - x  # as fd_partial does
        for k in (-2, -1, 1, 2):
            shifted = list(args)
            shifted[i] = x + k * h
            yield tuple(shifted)


def validate(real_source: str, probe_source: str, name: str, args: tuple, wrt, tag: str,
             allow_zero: bool = False):
    """(value, fd gradient) when the program is a fair test at `args`; raises `Reject` if not.

    A gradient that is zero in every component is rejected unless `allow_zero`."""
    probe = _Probe(probe_source, f"<s2sad-fuzz-probe {tag}>", name)
    try:  # first under the tracer, which stops runaway loops
        path = probe.trace(args, check_locals=True)
    except Reject:
        raise
    except Exception as exc:  # ZeroDivisionError, OverflowError, ValueError (math domain), ...
        raise Reject("primal-raises", f"{type(exc).__name__}: {exc}") from None
    ns: dict = {"__name__": "s2sad_fuzz_check"}
    exec(compile(real_source, f"<s2sad-fuzz {tag}>", "exec"), ns)
    fn = ns[name]
    value = fn(*args)
    if type(value) is not float or not abs(value) < MAX_MAGNITUDE:
        raise Reject("primal-value", repr(value))
    try:
        coarse = fd_grad(fn, args, wrt)
        fine = fd_grad(fn, args, wrt, scale=0.5e-3)
    except Exception as exc:
        raise Reject("fd-raises", f"{type(exc).__name__}: {exc}") from None
    parts = coarse if isinstance(coarse, tuple) else (coarse,)
    if not all(abs(g) < MAX_MAGNITUDE for g in parts):
        raise Reject("fd-large", repr(coarse))
    if not allow_zero and all(abs(g) < 1e-9 for g in parts):
        raise Reject("fd-zero", repr(coarse))
    if not grad_close(fine, coarse, rtol=FD_AGREE_RTOL, atol=FD_AGREE_ATOL):
        raise Reject("fd-unstable", f"{coarse!r} vs {fine!r}")
    indices, _ = _positions(fn, wrt)
    for scale in (1e-3, 0.5e-3):
        for shifted in _stencil(args, indices, scale):
            try:
                other = probe.trace(shifted)
            except Reject:
                raise
            except Exception as exc:
                raise Reject("stencil-raises", f"{type(exc).__name__}: {exc}") from None
            if other != path:
                raise Reject("path-changes", f"at {shifted!r}")
    return value, coarse


# =================================================================================================
# Programs as importable modules
# =================================================================================================


@dataclass
class FuzzProgram:
    seed: int
    attempt: int  # the sub-seed that gave a valid program
    source: str
    func_name: str
    args: tuple
    wrt: object
    fn: object  # the imported function (from `path`)
    path: str
    value: float  # the primal at `args`
    want: object  # 4-point central differences (scale 1e-3), shaped like s2sad's answer
    rejected: dict  # reason -> count, over the attempts before `attempt`
    avoid: tuple = ()  # the constructs left out (see AVOIDABLE)

    def describe(self) -> str:
        return (f"seed {self.seed} (attempt {self.attempt}): {self.func_name}{self.args!r}, "
                f"wrt={self.wrt!r}, file {self.path}")


_TMPDIR: list = []


def _tmpdir() -> str:
    if not _TMPDIR:
        path = tempfile.mkdtemp(prefix="s2sad-fuzz-")
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        _TMPDIR.append(path)
    return _TMPDIR[0]


def _import(source: str, module_name: str):
    path = os.path.join(_tmpdir(), f"{module_name}.py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module, path


def candidate(seed: int, attempt: int, avoid=frozenset()):
    """(real source, probe source, function name, args, wrt) of one sub-seed, unvalidated."""
    rng = random.Random(f"s2sad-fuzz:{seed}:{attempt}")
    gen = _Gen(rng, f"fz{seed}", avoid)
    name, functions, args, wrt, constants = gen.program()
    header = f"# s2sad fuzz program: seed {seed}, attempt {attempt}"
    return (render_module(functions, False, header, constants, gen.numpy),
            render_module(functions, True, header, constants, gen.numpy), name, args, wrt)


def generate(seed: int, avoid=()) -> FuzzProgram:
    """The first valid program for `seed` (deterministic), imported from its own file.

    `avoid`: constructs from `AVOIDABLE` to leave out (while a known s2sad bug in them would
    mask everything else a program tests); the same seed then gives a different program."""
    unknown = set(avoid) - set(AVOIDABLE)
    if unknown:
        raise ValueError(f"cannot avoid {sorted(unknown)}; choose from {sorted(AVOIDABLE)}")
    return _generate(seed, frozenset(avoid))


@functools.cache
def _generate(seed: int, avoid: frozenset) -> FuzzProgram:
    rejected: dict = {}
    tag = "".join(f"-{a}" for a in sorted(avoid))
    for attempt in range(MAX_ATTEMPTS):
        real, probe, name, args, wrt = candidate(seed, attempt, avoid)
        try:
            value, want = validate(real, probe, name, args, wrt, f"{seed}.{attempt}",
                                   allow_zero=(seed + attempt) % 4 == 0)
        except Reject as why:
            rejected[why.kind] = rejected.get(why.kind, 0) + 1
            continue
        module, path = _import(real, f"s2sad_fuzz_{seed}_{attempt}_{os.getpid()}"
                                     f"{tag.replace('-', '_')}")
        fn = getattr(module, name)
        return FuzzProgram(seed, attempt, real, name, args, wrt, fn, path, value, want, rejected,
                           tuple(sorted(avoid)))
    raise RuntimeError(f"no valid program for seed {seed} in {MAX_ATTEMPTS} attempts: {rejected}")


def make_program(seed: int):
    """`(source_text, func_name, args, wrt)` of the valid program for `seed`."""
    p = generate(seed)
    return p.source, p.func_name, p.args, p.wrt


# =================================================================================================
# The differential check
# =================================================================================================


@dataclass
class Failure:
    kind: str  # value, grad, grad-vs-value_and_grad, shape, repeat or error:<ExceptionClass>
    detail: str


def _shape_ok(got, wrt) -> bool:
    if isinstance(wrt, tuple):
        return isinstance(got, tuple) and len(got) == len(wrt) and \
            all(isinstance(g, float) for g in got)
    return isinstance(got, float)


def _mismatch(got, want, rtol, atol, what) -> str | None:
    try:
        assert_grad_close(got, want, rtol=rtol, atol=atol, what=what)
    except AssertionError as exc:
        return str(exc)
    return None


def check_program(prog: FuzzProgram, jit: bool, rtol: float = 1e-6, atol: float = 1e-9):
    """Differentiate `prog` with s2sad (one `value_and_grad` and one `grad` object, each built
    once) and compare with the primal and finite differences. Returns a list of `Failure`s."""
    from s2sad import grad, value_and_grad

    failures = []
    try:
        vg = value_and_grad(prog.fn, wrt=prog.wrt, jit=jit)
        first = vg(*prog.args)
    except Exception as exc:
        return [Failure(f"error:{type(exc).__name__}", f"value_and_grad: {exc}")]
    value, grads = first
    if not (isinstance(value, float)
            and abs(value - prog.value) <= 1e-12 * max(1.0, abs(prog.value))):
        failures.append(Failure("value", f"value_and_grad value {value!r}, primal {prog.value!r}"))
    if not _shape_ok(grads, prog.wrt):
        failures.append(Failure("shape", f"wrt={prog.wrt!r} gave {grads!r}"))
    else:
        bad = _mismatch(grads, prog.want, rtol, atol, "value_and_grad gradient vs finite diff")
        if bad:
            failures.append(Failure("grad", bad))
    try:
        g = grad(prog.fn, wrt=prog.wrt, jit=jit)(*prog.args)
    except Exception as exc:
        failures.append(Failure(f"error:{type(exc).__name__}", f"grad: {exc}"))
    else:
        bad = _mismatch(g, grads, 1e-12, 1e-15, "grad vs value_and_grad")
        if bad and not any(f.kind in ("grad", "shape") for f in failures):
            failures.append(Failure("grad-vs-value_and_grad", bad))
    # No state leaks from one call into the next; keyword arguments bind like positional ones.
    indices, _ = _positions(prog.fn, prog.wrt)
    shifted = list(prog.args)
    shifted[indices[0]] += 1e-3 * max(1.0, abs(shifted[indices[0]]))
    last = list(inspect.signature(prog.fn).parameters)[-1]
    try:
        vg(*shifted)
        again = vg(*prog.args[:-1], **{last: prog.args[-1]})
    except Exception as exc:
        failures.append(Failure(f"error:{type(exc).__name__}", f"repeated call: {exc}"))
    else:
        if repr(again) != repr(first):  # repr: a nan equals itself
            failures.append(Failure("repeat", f"first call {first!r}, same point later {again!r}"))
    return failures


def report(prog: FuzzProgram, jit: bool, failures: list) -> str:
    """A self-contained description of failures: the seed, the program source, got/want."""
    build = "jit=True (numba)" if jit else "jit=False (python)"
    lines = [f"s2sad fuzz failure, {build}: {prog.describe()}",
             f"reproduce: python tools/fuzz.py --start {prog.seed} --count 1"
             f"{' --jit' if jit else ''}"
             f"{' --avoid ' + ','.join(prog.avoid) if prog.avoid else ''} --verbose", "",
             "---- source ----", prog.source.rstrip(),
             "---- end source ----",
             f"call: grad({prog.func_name}, wrt={prog.wrt!r}, jit={jit})(*{prog.args!r})",
             f"primal value {prog.value!r}; finite differences {prog.want!r}"]
    for f in failures:
        lines += [f"[{f.kind}] {f.detail}"]
    return "\n".join(lines)
