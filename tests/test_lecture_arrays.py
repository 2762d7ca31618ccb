"""The backprop lecture's array examples, exactly, in both builds: ReLU on a vector, the
matrix-multiply gradients, and the softmax cross-entropy gradient p - y of an MLP."""

import numpy as np
import pytest


def relu_layer(x, upstream):
    return np.sum(np.maximum(0.0, x) * upstream)


def matmul_layer(X, W, G):
    return np.sum((X @ W) * G)


def softmax_xent(z, Y):
    m = np.max(z, axis=1)
    zs = z - m.reshape((z.shape[0], 1))
    logp = zs - np.log(np.sum(np.exp(zs), axis=1)).reshape((z.shape[0], 1))
    return -np.sum(Y * logp) / z.shape[0]


def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    return softmax_xent(h @ W2 + b2, Y)


X = np.array([[2.0, 1.0, -3.0], [-3.0, 4.0, 2.0]])
W = np.array([[3.0, 2.0, 1.0, -1.0], [2.0, 1.0, 3.0, 2.0], [3.0, 2.0, 1.0, -2.0]])
G = np.array([[2.0, 3.0, -3.0, 9.0], [-8.0, 1.0, 4.0, 6.0]])


def test_relu_passes_the_upstream_gradient_where_the_input_was_positive(backend, derivatives):
    x = np.array([0.5, -1.5, 2.0, -0.25])
    upstream = np.array([4.0, -1.0, 5.0, 9.0])
    dx = derivatives.grad(relu_layer, 0, backend)(x, upstream)
    np.testing.assert_array_equal(dx, [4.0, 0.0, 5.0, 0.0])


def test_matmul_gradients_are_the_lectures(backend, derivatives):
    dX, dW = derivatives.grad(matmul_layer, (0, 1), backend)(X, W, G)
    assert dX[0, 0] == 0.0 and dX[1, 2] == -30.0  # the lecture's two spot checks
    np.testing.assert_allclose(dX, G @ W.T, rtol=0, atol=1e-12)  # dX = dY W^T
    np.testing.assert_allclose(dW, X.T @ G, rtol=0, atol=1e-12)  # dW = X^T dY


def test_softmax_cross_entropy_gradient_is_p_minus_y(backend, derivatives):
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 4))
    Y = np.eye(4)[rng.integers(0, 4, size=5)]
    dz = derivatives.grad(softmax_xent, 0, backend)(z, Y)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(dz, (p - Y) / 5, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("wrt", [(0, 1, 2, 3)])
def test_mlp_gradient_against_finite_differences(wrt, backend, derivatives):
    rng = np.random.default_rng(5)
    args = [rng.normal(size=(3, 6)) * 0.5, rng.normal(size=6) * 0.1,
            rng.normal(size=(6, 4)) * 0.5, rng.normal(size=4) * 0.1,
            rng.normal(size=(7, 3)), np.eye(4)[rng.integers(0, 4, size=7)]]
    grads = derivatives.grad(mlp, wrt, backend)(*args)
    for i, g in zip(wrt, grads):
        want = np.zeros_like(args[i])
        for idx in np.ndindex(args[i].shape):
            up = [a.copy() for a in args]
            down = [a.copy() for a in args]
            up[i][idx] += 1e-6
            down[i][idx] -= 1e-6
            want[idx] = (mlp(*up) - mlp(*down)) / 2e-6
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-9)
