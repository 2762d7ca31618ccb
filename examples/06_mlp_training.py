"""Train a two-layer neural network with s2sad's gradient of ordinary vectorized NumPy.

    h = tanh(X W1 + b1)            hidden layer, 64 units
    z = h W2 + b2                  logits, one column per class
    L = mean over the batch of -log softmax(z)[true class]

on a synthetic three-armed spiral (300 points in the plane, from a seeded generator): no straight
line separates the arms, so the hidden layer has to do the work. The loss is written the way one
writes it in NumPy (matrix products, broadcasting, a numerically stable log-softmax with a row
maximum, reductions along an axis); `value_and_grad(loss, wrt=(0, 1, 2, 3))` turns it into one
function returning the loss and dL/dW1, dL/db1, dL/dW2, dL/db2, and plain gradient descent trains
the network with it.

Before training, the script checks the gradient against central finite differences on random
entries of every parameter, and shows the lecture's combined softmax-cross-entropy gradient:
differentiating the cross-entropy alone with respect to the logits gives dL/dz = (p - y) / B with
p = softmax(z), y the one-hot labels and B the batch size, although s2sad only ever sees max, exp,
sum, log and subtraction. In the printed adjoint, the subtraction in the log-softmax line hands
-y/B to the shifted logits zs, and the path back through log, sum and exp adds
exp(zs) / sum(exp(zs)) / B = p/B: together (p - y)/B. The row maximum's own adjoint is minus the
row sum of that, zero up to rounding, since shifting a row does not change its softmax.

Then 300 steps of gradient descent; the script checks that the loss fell and that the network
classifies the spiral, and prints the time per step.

    python examples/06_mlp_training.py
"""

import os
import sys
import time

import numpy as np

from s2sad import grad, value_and_grad

CLASSES = 3
PER_CLASS = 100
HIDDEN = 64
STEPS = 300
LEARNING_RATE = 1.0


# --- the model, in plain NumPy ---------------------------------------------------------------


def cross_entropy(z, Y):
    """Mean cross-entropy of the softmax of the logits z (B x C) against one-hot labels Y."""
    zs = z - z.max(axis=1, keepdims=True)  # shift each row: exp never overflows
    logp = zs - np.log(np.sum(np.exp(zs), axis=1, keepdims=True))  # log-softmax
    return -np.sum(Y * logp) / z.shape[0]


def loss(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    return cross_entropy(z, Y)


def logits(W1, b1, W2, b2, X):
    return np.tanh(X @ W1 + b1) @ W2 + b2


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --- data and start point --------------------------------------------------------------------


def spiral(per_class, rng, noise=0.2):
    """Three interleaved spiral arms: inputs X (N x 2), labels y (N,), one-hot Y (N x 3)."""
    X = np.empty((CLASSES * per_class, 2))
    y = np.repeat(np.arange(CLASSES), per_class)
    r = np.linspace(0.05, 1.0, per_class)
    for c in range(CLASSES):
        t = np.linspace(4.0 * c, 4.0 * c + 4.0, per_class) + noise * rng.standard_normal(per_class)
        X[c * per_class : (c + 1) * per_class] = np.column_stack((r * np.sin(t), r * np.cos(t)))
    return X, y, np.eye(CLASSES)[y]


def initial_parameters(rng):
    W1 = rng.standard_normal((2, HIDDEN))
    b1 = np.zeros(HIDDEN)
    W2 = 0.1 * rng.standard_normal((HIDDEN, CLASSES))
    b2 = np.zeros(CLASSES)
    return [W1, b1, W2, b2]


# --- checks ----------------------------------------------------------------------------------


def check_against_finite_differences(params, X, Y, grads, rng, per_param=4, h=1e-6, rtol=1e-6):
    """Central differences of `loss` on a few random entries of each parameter."""
    names = ("W1", "b1", "W2", "b2")
    worst = 0.0
    print(f"{'entry':<12}{'s2sad':>22}{'central difference':>22}{'rel. error':>12}")
    for k, (name, p, g) in enumerate(zip(names, params, grads)):
        for flat in rng.choice(p.size, size=min(per_param, p.size), replace=False):
            idx = np.unravel_index(flat, p.shape)
            up = [q.copy() for q in params]
            down = [q.copy() for q in params]
            up[k][idx] += h
            down[k][idx] -= h
            fd = (loss(*up, X, Y) - loss(*down, X, Y)) / (2 * h)
            err = abs(g[idx] - fd) / max(abs(g[idx]), abs(fd), 1e-300)
            worst = max(worst, err)
            label = f"{name}{list(map(int, idx))}"
            print(f"{label:<12}{g[idx]:>22.12e}{fd:>22.12e}{err:>12.1e}")
    if worst > rtol:
        sys.exit(f"FAIL gradient vs central differences: worst relative error {worst:.1e}")
    print(f"ok   gradient matches central differences (worst relative error {worst:.1e})")


def check_p_minus_y(z, Y):
    """dL/dz of the cross-entropy alone is the lecture's (p - y) / B."""
    dce = grad(cross_entropy, wrt=0)
    dz = dce(z, Y)
    want = (softmax(z) - Y) / z.shape[0]
    print("dL/dz from s2sad, first three rows (times B):")
    print(dz[:3] * z.shape[0])
    print("(softmax(z) - y), first three rows:")
    print(want[:3] * z.shape[0])
    err = np.max(np.abs(dz - want)) / np.max(np.abs(want))
    if dz.shape != want.shape or not err < 1e-12:
        sys.exit(f"FAIL dL/dz differs from (softmax(z) - Y) / B by {err:.1e} (relative)")
    print(f"ok   dL/dz == (softmax(z) - y) / B (max relative difference {err:.1e})")
    print()
    print("generated adjoint of the cross-entropy (grad(cross_entropy, wrt=0).source):")
    print(dce.source)


# --- training --------------------------------------------------------------------------------


def main():
    rng = np.random.default_rng(0)
    X, y, Y = spiral(PER_CLASS, rng)
    params = initial_parameters(rng)
    print(f"data: {len(X)} points on a {CLASSES}-armed spiral; network 2 -> {HIDDEN} -> {CLASSES}")

    loss_and_grad = value_and_grad(loss, wrt=(0, 1, 2, 3))
    t0 = time.perf_counter()
    loss0, grads = loss_and_grad(*params, X, Y)
    first_call = time.perf_counter() - t0
    if abs(loss0 - loss(*params, X, Y)) > 1e-12 * abs(loss0):
        sys.exit(f"FAIL value_and_grad's value {loss0!r} != loss {loss(*params, X, Y)!r}")
    print(f"first call of value_and_grad (generate + compile, or load from cache): "
          f"{first_call:.2f} s")
    print()

    print("gradient check at the start point:")
    check_against_finite_differences(params, X, Y, grads, np.random.default_rng(1))
    print()
    print("the output layer's gradient, the lecture's combined softmax-cross-entropy gate:")
    check_p_minus_y(logits(*params, X), Y)

    print(f"gradient descent, learning rate {LEARNING_RATE}, {STEPS} steps:")
    losses = []
    t0 = time.perf_counter()
    for step in range(STEPS + 1):
        value, grads = loss_and_grad(*params, X, Y)
        losses.append(value)
        if step % 50 == 0:
            print(f"  step {step:4d}   loss {value:.4f}")
        if step < STEPS:
            for p, g in zip(params, grads):
                p -= LEARNING_RATE * g
    per_step = (time.perf_counter() - t0) / (STEPS + 1)

    accuracy = np.mean(np.argmax(logits(*params, X), axis=1) == y)
    build = "Numba" if os.environ.get("S2SAD_JIT", "1") != "0" else "pure Python (S2SAD_JIT=0)"
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f};  training accuracy {accuracy:.1%}")
    print(f"time per gradient step ({build}, value_and_grad + update): {per_step * 1e3:.2f} ms")

    if not losses[-1] < 0.25 * losses[0]:
        sys.exit(f"FAIL the loss only fell from {losses[0]:.4f} to {losses[-1]:.4f}")
    if not accuracy > 0.9:
        sys.exit(f"FAIL training accuracy {accuracy:.1%} (expected > 90%)")
    print("ok   the loss fell below a quarter of its start and the network classifies the spiral")


if __name__ == "__main__":
    main()
