"""1D heat equation: s2sad's gradient of an explicit stencil against hand-written Numba adjoints.

    python benchmarks/heat.py                # full run: N = 1000 points, 10000 steps (~1 minute)
    python benchmarks/heat.py --quick        # N = 200, 500 steps, fewer repetitions: a smoke test
    python benchmarks/heat.py --numba-only   # only the Numba primal and hand-written adjoints

`heat_loss(u0, alpha, obs, steps)` advances u_t = alpha u_xx from u0 with the explicit
three-point stencil and zero-flux ends, and returns the squared distance of the final state from
`obs`; the gradient is taken with respect to the initial state `u0` (an array) and `alpha`. It is
ordinary loop-style NumPy: element reads and writes in a double loop, array swaps, a reduction.

It measures, best of several repeats:

* the primal, `numba.njit(heat_loss)`;
* the hand-written Numba adjoint (`make_hand_adjoints` below), which exploits that one step is
  a fixed linear map of u: it keeps no tape at all (two arrays of n, like the primal);
* a second hand-written adjoint, the textbook one: the forward sweep writes every state into a
  (steps + 1, n) trajectory array, the reverse sweep reads it back;
* s2sad's gradient, `s2sad.value_and_grad(heat_loss, wrt=(0, 1))`, Numba build;

and, in fresh subprocesses, s2sad's cold first call (empty cache: source generation + Numba
compile) and warm load (same cache again: import + build + first call), as oscillator.py does.

Before anything is timed, both hand-written adjoints are checked against central finite
differences on a small instance (N = 12, 30 steps) and against each other and a directional
finite difference at the benchmark size; s2sad's gradient is checked against the hand-written one
(1e-8 relative) at both sizes. Prints a markdown table and writes benchmarks/results/heat.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Measure this checkout's s2sad, pip-installed or not (the same one an editable install points at).
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from common import (  # noqa: E402
    best_of,
    checked_value_and_grad,
    cold_warm,
    fail,
    fmt_ratio,
    fmt_us,
    machine_info,
    max_rel_err,
    print_startup,
    ratio,
    warn_if_not_jitted,
)

RESULTS = HERE / "results" / "heat.json"

ALPHA = 0.2  # explicit scheme is stable for alpha <= 0.5
FULL = (1000, 10_000)  # (points, steps)
QUICK = (200, 500)
CHECK = (12, 30)  # finite-difference check, and the s2sad start-up measurement
S2SAD_RTOL = 1e-8  # s2sad vs hand-written adjoint
FD_RTOL = 1e-6  # hand-written adjoints vs central differences
HAND_RTOL = 1e-10  # the two hand-written adjoints against each other


def _bind_numpy():
    """Import NumPy and bind it as this module's `np`, the name `heat_loss` uses.

    Deferred so that importing this file stays free of NumPy and Numba: the child processes that
    time s2sad's start-up must pay for those imports inside `import s2sad`.
    """
    global np
    import numpy as np

    return np


# --- the problem: ordinary loop-style NumPy ------------------------------------------------------


def heat_loss(u0, alpha, obs, steps):
    """Squared distance from obs after `steps` explicit steps of u_t = alpha u_xx (zero flux)."""
    n = u0.shape[0]
    u = u0.copy()
    u_new = np.zeros(n)
    for _ in range(steps):
        for i in range(1, n - 1):
            u_new[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1])
        u_new[0] = u_new[1]  # zero flux through both ends: copy the inner neighbour
        u_new[n - 1] = u_new[n - 2]
        u, u_new = u_new, u
    d = u - obs
    return np.sum(d * d)


def make_problem(n, steps):
    """(u0, alpha, obs, steps): a noisy half sine diffusing towards a Gaussian bump. Seeded."""
    rng = np.random.default_rng(n)
    x = np.linspace(0.0, 1.0, n)
    u0 = np.sin(np.pi * x) + 0.1 * rng.standard_normal(n)
    obs = 0.5 * np.exp(-(((x - 0.4) / 0.1) ** 2))
    return u0, ALPHA, obs, steps


def make_hand_adjoints():
    """The hand-written Numba adjoints: (u0, alpha, obs, steps) -> (loss, dL/du0, dL/dalpha).

    One step is u_{t+1} = A u_t with A = P (I + alpha L): L the interior second difference, P the
    boundary copy. Reverse mode runs the transposed step backwards from lam_T = 2 (u_T - obs):
    fold the two boundary adjoints into their inner neighbours (the adjoint of the copies), then
    gather the stencil, lam_t[j] = lam[j] + alpha (lam[j-1] - 2 lam[j] + lam[j+1]). That part is
    the same in both versions; they differ in how they get dL/dalpha = sum_t c_{t+1} . L u_t,
    where c = the folded lam:

    * `heat_grad_tape` keeps every u_t in a (steps + 1, n) array and sums the products.
    * `heat_grad_hand` keeps nothing. With B = dA/dalpha = P L, A B - B A = P L (I - P), which is
      zero on the states with u[0] = u[1] and u[n-1] = u[n-2]: every u_t with t >= 1. There A and
      B commute, so each term t >= 1 equals c_T . L u_{T-1}, and
      dL/dalpha = (steps - 1) c_T . L u_{T-1} + c_1 . L u_0: two dot products, one at each end of
      the reverse sweep.

    Built in a function so that importing this file stays free of NumPy and Numba.
    """
    import numpy as np
    from numba import njit

    @njit
    def lap_dot(c, u, n):
        """sum over the interior of c[i] * (u[i-1] - 2 u[i] + u[i+1])."""
        s = 0.0
        for i in range(1, n - 1):
            s += c[i] * (u[i - 1] - 2.0 * u[i] + u[i + 1])
        return s

    @njit
    def fold_ends(lam, n):
        """The adjoint of the two boundary copies: each end's adjoint moves to its neighbour."""
        lam[n - 2] += lam[n - 1]  # adjoint of u_new[n - 1] = u_new[n - 2]
        lam[1] += lam[0]  # adjoint of u_new[0] = u_new[1]
        lam[0] = 0.0
        lam[n - 1] = 0.0

    @njit
    def spread(lam, out, alpha, n):
        """out = the adjoint of the interior stencil applied to lam (whose ends are zero)."""
        out[0] = alpha * lam[1]
        out[n - 1] = alpha * lam[n - 2]
        for j in range(1, n - 1):
            out[j] = lam[j] + alpha * (lam[j - 1] - 2.0 * lam[j] + lam[j + 1])

    @njit
    def heat_grad_hand(u0, alpha, obs, steps):
        n = u0.shape[0]
        u = u0.copy()
        u_new = np.empty(n)
        for _ in range(steps):  # forward sweep: the primal, keeping nothing
            for i in range(1, n - 1):
                u_new[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1])
            u_new[0] = u_new[1]
            u_new[n - 1] = u_new[n - 2]
            u, u_new = u_new, u
        # now u = u_T and, if steps >= 1, u_new = u_{T-1}
        loss = 0.0
        lam = u  # lam_T = 2 (u_T - obs), in place
        for i in range(n):
            d = u[i] - obs[i]
            loss += d * d
            lam[i] = 2.0 * d
        other = u_new
        dalpha = 0.0
        for k in range(steps, 0, -1):  # reverse sweep: lam_k -> lam_{k-1}
            fold_ends(lam, n)  # lam is now c_k
            if k == steps:
                dalpha += (steps - 1) * lap_dot(lam, other, n)  # other is still u_{T-1}
            if k == 1:
                dalpha += lap_dot(lam, u0, n)
            spread(lam, other, alpha, n)
            lam, other = other, lam
        return loss, lam, dalpha

    @njit
    def heat_grad_tape(u0, alpha, obs, steps):
        n = u0.shape[0]
        traj = np.empty((steps + 1, n))  # traj[t] = u_t
        traj[0, :] = u0
        for t in range(steps):  # forward sweep, writing each state into its row
            u = traj[t]
            u_new = traj[t + 1]
            for i in range(1, n - 1):
                u_new[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1])
            u_new[0] = u_new[1]
            u_new[n - 1] = u_new[n - 2]
        u = traj[steps]
        loss = 0.0
        lam = np.empty(n)
        for i in range(n):
            d = u[i] - obs[i]
            loss += d * d
            lam[i] = 2.0 * d
        other = np.empty(n)
        dalpha = 0.0
        for t in range(steps - 1, -1, -1):  # reverse sweep, reading u_t back from the tape
            fold_ends(lam, n)
            dalpha += lap_dot(lam, traj[t], n)
            spread(lam, other, alpha, n)
            lam, other = other, lam
        return loss, lam, dalpha

    return heat_grad_hand, heat_grad_tape


# --- checks ---------------------------------------------------------------------------------------


def central_differences(primal, u0, alpha, obs, steps, h=1e-6):
    """(dL/du0, dL/dalpha) by central differences, one coordinate at a time."""
    du0 = np.empty_like(u0)
    for i in range(u0.size):
        up, down = u0.copy(), u0.copy()
        up[i] += h
        down[i] -= h
        du0[i] = (primal(up, alpha, obs, steps) - primal(down, alpha, obs, steps)) / (2 * h)
    dalpha = (primal(u0, alpha + h, obs, steps) - primal(u0, alpha - h, obs, steps)) / (2 * h)
    return du0, dalpha


def directional_check(primal, grad, args, h=1e-6):
    """Relative error of grad . v against a central difference along one random direction v."""
    u0, alpha, obs, steps = args
    rng = np.random.default_rng(1)
    vu = rng.standard_normal(u0.size) / np.sqrt(u0.size)
    va = 0.1
    fd = (
        primal(u0 + h * vu, alpha + h * va, obs, steps)
        - primal(u0 - h * vu, alpha - h * va, obs, steps)
    ) / (2 * h)
    _, du0, dalpha = grad(*args)
    ad = float(np.dot(du0, vu)) + dalpha * va
    return abs(ad - fd) / max(abs(ad), abs(fd), 1e-300)


def check_hand(primal, hand, tape, small, big):
    """Fail loudly unless both hand-written adjoints are right. Returns the errors found."""
    found = {}
    v_primal = primal(*small)
    du0_fd, dalpha_fd = central_differences(primal, *small)
    for name, fn in (("hand", hand), ("tape", tape)):
        value, du0, dalpha = fn(*small)
        err_v = abs(value - v_primal) / abs(v_primal)
        err_fd = max_rel_err([du0, dalpha], [du0_fd, dalpha_fd])
        if err_v > 1e-12:
            fail(f"{name} adjoint: loss {value!r} != primal {v_primal!r} (N={CHECK[0]})")
        if err_fd > FD_RTOL:
            fail(
                f"{name} adjoint: gradient differs from central differences by {err_fd:.2e} "
                f"relative (N={CHECK[0]}, {CHECK[1]} steps)\n  adjoint du0={du0}, "
                f"dalpha={dalpha}\n  central du0={du0_fd}, dalpha={dalpha_fd}"
            )
        found[f"rel_err_{name}_vs_fd_small"] = err_fd
    for label, args in (("small", small), ("big", big)):
        err = max_rel_err(hand(*args), tape(*args))
        if err > HAND_RTOL:
            fail(f"the two hand-written adjoints differ by {err:.2e} relative ({label} instance)")
        found[f"rel_err_hand_vs_tape_{label}"] = err
    err_dir = directional_check(primal, hand, big)
    if err_dir > FD_RTOL:
        fail(f"hand adjoint: directional derivative off by {err_dir:.2e} relative (benchmark size)")
    found["rel_err_hand_vs_directional_fd_big"] = err_dir
    return found


# --- s2sad in a fresh process -------------------------------------------------------------------


def child_main():
    """Run in a fresh interpreter: time `import s2sad`, then build + first call of the gradient."""
    t0 = time.perf_counter()
    import s2sad

    t1 = time.perf_counter()
    _bind_numpy()  # already imported by s2sad
    args = make_problem(*CHECK)
    t2 = time.perf_counter()
    value, (du0, dalpha) = s2sad.value_and_grad(heat_loss, wrt=(0, 1))(*args)
    t3 = time.perf_counter()
    print(
        json.dumps(
            {
                "import_s": t1 - t0,
                "build_first_call_s": t3 - t2,
                "value": float(value),
                "grad": [np.asarray(du0, dtype=np.float64).tolist(), float(dalpha)],
            }
        )
    )


# --- main -----------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller problem, fewer repeats")
    parser.add_argument(
        "--numba-only", action="store_true", help="skip s2sad; time the Numba baselines only"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON output file")
    opts = parser.parse_args()
    if opts.child:
        return child_main()

    _bind_numpy()
    import numba

    warn_if_not_jitted()
    repeat, min_time, cold_rounds = (3, 0.02, 1) if opts.quick else (7, 0.2, 3)
    n, steps = QUICK if opts.quick else FULL
    small = make_problem(*CHECK)
    big = make_problem(n, steps)

    t0 = time.perf_counter()
    primal = numba.njit(heat_loss)
    primal(*small)
    primal_compile_s = time.perf_counter() - t0
    hand, tape = make_hand_adjoints()

    # correctness first: a wrong hand-written adjoint stops everything
    checks = check_hand(primal, hand, tape, small, big)
    ref_small, ref_big = hand(*small), hand(*big)

    vg, s2sad_error = None, None
    if not opts.numba_only:
        try:
            vg, errors = checked_value_and_grad(
                heat_loss,
                (0, 1),
                (("small", small, ref_small), ("big", big, ref_big)),
                S2SAD_RTOL,
            )
            checks.update(errors)
        except Exception as exc:  # report, keep the Numba numbers, exit non-zero at the end
            s2sad_error = f"{type(exc).__name__}: {exc}"

    # then timings
    times, loops = {}, {}
    for key, fn in (("primal", primal), ("hand", hand), ("hand_tape", tape), ("s2sad", vg)):
        times[key] = None
        if fn is not None:
            times[key], loops[key] = best_of(fn, big, repeat, min_time)

    startup = None
    if vg is not None:
        try:
            startup = cold_warm(__file__, cold_rounds, (ref_small[0], ref_small[1:]), S2SAD_RTOL)
        except RuntimeError as exc:
            s2sad_error = str(exc)

    # report
    print(f"## 1D heat equation, explicit stencil, N = {n:,}, {steps:,} steps, alpha = {ALPHA}\n")
    m = machine_info()
    print(
        f"{m['processor']}, Python {m['python']}, NumPy {m['numpy']}, Numba {m['numba']}; "
        f"best of {repeat} repeats\n"
    )
    rows = (
        ("primal: `numba.njit(heat_loss)`", "primal"),
        ("hand adjoint: linear, no tape", "hand"),
        ("hand adjoint: trajectory tape", "hand_tape"),
        ("s2sad: `value_and_grad(heat_loss, wrt=(0, 1))`", "s2sad"),
    )
    print(f"| N = {n:,}, {steps:,} steps | µs per call | ÷ primal | s2sad ÷ this |")
    print("|---|---:|---:|---:|")
    for label, key in rows:
        t = times[key]
        cells = [label, fmt_us(t), fmt_ratio(t, times["primal"]), fmt_ratio(times["s2sad"], t)]
        print("| " + " | ".join(cells) + " |")
    print(f"\nNumba compile of the primal (in process, first call): {primal_compile_s:.3f} s")
    print(
        "checks: hand vs central differences (N={}, {} steps) {:.1e}; hand vs tape {:.1e}; "
        "directional difference at N={:,} {:.1e}".format(
            CHECK[0],
            CHECK[1],
            checks["rel_err_hand_vs_fd_small"],
            checks["rel_err_hand_vs_tape_big"],
            n,
            checks["rel_err_hand_vs_directional_fd_big"],
        )
    )
    if "rel_err_s2sad_vs_hand_big" in checks:
        print(f"s2sad vs hand adjoint at N={n:,}: {checks['rel_err_s2sad_vs_hand_big']:.1e}")
    if startup is not None:
        print_startup(startup)
    if s2sad_error:
        print(f"\ns2sad: not measured ({s2sad_error})")
    elif opts.numba_only:
        print("\ns2sad: skipped (--numba-only)")

    result = {
        "benchmark": "heat",
        "params": {
            "n": n,
            "steps": steps,
            "alpha": ALPHA,
            "check_n": CHECK[0],
            "check_steps": CHECK[1],
        },
        "quick": opts.quick,
        "repeat": repeat,
        "min_time_s": min_time,
        "machine": m,
        "primal_compile_s": primal_compile_s,
        "checks": checks,
        "times_s": times,
        "loops": loops,
        "ratios": {
            "hand/primal": ratio(times["hand"], times["primal"]),
            "hand_tape/primal": ratio(times["hand_tape"], times["primal"]),
            "s2sad/primal": ratio(times["s2sad"], times["primal"]),
            "s2sad/hand": ratio(times["s2sad"], times["hand"]),
            "s2sad/hand_tape": ratio(times["s2sad"], times["hand_tape"]),
        },
        "s2sad_startup": startup,
        "s2sad_error": s2sad_error,
        "numba_only": opts.numba_only,
    }
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {opts.out}")
    return 1 if s2sad_error else 0


if __name__ == "__main__":
    sys.exit(main())
