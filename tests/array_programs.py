"""Loop-style programs that read NumPy arrays element by element (the first slice of array
support): the gradient with respect to an array argument is an array of the same shape."""

import math

import numpy as np


def rosenbrock(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def quadratic_form(A, x):
    n, m = A.shape
    s = 0.0
    for i in range(n):
        for j in range(m):
            s += x[i] * A[i, j] * x[j]
    return s


def horner(c, x):
    y = 0.0
    for k in range(c.shape[0] - 1, -1, -1):
        y = y * x + c[k]
    return y


def log_sum_exp(z):
    m = z[0]
    for i in range(1, len(z)):
        m = max(m, z[i])
    s = 0.0
    for i in range(len(z)):
        s += math.exp(z[i] - m)
    return m + math.log(s)


def gaussian_nll(data, mu, log_sigma):
    sigma = math.exp(log_sigma)
    total = 0.0
    for i in range(len(data)):
        r = (data[i] - mu) / sigma
        total += 0.5 * r * r + log_sigma
    return total


def gather(values, index, w):
    """Integer index arrays pick elements: index is never differentiated."""
    s = 0.0
    for k in range(len(index)):
        s += w[k] * values[index[k]]
    return s


def negative_indices(x):
    return x[-1] * x[0] + x[-2] ** 3


def thresholded(x, t):
    s = 0.0
    for i in range(len(x)):
        if x[i] > t:
            s += x[i] * x[i]
        elif x[i] < -t:
            continue
        else:
            s -= math.sin(x[i])
    return s


def trapezoid(y, dx):
    s = 0.5 * (y[0] + y[len(y) - 1])
    for i in range(1, len(y) - 1):
        s += y[i]
    return s * dx


def matrix_energy(K, u, f):
    n = len(u)
    e = 0.0
    for i in range(n):
        ku = 0.0
        for j in range(n):
            ku += K[i, j] * u[j]
        e += 0.5 * u[i] * ku - f[i] * u[i]
    return e


def sums_a_whole_array(x):
    return math.sin(x) * 2.0  # ERROR


def slices(x):
    return x[1:][0]  # ERROR


def squeezes_without_axis(c):
    return np.sum(np.squeeze(c))  # ERROR
