"""Gradient-norm regularization with a nested grad: differentiating a function that takes a grad.

The lecture's regularizer penalizes steep loss landscapes:

    R(W) = L(W) + lam * ||dL/dW||^2

R calls the gradient of L, so its own gradient needs second derivatives of L. Here R is written
the way it reads, with `grad(loss, ...)` called inside it, and differentiated with `grad` like
any other function: s2sad inlines the adjoint it generates for L and differentiates that code
again (reverse over reverse). The model is a logistic neuron p = sigmoid(X W + b) with the
binary cross-entropy loss, trained on 60 points of a noisy linear rule. The script

1. computes dR/d(W, b) with the nested grad and checks it against two independent routes:
   central finite differences of R, and the chain rule dR = g + 2 lam H g, where g = dL/d(W, b)
   comes from `grad` and H g (the Hessian of L times g) from `hvp` (forward over reverse);
2. prints the start of the generated outer gradient: the forward sweep runs L's adjoint (lines
   commented "loss_adjoint: ...") so that the reverse sweep can differentiate it;
3. runs 40 steps of gradient descent on R, printing L, R and ||dL/dW|| as they fall.

    python examples/11_gradient_norm_regularization.py
"""

import sys

import numpy as np

from s2sad import grad, hvp, value_and_grad

LAM = 0.5  # weight of the gradient-norm penalty


def loss(W, b, X, y):
    """Binary cross-entropy of the logistic neuron p = sigmoid(X W + b)."""
    p = 1.0 / (1.0 + np.exp(-(X @ W + b)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def regularized(W, b, X, y, lam):
    """R(W, b) = L + lam * ||dL/d(W, b)||^2, with the inner gradient taken by s2sad."""
    gW, gb = grad(loss, wrt=(0, 1))(W, b, X, y)
    return loss(W, b, X, y) + lam * (np.sum(gW * gW) + gb * gb)


def data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.8 * rng.normal(size=n) > 0.0).astype(float)
    return X, y


def rel_err(got, want) -> float:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-300))


def report(name, errs, tol) -> bool:
    err = max(errs)
    ok = err < tol
    print(f"{'ok  ' if ok else 'FAIL'} {name}: rel. error {err:.1e} (tolerance {tol:.0e})")
    return ok


def find(lines, marker) -> int:
    return next(i for i, line in enumerate(lines) if line.strip().startswith(marker))


def show(lines, first, count):
    print("\n".join(lines[first:first + count]))
    print("    ...")


def central_differences(f, W, b, eps=1e-6):
    """dR/dW entry by entry and dR/db by central differences of f(W, b)."""
    dW = np.zeros_like(W)
    for i in range(W.size):
        e = np.zeros_like(W)
        e[i] = eps
        dW[i] = (f(W + e, b) - f(W - e, b)) / (2 * eps)
    db = (f(W, b + eps) - f(W, b - eps)) / (2 * eps)
    return dW, db


def main() -> int:
    ok = True
    X, y = data()
    W, b = np.array([0.3, -0.2, 0.1]), 0.0

    # 1. the nested grad against two independent routes -----------------------------------
    dR = value_and_grad(regularized, wrt=(0, 1))  # the outer gradient: reverse over reverse
    R, (dR_W, dR_b) = dR(W, b, X, y, LAM)
    dL = grad(loss, wrt=(0, 1))
    gW, gb = dL(W, b, X, y)
    print(f"L = {loss(W, b, X, y):.10f}, ||dL/dW|| = {np.linalg.norm(gW):.10f}, "
          f"dL/db = {gb:.10f}")
    print(f"R = L + {LAM} ||dL/d(W, b)||^2 = {R:.10f}")
    print(f"dR/dW = {np.array2string(dR_W, precision=10)}, dR/db = {dR_b:.10f}  (nested grad)")
    ok &= report("R from the outer derivative vs L + lam ||g||^2", [rel_err(
        R, loss(W, b, X, y) + LAM * (np.sum(gW * gW) + gb * gb))], 1e-13)

    fd_W, fd_b = central_differences(lambda W_, b_: regularized(W_, b_, X, y, LAM), W, b)
    ok &= report("nested grad vs central differences of R",
                 [rel_err(dR_W, fd_W), rel_err(dR_b, fd_b)], 1e-7)

    h = hvp(loss, wrt=(0, 1))  # tuple wrt: the direction and H·v are (W part, b part)
    HgW, Hgb = h(W, b, X, y, (gW, gb))  # H g, one forward-over-reverse sweep
    route_W, route_b = gW + 2 * LAM * HgW, gb + 2 * LAM * Hgb
    print(f"g + 2 lam H g = {np.array2string(route_W, precision=10)}, {route_b:.10f}  (hvp)")
    ok &= report("nested grad vs g + 2 lam H g from hvp",
                 [rel_err(dR_W, route_W), rel_err(dR_b, route_b)], 1e-10)

    # 2. the generated outer gradient -----------------------------------------------------
    lines = dR.source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("def "))
    print(f"\nthe generated outer gradient (dR.source, {len(lines) - start} lines), three "
          "excerpts:")
    print("(a) the forward sweep first runs L's adjoint, inlined, keeping its values:")
    show(lines, start, 9)
    print("(b) the reverse sweep starts at the penalty: lam ||gW||^2 seeds the adjoint of the\n"
          "    inner gradient gW (bloss_adjoint_bW_1 = 2 lam gW), then L's own terms follow:")
    show(lines, find(lines, "# grad of: return"), 11)
    print("(c) ... and ends by differentiating L's adjoint backwards, line by line:")
    show(lines, find(lines, "# grad of: gW, gb = grad("), 7)
    print()

    # 3. gradient descent on R -------------------------------------------------------------
    lr = 0.5
    print(f"gradient descent on R, learning rate {lr}:")
    print(f"{'step':>4} {'L':>12} {'R':>12} {'||dL/dW||':>12}")
    R0 = R
    for step in range(41):
        R, (dR_W, dR_b) = dR(W, b, X, y, LAM)
        if step % 5 == 0:
            gW, gb = dL(W, b, X, y)
            print(f"{step:>4} {loss(W, b, X, y):>12.6f} {R:>12.6f} {np.linalg.norm(gW):>12.6f}")
        if step < 40:
            W, b = W - lr * dR_W, b - lr * dR_b
    accuracy = np.mean(((X @ W + b) > 0.0) == (y > 0.5))
    print(f"after 40 steps: W = {np.array2string(W, precision=4)}, b = {b:.4f}, "
          f"training accuracy {accuracy:.2f}")
    ok &= R < 0.7 * R0

    if not ok:
        print("FAILED: the nested gradient disagrees with its references", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
