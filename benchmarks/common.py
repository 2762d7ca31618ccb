"""Pieces shared by the array benchmarks (heat.py, mlp.py).

The timing loop and the table formatting are oscillator.py's own, imported from there, so every
benchmark measures the same way. What is added here is what array-valued gradients need: an error
measure for arrays, and the fresh-process cold/warm start-up measurement generalised to any
script that has a `--child` mode.

Importing this module must stay free of NumPy and Numba (it imports only the standard library and
oscillator.py, which does the same): the child processes that time s2sad's start-up import it
before they start their clocks.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from oscillator import best_of, fail, fmt_ratio, fmt_us

__all__ = [
    "best_of",
    "checked_value_and_grad",
    "fail",
    "fmt_ratio",
    "fmt_us",
    "max_rel_err",
    "cold_warm",
    "machine_info",
    "print_startup",
    "ratio",
    "warn_if_not_jitted",
]


def max_rel_err(a, b):
    """Largest error over a sequence of gradients (arrays or floats), each relative to its size.

    For each pair the error is max|a - b| / max(max|a|, max|b|): an array is compared against its
    own largest entry, not entry by entry, so that entries that are zero up to rounding (where two
    correct summation orders legitimately disagree in every digit) do not dominate.
    """
    import numpy as np

    worst = 0.0
    for x, y in zip(a, b):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if x.shape != y.shape:
            return float("inf")
        if x.size == 0:
            continue
        scale = max(float(np.max(np.abs(x))), float(np.max(np.abs(y))), 1e-300)
        worst = max(worst, float(np.max(np.abs(x - y))) / scale)
    return worst


def ratio(a, b):
    """a / b, or None when either time is missing."""
    return None if a is None or b is None else a / b


def warn_if_not_jitted():
    if os.environ.get("S2SAD_JIT") == "0" or os.environ.get("NUMBA_DISABLE_JIT") == "1":
        print(
            "warning: S2SAD_JIT=0 / NUMBA_DISABLE_JIT=1 is set; timings are not Numba's",
            file=sys.stderr,
        )


def machine_info():
    import numba
    import numpy as np

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
    }


def checked_value_and_grad(fn, wrt, instances, rtol):
    """s2sad's `value_and_grad(fn, wrt)`, checked on each (label, args, reference) of `instances`.

    `reference` is the hand-written (value, gradient, ...). Raises whatever s2sad raises (its
    array support may be incomplete), or RuntimeError for a gradient that disagrees by more than
    `rtol`; returns (the s2sad function, {"rel_err_s2sad_vs_hand_<label>": error}).
    """
    import s2sad

    vg = s2sad.value_and_grad(fn, wrt=wrt)
    errors = {}
    for label, args, ref in instances:
        value, grads = vg(*args)
        err = max_rel_err([value, *grads], ref)
        if err > rtol:
            raise RuntimeError(
                f"WRONG GRADIENT: s2sad differs from the hand-written one by {err:.2e} "
                f"relative ({label} instance)"
            )
        errors[f"rel_err_s2sad_vs_hand_{label}"] = err
    return vg, errors


# --- s2sad in a fresh process -------------------------------------------------------------------


def run_child(script, env):
    """Run `script --child`; its last stdout line is a JSON object."""
    out = subprocess.run(
        [sys.executable, str(Path(script).resolve()), "--child"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child process failed:\n{out.stdout}{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_warm(script, rounds, expected, rtol):
    """Cold first call (empty caches) and warm load (same caches), each in a fresh process.

    The child (`script --child`) prints {"import_s", "build_first_call_s", "value", "grad"}.
    `expected` is the hand-written (value, gradients) for the child's problem: a gradient loaded
    from the cache must be as right as a freshly compiled one.
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
            cold.append(run_child(script, env))
            warm.append(run_child(script, env))
            for label, r in (("cold", cold[-1]), ("warm", warm[-1])):
                err = max_rel_err([r["value"], *r["grad"]], [expected[0], *expected[1]])
                if err > rtol:
                    raise RuntimeError(
                        f"{label} start: gradient differs from the hand-written one "
                        f"(max relative error {err:.2e})"
                    )
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


def print_startup(startup):
    c, w = startup["cold"], startup["warm"]
    print(
        f"\n| s2sad start-up, fresh process (best of {startup['rounds']}) | import s2sad s "
        "| build + first call s | total s |"
    )
    print("|---|---:|---:|---:|")
    for name, d in (("cold: empty caches", c), ("warm: same caches", w)):
        total = d["import_s"] + d["build_first_call_s"]
        print(f"| {name} | {d['import_s']:.3f} | {d['build_first_call_s']:.3f} | {total:.3f} |")
