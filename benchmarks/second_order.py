"""Hessian-vector products against gradients: `python benchmarks/second_order.py [--quick]`.

For the damped oscillator (benchmarks/oscillator.py) and the 1D heat equation
(benchmarks/heat.py) this times, in the Numba build, the primal, s2sad's gradient and s2sad's
H·v (forward mode over the generated adjoint), and reports hvp/grad: the cost of a second
derivative in units of a first. Before timing, each H·v is checked against central differences
of the gradient along the same direction (relative error below 1e-6). Writes a markdown table to
stdout and benchmarks/results/second_order.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numba
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import heat  # noqa: E402
from oscillator import best_of, energy  # noqa: E402

from s2sad import grad, hvp  # noqa: E402

heat._bind_numpy()  # heat.py imports NumPy lazily (its start-up child processes time imports)


def fd_hvp(g, args, wrt, v, h=1e-5):
    """H·v by central differences of the gradient `g` along v."""
    def at(eps):
        moved = list(args)
        for k, i in enumerate(wrt):
            moved[i] = args[i] + eps * v[k]
        return [np.asarray(x, dtype=np.float64) for x in g(*moved)]
    return [(p - m) / (2 * h) for p, m in zip(at(h), at(-h))]


def measure(name, fn, args, wrt, v, repeat, min_time):
    primal = numba.njit(fn)
    g = grad(fn, wrt=wrt)
    h = hvp(fn, wrt=wrt)
    hv = h(*args, v)
    want = fd_hvp(g, args, wrt, v)
    err = max(float(np.max(np.abs(np.asarray(a) - b))) / max(1.0, float(np.max(np.abs(b))))
              for a, b in zip(hv, want))
    if err > 1e-6:
        raise SystemExit(f"{name}: H·v disagrees with differences of the gradient ({err:.2e})")
    t_primal = best_of(primal, args, repeat, min_time)[0]
    t_grad = best_of(g, args, repeat, min_time)[0]
    t_hvp = best_of(h, (*args, v), repeat, min_time)[0]
    return dict(problem=name, primal_s=t_primal, grad_s=t_grad, hvp_s=t_hvp,
                grad_over_primal=t_grad / t_primal, hvp_over_grad=t_hvp / t_grad,
                hvp_check_rel_err=err)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short timings")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "second_order.json")
    opts = parser.parse_args()
    repeat, min_time = (3, 0.05) if opts.quick else (5, 0.2)
    osc_sizes = (1000, 10_000) if opts.quick else (1000, 100_000)
    heat_size = heat.QUICK if opts.quick else heat.FULL
    rows = []
    for n in osc_sizes:
        rows.append(measure(f"oscillator n={n}", energy, (1.3, 0.2, 1.0, n), (0, 1),
                            (0.6, -0.8), repeat, min_time))
    u0, alpha, obs, steps = heat.make_problem(*heat_size)
    rng = np.random.default_rng(0)
    rows.append(measure(f"heat N={heat_size[0]}, {steps} steps", heat.heat_loss,
                        (u0, alpha, obs, steps), (0, 1), (rng.normal(size=u0.shape), 0.5),
                        repeat, min_time))
    print("| problem | primal | grad | hvp | grad/primal | hvp/grad |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['problem']} | {r['primal_s'] * 1e6:.1f} µs | {r['grad_s'] * 1e6:.1f} µs | "
              f"{r['hvp_s'] * 1e6:.1f} µs | {r['grad_over_primal']:.2f} | "
              f"{r['hvp_over_grad']:.2f} |")
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(dict(rows=rows, quick=opts.quick), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
