"""Damped-oscillator benchmark: s2sad's gradient against a hand-written Numba adjoint.

    python benchmarks/oscillator.py            # full run (well under a minute)
    python benchmarks/oscillator.py --quick    # fewer repetitions, for a smoke test
    python benchmarks/oscillator.py --numba-only   # only the Numba primal and hand-written adjoint

For n = 1000 and n = 100000 explicit-Euler steps it measures, best of several repeats:

* the primal, `numba.njit(energy)`;
* the hand-written Numba adjoint (`make_hand_adjoint` below: a forward sweep that stores x and v
  for every step in preallocated arrays, then a reverse sweep accumulating dE/dk and dE/dc);
* s2sad's gradient, `s2sad.grad(energy, wrt=(0, 1))`, Numba build;

and, in fresh subprocesses, s2sad's cold first call (empty cache: source generation + Numba
compile) and warm load (same cache again: import + build + first call).

Before anything is timed, the hand-written adjoint is checked against complex-step and
central finite differences, and s2sad's gradient against the hand-written one (1e-8 relative).
Prints a markdown table and writes benchmarks/results/oscillator.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Measure this checkout's s2sad, pip-installed or not (the same one an editable install points at).
sys.path.insert(0, str(HERE.parent))
RESULTS = HERE / "results" / "oscillator.json"

SIZES = (1000, 100_000)
K, C, X0 = 1.0, 0.1, 1.0  # stiffness, damping, initial displacement (initial velocity is 0)
S2SAD_RTOL = 1e-8  # s2sad vs hand-written adjoint
FD_RTOL = 1e-6  # hand-written adjoint vs central differences


# --- the problem: plain Python, no imports, so child processes time only s2sad's own work -------


def energy(k, c, x0, n):
    """Mechanical energy after n explicit-Euler steps (dt = 0.01) of x'' = -k x - c x'."""
    dt = 0.01
    x = x0
    v = 0.0
    for _ in range(n):
        a = -k * x - c * v
        x_next = x + dt * v
        v = v + dt * a
        x = x_next
    return 0.5 * v * v + 0.5 * k * x * x


def make_hand_adjoint():
    """The hand-written Numba adjoint of `energy`: (k, c, x0, n) -> (dE/dk, dE/dc).

    Built in a function so that importing this file stays free of NumPy and Numba: the child
    processes that time s2sad's start-up must pay for those imports inside `import s2sad`.
    """
    import numpy as np
    from numba import njit

    @njit
    def energy_grad_hand(k, c, x0, n):
        dt = 0.01
        xs = np.empty(n)
        vs = np.empty(n)
        x = x0
        v = 0.0
        for t in range(n):  # forward sweep, keeping the state each step starts from
            xs[t] = x
            vs[t] = v
            a = -k * x - c * v
            x_next = x + dt * v
            v = v + dt * a
            x = x_next
        # E = 0.5 v^2 + 0.5 k x^2
        dk = 0.5 * x * x
        dc = 0.0
        dx = k * x
        dv = v
        for t in range(n - 1, -1, -1):  # reverse sweep: the adjoint of one step
            da = dt * dv  # a feeds v' = v + dt a
            dv = dv + dt * dx - c * da  # v feeds v' = v + ..., x' = x + dt v, a = -k x - c v
            dx = dx - k * da  # x feeds x' = x + ..., a = -k x - ...
            dk -= xs[t] * da
            dc -= vs[t] * da
        return dk, dc

    return energy_grad_hand


# --- timing ---------------------------------------------------------------------------------------


def best_of(fn, args, repeat, min_time):
    """Best per-call time (s) over `repeat` rounds of a loop that runs at least `min_time` s."""
    from time import perf_counter

    fn(*args)  # warm up (compile, caches)
    number = 1
    while True:
        t0 = perf_counter()
        for _ in range(number):
            fn(*args)
        elapsed = perf_counter() - t0
        if elapsed >= min_time:
            break
        number *= 2 if elapsed <= 0 else max(2, min(10, int(1.2 * min_time / elapsed) + 1))
    best = elapsed / number
    for _ in range(repeat - 1):
        t0 = perf_counter()
        for _ in range(number):
            fn(*args)
        best = min(best, (perf_counter() - t0) / number)
    return best, number


def rel_err(a, b):
    return max(abs(x - y) / max(abs(x), abs(y), 1e-300) for x, y in zip(a, b))


# --- checks ---------------------------------------------------------------------------------------


def reference_gradient(primal, n):
    """(complex-step, central-difference) estimates of (dE/dk, dE/dc) for `energy`."""
    h_cs = 1e-30
    cs = (
        energy(complex(K, h_cs), C, X0, n).imag / h_cs,
        energy(K, complex(C, h_cs), X0, n).imag / h_cs,
    )
    hk, hc = 1e-6 * K, 1e-6 * C
    fd = (
        (primal(K + hk, C, X0, n) - primal(K - hk, C, X0, n)) / (2 * hk),
        (primal(K, C + hc, X0, n) - primal(K, C - hc, X0, n)) / (2 * hc),
    )
    return cs, fd


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


# --- s2sad in a fresh process -------------------------------------------------------------------


def child_main():
    """Run in a fresh interpreter: time `import s2sad`, then build + first call of the gradient."""
    t0 = time.perf_counter()
    import s2sad

    t1 = time.perf_counter()
    g = s2sad.grad(energy, wrt=(0, 1))
    dk, dc = g(K, C, X0, SIZES[0])
    t2 = time.perf_counter()
    print(json.dumps({"import_s": t1 - t0, "build_first_call_s": t2 - t1, "grad": [dk, dc]}))


def run_child(env):
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child process failed:\n{out.stdout}{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_warm(rounds, expected):
    """Cold first call (empty caches) and warm load (same caches), each in a fresh process.

    `expected` is the hand-written gradient at SIZES[0]: a gradient loaded from the cache must
    be as right as a freshly compiled one.
    """
    cold, warm = [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="s2sad-bench-") as tmp:
            env = dict(os.environ)
            env.pop("S2SAD_JIT", None)
            env.pop("NUMBA_DISABLE_JIT", None)
            # Both caches empty: s2sad's generated modules and every Numba cache (including the
            # runtime helpers s2sad ships with cache=True), so "cold" means nothing reused.
            env["S2SAD_CACHE_DIR"] = os.path.join(tmp, "s2sad")
            env["NUMBA_CACHE_DIR"] = os.path.join(tmp, "numba")
            cold.append(run_child(env))
            warm.append(run_child(env))
            for label, r in (("cold", cold[-1]), ("warm", warm[-1])):
                if rel_err(r["grad"], expected) > S2SAD_RTOL:
                    raise RuntimeError(f"{label} start: gradient {r['grad']} != {expected}")
    pick = min  # best of the rounds, like the in-process timings
    return {
        "cold": {
            "import_s": pick(r["import_s"] for r in cold),
            "build_first_call_s": pick(r["build_first_call_s"] for r in cold),
        },
        "warm": {
            "import_s": pick(r["import_s"] for r in warm),
            "build_first_call_s": pick(r["build_first_call_s"] for r in warm),
        },
        "rounds": rounds,
    }


# --- main -----------------------------------------------------------------------------------------


def fmt_us(seconds):
    return "n/a" if seconds is None else f"{seconds * 1e6:,.1f}"


def fmt_ratio(a, b):
    return "n/a" if a is None or b is None else f"{a / b:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument(
        "--numba-only", action="store_true", help="skip s2sad; time the Numba baselines only"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON output file")
    opts = parser.parse_args()
    if opts.child:
        return child_main()

    import numba
    import numpy as np

    if os.environ.get("S2SAD_JIT") == "0" or os.environ.get("NUMBA_DISABLE_JIT") == "1":
        print(
            "warning: S2SAD_JIT=0 / NUMBA_DISABLE_JIT=1 is set; timings are not Numba's",
            file=sys.stderr,
        )

    repeat, min_time, cold_rounds = (3, 0.02, 1) if opts.quick else (7, 0.2, 3)

    t0 = time.perf_counter()
    primal = numba.njit(energy)
    primal(K, C, X0, 10)
    primal_compile_s = time.perf_counter() - t0
    hand = make_hand_adjoint()
    hand(K, C, X0, 10)

    s2sad_grad, s2sad_error = None, None
    if not opts.numba_only:
        try:
            import s2sad

            s2sad_grad = s2sad.grad(energy, wrt=(0, 1))
            s2sad_grad(K, C, X0, 10)
        except Exception as exc:  # report, keep the Numba numbers, exit non-zero at the end
            s2sad_error = f"{type(exc).__name__}: {exc}"
            s2sad_grad = None

    rows = []
    for n in SIZES:
        # correctness first
        g_hand = hand(K, C, X0, n)
        cs, fd = reference_gradient(primal, n)
        if rel_err(g_hand, cs) > 1e-12:
            fail(f"n={n}: hand-written adjoint {g_hand} != complex-step {cs}")
        if rel_err(g_hand, fd) > FD_RTOL:
            fail(f"n={n}: hand-written adjoint {g_hand} != central differences {fd}")
        row = {
            "n": n,
            "grad_hand": list(g_hand),
            "grad_complex_step": list(cs),
            "rel_err_hand_vs_complex_step": rel_err(g_hand, cs),
            "rel_err_hand_vs_fd": rel_err(g_hand, fd),
        }
        if s2sad_grad is not None:
            g_s2 = tuple(float(v) for v in s2sad_grad(K, C, X0, n))
            row["grad_s2sad"] = list(g_s2)
            row["rel_err_s2sad_vs_hand"] = rel_err(g_s2, g_hand)
            if row["rel_err_s2sad_vs_hand"] > S2SAD_RTOL:
                fail(f"n={n}: s2sad gradient {g_s2} != hand-written {g_hand}")

        # then timings
        row["primal_s"], row["primal_loops"] = best_of(primal, (K, C, X0, n), repeat, min_time)
        row["hand_s"], row["hand_loops"] = best_of(hand, (K, C, X0, n), repeat, min_time)
        row["s2sad_s"] = None
        if s2sad_grad is not None:
            row["s2sad_s"], row["s2sad_loops"] = best_of(
                s2sad_grad, (K, C, X0, n), repeat, min_time
            )
        rows.append(row)

    startup = None
    if s2sad_grad is not None:
        try:
            startup = cold_warm(cold_rounds, rows[0]["grad_hand"])
        except RuntimeError as exc:
            s2sad_error = str(exc)

    # report
    print(f"## Damped oscillator, explicit Euler, k={K}, c={C}, x0={X0}\n")
    print(
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, Numba {numba.__version__}; best of {repeat} repeats\n"
    )
    print(
        "| steps | primal µs | hand adjoint µs | s2sad grad µs | hand/primal | s2sad/primal "
        "| s2sad/hand |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        cells = [
            f"{r['n']:,}",
            fmt_us(r["primal_s"]),
            fmt_us(r["hand_s"]),
            fmt_us(r["s2sad_s"]),
            fmt_ratio(r["hand_s"], r["primal_s"]),
            fmt_ratio(r["s2sad_s"], r["primal_s"]),
            fmt_ratio(r["s2sad_s"], r["hand_s"]),
        ]
        print("| " + " | ".join(cells) + " |")
    print(f"\nNumba compile of the primal (in process, first call): {primal_compile_s:.3f} s")
    if startup is not None:
        c, w = startup["cold"], startup["warm"]
        print(
            f"\n| s2sad start-up, fresh process (best of {startup['rounds']}) | import s2sad s "
            "| build + first call s | total s |"
        )
        print("|---|---:|---:|---:|")
        for name, d in (("cold: empty caches", c), ("warm: same caches", w)):
            total = d["import_s"] + d["build_first_call_s"]
            print(f"| {name} | {d['import_s']:.3f} | {d['build_first_call_s']:.3f} | {total:.3f} |")
    if s2sad_error:
        print(f"\ns2sad: not measured ({s2sad_error})")
    elif opts.numba_only:
        print("\ns2sad: skipped (--numba-only)")

    result = {
        "benchmark": "oscillator",
        "params": {"k": K, "c": C, "x0": X0, "dt": 0.01, "sizes": list(SIZES)},
        "quick": opts.quick,
        "repeat": repeat,
        "min_time_s": min_time,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "numba": numba.__version__,
        },
        "primal_compile_s": primal_compile_s,
        "rows": rows,
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
