"""The lecture's two array examples, gate by gate: a ReLU on a vector and a matrix product.

(a) ReLU on a vector. The layer's output max(0, x) meets an upstream gradient g = [4, -1, 5, 9]
    coming from the rest of the network; writing that as the scalar loss sum(max(0, x) * g) makes
    g exactly dL/d(max(0, x)). The max gate routes the upstream gradient: it passes g_i through
    where x_i > 0 and blocks it where x_i < 0. With x = [1, -2, 3, -4] (positive in slots 0 and 2)
    the lecture's answer is dL/dx = [4, 0, 5, 0].

(b) Matrix product. Y = X @ W with X (2 x 3), W (3 x 4) and the upstream gradient dL/dY = G, again
    written as the scalar loss sum((X @ W) * G). The lecture derives, entry by entry, the rule

        dL/dX = dY W^T          dL/dW = X^T dY

    (the only way to make the shapes fit: dL/dX must be 2 x 3 like X, dL/dW 3 x 4 like W), and
    checks two entries by hand: dL/dX[0, 0] = 0 and dL/dX[1, 2] = -30.

s2sad reads these NumPy one-liners, differentiates the whole-array operations and prints the
adjoint: the matmul gate's reverse lines are the lecture's rule. The script checks every number,
runs the pure-Python build (jit=False) and the Numba build and checks that they agree.

    python examples/05_lecture_relu_and_matmul.py
"""

import os
import sys

import numpy as np

from s2sad import grad, value_and_grad

# grad(f) builds with Numba unless S2SAD_JIT=0 (then both builds below are pure Python).
BUILD = "Numba" if os.environ.get("S2SAD_JIT", "1") != "0" else "S2SAD_JIT=0"


def relu_layer(x, upstream):
    return np.sum(np.maximum(0.0, x) * upstream)


def matmul_layer(X, W, G):
    return np.sum((X @ W) * G)


def check_equal(label, got, want):
    """Exit non-zero unless `got` equals `want` exactly (these numbers are small integers)."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape or not np.array_equal(got, want):
        sys.exit(f"FAIL {label}: s2sad gave\n{got}\nexpected\n{want}")
    print(f"ok   {label}: {np.array2string(got, separator=', ').replace(chr(10), '')}")


def reverse_lines(source):
    """The lines of the reverse sweep of a generated adjoint, without comments."""
    body = source.split("# ---- reverse sweep ----", 1)[-1]
    return [line.strip() for line in body.splitlines() if line.strip() and "#" not in line]


def relu_example():
    print("=" * 100)
    print("(a) ReLU on a vector:  L = sum(max(0, x) * upstream)")
    print("-" * 100)
    x = np.array([1.0, -2.0, 3.0, -4.0])
    upstream = np.array([4.0, -1.0, 5.0, 9.0])
    print(f"x        = {x}")
    print(f"upstream = {upstream}    (dL/d max(0, x))")
    print("the max gate passes the upstream gradient where x > 0 and blocks it where x < 0:")
    print(f"  x > 0    = {x > 0}")

    dx_py = grad(relu_layer, wrt=0, jit=False)(x, upstream)
    drelu = grad(relu_layer, wrt=0)
    dx = drelu(x, upstream)
    print(f"s2sad:  dL/dx = {dx}")
    print()
    print("generated adjoint (grad(relu_layer, wrt=0).source):")
    print(drelu.source)
    print("its reverse sweep: the mul gate hands `upstream` back to max(0, x), and the max gate")
    print("multiplies it by the mask of the slots where x won against 0:")
    for line in reverse_lines(drelu.source):
        print(f"    {line}")
    print()
    check_equal(f"dL/dx (ReLU, {BUILD} build)", dx, [4.0, 0.0, 5.0, 0.0])
    check_equal("dL/dx (ReLU, pure-Python build)", dx_py, [4.0, 0.0, 5.0, 0.0])


def matmul_example():
    print("=" * 100)
    print("(b) matrix product:  Y = X @ W,  L = sum(Y * G)  so that dL/dY = G")
    print("-" * 100)
    X = np.array([[2.0, 1.0, -3.0], [-3.0, 4.0, 2.0]])
    W = np.array([[3.0, 2.0, 1.0, -1.0], [2.0, 1.0, 3.0, 2.0], [3.0, 2.0, 1.0, -2.0]])
    G = np.array([[2.0, 3.0, -3.0, 9.0], [-8.0, 1.0, 4.0, 6.0]])
    print(f"X =\n{X}\nW =\n{W}\nY = X @ W =\n{X @ W}\nG = dL/dY =\n{G}")

    dmatmul = grad(matmul_layer, wrt=(0, 1))
    dX, dW = dmatmul(X, W, G)
    dX_py, dW_py = grad(matmul_layer, wrt=(0, 1), jit=False)(X, W, G)
    print(f"s2sad:  dL/dX =\n{dX}\n        dL/dW =\n{dW}")
    print()
    print("generated adjoint (grad(matmul_layer, wrt=(0, 1)).source):")
    print(dmatmul.source)

    lines = [ln for ln in reverse_lines(dmatmul.source) if "@" in ln or "matmul" in ln]
    print("the matmul gate's reverse lines are the lecture's dX = dY W^T and dW = X^T dY, where dY")
    print("is the adjoint of X @ W, which the mul gate of `* G` has just set to G:")
    for line in lines:
        print(f"    {line}")
    if len(lines) < 2:
        sys.exit("FAIL the reverse sweep should hold two matrix products (dX and dW)")
    print()

    check_equal("dL/dX == G @ W.T", dX, G @ W.T)
    check_equal("dL/dW == X.T @ G", dW, X.T @ G)
    check_equal("the lecture's dL/dX[0, 0] and dL/dX[1, 2]", (dX[0, 0], dX[1, 2]), (0.0, -30.0))
    check_equal(f"pure-Python build dL/dX == {BUILD} build", dX_py, dX)
    check_equal(f"pure-Python build dL/dW == {BUILD} build", dW_py, dW)

    value, (vX, vW) = value_and_grad(matmul_layer, wrt=(0, 1))(X, W, G)
    check_equal("value_and_grad value == sum((X @ W) * G)", value, np.sum((X @ W) * G))
    check_equal("value_and_grad dL/dX", vX, dX)
    check_equal("value_and_grad dL/dW", vW, dW)


def main():
    relu_example()
    matmul_example()
    print("both lecture examples check out")


if __name__ == "__main__":
    main()
