"""Forward or reverse mode? Time both on the two shapes of problem the lecture compares.

Forward mode (jvp) pushes one input direction through the program per sweep; reverse mode
(vjp, grad) pulls one output's sensitivities back to every input per sweep. So a full Jacobian
of a function with n inputs and m outputs costs n forward sweeps or m reverse sweeps:

(a) few inputs, many outputs: a damped oscillator's trajectory x(t_1), ..., x(t_N) as a function
    of its stiffness k and damping c. 2 inputs, N outputs: jacobian(mode="forward") runs 2 jvp
    sweeps, jacobian(mode="reverse") runs N vjp sweeps (each of them through all N steps).
(b) many inputs, one output: the energy of a chain of N springs, a scalar function of N
    positions. The gradient costs N jvp sweeps (one per unit direction) in forward mode, and a
    single grad call in reverse mode.

The script prints the generated tangent code for (a), times each way (best of several runs,
after a warm-up call so that generating and compiling the derivative is not counted), prints a
table saying which mode is faster and by how much, and checks that both modes give the same
Jacobian and gradient (and, for (a), the same as central differences). Each sweep is its own call
from Python, so the few microseconds of call overhead per sweep are part of what is measured, as
they are in use. Timings are not asserted: they depend on the machine.

    python examples/08_forward_vs_reverse_cost.py
"""

import math
import os
import sys
import time

import numpy as np

from s2sad import grad, jacobian, jvp

JIT = os.environ.get("S2SAD_JIT", "1").strip().lower() not in ("0", "false", "no")
# The reverse Jacobian of (a) runs N sweeps of N steps each (N^2 work); the pure-Python build
# (S2SAD_JIT=0, used by the test suite too) gets a smaller problem so it stays quick.
N_STEPS = 1000 if JIT else 300
N_MASSES = 400 if JIT else 150


def trajectory(k, c, n):
    """Positions after each of n explicit-Euler steps of x'' = -k x - c x', x(0) = 1, x'(0) = 0."""
    dt = 0.01
    x = 1.0
    v = 0.0
    xs = np.zeros(n)
    for i in range(n):
        a = -k * x - c * v
        x_next = x + dt * v
        v = v + dt * a
        x = x_next
        xs[i] = x
    return xs


def chain_energy(x):
    """Springs of rest length 1 between neighbours, plus a periodic background potential."""
    e = 0.0
    for i in range(len(x) - 1):
        d = x[i + 1] - x[i] - 1.0
        e += 0.5 * d * d + 0.1 * (1.0 - math.cos(2.0 * math.pi * x[i]))
    return e


def best_time(fn, repeat):
    """Best wall time of `repeat` calls, after one warm-up call (generation and compilation)."""
    fn()
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def gradient_by_jvp(h, x):
    """The gradient of a scalar function, one forward sweep per input: N calls of the jvp."""
    g = np.empty_like(x)
    direction = np.zeros_like(x)
    for i in range(len(x)):
        direction[i] = 1.0
        g[i] = h(x, direction)[1]
        direction[i] = 0.0
    return g


def main() -> int:
    ok = True
    build = "Numba" if JIT else "pure Python (S2SAD_JIT=0)"
    print(f"build: {build}\n")

    # (a) 2 inputs -> N_STEPS outputs ---------------------------------------------------------
    k, c = 1.0, 0.1
    jac_fwd = jacobian(trajectory, wrt=(0, 1), mode="forward")
    jac_rev = jacobian(trajectory, wrt=(0, 1), mode="reverse")
    Jf = jac_fwd(k, c, N_STEPS)  # generates and compiles both derivatives, once
    Jr = jac_rev(k, c, N_STEPS)
    print("(a) the generated tangent (forward mode) of trajectory, jac_fwd.forward.source:")
    print(jac_fwd.forward.source)

    same_a = all(np.allclose(a, b, rtol=1e-12, atol=1e-14) for a, b in zip(Jf, Jr))
    h = 1e-6
    fd_k = (trajectory(k + h, c, N_STEPS) - trajectory(k - h, c, N_STEPS)) / (2 * h)
    fd_c = (trajectory(k, c + h, N_STEPS) - trajectory(k, c - h, N_STEPS)) / (2 * h)
    fd_ok = np.allclose(Jf[0], fd_k, rtol=1e-6, atol=1e-8) and np.allclose(
        Jf[1], fd_c, rtol=1e-6, atol=1e-8)
    print(f"(a) dx(t_N)/dk = {Jf[0][-1]:.10f}, dx(t_N)/dc = {Jf[1][-1]:.10f}")
    print(f"    forward == reverse: {same_a};  == central differences: {fd_ok}")
    ok &= same_a and fd_ok

    t_fwd_a = best_time(lambda: jac_fwd(k, c, N_STEPS), repeat=5)
    t_rev_a = best_time(lambda: jac_rev(k, c, N_STEPS), repeat=3)

    # (b) N_MASSES inputs -> 1 output ---------------------------------------------------------
    rng = np.random.default_rng(0)
    x = np.arange(N_MASSES, dtype=np.float64) + 0.2 * rng.normal(size=N_MASSES)
    tangent = jvp(chain_energy)
    gradient = grad(chain_energy)
    g_fwd = gradient_by_jvp(tangent, x)
    g_rev = gradient(x)
    same_b = np.allclose(g_fwd, g_rev, rtol=1e-12, atol=1e-12)
    print(f"\n(b) |grad| = {np.linalg.norm(g_rev):.10f};  N jvp sweeps == one grad: {same_b}")
    ok &= same_b

    t_fwd_b = best_time(lambda: gradient_by_jvp(tangent, x), repeat=3)
    t_rev_b = best_time(lambda: gradient(x), repeat=5)

    # the table ---------------------------------------------------------------------------------
    rows = [
        (f"(a) trajectory: 2 -> {N_STEPS}", "2 jvp", t_fwd_a, f"{N_STEPS} vjp", t_rev_a),
        (f"(b) chain energy: {N_MASSES} -> 1", f"{N_MASSES} jvp", t_fwd_b, "1 grad", t_rev_b),
    ]
    print()
    print(f"| {'problem':<30} | {'forward mode':>22} | {'reverse mode':>22} | {'faster':>16} |")
    print(f"| {'-' * 30} | {'-' * 22}:| {'-' * 22}:| {'-' * 16}:|")
    for name, fwd_what, t_fwd, rev_what, t_rev in rows:
        fwd = f"{fwd_what} {t_fwd * 1e3:10.3f} ms"
        rev = f"{rev_what} {t_rev * 1e3:10.3f} ms"
        winner = f"forward {t_rev / t_fwd:6.0f}x" if t_fwd < t_rev else \
            f"reverse {t_fwd / t_rev:6.0f}x"
        print(f"| {name:<30} | {fwd:>22} | {rev:>22} | {winner:>16} |")
    print("\n(times: best of several runs after a warm-up call, so compilation is not counted)")
    print("Forward mode wins (a), reverse mode wins (b): each pays one sweep per input or per")
    print("output, and the winner is the side with fewer of them.")

    if not ok:
        print("FAILED: forward and reverse mode disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
