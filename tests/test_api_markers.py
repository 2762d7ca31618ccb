"""stop_gradient: the identity in value, zero in every derivative, in both modes and builds."""

import math

from s2sad import grad, jvp, stop_gradient

from .gradcheck import assert_grad_close


def frozen_scale(x, y):
    s = stop_gradient(x * y)
    return s * x + y


def test_stop_gradient_blocks_its_path(backend):
    x, y = 1.5, -0.7
    got = grad(frozen_scale, wrt=(0, 1), jit=backend)(x, y)
    # s = x*y is a constant for differentiation: d/dx = s, d/dy = 1
    assert_grad_close(got, (x * y, 1.0), rtol=1e-15, atol=0.0)
    assert frozen_scale(x, y) == x * y * x + y
    value, tangent = jvp(frozen_scale, wrt=(0, 1), jit=backend)(x, y, 1.0, 0.0)
    assert math.isclose(tangent, x * y, rel_tol=1e-15)


def test_stop_gradient_is_the_identity_in_value(backend):
    def f(x):
        return stop_gradient(x) * x

    # d/dx [stop(x) * x] = stop(x) = x, half of the unblocked derivative 2x
    assert_grad_close(grad(f, jit=backend)(3.0), 3.0, rtol=1e-15, atol=0.0)
