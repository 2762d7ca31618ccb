"""Loop-invariant code motion: invariant arithmetic leaves the loop, anything that may raise stays."""

from s2sad import grad
from s2sad.pipeline import build_ssa
from s2sad.ssa.nodes import For, Op
from s2sad.ssa.printer import format_function

from ..gradcheck import assert_grad_close, fd_grad


def damped(k, c, x0, n):
    x, v = x0, 0.0
    for _ in range(n):
        a = -k * x - c * v
        v = v + 0.01 * a
        x = x + 0.01 * v
    return x * x


def guarded(x, n):
    s = 0.0
    for _ in range(n):
        s = s + 1.0 / x + x * 2.0
    return s


def _loop(fn):
    return next(item for item in build_ssa(fn).body.items if isinstance(item, For))


def test_invariant_negation_leaves_the_loop():
    ssa = build_ssa(damped)
    before = [item for item in ssa.body.items if isinstance(item, Op)]
    assert any(op.fn.__name__ == "neg" for op in before), format_function(ssa)
    assert not any(isinstance(i, Op) and i.fn.__name__ == "neg" for i in _loop(damped).body.items)


def test_division_is_not_speculated():
    body = _loop(guarded).body.items
    names = [i.fn.__name__ for i in body if isinstance(i, Op)]
    assert "truediv" in names  # 1/x may raise; with n == 0 the user's program never divides
    assert "mul" not in names  # x * 2.0 is invariant and safe: hoisted


def test_hoisted_gradients_match_finite_differences(backend):
    args = (1.3, 0.2, 0.7, 300)
    got = grad(damped, wrt=(0, 1), jit=backend)(*args)
    assert_grad_close(got, fd_grad(damped, args, (0, 1)))
    args = (0.9, 25)
    assert_grad_close(grad(guarded, wrt=0, jit=backend)(*args), fd_grad(guarded, args, 0))
