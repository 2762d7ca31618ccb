"""MLP benchmark: s2sad's gradient of vectorized NumPy code against a hand-written Numba gradient.

    python benchmarks/mlp.py                # full run: B = 256, D = 64, H = 128, C = 10
    python benchmarks/mlp.py --quick        # B = 64, D = 16, H = 32, fewer repetitions
    python benchmarks/mlp.py --numba-only   # only the Numba primal and hand-written gradient

`mlp_loss(W1, b1, W2, b2, X, Y)` is a one-hidden-layer tanh network with a numerically stable
softmax cross-entropy, written as whole-array NumPy (matrix products, broadcasting, reductions
along an axis); the gradient is taken with respect to the weights and biases W1, b1, W2, b2.

It measures, best of several repeats:

* the primal compiled with Numba, `mlp_loss_numba` (`mlp_loss` line for line, except that the
  row maximum is a small loop: Numba has no `np.max(z, axis=1)`); all ratios are against it;
* the primal as plain NumPy, `mlp_loss` itself, for scale;
* the hand-written Numba gradient (`make_numba_functions` below): the forward pass, the combined
  softmax-cross-entropy gradient dL/dz = (p - y) / B, then back through the second layer, tanh
  (1 - h^2) and the first layer, one matrix product per weight gradient;
* s2sad's gradient, `s2sad.value_and_grad(mlp_loss, wrt=(0, 1, 2, 3))`, Numba build;

and, in fresh subprocesses, s2sad's cold first call (empty cache: source generation + Numba
compile) and warm load (same cache again: import + build + first call), as oscillator.py does.

Before anything is timed, the hand-written gradient is checked against central finite
differences on a tiny instance (B = 5, D = 4, H = 6, C = 3) and a directional finite difference
at the benchmark size, the Numba primal against NumPy's, and s2sad's gradient against the
hand-written one (1e-8 relative) at both sizes. Prints a markdown table and writes
benchmarks/results/mlp.json.
"""

from __future__ import annotations

import argparse
import json
import os
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

RESULTS = HERE / "results" / "mlp.json"

FULL = (256, 64, 128, 10)  # (batch B, inputs D, hidden H, classes C)
QUICK = (64, 16, 32, 10)
CHECK = (5, 4, 6, 3)  # finite-difference check, and the s2sad start-up measurement
WRT = (0, 1, 2, 3)  # W1, b1, W2, b2
S2SAD_RTOL = 1e-8  # s2sad vs hand-written gradient
FD_RTOL = 1e-6  # hand-written gradient vs central differences
PRIMAL_RTOL = 1e-12  # Numba primal vs NumPy primal
HAND_RTOL = 1e-12  # Numba hand gradient vs the same formulas in NumPy


def _bind_numpy():
    """Import NumPy and bind it as this module's `np`, the name `mlp_loss` uses.

    Deferred so that importing this file stays free of NumPy and Numba: the child processes that
    time s2sad's start-up must pay for those imports inside `import s2sad`.
    """
    global np
    import numpy as np

    return np


# --- the problem: vectorized NumPy ---------------------------------------------------------------


def mlp_loss(W1, b1, W2, b2, X, Y):
    """Mean softmax cross-entropy of a tanh MLP; Y is one-hot, (B, C)."""
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    m = np.max(z, axis=1)  # numerically stable log-softmax
    zs = z - m.reshape((z.shape[0], 1))
    lse = np.log(np.sum(np.exp(zs), axis=1))
    logp = zs - lse.reshape((z.shape[0], 1))
    return -np.sum(Y * logp) / X.shape[0]


def mlp_grad_numpy(W1, b1, W2, b2, X, Y):
    """The hand-written gradient as plain NumPy: the formulas of `mlp_grad_hand`, not compiled."""
    n = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    zs = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(zs)
    s = np.sum(e, axis=1, keepdims=True)
    loss = -np.sum(Y * (zs - np.log(s))) / n
    dz = (e * (np.sum(Y, axis=1, keepdims=True) / (s * n))) - Y / n
    dW2 = h.T @ dz
    db2 = np.sum(dz, axis=0)
    da = (dz @ W2.T) * (1.0 - h * h)
    dW1 = X.T @ da
    db1 = np.sum(da, axis=0)
    return loss, dW1, db1, dW2, db2


def make_problem(b, d, hidden, c):
    """(W1, b1, W2, b2, X, Y): scaled Gaussian weights, Gaussian inputs, one-hot labels. Seeded."""
    rng = np.random.default_rng(b * d)
    W1 = rng.standard_normal((d, hidden)) / np.sqrt(d)
    b1 = 0.1 * rng.standard_normal(hidden)
    W2 = rng.standard_normal((hidden, c)) / np.sqrt(hidden)
    b2 = 0.1 * rng.standard_normal(c)
    X = rng.standard_normal((b, d))
    Y = np.zeros((b, c))
    Y[np.arange(b), rng.integers(0, c, size=b)] = 1.0
    return W1, b1, W2, b2, X, Y


def make_numba_functions():
    """The Numba primal and the hand-written Numba gradient.

    `mlp_grad_hand(W1, b1, W2, b2, X, Y) -> (loss, dW1, db1, dW2, db2)`. With p = softmax(z),
    dL/dz = (p * sum_k y_k - y) / B, which is (p - y) / B for one-hot rows (the sum is kept so
    that the gradient stays right for any Y); then dW2 = h^T dz, db2 = column sums of dz,
    dh = dz W2^T, da = dh (1 - h^2), dW1 = X^T da, db1 = column sums of da.

    Built in a function so that importing this file stays free of NumPy and Numba.
    """
    import numpy as np
    from numba import njit

    @njit
    def row_max(z):
        m = np.empty(z.shape[0])
        for r in range(z.shape[0]):
            v = z[r, 0]
            for k in range(1, z.shape[1]):
                v = max(v, z[r, k])
            m[r] = v
        return m

    @njit
    def mlp_loss_numba(W1, b1, W2, b2, X, Y):
        h = np.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        m = row_max(z)  # np.max(z, axis=1)
        zs = z - m.reshape((z.shape[0], 1))
        lse = np.log(np.sum(np.exp(zs), axis=1))
        logp = zs - lse.reshape((z.shape[0], 1))
        return -np.sum(Y * logp) / X.shape[0]

    @njit
    def mlp_grad_hand(W1, b1, W2, b2, X, Y):
        n = X.shape[0]
        h = np.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        c = z.shape[1]
        dz = np.empty_like(z)
        loss = 0.0
        for r in range(n):  # log-softmax, the loss and dL/dz, one row at a time
            m = z[r, 0]
            for k in range(1, c):
                m = max(m, z[r, k])
            s = 0.0
            for k in range(c):
                e = np.exp(z[r, k] - m)
                dz[r, k] = e
                s += e
            lse = np.log(s)
            ysum = 0.0
            for k in range(c):
                loss -= Y[r, k] * ((z[r, k] - m) - lse)
                ysum += Y[r, k]
            scale = ysum / (s * n)
            for k in range(c):
                dz[r, k] = dz[r, k] * scale - Y[r, k] / n
        loss /= n
        dW2 = h.T @ dz
        db2 = np.sum(dz, axis=0)
        da = (dz @ W2.T) * (1.0 - h * h)  # back through tanh
        dW1 = X.T @ da
        db1 = np.sum(da, axis=0)
        return loss, dW1, db1, dW2, db2

    return mlp_loss_numba, mlp_grad_hand


# --- checks ---------------------------------------------------------------------------------------


def central_differences(primal, args, h=1e-6):
    """Gradients with respect to W1, b1, W2, b2 by central differences, one entry at a time."""
    grads = []
    for a in WRT:
        g = np.empty_like(args[a])
        for idx in np.ndindex(args[a].shape):
            up = [x.copy() for x in args]
            down = [x.copy() for x in args]
            up[a][idx] += h
            down[a][idx] -= h
            g[idx] = (primal(*up) - primal(*down)) / (2 * h)
        grads.append(g)
    return grads


def directional_check(primal, grad, args, h=1e-6):
    """Relative error of grad . v against a central difference along one random direction v."""
    rng = np.random.default_rng(1)
    vs = [rng.standard_normal(args[a].shape) / np.sqrt(args[a].size) for a in WRT]
    up, down = list(args), list(args)
    for a, v in zip(WRT, vs):
        up[a] = args[a] + h * v
        down[a] = args[a] - h * v
    fd = (primal(*up) - primal(*down)) / (2 * h)
    grads = grad(*args)[1:]
    ad = sum(float(np.sum(g * v)) for g, v in zip(grads, vs))
    return abs(ad - fd) / max(abs(ad), abs(fd), 1e-300)


def check_hand(primal, hand, small, big):
    """Fail loudly unless the Numba primal and the hand-written gradient are right."""
    found = {}
    for label, args in (("small", small), ("big", big)):
        v_numpy, v_numba, v_hand = mlp_loss(*args), primal(*args), hand(*args)[0]
        err = max(abs(v - v_numpy) / abs(v_numpy) for v in (v_numba, v_hand))
        if err > PRIMAL_RTOL:
            fail(
                f"losses disagree ({label}): NumPy {v_numpy!r}, Numba {v_numba!r}, hand {v_hand!r}"
            )
        found[f"rel_err_losses_{label}"] = err
    for label, args in (("small", small), ("big", big)):
        err = max_rel_err(mlp_grad_numpy(*args), hand(*args))
        if err > HAND_RTOL:
            fail(f"the NumPy and Numba hand gradients differ by {err:.2e} relative ({label})")
        found[f"rel_err_hand_numba_vs_numpy_{label}"] = err
    fd = central_differences(primal, small)
    err_fd = max_rel_err(hand(*small)[1:], fd)
    if err_fd > FD_RTOL:
        fail(
            f"hand gradient differs from central differences by {err_fd:.2e} relative "
            f"(B, D, H, C = {CHECK})\n  hand: {hand(*small)[1:]}\n  central: {fd}"
        )
    found["rel_err_hand_vs_fd_small"] = err_fd
    err_dir = directional_check(primal, hand, big)
    if err_dir > FD_RTOL:
        fail(f"hand gradient: directional derivative off by {err_dir:.2e} relative (big instance)")
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
    value, grads = s2sad.value_and_grad(mlp_loss, wrt=WRT)(*args)
    t3 = time.perf_counter()
    print(
        json.dumps(
            {
                "import_s": t1 - t0,
                "build_first_call_s": t3 - t2,
                "value": float(value),
                "grad": [np.asarray(g, dtype=np.float64).tolist() for g in grads],
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
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        metavar="N",
        help="threads for NumPy's and Numba's BLAS (default 1; 0 leaves the environment alone)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON output file")
    opts = parser.parse_args()
    if opts.child:
        return child_main()

    if opts.blas_threads > 0:  # before NumPy and SciPy's BLAS are loaded; children inherit it
        if "numpy" in sys.modules:
            print("warning: NumPy already imported; --blas-threads may not apply", file=sys.stderr)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(opts.blas_threads)
    _bind_numpy()

    warn_if_not_jitted()
    repeat, min_time, cold_rounds = (3, 0.02, 1) if opts.quick else (7, 0.2, 3)
    sizes = QUICK if opts.quick else FULL
    small = make_problem(*CHECK)
    big = make_problem(*sizes)

    primal, hand = make_numba_functions()
    t0 = time.perf_counter()
    primal(*small)
    primal_compile_s = time.perf_counter() - t0

    # correctness first: a wrong hand-written gradient stops everything
    checks = check_hand(primal, hand, small, big)
    ref_small, ref_big = hand(*small), hand(*big)

    vg, s2sad_error = None, None
    if not opts.numba_only:
        try:
            vg, errors = checked_value_and_grad(
                mlp_loss,
                WRT,
                (("small", small, ref_small), ("big", big, ref_big)),
                S2SAD_RTOL,
            )
            checks.update(errors)
        except Exception as exc:  # report, keep the Numba numbers, exit non-zero at the end
            s2sad_error = f"{type(exc).__name__}: {exc}"

    # then timings
    times, loops = {}, {}
    for key, fn in (
        ("primal", primal),
        ("numpy", mlp_loss),
        ("hand", hand),
        ("hand_numpy", mlp_grad_numpy),
        ("s2sad", vg),
    ):
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
    b, d, hidden, c = sizes
    print(f"## MLP, tanh + softmax cross-entropy, B = {b}, D = {d}, H = {hidden}, C = {c}\n")
    m = machine_info()
    print(
        f"{m['processor']}, Python {m['python']}, NumPy {m['numpy']}, Numba {m['numba']}; "
        f"best of {repeat} repeats\n"
    )
    rows = (
        ("primal: Numba (`mlp_loss_numba`)", "primal"),
        ("primal: NumPy (`mlp_loss`, not compiled)", "numpy"),
        ("hand gradient: Numba", "hand"),
        ("hand gradient: NumPy (`mlp_grad_numpy`, not compiled)", "hand_numpy"),
        ("s2sad: `value_and_grad(mlp_loss, wrt=(0, 1, 2, 3))`", "s2sad"),
    )
    print(f"| B = {b}, D = {d}, H = {hidden}, C = {c} | µs per call | ÷ primal | s2sad ÷ this |")
    print("|---|---:|---:|---:|")
    for label, key in rows:
        t = times[key]
        cells = [label, fmt_us(t), fmt_ratio(t, times["primal"]), fmt_ratio(times["s2sad"], t)]
        print("| " + " | ".join(cells) + " |")
    print(f"\nNumba compile of the primal (in process, first call): {primal_compile_s:.3f} s")
    print(
        "checks: hand vs central differences (B, D, H, C = {}) {:.1e}; directional difference "
        "at the benchmark size {:.1e}".format(
            CHECK, checks["rel_err_hand_vs_fd_small"], checks["rel_err_hand_vs_directional_fd_big"]
        )
    )
    if "rel_err_s2sad_vs_hand_big" in checks:
        err = checks["rel_err_s2sad_vs_hand_big"]
        print(f"s2sad vs hand gradient at the benchmark size: {err:.1e}")
    if startup is not None:
        print_startup(startup)
    if s2sad_error:
        print(f"\ns2sad: not measured ({s2sad_error})")
    elif opts.numba_only:
        print("\ns2sad: skipped (--numba-only)")

    result = {
        "benchmark": "mlp",
        "params": {
            "batch": b,
            "inputs": d,
            "hidden": hidden,
            "classes": c,
            "check_sizes": list(CHECK),
        },
        "quick": opts.quick,
        "repeat": repeat,
        "min_time_s": min_time,
        "blas_threads": opts.blas_threads or None,
        "machine": m,
        "primal_compile_s": primal_compile_s,
        "checks": checks,
        "times_s": times,
        "loops": loops,
        "ratios": {
            "numpy/primal": ratio(times["numpy"], times["primal"]),
            "hand/primal": ratio(times["hand"], times["primal"]),
            "hand_numpy/primal": ratio(times["hand_numpy"], times["primal"]),
            "hand_numpy/numpy": ratio(times["hand_numpy"], times["numpy"]),
            "s2sad/primal": ratio(times["s2sad"], times["primal"]),
            "s2sad/hand": ratio(times["s2sad"], times["hand"]),
            "s2sad/hand_numpy": ratio(times["s2sad"], times["hand_numpy"]),
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
