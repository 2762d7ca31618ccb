"""(6) Gaussian-mixture log-likelihood with log-sum-exp, written as loops.

K diagonal Gaussians in D dimensions with mixture logits `w` (K), means `mu` (K, D) and log
standard deviations `log_s` (K, D); the log-likelihood of N points `x` (N, D) is
sum_n log sum_k pi_k N(x_n | mu_k, diag(exp(2 log_s_k))), with pi = softmax(w). Both
log-sum-exps (over the logits, and over the components for every point) are the stable two-pass
kind: a maximum (a branch) and then a sum of exponentials. The per-point component scores go into
one preallocated buffer `a` that every point overwrites in place. Gradient with respect to
w, mu and log_s.

The hand-written gradient needs no tape: per point, the responsibilities r_k = exp(a_k - max) / s
give dL/dmu_kd += r_k z_kd / s_kd, dL/dlog_s_kd += r_k (z_kd^2 - 1) and dL/dw_k = sum_n r_nk
- N pi_k, all in the same single pass as the likelihood.
"""

from __future__ import annotations

import math

import numpy as np

KEY = "gmm"
NUMBER = 6
TITLE = "Gaussian-mixture log-likelihood, log-sum-exp in loops"
WRT = (0, 1, 2)
WRT_NAMES = ("w", "mu", "log_s")
SIZES = {"full": ((10_000, 8, 4),), "quick": ((2_000, 8, 4),)}
CHECK_SIZE = (20, 3, 2)
LOG_2PI = math.log(2.0 * math.pi)
FORMS = {
    "s2sad": "`gmm_loglik`: loops over points, components and dimensions; `math.exp`/`math.log`, "
    "a max by `if`, the scores in a buffer overwritten per point",
    "hand": "a single pass: responsibilities per point, accumulated into the three gradients",
    "jax_vec": "(N, K, D) broadcasting, `jax.nn.logsumexp` over the components",
    "jax_loop": "`lax.scan` over the points, each point vectorized over (K, D), "
    "`jax.nn.logsumexp`",
    "torch": "(N, K, D) broadcasting, `torch.logsumexp`",
    "autograd": "(N, K, D) broadcasting, `autograd.scipy.special.logsumexp`",
    "tangent": "(N, K, D) broadcasting (`np.expand_dims`), the max-shifted log-sum-exp "
    "spelled out, D passed in (tangent refuses `.shape`)",
}


def gmm_loglik(w, mu, log_s, x):
    n = x.shape[0]
    k = mu.shape[0]
    d = mu.shape[1]
    # log pi = w - logsumexp(w)
    m0 = w[0]
    for j in range(1, k):
        if w[j] > m0:
            m0 = w[j]
    s0 = 0.0
    for j in range(k):
        s0 += math.exp(w[j] - m0)
    lse_w = m0 + math.log(s0)
    # per component: the normalising constant and the inverse standard deviations
    c = np.empty(k)
    inv = np.empty((k, d))
    for j in range(k):
        cj = w[j] - lse_w - 0.5 * d * LOG_2PI
        for l in range(d):
            cj = cj - log_s[j, l]
            inv[j, l] = math.exp(-log_s[j, l])
        c[j] = cj
    a = np.empty(k)
    total = 0.0
    for i in range(n):
        for j in range(k):
            q = 0.0
            for l in range(d):
                z = (x[i, l] - mu[j, l]) * inv[j, l]
                q += z * z
            a[j] = c[j] - 0.5 * q
        m = a[0]
        for j in range(1, k):
            if a[j] > m:
                m = a[j]
        s = 0.0
        for j in range(k):
            s += math.exp(a[j] - m)
        total += m + math.log(s)
    return total


f = gmm_loglik


def label(size):
    n, k, d = size
    return f"N={n:,} K={k} D={d}"


def work(size):
    n, k, d = size
    return n * k * (d + 4)


def make_args(size):
    n, k, d = size
    rng = np.random.default_rng(n + k + d)
    w = 0.5 * rng.standard_normal(k)
    mu = 2.0 * rng.standard_normal((k, d))
    log_s = 0.3 * rng.standard_normal((k, d))
    comp = rng.integers(0, k, size=n)
    x = mu[comp] + np.exp(log_s[comp]) * rng.standard_normal((n, d))
    return (w, mu, log_s, x)


def numba_primal():
    import numba

    return numba.njit(gmm_loglik)


def hand_gradient():
    from numba import njit

    @njit(cache=True)
    def gmm_grad_hand(w, mu, log_s, x):
        n = x.shape[0]
        k = mu.shape[0]
        d = mu.shape[1]
        m0 = w[0]
        for j in range(1, k):
            m0 = max(m0, w[j])
        pi = np.empty(k)
        s0 = 0.0
        for j in range(k):
            pi[j] = math.exp(w[j] - m0)
            s0 += pi[j]
        lse_w = m0 + math.log(s0)
        c = np.empty(k)
        inv = np.empty((k, d))
        for j in range(k):
            pi[j] /= s0
            cj = w[j] - lse_w - 0.5 * d * LOG_2PI
            for l in range(d):
                cj -= log_s[j, l]
                inv[j, l] = math.exp(-log_s[j, l])
            c[j] = cj
        a = np.empty(k)
        z = np.empty((k, d))
        resp = np.zeros(k)  # sum over points of the responsibilities
        gmu = np.zeros((k, d))  # sum_n r_nk z_nkd (scaled by inv at the end)
        gq = np.zeros((k, d))  # sum_n r_nk z_nkd^2
        for i in range(n):
            for j in range(k):
                q = 0.0
                for l in range(d):
                    zz = (x[i, l] - mu[j, l]) * inv[j, l]
                    z[j, l] = zz
                    q += zz * zz
                a[j] = c[j] - 0.5 * q
            m = a[0]
            for j in range(1, k):
                m = max(m, a[j])
            s = 0.0
            for j in range(k):
                a[j] = math.exp(a[j] - m)
                s += a[j]
            for j in range(k):
                r = a[j] / s
                resp[j] += r
                for l in range(d):
                    gmu[j, l] += r * z[j, l]
                    gq[j, l] += r * z[j, l] * z[j, l]
        gw = np.empty(k)
        for j in range(k):
            gw[j] = resp[j] - n * pi[j]
        for j in range(k):
            for l in range(d):
                gmu[j, l] *= inv[j, l]
                gq[j, l] -= resp[j]  # d log_s: r (z^2 - 1)
        return gw, gmu, gq

    return gmm_grad_hand


def _vectorized(xp, logsumexp):
    def gmm_vec(w, mu, log_s, x):
        log_pi = w - logsumexp(w, 0)
        z = (x[:, None, :] - mu[None, :, :]) * xp.exp(-log_s)[None, :, :]
        c = log_pi - xp.sum(log_s, 1) - 0.5 * mu.shape[1] * LOG_2PI
        a = c[None, :] - 0.5 * xp.sum(z * z, 2)
        return xp.sum(logsumexp(a, 1))

    return gmm_vec


def jax_vec():
    import jax
    import jax.numpy as jnp

    return _vectorized(jnp, jax.nn.logsumexp), ()


def jax_loop():
    import jax
    import jax.numpy as jnp
    from jax import lax

    def gmm_scan(w, mu, log_s, x):
        log_pi = w - jax.nn.logsumexp(w)
        inv = jnp.exp(-log_s)
        c = log_pi - jnp.sum(log_s, 1) - 0.5 * mu.shape[1] * LOG_2PI

        def point(total, xi):
            z = (xi[None, :] - mu) * inv
            a = c - 0.5 * jnp.sum(z * z, 1)
            return total + jax.nn.logsumexp(a), None

        total, _ = lax.scan(point, 0.0 * w[0], x)
        return total

    return gmm_scan, ()


def torch_form():
    import torch

    return _vectorized(torch, torch.logsumexp)


def autograd_form():
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    return _vectorized(anp, lambda a, axis=None: logsumexp(a, axis=axis))


def gmm_tangent(w, mu, log_s, x, d):
    """The vectorized form with the max-shifted log-sum-exp spelled out, for tangent."""
    mw = np.max(w)
    log_pi = w - (mw + np.log(np.sum(np.exp(w - mw))))
    z = (np.expand_dims(x, 1) - np.expand_dims(mu, 0)) * np.expand_dims(np.exp(-log_s), 0)
    c = log_pi - np.sum(log_s, 1) - 0.5 * d * LOG_2PI
    a = np.expand_dims(c, 0) - 0.5 * np.sum(z * z, 2)
    ma = np.max(a, 1)
    return np.sum(ma + np.log(np.sum(np.exp(a - np.expand_dims(ma, 1)), 1)))


def tangent_form():
    return gmm_tangent, lambda args: (args[1].shape[1],)
