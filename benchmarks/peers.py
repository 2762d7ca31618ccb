"""The tools of the peer comparison: how each one is imported, configured, built and called.

`build(tool, problem)` builds the tool's gradient once and returns `at(args) -> Impl`: a callable
that computes the gradient with respect to `problem.WRT` when given `Impl.args` (the problem's
arguments converted to the tool's types once, outside any timing), plus `convert`, which turns
what it returns into a list of float64 NumPy arrays in `WRT` order for the cross-check. A tool
that is not installed raises `ToolMissing`; a problem the tool has no form for raises
`NotApplicable`.

Importing this module imports only the standard library.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field

from problems._util import NotApplicable

TOOLS = ("s2sad", "s2sad_py", "hand", "jax_vec", "jax_loop", "torch", "autograd", "tangent")
LABELS = {
    "s2sad": "s2sad (Numba)",
    "s2sad_py": "s2sad (pure Python)",
    "hand": "hand-written Numba",
    "jax_vec": "JAX jit(grad), vectorized",
    "jax_loop": "JAX jit(grad), scan/fori_loop",
    "torch": "PyTorch autograd (CPU)",
    "autograd": "HIPS autograd",
    "tangent": "tangent-ad",
}
# The import name behind each optional tool (the `bench` extra installs them).
PACKAGE = {"jax_vec": "jax", "jax_loop": "jax", "torch": "torch", "autograd": "autograd",
           "tangent": "tangent"}
# Tools with a disk cache a second process can load from (the others start the same way every
# time, so a "warm load" row would only repeat the cold one).
CACHED = ("s2sad", "s2sad_py", "hand", "jax_vec", "jax_loop")

__all__ = ["TOOLS", "LABELS", "Impl", "NotApplicable", "ToolMissing", "available", "build",
           "pin_threads", "setup"]


class ToolMissing(Exception):
    """The tool is not installed, or does not import (the message says which)."""


@dataclass
class Impl:
    fn: object  # (*args) -> the gradients, in the tool's types
    args: tuple
    convert: object = None  # what fn returns -> [np.ndarray, ...] in WRT order
    prepare: object = None  # compile for these args without running (JAX), or None
    notes: list = field(default_factory=list)


def pin_threads(threads=1):
    """One thread for BLAS, XLA and PyTorch (set before NumPy, JAX or torch are imported)."""
    n = str(threads)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = n
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        extra = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        if "xla_cpu_multi_thread_eigen" not in flags:
            os.environ["XLA_FLAGS"] = (flags + " " + extra).strip()
    os.environ["S2SAD_BENCH_THREADS"] = n  # for torch, which is configured after import


_missing: dict = {}


def available(tool):
    """None if `tool` can run here, else the reason it cannot (not installed, import error)."""
    pkg = PACKAGE.get(tool)
    if pkg is None:
        return None
    if pkg not in _missing:
        if importlib.util.find_spec(pkg) is None:
            extra = 'pip install -e ".[bench]"'
            _missing[pkg] = f"`{pkg}` is not installed ({extra})"
        else:
            try:
                setup(tool)
                _missing[pkg] = None
            except Exception as exc:  # e.g. tangent against a gast it does not know
                _missing[pkg] = f"`import {pkg}` fails: {type(exc).__name__}: {exc}"
    return _missing[pkg]


def setup(tool):
    """Import and configure the tool; returns its main module."""
    if tool in ("s2sad", "s2sad_py"):
        import s2sad

        return s2sad
    if tool == "hand":
        import numba

        return numba
    pkg = PACKAGE[tool]
    if pkg == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)  # float64 everywhere, as the others
        cache = os.environ.get("S2SAD_BENCH_JAX_CACHE")
        if cache:  # the warm start-up measurement: JAX's persistent compilation cache
            jax.config.update("jax_compilation_cache_dir", cache)
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
            jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
        return jax
    if pkg == "torch":
        import torch

        threads = int(os.environ.get("S2SAD_BENCH_THREADS", "1"))
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:  # only allowed before any inter-op work; already set
            pass
        return torch
    if pkg == "autograd":
        import autograd

        return autograd
    if pkg == "tangent":
        import tangent

        return tangent
    raise ValueError(tool)


def _tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _to_numpy(out):
    import numpy as np

    result = []
    for g in _tuple(out):
        if hasattr(g, "detach"):  # torch
            g = g.detach().numpy()
        result.append(np.asarray(g, dtype=np.float64))
    return result


def build(tool, problem):
    """The tool's gradient of `problem`: a function `at(args) -> Impl` for NumPy/float args.

    Everything that is built once (the derivative object, the jitted function, tangent's
    generated code) is built here; `at` only converts arguments, so calling `at` for a second
    argument set reuses whatever the first call compiled.
    """
    reason = available(tool)
    if reason:
        raise ToolMissing(reason)
    wrt = tuple(problem.WRT)
    mod = setup(tool)
    if tool in ("s2sad", "s2sad_py"):
        g = mod.grad(problem.f, wrt=wrt, jit=(tool == "s2sad"))
        return lambda args: Impl(g, tuple(args), _to_numpy)
    if tool == "hand":
        h = problem.hand_gradient()
        return lambda args: Impl(h, tuple(args), _to_numpy)
    if tool in ("jax_vec", "jax_loop"):
        return _build_jax(mod, problem, tool, wrt)
    if tool == "torch":
        return _build_torch(mod, problem, wrt)
    if tool == "autograd":
        g = mod.grad(problem.autograd_form(), wrt)
        return lambda args: Impl(g, tuple(args), _to_numpy)
    if tool == "tangent":
        form = problem.tangent_form()
        fn, extra = form if isinstance(form, tuple) else (form, None)
        g = mod.grad(fn, wrt=wrt, verbose=0)
        return lambda args: Impl(g, tuple(args) + (extra(args) if extra else ()), _to_numpy)
    raise ValueError(tool)


def _build_jax(jax, problem, tool, wrt):
    import numpy as np

    fn, static = problem.jax_vec() if tool == "jax_vec" else problem.jax_loop()
    jitted = jax.jit(jax.grad(fn, argnums=wrt), static_argnums=static)

    def at(args):
        jargs = tuple(jax.numpy.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
        impl = Impl(lambda *a: jax.block_until_ready(jitted(*a)), jargs, _to_numpy)

        def prepare():
            """Trace and compile for these arguments without running; `fn` then runs that."""
            compiled = jitted.lower(*jargs).compile()
            dyn = tuple(a for i, a in enumerate(jargs) if i not in static)
            impl.fn = lambda *_: jax.block_until_ready(compiled(*dyn))

        impl.prepare = prepare
        return impl

    return at


def _build_torch(torch, problem, wrt):
    import numpy as np

    fn = problem.torch_form()

    def call(*a):
        loss = fn(*a)
        return torch.autograd.grad(loss, [a[i] for i in wrt])

    def at(args):
        targs = []
        for i, a in enumerate(args):
            if isinstance(a, np.ndarray):
                a = torch.tensor(a, dtype=torch.float64, requires_grad=i in wrt)
            elif isinstance(a, float) and i in wrt:
                a = torch.tensor(a, dtype=torch.float64, requires_grad=True)
            targs.append(a)
        return Impl(call, tuple(targs), _to_numpy)

    return at
