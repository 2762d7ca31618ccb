"""The peer comparison's outputs: markdown tables and the PNG plot, from run.py's results dict.

    python benchmarks/report.py [results/peers.json]   # re-render peers.md and peers.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import peers

TARGET_RATIO = 3.0  # run.py's; repeated so that this module does not import run.py

SHORT = {
    "s2sad": "s2sad",
    "s2sad_py": "s2sad (Python)",
    "hand": "hand Numba",
    "jax_vec": "JAX vec",
    "jax_loop": "JAX loop",
    "torch": "PyTorch",
    "autograd": "autograd",
    "tangent": "tangent",
}


def fmt_time(s):
    if s is None:
        return "n/a"
    if s < 1e-3:
        return f"{s * 1e6:,.1f} µs"
    if s < 1.0:
        return f"{s * 1e3:,.2f} ms"
    return f"{s:,.2f} s"


def fmt_ratio(x):
    if x is None:
        return "n/a"
    return f"{x:,.2f}" if x < 100 else f"{x:,.0f}"


def fmt_mem(b):
    if b is None:
        return "n/a"
    if b < 2**20:
        return f"{b / 2**10:,.0f} KiB"
    return f"{b / 2**20:,.1f} MiB"


def cell_status(r, index):
    """(grad_s or None, text when there is no time) for one tool at one size."""
    if r is None:
        return None, "not run"
    if r["status"] in ("missing", "n/a"):
        return None, "not installed" if r["status"] == "missing" else "n/a"
    if r["status"] == "error":
        return None, "error"
    if r["status"] == "wrong" and not r["rows"]:
        return None, "WRONG"
    if index >= len(r["rows"]):
        return None, "not run"
    row = r["rows"][index]
    if row["status"] == "ok":
        return row["grad_s"], None
    if row["status"] == "skipped":
        return None, f"skipped (est. {row['estimate_s']:,.0f} s)"
    if row["status"] == "timeout":
        return None, f"timeout (> {row['timeout_s']:,.0f} s)"
    if row["status"] == "wrong":
        return None, f"WRONG ({row.get('rel_err', float('nan')):.1e})"
    return None, "error"


def markdown(res):
    m = res["machine"]
    v = res["versions"]
    tools = [t for t in peers.TOOLS if any(t in e["tools"] for e in res["problems"])]
    settings = res["settings"]
    out = ["# Peer comparison: the same gradients with s2sad and other AD tools", ""]
    out.append(
        f"`python benchmarks/run.py{' --quick' if res['mode'] == 'quick' else ''}` on "
        f"{m['processor']}, {m['cpu_count']} cores, {m['platform']}; Python {m['python']}, "
        f"NumPy {v['numpy']}, Numba {v['numba']}, JAX {v['jax']}, PyTorch {v['torch']}, "
        f"autograd {v['autograd']}, tangent-ad {v['tangent-ad']}. "
        f"{res['threads']} thread(s) for BLAS, XLA and PyTorch. Times are best of "
        f"{settings['repeat']} loops of at least {settings['min_time']:g} s (calls slower than "
        f"{settings['slow_s']:g} s: one timed call); a tool whose estimated time per call is "
        f"over {settings['limit_s']:g} s is skipped. Every gradient agrees with the "
        f"hand-written one to {res['rtol']:g} (max abs error / max abs entry, per argument) "
        f"before it is timed. Run time {res['elapsed_s'] / 60:.1f} min; 1-minute load average "
        f"{res['loadavg_start'][0]:.2f} at the start, {res['loadavg_end'][0]:.2f} at the end "
        "(anything well above 1 means another process shared the 2 cores)."
    )
    out += ["", "## Gradient time ÷ Numba primal time", ""]
    out.append("| problem | Numba primal | " + " | ".join(SHORT[t] for t in tools) + " |")
    out.append("|---|---:|" + "---:|" * len(tools))
    for e in res["problems"]:
        for i, row in enumerate(e["rows"]):
            cells = [f"({e['number']}) {e['key']}, {row['label']}", fmt_time(row["primal_s"])]
            for t in tools:
                s, text = cell_status(e["tools"].get(t), i)
                cells.append(fmt_ratio(s / row["primal_s"]) if s is not None else text)
            out.append("| " + " | ".join(cells) + " |")
    out += ["", "## Targets for s2sad (measured, not asserted by any test)", ""]
    out.append("| target | result | rows missed |")
    out.append("|---|---|---|")
    for key in ("ratio", "hand", "fastest", "cold", "second", "warm"):
        t = res["targets"][key]
        rows = t["rows"]
        if not rows:
            out.append(f"| {t['target']} | not measured | |")
            continue
        missed = [r for r in rows if not r["met"]]
        met = len(rows) - len(missed)
        if key == "fastest":
            detail = ", ".join(
                f"{r['row']}: {SHORT[r['peer']]} is {r['value']:.2f}x faster"
                if r["value"] > 1 else f"{r['row']}: ties {SHORT[r['peer']]}"
                for r in missed
            )
        elif key in ("cold", "second", "warm"):
            detail = ", ".join(f"{r['row']}: {r['value']:.2f} s" for r in missed)
        else:
            detail = ", ".join(f"{r['row']}: {r['value']:.2f}" for r in missed)
        verdict = f"met ({met} of {len(rows)})" if not missed else (
            f"**missed** (met on {met} of {len(rows)})")
        out.append(f"| {t['target']} | {verdict} | {detail or '-'} |")
    for e in res["problems"]:
        out += ["", f"## ({e['number']}) {e['title']}", ""]
        out.append(f"Gradient with respect to {', '.join(e['wrt'])}.")
        for i, row in enumerate(e["rows"]):
            out += ["", f"**{row['label']}**: Numba primal {fmt_time(row['primal_s'])}", ""]
            out.append("| tool | gradient | ÷ primal | ÷ hand | peak memory | rel. error |")
            out.append("|---|---:|---:|---:|---:|---:|")
            hand_s, _ = cell_status(e["tools"].get("hand"), i)
            for t in tools:
                r = e["tools"].get(t)
                s, text = cell_status(r, i)
                rr = r["rows"][i] if r and i < len(r.get("rows", [])) else {}
                if s is None:
                    cells = [peers.LABELS[t], text, "", "", "", ""]
                    if "rel_err" in rr:
                        cells[5] = f"{rr['rel_err']:.1e}"
                else:
                    cells = [
                        peers.LABELS[t] + (" †" if rr.get("timed_once") else ""),
                        fmt_time(s),
                        fmt_ratio(s / row["primal_s"]),
                        fmt_ratio(s / hand_s) if hand_s else "n/a",
                        fmt_mem(rr.get("peak_bytes")),
                        f"{rr['rel_err']:.1e}",
                    ]
                out.append("| " + " | ".join(cells) + " |")
        start = [(t, e["tools"][t]) for t in tools
                 if t in e["tools"] and (e["tools"][t].get("startup")
                                         or e["tools"][t].get("startup_error"))]
        if start:
            out += ["", "Start-up in a fresh process, on the check instance (best of the rounds "
                    "shown; import is the tool's own import, after NumPy; cold: empty caches; "
                    "warm: the caches the cold process left; second derivative: empty s2sad "
                    "cache, but s2sad's run-time helpers already in Numba's cache):", ""]
            out.append("| tool | import | cold: build + first call | warm: the same, caches "
                       "kept | second derivative (s2sad) | rounds |")
            out.append("|---|---:|---:|---:|---:|---:|")
            for t, r in start:
                if r.get("startup_error"):
                    out.append(f"| {peers.LABELS[t]} | error: {r['startup_error'][:120]} "
                               "| | | | |")
                    continue
                st = r["startup"]
                warm = f"{st['warm']['first_call_s']:.2f} s" if "warm" in st else "no cache"
                second = f"{st['second']['first_call_s']:.2f} s" if "second" in st else ""
                out.append(
                    f"| {peers.LABELS[t]} | {st['cold']['import_s']:.2f} s "
                    f"| {st['cold']['first_call_s']:.2f} s | {warm} | {second} | {st['rounds']} |"
                )
        out += ["", "How each tool's version is written:", ""]
        for t in tools:
            if t in e["forms"]:
                out.append(f"- {peers.LABELS[t]}: {e['forms'][t]}")
        notes = []
        for t in tools:
            r = e["tools"].get(t)
            if r and r["status"] in ("error", "missing") and r.get("message"):
                notes.append(f"- {peers.LABELS[t]}: {r['status']}: "
                             f"{r['message'].strip().splitlines()[-1][:300]}")
            for rr in (r or {}).get("rows", []):
                if rr.get("status") == "error":
                    notes.append(f"- {peers.LABELS[t]}: {rr.get('message', '')[:300]}")
        if notes:
            out += ["", "Not measured:", ""] + notes
    out += ["", "† timed once: the first call at the benchmark size took longer than the slow "
            "threshold, so that call (the tool had compiled on the check instance already) is "
            "the time. Peak memory: "
            "growth of the resident set during one gradient call at the benchmark size, in a "
            "fresh process per (problem, tool), after the tool compiled on the check instance "
            "(see benchmarks/README.md).", ""]
    return "\n".join(out)


def plot(res, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tools = [t for t in peers.TOOLS if any(t in e["tools"] for e in res["problems"])]
    groups = [(e, i, row) for e in res["problems"] for i, row in enumerate(e["rows"])]
    colors = {"s2sad": "#d62728", "s2sad_py": "#ff9896", "hand": "#2ca02c",
              "jax_vec": "#1f77b4", "jax_loop": "#aec7e8", "torch": "#ff7f0e",
              "autograd": "#9467bd", "tangent": "#8c564b"}
    fig, ax = plt.subplots(figsize=(15, 6.5))
    width = 0.8 / len(tools)
    for k, t in enumerate(tools):
        xs, ys = [], []
        for g, (e, i, row) in enumerate(groups):
            s, text = cell_status(e["tools"].get(t), i)
            x = g + (k - (len(tools) - 1) / 2) * width
            if s is None:
                label = {"n/a": "n/a", "not installed": "missing"}.get(text, text.split(" ")[0])
                ax.text(x, 0.62, label, rotation=90, ha="center", va="bottom", fontsize=6,
                        color=colors.get(t, "gray"))
                continue
            xs.append(x)
            ys.append(s / row["primal_s"])
        ax.bar(xs, ys, width=width, color=colors.get(t), label=SHORT[t])
    ax.axhline(TARGET_RATIO, color="k", ls="--", lw=0.8)
    ax.text(len(groups) - 0.5, TARGET_RATIO * 1.05, f"target for s2sad: {TARGET_RATIO:g}",
            ha="right", fontsize=8)
    ax.axhline(1.0, color="gray", lw=0.5)
    ax.set_yscale("log")
    ax.set_ylim(0.5, ax.get_ylim()[1] * 30)  # headroom for the legend above the tallest bar
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([f"({e['number']}) {e['key']}\n{row['label']}" for e, _, row in groups],
                       fontsize=8)
    ax.set_ylabel("gradient time ÷ Numba primal time (log scale)")
    ax.set_title(
        f"Gradient cost per problem and tool ({res['mode']} run; lower is better; "
        "n/a = no such formulation, skipped = estimated over the time limit)",
        fontsize=10,
    )
    ax.legend(ncol=len(tools), fontsize=8, loc="upper left")
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results" / (
        "peers.json")
    res = json.loads(path.read_text())
    path.with_suffix(".md").write_text(markdown(res))
    plot(res, path.with_suffix(".png"))
    print(f"wrote {path.with_suffix('.md')} and {path.with_suffix('.png')}")


if __name__ == "__main__":
    main()
