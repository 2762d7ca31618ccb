"""(4) MLP with softmax cross-entropy, whole-array NumPy.

The function, the data and the Numba primal and hand-written gradient are
`benchmarks/mlp.py`'s (`mlp_loss`, `make_problem`, `make_numba_functions`); see its README
section. Gradient with respect to W1, b1, W2, b2. This is the problem the array frameworks are
built for: every peer runs the same vectorized formulas.
"""

from __future__ import annotations

import mlp as _mlp

from ._util import NotApplicable

np = _mlp._bind_numpy()  # mlp.py binds NumPy lazily; `mlp_loss` needs it bound

KEY = "mlp"
NUMBER = 4
TITLE = "MLP, tanh + softmax cross-entropy (vectorized NumPy)"
WRT = (0, 1, 2, 3)
WRT_NAMES = ("W1", "b1", "W2", "b2")
SIZES = {"full": (_mlp.FULL,), "quick": (_mlp.QUICK,)}
CHECK_SIZE = _mlp.CHECK
FORMS = {
    "s2sad": "`mlp_loss` from mlp.py: `@`, `np.tanh`, `np.max(axis=1)`, `reshape`, `np.exp`, "
    "`np.sum(axis=1)`, `np.log`",
    "hand": "mlp.py's `mlp_grad_hand`: (p - y)/B row by row, then three matrix products",
    "jax_vec": "`mlp_loss` line for line in `jax.numpy`",
    "jax_loop": "n/a: no loop in the problem",
    "torch": "`mlp_loss` line for line in torch (`torch.max(z, 1).values`)",
    "autograd": "`mlp_loss` line for line in `autograd.numpy`",
    "tangent": "`mlp_loss` with the batch size passed in (tangent refuses `.shape`: "
    "\"attributes are not yet supported for gradients\")",
}

f = _mlp.mlp_loss


def label(size):
    b, d, h, c = size
    return f"B={b} D={d} H={h} C={c}"


def work(size):
    b, d, h, c = size
    return b * h * (d + c)


def make_args(size):
    return _mlp.make_problem(*size)


def numba_primal():
    return _mlp.make_numba_functions()[0]


def hand_gradient():
    import numba

    full = numba.njit(cache=True)(_mlp.make_numba_functions()[1].py_func)

    def mlp_grad_hand(W1, b1, W2, b2, X, Y):  # drop the loss, keep the gradients
        return full(W1, b1, W2, b2, X, Y)[1:]

    return mlp_grad_hand


def jax_vec():
    import jax.numpy as jnp

    def mlp_loss_jax(W1, b1, W2, b2, X, Y):
        h = jnp.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        m = jnp.max(z, axis=1)
        zs = z - m.reshape((z.shape[0], 1))
        lse = jnp.log(jnp.sum(jnp.exp(zs), axis=1))
        logp = zs - lse.reshape((z.shape[0], 1))
        return -jnp.sum(Y * logp) / X.shape[0]

    return mlp_loss_jax, ()


def jax_loop():
    raise NotApplicable("no loop in the problem")


def torch_form():
    import torch

    def mlp_loss_torch(W1, b1, W2, b2, X, Y):
        h = torch.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        m = torch.max(z, 1).values
        zs = z - m.reshape((z.shape[0], 1))
        lse = torch.log(torch.sum(torch.exp(zs), 1))
        logp = zs - lse.reshape((z.shape[0], 1))
        return -torch.sum(Y * logp) / X.shape[0]

    return mlp_loss_torch


def autograd_form():
    import autograd.numpy as anp

    def mlp_loss_autograd(W1, b1, W2, b2, X, Y):
        h = anp.tanh(anp.dot(X, W1) + b1)
        z = anp.dot(h, W2) + b2
        m = anp.max(z, axis=1)
        zs = z - m.reshape((z.shape[0], 1))
        lse = anp.log(anp.sum(anp.exp(zs), axis=1))
        logp = zs - lse.reshape((z.shape[0], 1))
        return -anp.sum(Y * logp) / X.shape[0]

    return mlp_loss_autograd


def mlp_loss_tangent(W1, b1, W2, b2, X, Y, n):
    """`mlp_loss` with the batch size passed in: tangent refuses `.shape`."""
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    m = np.max(z, axis=1)
    zs = z - np.reshape(m, (n, 1))
    lse = np.log(np.sum(np.exp(zs), axis=1))
    logp = zs - np.reshape(lse, (n, 1))
    return -np.sum(Y * logp) / n


def tangent_form():
    return mlp_loss_tangent, lambda args: (args[4].shape[0],)
