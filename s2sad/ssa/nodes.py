"""Structured SSA: the IR every analysis and transform works on.

Regions stay structured (If, For, While) as in MLIR's `scf` dialect: values defined inside a
region are visible only inside it, and leave it through explicit phis (`If.phis`) or loop-carried
values (`Carried`). Python in, Python out: no CFG and no relooper are ever needed.

`break`, `continue` and `return` were lowered to flags by `frontend.normalize`, so a loop exits
normally or after an iteration whose `exit` flag is true, and a function has one result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..loc import Loc


@dataclass(frozen=True)
class Scalar:
    """A scalar type: 'float' (float64), 'int' (int64) or 'bool'."""

    name: str

    def __str__(self) -> str:
        return {"float": "f64", "int": "i64", "bool": "bool", "float32": "f32"}[self.name]


FLOAT = Scalar("float")
INT = Scalar("int")
BOOL = Scalar("bool")


@dataclass(frozen=True)
class Aux:
    """A compile-time-only value kind: a `slice` or a tuple of `n` values (shapes, index
    tuples). Ops producing them are inlined into their single use by the generators."""

    name: str
    n: int = 0

    def __str__(self) -> str:
        return self.name if self.name == "slice" else f"tuple{self.n}"


SLICE = Aux("slice")


@dataclass(frozen=True)
class Array:
    """A NumPy array argument: element type and number of dimensions (`f64[:, :]`)."""

    dtype: Scalar
    ndim: int

    def __str__(self) -> str:
        return f"{self.dtype}[{', '.join([':'] * self.ndim)}]"


F32 = Scalar("float32")  # only as an array dtype: float32 scalars compute as float64


def is_float(t) -> bool:
    """Whether values of type `t` can carry derivatives: floats and float arrays."""
    return t == FLOAT or (isinstance(t, Array) and t.dtype in (FLOAT, F32))


def is_array(t) -> bool:
    return isinstance(t, Array)


# Marker callables for array syntax. Each is real, runnable Python (tests and the pure-Python
# reading of the IR can call them); generated code spells them back as syntax (emit.spell).
def dim(x, k):
    """`x.shape[k]`: the op `x.shape` becomes, one per dimension (a compile-time tuple)."""
    return x.shape[k]


def setitem(x, *index_and_value):
    """`x[index] = value` as an op: the result is `x` itself, written in place."""
    *index, value = index_and_value
    x[index[0] if len(index) == 1 else tuple(index)] = value
    return x


def make_slice(start, stop, step):
    """`start:stop:step` inside a subscript."""
    return slice(start, stop, step)


class DerivativeSite:
    """A call of a derivative object (`grad(g)(w)`) inside a differentiated function, numbered in
    build order. The builder cannot generate g's adjoint before the argument types are known:
    it emits `derivative_site` placeholders, type inference records the argument types in
    `kinds`, and the pipeline rebuilds with g's adjoint for those types inlined (pipeline.py)."""

    def __init__(self, derivative, index: int):
        self.derivative, self.index = derivative, index
        self.kinds: tuple | None = None

    def __repr__(self) -> str:
        return f"site{self.index}"


def derivative_site(site, part, *args):
    """Placeholder: part -1 is g's value, part k the gradient for g's k-th wrt argument."""
    raise NotImplementedError("a placeholder, replaced before code is generated")


def make_tuple(*items):
    """`(a, b, ...)` where a tuple object is needed at run time (shapes, index tuples)."""
    return tuple(items)


def shape_of(x):
    """`x.shape` passed on whole (np.zeros(x.shape)); `x.shape[k]` is `dim` instead."""
    return x.shape


def size_of(x):
    """`x.size`."""
    return x.size


def ndim_of(x):
    """`x.ndim`."""
    return x.ndim


@dataclass(eq=False)
class Value:
    """An SSA value. `base` is the source name ('x') or '$' for temporaries."""

    base: str
    version: int | None
    type: Scalar | Array | None = None

    @property
    def name(self) -> str:
        if self.base == "$":
            return f"${self.version}"
        return self.base if self.version is None else f"{self.base}.{self.version}"

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Const:
    """A literal operand (number or bool); `UNDEF` marks a value missing on some path."""

    value: object

    def __repr__(self) -> str:
        return "undef" if self is UNDEF else repr(self.value)


UNDEF = Const(object())
Arg = Value | Const


@dataclass(frozen=True, eq=False)
class Stmt:
    """The user statement an op came from: its text for comments, its location for errors.

    Statements of an inlined helper record the call site they were inlined at (`via`), so
    generated code can cite the caller's line as well as the helper's."""

    text: str
    loc: Loc
    via: Stmt | None = None
    helper: str = ""

    def chain(self) -> list[Stmt]:
        """Outermost call site first, this statement last."""
        return (self.via.chain() if self.via is not None else []) + [self]


@dataclass(eq=False)
class Op:
    """`result = fn(*args)`; `fn` is the resolved Python callable (operator.mul, math.sin...)."""

    result: Value
    fn: object
    args: list[Arg]
    stmt: Stmt
    loc: Loc
    nvar: int = 0  # array rules with a *varargs parameter: how many args it took
    augmented: bool = False  # made by `x op= v`: in place when x turns out to be an array


@dataclass(eq=False)
class Phi:
    """At an if-join: `result` is `then` when the branch was taken, else `orelse`."""

    result: Value
    then: Arg
    orelse: Arg


@dataclass(eq=False)
class Carried:
    """A loop-carried value: `header` inside the body, `init` on entry, `next` yielded at the end
    of each iteration, `result` after the loop (the last `next`, or `init` if no iteration ran)."""

    header: Value
    init: Arg
    next: Arg
    result: Value


@dataclass(eq=False)
class Block:
    items: list = field(default_factory=list)


@dataclass(eq=False)
class If:
    cond: Arg
    then: Block
    orelse: Block
    phis: list[Phi]
    stmt: Stmt
    loc: Loc


@dataclass(eq=False)
class For:
    """`for index in range(start, stop, step)`; leaves after an iteration where `exit` holds."""

    index: Value
    start: Arg
    stop: Arg
    step: Arg
    body: Block
    carried: list[Carried]
    exit: Arg | None
    stmt: Stmt
    loc: Loc


@dataclass(eq=False)
class While:
    """`while cond:` — `cond_block` computes `cond` from the headers before every iteration."""

    cond_block: Block
    cond: Arg
    body: Block
    carried: list[Carried]
    exit: Arg | None
    stmt: Stmt
    loc: Loc


Loop = For | While


@dataclass(eq=False)
class Function:
    name: str
    params: list[Value]
    body: Block
    result: object  # Arg, or a (nested) tuple of Args: helpers, and functions returning tuples
    loc: Loc
    file: str
    result_loc: Loc | None = None  # the final `return`


def leaves(result) -> list:
    """The Args of a (possibly nested) tuple result, in order."""
    if isinstance(result, tuple):
        return [leaf for item in result for leaf in leaves(item)]
    return [result]


def all_values(fn: Function) -> list[Value]:
    """Every value of `fn`: parameters, op results, phis, loop headers and loop results."""
    out = list(fn.params)
    for item in walk(fn.body):
        out += defined(item)
        if isinstance(item, (For, While)):
            out += [c.header for c in item.carried]
    return out


def walk(block: Block):
    """Yield every item of `block` and of its nested regions, in program order."""
    for item in block.items:
        yield item
        if isinstance(item, If):
            yield from walk(item.then)
            yield from walk(item.orelse)
        elif isinstance(item, For):
            yield from walk(item.body)
        elif isinstance(item, While):
            yield from walk(item.cond_block)
            yield from walk(item.body)


def defined(item) -> list[Value]:
    """The values an item defines in its own block (not those defined inside its regions)."""
    if isinstance(item, Op):
        return [item.result]
    if isinstance(item, If):
        return [p.result for p in item.phis]
    return [c.result for c in item.carried]


def uses(item) -> list[Arg]:
    """The operands an item reads from outside its regions (region-internal reads excluded)."""
    if isinstance(item, Op):
        return list(item.args)
    if isinstance(item, If):
        return [item.cond]
    if isinstance(item, For):
        return [item.start, item.stop, item.step] + [c.init for c in item.carried]
    return [c.init for c in item.carried]
