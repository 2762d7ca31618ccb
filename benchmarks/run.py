"""Peer comparison: the same gradient of six problems with s2sad and with other AD tools.

    pip install -e ".[bench]"                 # JAX, PyTorch (CPU), HIPS autograd, tangent-ad
    python benchmarks/run.py                  # full run (about 8 minutes on 2 cores)
    python benchmarks/run.py --quick          # smaller sizes, fewer repeats (about 2 minutes)
    python benchmarks/run.py --problems oscillator,gmm --tools s2sad,hand,jax_vec

Writes benchmarks/results/peers.md (the tables and the targets), peers.json (every number) and
peers.png (gradient / primal per problem and tool); prints the markdown.

How it measures (benchmarks/README.md has the long version):

* the parent process computes, per problem and size, the Numba primal's time (the denominator of
  every ratio) and the hand-written Numba gradient, which it checks against a central difference
  along a random direction; that gradient is the reference for every tool;
* every (problem, tool) is measured in its own fresh process, so tools do not share an
  interpreter (garbage collection, thread pools, allocator state). Per size, in that process:
  the tool's gradient is built and called once on the small check instance (compilation, and an
  estimate of the time per call at the benchmark size: a tool estimated above the time limit is
  skipped with that estimate), then called once at the benchmark size with the peak resident
  memory of that call recorded (Linux: VmHWM reset through /proc/self/clear_refs, so Numba's,
  XLA's and PyTorch's allocations all count), its gradient cross-checked against the reference
  (1e-8 relative; a mismatch is WRONG and not timed), and only then timed with best-of-N;
* start-up: in fresh processes, the build + first call on the check instance after the tool is
  imported, once with empty caches (cold) and once with the caches the cold run left (warm).

Optional tools are skipped with a message when they are not installed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Measure this checkout's s2sad, pip-installed or not (the same one an editable install points at).
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import peers  # noqa: E402  (standard library only)
from common import best_of, machine_info, max_rel_err, run_child  # noqa: E402
from problems import MODULES, load  # noqa: E402  (NumPy only once a problem is loaded)

RESULTS = HERE / "results"
RTOL = 1e-8  # every tool against the hand-written gradient
FD_RTOL = 1e-6  # the hand-written gradient against a central difference
PEERS = ("jax_vec", "jax_loop", "torch", "autograd", "tangent")
FASTEST_ON = ("oscillator", "ode_rk4", "heat2d", "rosenbrock", "gmm")  # problems 1, 2, 3, 5, 6
TARGET_RATIO, TARGET_HAND, TARGET_COLD, TARGET_WARM = 3.0, 1.3, 2.0, 0.3

MODES = {
    # best of `repeat` loops of >= `min_time` s; start-up rounds for (s2sad, hand, the others);
    # a tool estimated above `limit_s` per call is skipped; a first call above `slow_s` is not
    # repeated (that call is the time); a call still running after `timeout_s` is abandoned;
    # the time is the best of `processes` fresh measuring processes (where one takes < 20 s)
    "full": {"repeat": 7, "min_time": 0.2, "rounds": (3, 1, 1), "limit_s": 20.0, "slow_s": 1.0,
             "timeout_s": 30.0, "processes": 2},
    "quick": {"repeat": 3, "min_time": 0.02, "rounds": (1, 1, 0), "limit_s": 3.0,
              "slow_s": 0.25, "timeout_s": 6.0, "processes": 1},
}


# --- measurements inside a child process -----------------------------------------------------


def _status_kib(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def peak_memory_call(fn, args):
    """Run fn(*args) once; returns (result, seconds, peak bytes above the RSS before the call).

    The kernel's high-water mark of resident memory (VmHWM) is reset to the current RSS just
    before the call, so the growth it shows afterwards is everything the call touched: Python
    objects, NumPy and Numba (NRT) arrays, XLA buffers, PyTorch's allocator. Before that,
    `malloc_trim(0)` hands the pages of memory that earlier work (compilation, the check call)
    freed back to the kernel: the allocator would otherwise reuse them without the resident set
    growing, and the call would look cheaper than it is.
    """
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        before, method = _status_kib("VmRSS"), "VmHWM"
    except OSError:  # not Linux, or not allowed: growth of the lifetime maximum (may read low)
        import resource

        before, method = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "ru_maxrss"
    t0 = time.perf_counter()
    out = fn(*args)
    elapsed = time.perf_counter() - t0
    if method == "VmHWM":
        after = _status_kib("VmHWM")
    else:
        import resource

        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return out, elapsed, max(0, after - before) * 1024, method


def _load_refs(spec, key):
    import numpy as np

    data = np.load(spec["refs"])
    refs = {}
    for name in data.files:
        tag, _, index = name.rpartition("_g")
        refs.setdefault(tag, []).append((int(index), data[name]))
    return {tag: [a for _, a in sorted(v)] for tag, v in refs.items()}


def _watchdog(out, seconds, remaining):
    """Give up on a call that runs past `seconds`: report what we have and leave the process.

    The estimate from the check instance is linear in the problem size; the tools that build a
    Python object per operation grow faster than that (the garbage collector walks them all).
    """

    def fire():
        for index in remaining:
            out["rows"].append({"size_index": index, "status": "timeout", "timeout_s": seconds})
        print(json.dumps(out), flush=True)
        os._exit(0)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def child_measure(spec):
    """One (problem, tool): check, memory and time at every size. Prints one JSON line."""
    P = load(spec["problem"])
    tool = spec["tool"]
    mode = MODES[spec["mode_name"]]
    refs = _load_refs(spec, P.KEY)
    sizes = P.SIZES[spec["mode_name"]]
    out = {"problem": P.KEY, "tool": tool, "rows": []}
    try:
        at = peers.build(tool, P)
        small = at(P.make_args(P.CHECK_SIZE))
        if small.prepare:
            small.prepare()
        got = small.fn(*small.args)  # compiles where the tool compiles
        out["check_rel_err"] = max_rel_err(small.convert(got), refs["check"])
        t0 = time.perf_counter()
        small.fn(*small.args)
        out["check_call_s"] = t_check = time.perf_counter() - t0
    except (peers.ToolMissing, peers.NotApplicable) as exc:
        out["status"] = "missing" if isinstance(exc, peers.ToolMissing) else "n/a"
        out["message"] = str(exc)
        print(json.dumps(out))
        return 0
    except Exception as exc:  # a refusal or a crash: report it, with its type
        out["status"] = "error"
        out["message"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(out))
        return 0
    out["status"] = "ok"
    if out["check_rel_err"] > RTOL:
        out["status"] = "wrong"
    for index, size in enumerate(sizes):
        row = {"size_index": index}
        if out["status"] == "wrong":
            row["status"] = "wrong"
            row["rel_err"] = out["check_rel_err"]
            continue
        estimate = t_check * P.work(size) / P.work(P.CHECK_SIZE)
        row["estimate_s"] = estimate
        if estimate > mode["limit_s"]:
            row["status"] = "skipped"
            out["rows"].append(row)
            continue
        try:
            impl = at(P.make_args(size))
            if impl.prepare:
                impl.prepare()  # JAX: trace and compile for these shapes, outside the memory call
            timer = _watchdog(out, mode["timeout_s"], range(index, len(sizes)))
            got, first_s, peak, method = peak_memory_call(impl.fn, impl.args)
            timer.cancel()
            out["rows"].append(row)
            row["rel_err"] = err = max_rel_err(impl.convert(got), refs[f"size{index}"])
            del got
            if err > RTOL:
                row["status"] = "wrong"
                continue
            row["peak_bytes"], row["memory_method"] = peak, method
            row["first_call_s"] = first_s
            if first_s > mode["slow_s"]:  # slow: that call is the timing (compiled already)
                row["grad_s"], row["loops"], row["timed_once"] = first_s, 1, True
            else:
                row["grad_s"], row["loops"] = best_of(
                    impl.fn, impl.args, mode["repeat"], mode["min_time"]
                )
            row["status"] = "ok"
        except Exception as exc:
            if row not in out["rows"]:
                out["rows"].append(row)
            row["status"] = "error"
            row["message"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(out))
    return 0


def child_startup(spec):
    """Fresh process: import the tool, then build + first call on the check instance."""
    P = load(spec["problem"])
    args = P.make_args(P.CHECK_SIZE)
    t0 = time.perf_counter()
    peers.setup(spec["tool"])
    t1 = time.perf_counter()
    impl = peers.build(spec["tool"], P)(args)
    got = impl.fn(*impl.args)
    t2 = time.perf_counter()
    grads = [g.tolist() for g in impl.convert(got)]
    print(json.dumps({"import_s": t1 - t0, "first_call_s": t2 - t1, "grad": grads}))
    return 0


# --- the parent -----------------------------------------------------------------------------


def directional_fd(primal, args, wrt, grads, seed=0):
    """Relative error of <grad, v> against a central difference of the primal along v."""
    import numpy as np

    rng = np.random.default_rng(seed)
    up, down, ad = list(args), list(args), 0.0
    for i, g in zip(wrt, grads):
        a = args[i]
        scale = max(float(np.max(np.abs(a))), 1.0)
        v = rng.standard_normal(np.shape(a)) * scale
        if np.ndim(a) == 0:
            v = float(v)
        h = 1e-6
        up[i] = a + h * v
        down[i] = a - h * v
        ad += float(np.sum(np.asarray(g) * v))
    fd = (primal(*up) - primal(*down)) / (2 * h)
    return abs(ad - fd) / max(abs(ad), abs(fd), 1e-300)


def reference(P, mode_name, tmp):
    """Numba primal times, hand-written gradients (checked) and their .npz for the children."""
    import numpy as np

    mode = MODES[mode_name]
    primal = P.numba_primal()
    hand = P.hand_gradient()
    sizes = P.SIZES[mode_name]
    arrays, rows = {}, []
    for tag, size in [("check", P.CHECK_SIZE)] + [(f"size{i}", s) for i, s in enumerate(sizes)]:
        args = P.make_args(size)
        g = [np.asarray(x, dtype=np.float64) for x in hand(*args)]
        err = directional_fd(primal, args, P.WRT, g)
        if err > FD_RTOL:
            raise SystemExit(
                f"FAIL: {P.KEY} ({tag}): the hand-written gradient is off a central "
                f"difference by {err:.2e} relative"
            )
        for k, x in enumerate(g):
            arrays[f"{tag}_g{k}"] = x
        if tag == "check":
            continue
        t, loops = best_of(primal, args, mode["repeat"], mode["min_time"])
        rows.append({"size": size, "label": P.label(size), "primal_s": t, "primal_loops": loops,
                     "rel_err_hand_vs_fd": err})
    path = Path(tmp) / f"refs_{P.KEY}.npz"
    np.savez(path, **arrays)
    return rows, str(path)


def spawn(spec, env=None):
    env = dict(os.environ if env is None else env)
    env["S2SAD_BENCH_SPEC"] = json.dumps(spec)
    return run_child(__file__, env)


def measure(spec, processes):
    """The measuring child, run again in up to `processes` fresh processes: best time per row.

    Some of this machine's timings move between two levels from one process to the next and
    stay there within a process (the MLP's hand-written gradient: 0.66 or 0.93 ms; heat.py's
    README reports the same for its primal), so a second process catches the better level.
    Memory and the cross-check come from the first process; slow measurements are not repeated.
    """
    t0 = time.perf_counter()
    r = spawn(spec)
    if r["status"] != "ok" or time.perf_counter() - t0 > 20.0:
        return r
    for _ in range(processes - 1):
        again = spawn(spec)
        for row, other in zip(r["rows"], again.get("rows", [])):
            if row["status"] == "ok":
                row.setdefault("grad_s_per_process", [row["grad_s"]])
                if other.get("status") == "ok":
                    row["grad_s_per_process"].append(other["grad_s"])
                    row["grad_s"] = min(row["grad_s"], other["grad_s"])
    return r


def measure_startup(P, tool, rounds, check_ref):
    """Best-of-rounds cold (empty caches) and warm (same caches) build + first call.

    For s2sad also "second": empty s2sad cache, but a Numba cache in which one other derivative
    (the oscillator's; for the oscillator, the ODE's) was compiled before, so that s2sad's own
    run-time helpers (`grow`, `trip_count`, ...) are cached: what a user's second function costs.
    """
    cold, warm, second = [], [], []

    def checked(label, r):
        err = max_rel_err(r["grad"], check_ref)
        if err > RTOL:
            raise RuntimeError(f"{label} start: gradient off by {err:.2e} relative")
        return r

    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="s2sad-peers-") as tmp:
            env = dict(os.environ)
            env.pop("S2SAD_JIT", None)
            env.pop("NUMBA_DISABLE_JIT", None)
            env["S2SAD_CACHE_DIR"] = os.path.join(tmp, "s2sad")
            env["NUMBA_CACHE_DIR"] = os.path.join(tmp, "numba")
            env["S2SAD_BENCH_JAX_CACHE"] = os.path.join(tmp, "jax")
            spec = {"kind": "startup", "problem": P.KEY, "tool": tool}
            cold.append(checked("cold", spawn(spec, env)))
            if tool in peers.CACHED:
                warm.append(checked("warm", spawn(spec, env)))
            if tool == "s2sad":
                other = "ode_rk4" if P.KEY == "oscillator" else "oscillator"
                env["NUMBA_CACHE_DIR"] = os.path.join(tmp, "numba-second")
                env["S2SAD_CACHE_DIR"] = os.path.join(tmp, "s2sad-other")
                spawn({"kind": "startup", "problem": other, "tool": tool}, env)
                env["S2SAD_CACHE_DIR"] = os.path.join(tmp, "s2sad-second")
                second.append(checked("second", spawn(spec, env)))
    best = {}
    for label, runs in (("cold", cold), ("warm", warm), ("second", second)):
        if runs:
            best[label] = {
                "import_s": min(r["import_s"] for r in runs),
                "first_call_s": min(r["first_call_s"] for r in runs),
            }
    best["rounds"] = rounds
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--problems", default=",".join(MODULES), help="comma-separated keys")
    parser.add_argument("--tools", default=",".join(peers.TOOLS), help="comma-separated keys")
    parser.add_argument("--no-startup", action="store_true", help="skip cold/warm start-up")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/XLA/torch threads")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    opts = parser.parse_args()
    peers.pin_threads(opts.threads)  # before NumPy's BLAS, JAX or torch load (children inherit)
    import numpy as np
    mode_name = "quick" if opts.quick else "full"
    mode = MODES[mode_name]
    problems = [load(k) for k in opts.problems.split(",") if k]
    tools = [t for t in opts.tools.split(",") if t]
    for t in tools:
        if t not in peers.TOOLS:
            parser.error(f"unknown tool {t!r}; choose from {', '.join(peers.TOOLS)}")
    started = time.perf_counter()
    tmp = tempfile.mkdtemp(prefix="s2sad-peers-run-")
    # one cache for the in-run processes, so every measuring child compiles at most once
    os.environ["S2SAD_CACHE_DIR"] = os.path.join(tmp, "s2sad")
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(tmp, "numba")
    os.environ.pop("S2SAD_BENCH_JAX_CACHE", None)
    if os.environ.get("S2SAD_JIT") == "0" or os.environ.get("NUMBA_DISABLE_JIT") == "1":
        print("warning: S2SAD_JIT=0 / NUMBA_DISABLE_JIT=1 is set; timings are not Numba's",
              file=sys.stderr)
    missing = {t: peers.available(t) for t in tools if t in peers.PACKAGE}
    for t, why in missing.items():
        if why:
            print(f"skipping {peers.LABELS[t]}: {why}", file=sys.stderr)
    results = {"benchmark": "peers", "mode": mode_name, "threads": opts.threads,
               "machine": machine_info(), "rtol": RTOL, "settings": mode,
               "versions": tool_versions(), "loadavg_start": os.getloadavg(), "problems": []}
    try:
        for P in problems:
            print(f"[{time.perf_counter() - started:6.1f} s] {P.KEY}: references", file=sys.stderr)
            rows, refs = reference(P, mode_name, tmp)
            entry = {"key": P.KEY, "number": P.NUMBER, "title": P.TITLE,
                     "wrt": list(P.WRT_NAMES), "forms": P.FORMS, "rows": rows, "tools": {}}
            with np.load(refs) as data:
                check_ref = [data[f"check_g{k}"] for k in range(len(P.WRT))]
            for tool in tools:
                spec = {"kind": "measure", "problem": P.KEY, "tool": tool,
                        "mode_name": mode_name, "refs": refs}
                if missing.get(tool):
                    r = {"status": "missing", "message": missing[tool], "rows": []}
                else:
                    try:
                        r = measure(spec, mode["processes"])
                    except RuntimeError as exc:
                        r = {"status": "error", "message": str(exc)[-2000:], "rows": []}
                rounds = mode["rounds"][{"s2sad": 0, "hand": 1}.get(tool, 2)]
                if r["status"] == "ok" and rounds and not opts.no_startup:
                    try:
                        r["startup"] = measure_startup(P, tool, rounds, check_ref)
                    except RuntimeError as exc:
                        r["startup_error"] = str(exc)[-2000:]
                entry["tools"][tool] = r
                print(f"[{time.perf_counter() - started:6.1f} s] {P.KEY}: {tool}: "
                      f"{summary(r)}", file=sys.stderr)
            results["problems"].append(entry)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["elapsed_s"] = time.perf_counter() - started
    results["loadavg_end"] = os.getloadavg()
    results["targets"] = targets(results)

    import report

    opts.out_dir.mkdir(parents=True, exist_ok=True)
    (opts.out_dir / "peers.json").write_text(json.dumps(results, indent=2) + "\n")
    md = report.markdown(results)
    (opts.out_dir / "peers.md").write_text(md)
    report.plot(results, opts.out_dir / "peers.png")
    print(md)
    print(f"wrote {opts.out_dir / 'peers.md'}, peers.json, peers.png "
          f"({results['elapsed_s']:.0f} s)")
    return 0


def tool_versions():
    from importlib import metadata

    out = {}
    for dist in ("s2sad", "numpy", "numba", "jax", "jaxlib", "torch", "autograd", "tangent-ad"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def summary(r):
    if r["status"] != "ok":
        return f"{r['status']}: {r.get('message', '')}"[:200]
    cells = []
    for row in r["rows"]:
        if row["status"] == "ok":
            cells.append(f"{row['grad_s'] * 1e6:,.1f} µs")
        else:
            cells.append(row["status"])
    return ", ".join(cells)


# --- targets ----------------------------------------------------------------------------------


def _grad_s(entry, tool, index):
    r = entry["tools"].get(tool)
    if not r or r["status"] != "ok" or index >= len(r["rows"]):
        return None
    row = r["rows"][index]
    return row["grad_s"] if row["status"] == "ok" else None


def targets(results):
    """The issue's targets for s2sad, each with every (problem row) that meets or misses it."""
    ratio, hand, fastest, cold, second, warm = [], [], [], [], [], []
    for e in results["problems"]:
        for i, row in enumerate(e["rows"]):
            name = f"({e['number']}) {e['key']} {row['label']}"
            s = _grad_s(e, "s2sad", i)
            h = _grad_s(e, "hand", i)
            if s is None:
                continue
            ratio.append({"row": name, "value": s / row["primal_s"],
                          "met": s / row["primal_s"] <= TARGET_RATIO})
            if h is not None:
                hand.append({"row": name, "value": s / h, "met": s / h <= TARGET_HAND})
            if e["key"] in FASTEST_ON:
                others = {p: _grad_s(e, p, i) for p in PEERS}
                others = {p: t for p, t in others.items() if t is not None}
                if others:
                    best = min(others, key=others.get)
                    fastest.append({"row": name, "value": s / others[best], "peer": best,
                                    "met": s < others[best]})
        st = e["tools"].get("s2sad", {}).get("startup")
        if st:
            name = f"({e['number']}) {e['key']}"
            c, w = st["cold"]["first_call_s"], st.get("warm", {}).get("first_call_s")
            cold.append({"row": name, "value": c, "met": c <= TARGET_COLD})
            if "second" in st:
                c2 = st["second"]["first_call_s"]
                second.append({"row": name, "value": c2, "met": c2 <= TARGET_COLD})
            if w is not None:
                warm.append({"row": name, "value": w, "met": w <= TARGET_WARM})
    return {
        "ratio": {"target": f"s2sad gradient / Numba primal <= {TARGET_RATIO:g}",
                  "rows": ratio},
        "hand": {"target": f"s2sad within {TARGET_HAND:g}x of the hand-written Numba gradient",
                 "rows": hand},
        "fastest": {"target": "s2sad faster than every other peer on problems 1, 2, 3, 5, 6",
                    "rows": fastest},
        "cold": {"target": f"cold first call (generation + compile) <= {TARGET_COLD:g} s",
                 "rows": cold},
        "second": {"target": f"the same, s2sad's run-time helpers already in the Numba cache "
                   f"(a second derivative) <= {TARGET_COLD:g} s", "rows": second},
        "warm": {"target": f"warm load (build + first call from the cache) <= {TARGET_WARM:g} s",
                 "rows": warm},
    }


if __name__ == "__main__":
    if os.environ.get("S2SAD_BENCH_SPEC") and "--child" in sys.argv:
        spec = json.loads(os.environ["S2SAD_BENCH_SPEC"])
        sys.exit(child_measure(spec) if spec["kind"] == "measure" else child_startup(spec))
    sys.exit(main())
