"""Recover a diffusivity and an initial temperature profile from noisy snapshots of a heat equation.

    u_t = D u_xx  on 50 grid points, explicit finite differences:
    u_new[i] = u[i] + alpha * (u[i-1] - 2 u[i] + u[i+1])      alpha = D dt / dx^2,  ends held fixed

The "true" rod starts with two warm bumps and alpha = 0.2; we observe the whole rod every 20 time
steps up to step 200, with noise. The unknowns are alpha (a float) and the initial field u0 (an
array of 50): 51 numbers. The loss runs the simulation the way one writes it for Numba (loops, two
buffers written element by element and swapped each step), sums the squared misfit against the
snapshots and adds a small smoothness penalty on u0 (the fine detail of u0 diffuses away before the
first snapshot, so the data alone cannot pin it down). `value_and_grad(loss, wrt=(0, 1))` gives
dL/dalpha and dL/du0 from one forward and one reverse sweep through all 200 steps, and
scipy.optimize.minimize (L-BFGS-B, jac=True) fits both at once from a packed parameter vector.

The script checks the gradient at the start point against central finite differences, then fits,
and checks that alpha comes back within 2 % of the truth, the misfit falls to the noise level and
u0 is recovered.

    python examples/07_heat_equation_fit.py
"""

import os
import sys
import time

import numpy as np
from scipy.optimize import minimize

from s2sad import value_and_grad

N = 50  # grid points
EVERY = 20  # time steps between snapshots
N_OBS = 10  # snapshots: steps 20, 40, ..., 200
NOISE = 0.01  # standard deviation of the observation noise
SMOOTH = 1e-3  # weight of the smoothness penalty on u0
ALPHA_TRUE = 0.2
ALPHA_START = 0.1
ALPHA_BOUNDS = (0.01, 0.45)  # the explicit scheme is stable for alpha <= 0.5


def loss(alpha, u0, obs, every, smooth):
    """Half the squared misfit of the simulation against the snapshots, plus a smoothness term."""
    n = len(u0)
    u = u0.copy()
    u_new = u0.copy()  # both buffers hold u0's end values: the boundaries stay fixed
    misfit = 0.0
    for k in range(obs.shape[0]):
        for _ in range(every):
            for i in range(1, n - 1):
                u_new[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1])
            u, u_new = u_new, u
        r = u - obs[k]
        misfit += np.sum(r * r)
    roughness = np.sum((u0[1:] - u0[:-1]) ** 2)
    return 0.5 * misfit + smooth * roughness


def snapshots(alpha, u0, every, n_obs):
    """The same simulation, keeping the field every `every` steps: the synthetic observations."""
    u = u0.copy()
    out = np.empty((n_obs, len(u0)))
    for k in range(n_obs):
        for _ in range(every):
            u[1:-1] = u[1:-1] + alpha * (u[:-2] - 2.0 * u[1:-1] + u[2:])
        out[k] = u
    return out


def check_gradient(loss_and_grad, alpha, u0, obs, rng, h=1e-6, rtol=1e-6):
    """Central differences of `loss` along alpha and a few entries of u0."""
    _, (g_alpha, g_u0) = loss_and_grad(alpha, u0, obs, EVERY, SMOOTH)
    plus, minus = loss(alpha + h, u0, obs, EVERY, SMOOTH), loss(alpha - h, u0, obs, EVERY, SMOOTH)
    rows = [("alpha", g_alpha, (plus - minus) / (2 * h))]
    for i in sorted(rng.choice(np.arange(N), size=5, replace=False)):
        up, down = u0.copy(), u0.copy()
        up[i] += h
        down[i] -= h
        fd = (loss(alpha, up, obs, EVERY, SMOOTH) - loss(alpha, down, obs, EVERY, SMOOTH)) / (2 * h)
        rows.append((f"u0[{i}]", g_u0[i], fd))
    print(f"{'entry':<10}{'s2sad':>22}{'central difference':>22}{'rel. error':>12}")
    worst = 0.0
    for name, got, fd in rows:
        err = abs(got - fd) / max(abs(got), abs(fd), 1e-300)
        worst = max(worst, err)
        print(f"{name:<10}{got:>22.12e}{fd:>22.12e}{err:>12.1e}")
    if worst > rtol:
        sys.exit(f"FAIL gradient vs central differences: worst relative error {worst:.1e}")
    print(f"ok   gradient matches central differences (worst relative error {worst:.1e})")


def main():
    x = np.linspace(0.0, 1.0, N)
    u_true = np.exp(-(((x - 0.3) / 0.08) ** 2)) + 0.6 * np.exp(-(((x - 0.7) / 0.12) ** 2))
    u_true[0] = u_true[-1] = 0.0
    rng = np.random.default_rng(0)
    obs = snapshots(ALPHA_TRUE, u_true, EVERY, N_OBS) + NOISE * rng.standard_normal((N_OBS, N))
    print(f"{N} grid points, snapshots every {EVERY} steps up to step {EVERY * N_OBS}, "
          f"noise {NOISE}; true alpha = {ALPHA_TRUE}")

    # Start from a wrong diffusivity and, for u0, the first (already diffused) snapshot.
    alpha0, u00 = ALPHA_START, obs[0].copy()
    loss_and_grad = value_and_grad(loss, wrt=(0, 1))
    t0 = time.perf_counter()
    loss_and_grad(alpha0, u00, obs, EVERY, SMOOTH)
    first_call = time.perf_counter() - t0
    print(f"first call of value_and_grad (generate + compile, or load from cache): "
          f"{first_call:.2f} s")
    print(f"generated adjoint (value_and_grad(loss, wrt=(0, 1)).source):\n{loss_and_grad.source}")

    print("gradient check at the start point:")
    check_gradient(loss_and_grad, alpha0, u00, obs, np.random.default_rng(1))
    print()

    evaluations = 0
    gradient_time = 0.0

    def objective(p):
        """L-BFGS-B's view: one vector p = [alpha, u0...] in, (loss, gradient vector) out."""
        nonlocal evaluations, gradient_time
        evaluations += 1
        t = time.perf_counter()
        value, (g_alpha, g_u0) = loss_and_grad(p[0], p[1:], obs, EVERY, SMOOTH)
        gradient_time += time.perf_counter() - t
        return value, np.concatenate(([g_alpha], g_u0))

    def misfit(p):
        return loss(p[0], p[1:], obs, EVERY, 0.0)

    p0 = np.concatenate(([alpha0], u00))
    bounds = [ALPHA_BOUNDS] + [(None, None)] * N
    t0 = time.perf_counter()
    result = minimize(objective, p0, jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": 1000})
    elapsed = time.perf_counter() - t0
    build = "Numba" if os.environ.get("S2SAD_JIT", "1") != "0" else "pure Python (S2SAD_JIT=0)"
    print(f"L-BFGS-B: {result.message}")
    print(f"  {result.nit} iterations, {evaluations} loss + gradient evaluations, {elapsed:.2f} s;")
    print(f"  value_and_grad ({build}): {gradient_time / evaluations * 1e3:.3f} ms per call "
          f"through {EVERY * N_OBS} time steps, {gradient_time:.2f} s of the fit")

    alpha_fit, u0_fit = result.x[0], result.x[1:]
    noise_floor = 0.5 * N_OBS * N * NOISE**2  # expected misfit of the truth itself
    m0, m1, m_true = misfit(p0), misfit(result.x), misfit(np.concatenate(([ALPHA_TRUE], u_true)))
    alpha_err = abs(alpha_fit - ALPHA_TRUE) / ALPHA_TRUE
    u0_err = np.sqrt(np.mean((u0_fit - u_true) ** 2)) / np.sqrt(np.mean(u_true**2))
    print(f"alpha: start {alpha0}, recovered {alpha_fit:.5f}, true {ALPHA_TRUE} "
          f"({alpha_err:.2%} off)")
    print(f"misfit 0.5 * sum (u - obs)^2: start {m0:.4f} -> fitted {m1:.4f} "
          f"({m0 / m1:.1f} x smaller); the truth itself scores {m_true:.4f}, "
          f"noise level {noise_floor:.4f}")
    print(f"u0: relative RMS error {u0_err:.1%} against the true initial field")

    if not result.success:
        sys.exit(f"FAIL L-BFGS-B did not converge: {result.message}")
    if not alpha_err < 0.02:
        sys.exit(f"FAIL recovered alpha {alpha_fit} is {alpha_err:.1%} off {ALPHA_TRUE}")
    if not m1 < 1.5 * noise_floor:
        sys.exit(f"FAIL the fitted misfit {m1:.4f} is above the noise level {noise_floor:.4f}")
    if not u0_err < 0.15:
        sys.exit(f"FAIL the recovered u0 is {u0_err:.1%} off the true initial field")
    print("ok   diffusivity and initial field recovered")


if __name__ == "__main__":
    main()
