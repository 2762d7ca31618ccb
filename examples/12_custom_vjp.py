"""Custom nodes with hand-written backward passes: `custom_vjp` (the lecture's custom gate).

The lecture's point about the sigmoid neuron: the four gates after s = w·x + b (negate, exp,
add 1, reciprocal) collapse into one "sigmoid gate" whose local gradient is (1 - sigma) sigma,
computed from the gate's own output. `@custom_vjp` makes a function that kind of node: s2sad calls
it in the forward sweep, never reads its body, and calls your backward function `vjp(g, out, *args)`
once in the reverse sweep, which returns one cotangent per argument (here g (1 - out) out).

1. The sigmoid as a custom node, with its vjp and jvp written with @numba.njit: the derivative
   calls them from compiled code. It serves the lecture's neuron on numbers and a layer of
   neurons on NumPy arrays; both gradients are checked with check_grad (central differences
   plus the forward/reverse dot-product test, which runs the jvp).
2. An opaque function: SciPy's standard normal CDF `scipy.special.ndtr`, in a probit regression.
   s2sad cannot read it and Numba cannot call it, so a custom vjp/jvp gives its derivative
   (the normal density) and the Numba build falls back to the pure-Python build with an
   S2SADFallbackWarning naming the callable; the script catches and prints that warning.

    python examples/12_custom_vjp.py
"""

import math
import sys
import warnings

import numba
import numpy as np
from scipy import special

from s2sad import check_grad, custom_vjp, grad
from s2sad.errors import S2SADFallbackWarning
from s2sad.jit import jit_enabled


# 1. the sigmoid gate -------------------------------------------------------------------------
@custom_vjp
@numba.njit
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@sigmoid.defvjp
@numba.njit
def sigmoid_vjp(g, out, z):
    return (g * (1.0 - out) * out,)  # the lecture's local gradient, from the gate's output


@sigmoid.defjvp
@numba.njit
def sigmoid_jvp(tz, out, z):
    return tz * (1.0 - out) * out


def neuron(w0, w1, w2, x0, x1):
    """The lecture's neuron on numbers: sigmoid(w0 x0 + w1 x1 + w2)."""
    return sigmoid(w0 * x0 + w1 * x1 + w2)


def layer_loss(W, b, X, Y):
    """A layer of sigmoid neurons on arrays: squared error of sigmoid(X W + b) against Y."""
    return np.sum((sigmoid(X @ W + b) - Y) ** 2)


# 2. an opaque SciPy function -----------------------------------------------------------------
@custom_vjp
def normal_cdf(z):
    """Phi(z) by SciPy: a C ufunc that s2sad cannot read and Numba cannot call."""
    return special.ndtr(z)


@normal_cdf.defvjp
def normal_cdf_vjp(g, out, z):
    return (g * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi),)  # dPhi/dz: the normal density


@normal_cdf.defjvp
def normal_cdf_jvp(tz, out, z):
    return tz * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def probit_loss(w, b, X, y):
    """Cross-entropy of the probit model P(y = 1) = Phi(X w + b)."""
    p = normal_cdf(X @ w + b)
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def main() -> int:
    ok = True
    jit = jit_enabled()  # False under S2SAD_JIT=0

    # 1a. the neuron on numbers ------------------------------------------------------------
    args = (2.0, -3.0, -3.0, -1.0, -2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", S2SADFallbackWarning)  # njit'd rules: no fallback
        d_neuron = grad(neuron, wrt=(0, 1, 2, 3, 4))
        dw0, dw1, dw2, dx0, dx1 = d_neuron(*args)
    print("the generated adjoint of neuron: sigmoid is called once in the forward sweep and "
          "sigmoid_vjp once\nin the reverse sweep (rta.cotangents checks it returned a tuple "
          "of one cotangent)")
    print(d_neuron.source)
    print(f"neuron: dw = ({dw0:.2f}, {dw1:.2f}, {dw2:.2f}), dx = ({dx0:.2f}, {dx1:.2f}); "
          f"{'compiled with Numba' if d_neuron.compiled is not None else 'pure Python'}")
    s = 1.0 / (1.0 + math.exp(-1.0))  # sigma(1): the neuron's output at these inputs
    want = (-s * (1 - s), -2 * s * (1 - s), s * (1 - s), 2 * s * (1 - s), -3 * s * (1 - s))
    ok &= all(abs(a - b) < 1e-15 for a, b in zip((dw0, dw1, dw2, dx0, dx1), want))
    report = check_grad(neuron, *args, wrt=(0, 1, 2, 3, 4))
    print(report)
    ok &= report.ok
    ok &= (d_neuron.compiled is not None) == jit

    # 1b. a layer of neurons on arrays -----------------------------------------------------
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 3)), rng.uniform(size=(8, 2))
    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", S2SADFallbackWarning)
        report = check_grad(layer_loss, W, b, X, Y, wrt=(0, 1))
    print("\nlayer_loss(W, b, X, Y), the sigmoid node applied to an (8, 2) array:")
    print(report)
    ok &= report.ok

    # 2. the opaque SciPy function ----------------------------------------------------------
    X = rng.normal(size=(50, 2))
    y = (X @ np.array([1.0, -1.0]) + 0.5 * rng.normal(size=50) > 0.0).astype(float)
    w, b = np.array([0.4, -0.3]), 0.1
    d_probit = grad(probit_loss, wrt=(0, 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", S2SADFallbackWarning)
        gw, gb = d_probit(w, b, X, y)  # the first call compiles, and falls back
        report = check_grad(probit_loss, w, b, X, y, wrt=(0, 1))  # its jvp falls back too
    fallbacks = [str(c.message) for c in caught if issubclass(c.category, S2SADFallbackWarning)]
    print("\nprobit_loss with the opaque scipy.special.ndtr:")
    for message in fallbacks:
        print(f"S2SADFallbackWarning: {message}")
    if jit:  # one warning for the gradient, one for check_grad's forward-mode (jvp) build
        ok &= len(fallbacks) == 2 and "_normal_cdf_fn" in fallbacks[0]
    else:
        print("(S2SAD_JIT=0: every derivative is pure Python; there is nothing to fall back from)")
        ok &= not fallbacks
    print(f"dL/dw = {np.array2string(gw, precision=10)}, dL/db = {gb:.10f}")
    print(report)
    ok &= report.ok

    if not ok:
        print("FAILED: a custom derivative disagrees with its reference", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
