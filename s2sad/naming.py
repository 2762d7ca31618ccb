"""One namer for every identifier in generated code: deterministic and collision-free.

Conventions (after Griewank & Walther, *Evaluating Derivatives*: a bar for adjoints, a dot for
tangents): the SSA value `x.3` is emitted as `x_3`, its adjoint as `bx_3`; a temporary `$7` is
`_t7` with adjoint `b_t7`; helper locals keep their helper's name (`accel.a.1` -> `accel_a_1`).
Names are handed out in the order they are asked for, so two builds of the same function give
byte-identical source.
"""

from __future__ import annotations

import keyword

from .ssa.nodes import Value

# Names the generated module itself binds at top level.
MODULE_NAMES = {"math", "np", "rta", "grow", "push_array", "scatter_add2", "trip_count", "range",
                "float", "int", "abs", "min", "max", "round", "len", "bool", "pow", "True",
                "False", "None"}


class Namer:
    """`rep` maps a value to the value whose variable it shares (versions of one array written
    in place share one variable and one adjoint; see ssa.memory)."""

    def __init__(self, reserved=(), rep=None):
        self.used: set[str] = set(MODULE_NAMES) | set(reserved)
        self.primal: dict[int, str] = {}
        self.adjoint: dict[int, str] = {}
        self.rep = rep or (lambda v: v)

    def unique(self, hint: str) -> str:
        name = hint if hint.isidentifier() and not keyword.iskeyword(hint) else f"{hint}_"
        while name in self.used:
            name += "_"
        self.used.add(name)
        return name

    def name(self, v: Value) -> str:
        v = self.rep(v)
        key = id(v)
        if key not in self.primal:
            self.primal[key] = self.unique(_hint(v))
        return self.primal[key]

    def adj(self, v: Value) -> str:
        v = self.rep(v)
        key = id(v)
        if key not in self.adjoint:
            primal = self.name(v)
            self.adjoint[key] = self.unique(f"b{primal}")
        return self.adjoint[key]

    def fresh(self, hint: str) -> str:
        return self.unique(hint)


def _hint(v: Value) -> str:
    if v.base == "$":
        return f"_t{v.version}"
    base = v.base.replace(".", "_").replace("$", "")
    return base if v.version is None else f"{base}_{v.version}"
