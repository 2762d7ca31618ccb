"""Long fuzz runs: random programs from tests/fuzz/generator.py, s2sad gradients vs finite diffs.

    python tools/fuzz.py --start 0 --count 500            # the pure-Python build (jit=False)
    python tools/fuzz.py --start 0 --count 500 --jit      # the Numba build
    python tools/fuzz.py --start 0 --count 500 --both -j 2

Prints every failure (seed, program source, got/want) as it happens and a summary at the end;
exits 1 when anything failed. Nothing is minimized. `--show` prints each program's source even
when it passes. Generated derivatives go to a throw-away cache directory unless S2SAD_CACHE_DIR is
set.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if not os.environ.get("S2SAD_CACHE_DIR"):
    _CACHE = tempfile.mkdtemp(prefix="s2sad-fuzz-cache-")
    os.environ["S2SAD_CACHE_DIR"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

from tests.fuzz.generator import AVOIDABLE, check_program, generate, report  # noqa: E402


def run_seed(seed: int, builds: tuple, show: bool, avoid: tuple = ()) -> dict:
    """Generate and check one seed in every requested build; a plain dict for the parent."""
    out = {"seed": seed, "rejected": {}, "results": [], "text": [], "attempt": None}
    start = time.perf_counter()
    try:
        prog = generate(seed, avoid)
    except Exception as exc:  # the generator itself failed: report it, keep going
        out["results"].append(("generator", [f"generator:{type(exc).__name__}"]))
        out["text"].append(f"seed {seed}: generator failed: {type(exc).__name__}: {exc}")
        return out
    out["rejected"] = prog.rejected
    out["attempt"] = prog.attempt
    if show:
        out["text"].append(f"---- seed {seed} ({prog.describe()}) ----\n{prog.source}")
    for jit in builds:
        failures = check_program(prog, jit)
        out["results"].append(("numba" if jit else "python", [f.kind for f in failures]))
        if failures:
            out["text"].append(report(prog, jit, failures))
    out["seconds"] = time.perf_counter() - start
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--count", type=int, default=100, help="number of seeds (default 100)")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--jit", action="store_true", help="check the Numba build only")
    group.add_argument("--both", action="store_true", help="check both builds")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1)")
    ap.add_argument("--show", "--verbose", action="store_true", dest="show",
                    help="print every program's source")
    ap.add_argument("--avoid", default="", metavar="A,B",
                    help="leave out constructs with known s2sad bugs (then a seed gives another "
                    "program): 'all' or a comma list of " + ", ".join(
                        f"{k} ({v})" for k, v in AVOIDABLE.items()))
    opts = ap.parse_args(argv)
    avoid = tuple(sorted(AVOIDABLE)) if opts.avoid == "all" else \
        tuple(a for a in opts.avoid.split(",") if a)
    bad = set(avoid) - set(AVOIDABLE)
    if bad:
        ap.error(f"--avoid: unknown {sorted(bad)}; choose from {sorted(AVOIDABLE)}")

    builds = (False, True) if opts.both else ((True,) if opts.jit else (False,))
    seeds = range(opts.start, opts.start + opts.count)
    started = time.perf_counter()
    checks, failed_checks = 0, 0
    kinds: Counter = Counter()
    rejected: Counter = Counter()
    failing_seeds: dict = {}
    attempts = 0

    def consume(res):
        nonlocal checks, failed_checks, attempts
        rejected.update(res["rejected"])
        attempts += (res["attempt"] or 0) + 1
        for build, failure_kinds in res["results"]:
            checks += 1
            if failure_kinds:
                failed_checks += 1
                failing_seeds.setdefault(res["seed"], []).append(build)
                kinds.update(f"{k} ({build})" for k in failure_kinds)
        for text in res["text"]:
            print(text, flush=True)
            print(flush=True)

    if opts.jobs > 1:
        with ProcessPoolExecutor(opts.jobs) as pool:
            futures = [pool.submit(run_seed, s, builds, opts.show, avoid) for s in seeds]
            for fut in futures:
                consume(fut.result())
    else:
        for s in seeds:
            consume(run_seed(s, builds, opts.show, avoid))

    elapsed = time.perf_counter() - started
    build_names = ", ".join("numba" if b else "python" for b in builds)
    print("=" * 79)
    last = opts.start + opts.count - 1
    print(f"seeds {opts.start}..{last} ({opts.count}), builds: {build_names}, {elapsed:.1f} s"
          + (f", avoiding {', '.join(avoid)}" if avoid else ""))
    print(f"candidates generated: {attempts}, rejected as unfair for finite differences: "
          f"{sum(rejected.values())} ({', '.join(f'{k} {v}' for k, v in rejected.most_common())})")
    print(f"checks run: {checks}, failed: {failed_checks}")
    for kind, n in kinds.most_common():
        print(f"  {kind}: {n}")
    if failing_seeds:
        print("failing seeds: " + ", ".join(
            f"{s} ({'+'.join(b)})" for s, b in sorted(failing_seeds.items())))
    return 1 if failed_checks else 0


if __name__ == "__main__":
    sys.exit(main())
