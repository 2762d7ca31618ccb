"""The problems of the peer comparison (`benchmarks/run.py`), one module each.

Every module defines the same names (see `_util.py` for what each one means):

    KEY, NUMBER, TITLE, WRT, WRT_NAMES, SIZES, CHECK_SIZE, FORMS
    label(size), work(size), make_args(size)
    f                        the function s2sad differentiates: ordinary Python
    numba_primal()           the primal under numba.njit: the denominator of every ratio
    hand_gradient()          the hand-written Numba gradient (the ceiling), (*args) -> grads
    jax_vec(), jax_loop()    (fn, static_argnums) for jax.jit(jax.grad(fn, argnums=WRT), ...)
    torch_form()             fn on torch tensors, returning a 0-d tensor
    autograd_form()          fn on autograd.numpy, for autograd.grad(fn, WRT)
    tangent_form()           a module-level function for tangent.grad(fn, wrt=WRT), or
                             (fn, extra) where extra(args) gives trailing arguments fn also takes

A form that cannot be written for a tool raises `NotApplicable` with the reason. Importing a
problem module imports NumPy and nothing else: Numba, s2sad and the peers are imported inside
the functions, so the fresh-process start-up measurements charge each tool its own imports.
"""

from __future__ import annotations

import importlib

MODULES = {
    "oscillator": "p1_oscillator",
    "ode_rk4": "p2_ode_rk4",
    "heat2d": "p3_heat2d",
    "mlp": "p4_mlp",
    "rosenbrock": "p5_rosenbrock",
    "gmm": "p6_gmm",
}


def load(key):
    return importlib.import_module(f"problems.{MODULES[key]}")
