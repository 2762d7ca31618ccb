"""s2sad in one run: differentiate four real functions, print each generated adjoint and gradient.

    pip install -e . && python examples/demo.py

1. the lecture's f(x, y, z) = (x + y) z                     straight-line code, three inputs
2. the lecture's sigmoid neuron                               math.exp, five inputs
3. a damped oscillator over 1000 explicit-Euler steps         a loop with a data-dependent bound
4. Newton's square root                                       a while loop with an early return

Every gradient is checked (against the analytic answer or finite differences); the script exits
non-zero if one is wrong. The first run generates and compiles each adjoint (a second or two
each); later runs load them from the on-disk cache.
"""

import math
import sys

from s2sad import grad

# --- the functions ---------------------------------------------------------------------------


def f(x, y, z):
    q = x + y
    return q * z


def neuron(w0, w1, w2, x0, x1):
    s = w0 * x0 + w1 * x1 + w2
    return 1.0 / (1.0 + math.exp(-s))


def energy(k, c, x0, n):
    """Mechanical energy after n explicit-Euler steps of x'' = -k x - c x'."""
    dt = 0.01
    x = x0
    v = 0.0
    for _ in range(n):
        a = -k * x - c * v
        x_next = x + dt * v
        v = v + dt * a
        x = x_next
    return 0.5 * v * v + 0.5 * k * x * x


@grad  # bare @grad differentiates with respect to the first argument
def newton_sqrt(a):
    """sqrt(a) by Newton's iteration, returning as soon as it has converged."""
    x = max(a, 1.0)
    i = 0
    while i < 100:
        x_new = 0.5 * (x + a / x)
        if abs(x_new - x) <= 1e-15 * x_new:
            return x_new
        x = x_new
        i += 1
    return x


# --- running them --------------------------------------------------------------------------


def close(got, want, rtol):
    return all(abs(g - w) <= rtol * max(abs(w), 1e-300) for g, w in zip(got, want))


def show(title, g, args, got, want, rtol, how):
    """Print one function's generated adjoint and gradient; exit non-zero if it is wrong."""
    got = tuple(float(v) for v in (got if isinstance(got, tuple) else (got,)))
    print("=" * 100)
    print(f"{title}   at {args}")
    print("-" * 100)
    print(g.source)
    print("-" * 100)
    print(f"gradient: {', '.join(f'{v:.10g}' for v in got)}")
    print(f"expected: {', '.join(f'{v:.10g}' for v in want)}   ({how})")
    if len(got) != len(want) or not close(got, want, rtol):
        sys.exit(f"FAIL {title}: s2sad gave {got}, expected {tuple(want)}")
    print("ok")
    print()


def main():
    df = grad(f, wrt=(0, 1, 2))
    args = (-2.0, 5.0, -4.0)
    show("1. f(x, y, z) = (x + y) z", df, args, df(*args), (-4.0, -4.0, 3.0), 0.0, "the lecture")

    dneuron = grad(neuron, wrt=(0, 1, 2, 3, 4))
    w0, w1, w2, x0, x1 = args = (2.0, -3.0, -3.0, -1.0, -2.0)
    sig = 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))
    local = (1.0 - sig) * sig
    want = (x0 * local, x1 * local, local, w0 * local, w1 * local)
    show(
        "2. sigmoid neuron, d/d(w0, w1, w2, x0, x1)",
        dneuron,
        args,
        dneuron(*args),
        want,
        1e-12,
        "analytic: (1 - sigma) sigma, swapped onto w and x",
    )

    denergy = grad(energy, wrt=(0, 1))
    args = (1.0, 0.1, 1.0, 1000)
    k, c, x0, n = args
    hk, hc = 1e-6 * k, 1e-6 * c
    want = (
        (energy(k + hk, c, x0, n) - energy(k - hk, c, x0, n)) / (2 * hk),
        (energy(k, c + hc, x0, n) - energy(k, c - hc, x0, n)) / (2 * hc),
    )
    show(
        "3. damped oscillator energy, d/d(k, c)",
        denergy,
        args,
        denergy(*args),
        want,
        1e-6,
        "central finite differences",
    )

    a = 2.0
    show(
        "4. Newton's square root, d/da",
        newton_sqrt,
        (a,),
        newton_sqrt(a),
        (0.5 / math.sqrt(a),),
        1e-12,
        "analytic: 1 / (2 sqrt(a))",
    )

    print("all four gradients check out")


if __name__ == "__main__":
    main()
