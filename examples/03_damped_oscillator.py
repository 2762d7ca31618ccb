"""A damped oscillator: how does its energy after 1000 time steps depend on stiffness and damping?

    x'' = -k x - c x',   x(0) = 1, x'(0) = 0,   explicit Euler with dt = 0.01

`energy(k, c, x0, n)` runs the simulation loop and returns the mechanical energy at the end.
s2sad differentiates the loop: the generated adjoint runs the loop forward, keeping what the
reverse sweep needs on a tape (a preallocated array, since range(n) knows its trip count), then
runs it backwards accumulating dE/dk and dE/dc. This script prints that source, checks the
gradient against central finite differences and times the Numba-compiled gradient against the
Numba-compiled primal.

    python examples/03_damped_oscillator.py
"""

import os
import sys
import time

import numba

from s2sad import grad


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


denergy = grad(energy, wrt=(0, 1))  # (dE/dk, dE/dc)
primal = numba.njit(energy)  # the same function compiled by Numba, for timing


def best_time(fn, args, repeat=5, min_time=0.05):
    """Best seconds per call over `repeat` rounds, each round long enough to time reliably."""
    fn(*args)
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn(*args)
        elapsed = time.perf_counter() - t0
        if elapsed >= min_time:
            break
        number *= 2
    best = elapsed / number
    for _ in range(repeat - 1):
        t0 = time.perf_counter()
        for _ in range(number):
            fn(*args)
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def main():
    k, c, x0, n = 1.0, 0.1, 1.0, 1000

    t0 = time.perf_counter()
    dk, dc = denergy(k, c, x0, n)
    first_call = time.perf_counter() - t0
    print(f"E(k={k}, c={c}) after {n} steps = {primal(k, c, x0, n):.6f}")
    print(f"s2sad:               dE/dk = {dk:.10f}   dE/dc = {dc:.10f}")

    # Central differences on the primal, step relative to each parameter.
    hk, hc = 1e-6 * k, 1e-6 * c
    fd_k = (energy(k + hk, c, x0, n) - energy(k - hk, c, x0, n)) / (2 * hk)
    fd_c = (energy(k, c + hc, x0, n) - energy(k, c - hc, x0, n)) / (2 * hc)
    print(f"finite differences:  dE/dk = {fd_k:.10f}   dE/dc = {fd_c:.10f}")
    for name, got, want in (("dE/dk", dk, fd_k), ("dE/dc", dc, fd_c)):
        rel = abs(got - want) / abs(want)
        if rel > 1e-6:
            sys.exit(f"FAIL {name}: s2sad {got!r}, finite differences {want!r}, rel. err {rel:.1e}")
        print(f"ok   {name} matches finite differences (rel. err {rel:.1e})")

    print()
    print("generated adjoint (denergy.source):")
    print(denergy.source)

    jit = os.environ.get("S2SAD_JIT", "1") != "0"
    t_primal = best_time(primal, (k, c, x0, n))
    t_grad = best_time(denergy, (k, c, x0, n))
    build = "Numba" if jit else "pure Python (S2SAD_JIT=0)"
    print(f"first gradient call (generate + compile, or load from cache): {first_call:.3f} s")
    print(f"primal (Numba):        {t_primal * 1e6:9.2f} us")
    print(f"gradient ({build}): {t_grad * 1e6:9.2f} us   = {t_grad / t_primal:.1f} x primal")


if __name__ == "__main__":
    main()
