"""Rosenbrock in N dimensions written as a loop: s2sad's gradient vs the Numba primal and a
hand-written Numba adjoint (one command: `python benchmarks/rosenbrock.py [--n 10000]`).

Cross-checks the two gradients to 1e-8 relative before timing; reports best-of times and the
ratios gradient/primal and s2sad/hand-written, as benchmarks/oscillator.py does.
"""

import argparse
import sys
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oscillator import best_of  # noqa: E402

from s2sad import grad  # noqa: E402


def rosenbrock(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


@numba.njit
def rosenbrock_grad_hand(x):
    """The adjoint by hand: one pass, each term's partials added into both neighbours."""
    g = np.zeros_like(x)
    s = 0.0
    for i in range(len(x) - 1):
        d = x[i + 1] - x[i] * x[i]
        e = 1.0 - x[i]
        s += 100.0 * d * d + e * e
        g[i] += -400.0 * d * x[i] - 2.0 * e
        g[i + 1] += 200.0 * d
    return s, g


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    opts = parser.parse_args()
    x = np.random.default_rng(0).uniform(-1.5, 1.5, size=opts.n)
    primal = numba.njit(rosenbrock)
    g = grad(rosenbrock)
    ours = g(x)
    _, hand = rosenbrock_grad_hand(x)
    err = float(np.max(np.abs(ours - hand) / np.maximum(np.abs(hand), 1e-300)))
    if err > 1e-8:
        print(f"gradients disagree: max relative error {err:.2e}", file=sys.stderr)
        return 1
    t_primal, _ = best_of(primal, (x,), 7, 0.05)
    t_hand, _ = best_of(rosenbrock_grad_hand, (x,), 7, 0.05)
    t_ours, _ = best_of(g, (x,), 7, 0.05)
    print(f"## Rosenbrock as a loop, N = {opts.n} (gradients agree to {err:.1e})\n")
    print("| primal µs | hand adjoint µs | s2sad grad µs | hand/primal | s2sad/primal "
          "| s2sad/hand |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {1e6 * t_primal:.1f} | {1e6 * t_hand:.1f} | {1e6 * t_ours:.1f} | "
          f"{t_hand / t_primal:.2f} | {t_ours / t_primal:.2f} | {t_ours / t_hand:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
