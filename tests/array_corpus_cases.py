"""A corpus of ordinary NumPy array programs for reverse mode: each returns a scalar loss.

Written the way a scientist writes Numba-friendly NumPy: module-level functions, whole-array
expressions mixed with explicit loops, arrays allocated and filled in place, no Python lists of
arrays, dicts, classes, comprehensions or exceptions. Small module-level helpers are called (s2sad
inlines them).

`CASES` at the bottom lists `(function, args, wrt)`: concrete inputs from a seeded generator and
the argument positions to differentiate (floats and float arrays; integer and bool arrays are
indices and masks, never differentiated). Inputs sit away from kinks (no ties for max/min, no
values at clip/where/abs/floor boundaries, positive values under log/sqrt, well-conditioned
matrices), so central differences are accurate; `tests/test_array_corpus.py` guards that.

No program writes into one of its own arguments: arrays updated in place are fresh allocations or
copies (`u = u0.copy()`). Function names are unique (they are the test ids).
"""

import numpy as np

# --- helpers (called by the programs) ------------------------------------------------------------


def relu(z):
    return np.maximum(z, 0.0)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax_rows(S):
    m = S.max(axis=1, keepdims=True)
    E = np.exp(S - m)
    return E / E.sum(axis=1, keepdims=True)


def laplacian_step(u, alpha, i):
    return u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1])


# --- array arguments of ndim 0..3, broadcasting, arithmetic, unary minus, @ ---------------------


def zero_d_array_scales_vector(a, x):
    y = a * x + a ** 2
    return np.sum(y * y) + 1.5 * a


def zero_d_arrays_only(a, b):
    return np.sin(a) * np.exp(b) + a * b - b / (1.0 + a * a)


def vector_arithmetic(x, y):
    z = (x + y) * (x - y) / (1.0 + y * y)
    return np.sum(z) + np.sum(-x * y) + np.sum(x ** 2 - y ** 3)


def scalar_and_array(s, x):
    a = s + x
    b = s - x
    c = s * x
    d = x / s
    e = s / x
    f = x ** s
    g = s ** x
    return np.sum(a * b + c - d + e + f + g)


def row_broadcast_matrix(A, r):
    B = A + r
    C = A * r - r
    D = A / r
    E = r - A
    return np.sum(B * C + D * E) + np.sum(r * A ** 2)


def column_broadcast_matrix(A, c):
    B = A * c - c / (2.0 + A * A)
    return np.sum(B ** 2 + (A - c) * (c + A)) + np.sum(A / (1.0 + c * c))


def column_from_vector(A, v):
    n = A.shape[0]
    c = v.reshape(n, 1)
    return np.sum((A - c) ** 2 / (1.0 + c * c)) + np.sum(c * A / 3.0)


def row_times_column(x, y):
    P = x.reshape(len(x), 1) * y
    Q = x.reshape(len(x), 1) - y
    return np.sum(np.sin(P) * Q)


def broadcast_power(A, p, base):
    return np.sum(A ** p) + np.sum(base ** A) + np.sum(A ** 2.5) + np.sum(p ** 2 * A)


def tensor_3d(T, w):
    U = T * w + 1.0
    return np.sum(U ** 2) + np.sum(T[1] * T[0]) + np.sum(T[0, 1] * w)


def tensor_3d_plus_matrix(T, M):
    return np.sum(np.sin(T + M) * M) + np.sum((T - M) / (2.0 + M * M))


def unary_minus(x, A):
    y = -x
    z = -(A @ x)
    return np.sum(y * z) + np.sum(-A * -A) - np.sum(-y)


def matmul_operator(A, B, x):
    C = A @ B
    return np.sum((C @ x) ** 2) + x @ x


# --- elementwise NumPy functions --------------------------------------------------------------


def trig(x):
    return np.sum(np.sin(x) * np.cos(2.0 * x) + np.tan(x))


def inverse_trig(x):
    return np.sum(np.arcsin(x) + np.arccos(x) * x + np.arctan(3.0 * x))


def hyperbolic(x):
    return np.sum(np.sinh(x) * np.cosh(x) + np.tanh(2.0 * x))


def inverse_hyperbolic(x, y):
    return np.sum(np.arcsinh(3.0 * x) + np.arctanh(x) * y + np.arccosh(y))


def exponentials(x):
    return np.sum(np.exp(x) - np.exp2(x) * x + np.expm1(0.5 * x))


def logarithms(x):
    return np.sum(np.log(x) * x + np.log2(x) + np.log10(3.0 * x) + np.log1p(x * x))


def roots_and_powers(x, p):
    a = np.sqrt(x) + np.cbrt(x - 3.0) + np.square(x) * p
    b = np.power(x, p) + np.power(x, 3) + np.power(p, x)
    return np.sum(a * b)


def absolute_values(x, y):
    return np.sum(np.abs(x) * y + np.absolute(x * y) + np.fabs(x - y))


def sign_has_zero_gradient(x):
    return np.sum(np.sign(x) * x ** 2) + np.sum(np.sign(x - 0.25))


def rounding_has_zero_gradient(x):
    a = np.floor(x) * x + np.ceil(x) ** 2 + np.round(x) * np.sin(x)
    return np.sum(a) + np.sum(np.floor(x))


def elementwise_max_min(x, y):
    a = np.maximum(x, y) * np.minimum(x, y)
    b = np.fmax(x, 0.1) - np.fmin(y, x ** 2)
    return np.sum(a + b)


def clip_with_bounds(x, lo, hi):
    return np.sum(np.clip(x, lo, hi) ** 2) + np.sum(np.clip(x * 2.0, -1.0, 1.0) * x)


def where_from_comparison(x, y):
    z = np.where(x > 0.0, x * y, np.sin(y))
    return np.sum(z * z) + np.sum(np.where(y < x, y, 0.0))


def where_with_mask_argument(x, mask):
    return np.sum(np.where(mask, x ** 2, -x)) + np.sum(np.where(mask, 1.0, x) * x)


def logaddexp_hypot_arctan2(x, y):
    return np.sum(np.logaddexp(x, y) + np.hypot(x, y) * x + np.arctan2(y, x))


def reciprocal_and_negative(x):
    return np.sum(np.reciprocal(x) * np.negative(x ** 2) + np.negative(np.reciprocal(1.0 + x * x)))


def smooth_activations(x):
    softplus = np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)
    return np.sum(softplus * sigmoid(x))


def elementwise_on_matrix_and_tensor(A, T):
    return np.sum(np.exp(-A * A) * np.tanh(A)) + np.sum(np.cos(T) * np.sqrt(1.0 + T * T))


def ufuncs_of_scalar_arguments(a, x):
    b = np.sin(a) + np.exp(0.5 * a) + np.sqrt(a * a + 1.0)
    return np.sum(np.maximum(a, x) * b) + np.log(a) + np.minimum(a, 0.3)


# --- reductions with axis= and keepdims= --------------------------------------------------------


def sum_with_axes(A, w):
    col = np.sum(A, axis=0)
    row = A.sum(axis=1)
    N = A / A.sum(axis=1, keepdims=True)
    return col @ w + np.sum(row ** 2) + np.sum(N * N) + np.sum(np.sum(A, axis=0, keepdims=True) * w)


def mean_with_axes(A):
    C = A - A.mean(axis=0, keepdims=True)
    r = np.mean(A, axis=1)
    return np.sum(C ** 2) + np.sum(r * r) + A.mean() * np.mean(A ** 2) + np.sum(np.mean(A, axis=-1))


def prod_reductions(A):
    return np.prod(A) + np.sum(np.prod(A, axis=0)) + np.sum(A.prod(axis=1, keepdims=True) * A)


def max_reductions(A):
    return np.max(A) + np.sum(A.max(axis=0) ** 2) + np.sum(np.amax(A, axis=1, keepdims=True) * A)


def min_reductions(A):
    a = np.min(A) * 2.0 + np.sum(np.amin(A, axis=0) ** 3) + np.amin(A)
    return a + np.sum((A.min(axis=1, keepdims=True) - A) ** 2) + np.amax(A)


def var_and_std(A, x):
    a = np.var(A) + np.sum(A.std(axis=0)) + np.sum(np.var(A, axis=1, keepdims=True) * A)
    return a + np.std(x) + x.var() + np.sum(np.std(A, axis=1))


def cumsum_program(x, A):
    c = np.cumsum(x)
    C = np.cumsum(A, axis=1)
    return np.sum(c * c) + np.sum(C * A) + np.sum(x.cumsum() * x) + np.sum(np.cumsum(A, axis=0) ** 2)


def cumprod_program(x, A):
    return np.sum(np.cumprod(x)) + np.sum(A.cumprod(axis=0) * A) + np.sum(np.cumprod(A, axis=1))


def norms(x, A):
    a = np.linalg.norm(x) + np.linalg.norm(A) ** 2 + np.sum(np.linalg.norm(A, axis=0))
    return a + np.sum(np.linalg.norm(A, axis=1, keepdims=True) * A)


def logsumexp_by_hand(x):
    m = x.max()
    return m + np.log(np.sum(np.exp(x - m)))


def logsumexp_rows(A):
    m = A.max(axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(A - m), axis=1, keepdims=True))
    return np.sum(lse * lse)


def reductions_3d(T):
    a = np.sum(T, axis=2)
    b = T.mean(axis=0)
    c = np.max(T, axis=1)
    return np.sum(a ** 2) + np.sum(b * b) + np.sum(c) + np.sum(T.sum(axis=1, keepdims=True) * T)


# --- linear algebra and shape -------------------------------------------------------------------


def dot_variants(x, y, A):
    return np.dot(x, y) + np.sum(np.dot(A, x) ** 2) + x.dot(y) ** 2 + np.sum(np.dot(A, A))


def matmul_combinations(A, B, x, y):
    a = x @ A
    b = A @ y
    c = y @ y
    C = A @ B
    D = np.matmul(A, B)
    e = np.matmul(x, A)
    return np.sum(a * y) + np.sum(b * x) + c + np.sum(C * D) + np.sum(e ** 2) + x @ A @ y


def outer_inner_vdot(x, y):
    O = np.outer(x, y)
    return np.sum(O ** 2) + np.inner(x, x) * np.vdot(y, y) + np.vdot(x, np.sin(x))


def trace_and_transpose(A, B):
    return np.trace(A @ B.T) + np.sum(np.transpose(A) @ B) + np.sqrt(np.trace(A.T @ A))


def reshape_ravel_flatten(x, A):
    X = x.reshape(2, 3)
    Y = np.reshape(A, (3, 2))
    v = A.ravel()
    w = A.flatten()
    u = np.ravel(X)
    z = X.reshape(-1)
    return np.sum(X * A) + np.sum(Y @ X) + v @ u + np.sum(w * z * x)


def squeeze_and_expand_dims(c, x):
    # squeeze names its axis: which axes have length 1 is only known at run time, and s2sad
    # specializes on the number of dimensions (tests/test_arrays.py checks the refusal).
    s = np.squeeze(c, axis=1)
    r = np.expand_dims(x, 0)
    k = np.expand_dims(x, axis=1)
    return np.sum(s * x) + np.sum(r * k * c) + np.sum(c.squeeze(1) ** 2) + np.sum(r @ k)


def concatenate_and_stack(x, y):
    a = np.concatenate((x, y))
    S0 = np.stack((x, y))
    S1 = np.stack((x, y), axis=1)
    h = np.hstack((x, y * y))
    V = np.vstack((x, y))
    return np.sum(a * h) + np.sum(S0 * V) + np.sum(S1 @ S0)


def concatenate_matrices(A, B):
    R = np.concatenate((A, B), axis=0)
    C = np.concatenate((A, B), axis=1)
    V = np.vstack((A, B))
    H = np.hstack((A, B))
    return np.sum(R * V) + np.sum(np.sin(C) * H) + np.sum(R.T @ R)


def determinant(A):
    return np.linalg.det(A) + np.log(np.linalg.det(A @ A.T + np.eye(A.shape[0])))


def inverse(A, b):
    Ai = np.linalg.inv(A)
    return np.sum((Ai @ b) ** 2) + np.trace(Ai)


def solve_vector_and_matrix(A, b, B):
    x = np.linalg.solve(A, b)
    X = np.linalg.solve(A, B)
    return x @ x + np.sum(X * B)


def transpose_3d(T):
    U = np.transpose(T, (1, 0, 2))
    V = T.transpose()
    return np.sum(U[0] * T[:, 0, :]) + np.sum(V * V * V) + np.sum(T.T[1] ** 2)


# --- construction -------------------------------------------------------------------------------


def zeros_ones_full(x, a):
    n = len(x)
    y = np.zeros(n)
    y += x
    O = np.ones((n, n)) * x
    f = np.full(n, 2.5)
    g = np.full((n, 2), a)
    z = np.zeros((2, n), dtype=np.float64)
    z[0] = x
    z[1] = f * a
    return np.sum(y * f) + np.sum(O @ x) + np.sum(g ** 2) + np.sum(z ** 2)


def like_constructors(x, A):
    z = np.zeros_like(x)
    o = np.ones_like(A)
    e = np.empty_like(x)
    for i in range(len(x)):
        z[i] = x[i] ** 2
        e[i] = np.sin(x[i])
    return np.sum(z * e) + np.sum(o * A) + np.sum((o + A) ** 2)


def empty_filled_in_loop(x):
    n = len(x)
    y = np.empty(n)
    for i in range(n):
        y[i] = x[i] * x[n - 1 - i]
    M = np.empty((n, 2))
    M[:, 0] = x
    M[:, 1] = y
    return np.sum(M ** 2)


def arange_and_linspace(x, a):
    n = len(x)
    t = np.arange(n)
    s = np.linspace(0.0, 1.0, n)
    u = np.linspace(0.0, a, n)
    r = np.arange(0.5, 0.5 + n)
    return np.sum(x * t) + np.sum(np.sin(a * s) * x) + np.sum(u * x) + np.sum(r * x ** 2)


def eye_regularised(A, x, lam):
    n = A.shape[0]
    I = np.eye(n)
    M = A @ A.T + lam * I
    return x @ np.linalg.solve(M, x) + np.sum(I @ x) + np.trace(np.eye(n) * A)


def copy_and_asarray(x, A):
    y = x.copy()
    z = np.copy(x)
    w = np.asarray(x)
    B = np.array(A)
    y[0] = 2.0 * y[0]
    z *= 3.0
    return np.sum(y * z) + np.sum(w ** 2) + np.sum(B * A)


# --- attributes and methods -------------------------------------------------------------------


def attributes(A, T):
    n, m = A.shape
    a = np.sum(A) / A.size + A.ndim * np.sum(A.T @ A) / len(A)
    b = T.ndim * np.sum(T) / T.size + n * m * A[n - 1, m - 1] + T.shape[2] * T[0, 0, 0]
    return a + b


def methods(A, x, y):
    s = A.sum(axis=0)
    d = x.dot(y)
    R = A.reshape(A.shape[1], A.shape[0])
    C = A.copy()
    return s.dot(s) + d + np.sum(R.T * C) + A.mean() * A.max() + x.sum() * y.min() + A.T.dot(x) @ s


def loops_over_shape(A, v):
    n, m = A.shape
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(m):
            s += A[i, j] * v[j] ** (i + 1)
    return s + len(v) * v.size * v[0] + n * A[0, 0]


# --- indexing reads -----------------------------------------------------------------------------


def scalar_index_reads(x, A):
    n = len(x)
    s = x[0] * x[n - 1] + x[-1] * x[-2] + A[1, 2] * A[-1, -1] + A[0][1]
    for i in range(n):
        s += x[i] * A[i % 3, (i + 1) % 3]
    return s


def slice_reads(x):
    a = np.sum(x[1:-1] * x[:-2]) + np.sum(x[::2] ** 2) + np.sum(x[1::2]) * x[0]
    return a + np.sum(x[::-1] * x) + np.sum(x[:3] * x[-3:]) + np.sum(x[2:7:2])


def row_and_column_reads(A):
    s = 0.0
    for i in range(A.shape[0]):
        s += np.sum(A[i, :] ** 2) * (i + 1)
    for j in range(A.shape[1]):
        s += np.sum(np.sin(A[:, j])) * A[0, j]
    return s + np.sum(A[1]) * np.sum(A[:, -1]) + np.sum(A[1:3, ::2] ** 3)


def strided_2d_reads(A):
    return np.sum(A[::2, 1:] ** 2) + np.sum(A[::-1, :] * A) + np.sum(A[:, ::-2]) + np.sum(A[-2])


def reads_3d(T):
    return T[1, 2, 3] * T[0, 0, 0] + np.sum(T[0] * T[1]) + np.sum(T[:, 1, :] ** 2) + np.sum(T[1, :, 2])


def gather_repeated(x, idx):
    g = x[idx]
    return np.sum(g ** 2) + np.sum(np.sin(x[idx]) * g)


def gather_rows_and_pairs(A, rows, cols):
    R = A[rows]
    p = A[rows, cols]
    return np.sum(R ** 2) + np.sum(p * p * p)


def gather_in_loop(x, idx, w):
    s = 0.0
    for k in range(len(idx)):
        s += w[k] * x[idx[k]] ** 2
    return s


def boolean_mask_reads(x, mask):
    return np.sum(x[mask] ** 2) + np.sum(x[x > 0.0]) + np.sum(np.exp(x[np.abs(x) < 1.0]))


def boolean_mask_rows(A, keep):
    B = A[keep]
    return np.sum(B ** 2) + np.sum(np.tanh(A[keep, 1]))


# --- writes inside loops ----------------------------------------------------------------------


def element_writes_in_loop(x):
    n = len(x)
    y = np.zeros(n)
    for i in range(n):
        y[i] = x[i] ** 2 + np.sin(x[i])
    return np.sum(y * y)


def augmented_element_writes(x, w):
    n = len(x)
    y = np.ones(n)
    for i in range(n):
        y[i] += x[i] * w
        y[i] -= x[i] ** 2
        y[i] *= w + x[i]
    return np.sum(y ** 2)


def augmented_writes_2d(A, b):
    n, m = A.shape
    Y = np.ones((n, m))
    for i in range(n):
        for j in range(m):
            Y[i, j] += A[i, j] * b[j]
            Y[i, j] *= A[i, j]
            Y[i, j] -= 0.5 * b[j] ** 2
    return np.sum(np.tanh(Y))


def matvec_by_loops(A, x):
    n, m = A.shape
    y = np.zeros(n)
    for i in range(n):
        for j in range(m):
            y[i] += A[i, j] * x[j]
    return np.sum(np.tanh(y))


def slice_writes_in_loop(x):
    n = len(x)
    y = np.zeros(4 * n)
    y[0:n] = x
    for k in range(1, 4):
        y[k * n:(k + 1) * n] = np.sin(y[(k - 1) * n:k * n]) * x + 0.5 * y[(k - 1) * n:k * n]
    return np.sum(y ** 2)


def whole_slice_writes_in_loop(x, a):
    y = np.zeros_like(x)
    for t in range(10):
        y[:] = a * y + np.cos(x + t * 0.1)
    return np.sum(y * x)


def whole_array_augmented_in_loop(x, v):
    p = x.copy()
    q = v.copy()
    dt = 0.05
    for t in range(20):
        q -= dt * p
        p += dt * q
    return np.sum(p ** 2 + q ** 2 * x)


def elementwise_scaling_loop(x, r):
    y = np.ones_like(x)
    for t in range(5):
        for i in range(len(x)):
            y[i] *= r * x[i] + 0.5
        y /= np.sum(y)
    return np.sum(y * x)


def rows_written_in_loop(A):
    n, m = A.shape
    Y = np.zeros((n, m))
    Y[0, :] = A[0, :]
    for i in range(1, n):
        Y[i, :] = 0.5 * Y[i - 1, :] + np.tanh(A[i, :])
    return np.sum(Y * Y)


def columns_written_in_loop(A, w):
    n, m = A.shape
    Y = np.zeros((n, m))
    for j in range(m):
        Y[:, j] = A[:, j] * w[j]
        if j > 0:
            Y[:, j] += 0.3 * Y[:, j - 1]
    return np.sum(Y ** 2)


def scatter_add_repeated(x, idx, m):
    y = np.zeros(m)
    for k in range(len(idx)):
        y[idx[k]] += x[k]
    return np.sum(y ** 2) + y[0]


def element_written_twice(x):
    n = len(x)
    y = np.zeros(n)
    for i in range(n):
        y[i] = 2.0 * x[i]
        y[i] = y[i] * y[i] + x[i]
        y[0] = y[0] + 0.1 * y[i]
    return np.sum(y ** 3)


def overwrite_uses_old_value(x):
    y = x.copy()
    for t in range(4):
        for i in range(len(y)):
            y[i] = y[i] * y[i] * 0.5 + np.cos(y[i])
    return np.sum(y * x)


def read_old_value_then_overwrite(x):
    y = x.copy()
    s = 0.0
    for t in range(3):
        for i in range(len(y)):
            old = y[i]
            y[i] = np.sin(old) * x[i] + 0.5 * y[i - 1]
            s += old * y[i]
    return s


def prefix_recurrence(x, a):
    n = len(x)
    y = np.zeros(n)
    y[0] = x[0]
    for i in range(1, n):
        y[i] = y[i - 1] * a + x[i]
    return np.sum(y ** 2)


def running_max_loop(x):
    n = len(x)
    y = np.zeros(n)
    y[0] = x[0]
    for i in range(1, n):
        y[i] = max(y[i - 1], x[i])
    return np.sum(y * x)


def heat_copy_style(u0, alpha):
    n = len(u0)
    u = u0.copy()
    u_new = np.zeros(n)
    for t in range(10):
        u_new[0] = u[0]
        u_new[n - 1] = u[n - 1]
        for i in range(1, n - 1):
            u_new[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1])
        u = u_new.copy()
    return np.sum(u ** 2)


def heat_swap_style(u0, alpha):
    n = len(u0)
    u = u0.copy()
    u_new = u0.copy()
    for t in range(10):
        for i in range(1, n - 1):
            u_new[i] = laplacian_step(u, alpha, i)
        u, u_new = u_new, u
    return np.sum(u ** 2) + u[1] * u[n - 2]


def heat_slice_style(u0, alpha):
    u = u0.copy()
    lap = np.zeros_like(u)
    for t in range(10):
        lap[1:-1] = u[:-2] - 2.0 * u[1:-1] + u[2:]
        u[:] = u + alpha * lap
    return np.sum(u ** 2)


def heat_inplace_interior(u0, alpha):
    u = u0.copy()
    for t in range(10):
        u[1:-1] = u[1:-1] + alpha * (u[:-2] - 2.0 * u[1:-1] + u[2:])
    return np.sum(u * u0)


def diffusion_2d_swap(U0, kappa):
    n, m = U0.shape
    U = U0.copy()
    V = U0.copy()
    for t in range(5):
        for i in range(1, n - 1):
            for j in range(1, m - 1):
                V[i, j] = U[i, j] + kappa * (
                    U[i - 1, j] + U[i + 1, j] + U[i, j - 1] + U[i, j + 1] - 4.0 * U[i, j]
                )
        U, V = V, U
    return np.sum(U ** 2)


def wave_three_buffers(u0, c):
    n = len(u0)
    u_prev = u0.copy()
    u = u0.copy()
    for t in range(12):
        u_next = np.zeros(n)
        for i in range(1, n - 1):
            u_next[i] = 2.0 * u[i] - u_prev[i] + c * (u[i - 1] - 2.0 * u[i] + u[i + 1])
        u_prev, u = u, u_next
    return np.sum(u ** 2) + np.sum(u_prev * u0)


def rnn_loop(W, h0, x):
    h = h0
    for t in range(x.shape[0]):
        h = np.tanh(W @ h + x[t])
    return np.sum(h ** 2)


def rnn_with_input_matrix(W, U, b, X):
    h = np.zeros(W.shape[0])
    s = 0.0
    for t in range(X.shape[0]):
        h = np.tanh(W @ h + U @ X[t] + b)
        s += np.sum(h) * (t + 1)
    return s


def kernel_matrix_in_loop(X, ell):
    n = X.shape[0]
    K = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            d = X[i] - X[j]
            K[i, j] = np.exp(-0.5 * (d @ d) / (ell * ell))
    return np.log(np.linalg.det(K + np.eye(n))) + np.sum(K)


def conv1d_loop(x, k):
    n = len(x)
    m = len(k)
    y = np.zeros(n - m + 1)
    for i in range(n - m + 1):
        y[i] = np.sum(x[i:i + m] * k)
    return np.sum(np.tanh(y) ** 2)


def euler_particles(x0, v0, k):
    x = x0.copy()
    v = v0.copy()
    dt = 0.05
    for t in range(20):
        a = -k * x - 0.1 * v
        v = v + dt * a
        x = x + dt * v
    return np.sum(x ** 2) + 0.5 * np.sum(v ** 2)


# --- whole programs -----------------------------------------------------------------------------


def mlp_relu_softmax_xent(W1, b1, W2, b2, X, y):
    H = relu(X @ W1 + b1)
    Z = H @ W2 + b2
    m = Z.max(axis=1, keepdims=True)
    logp = Z - m - np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))
    n = X.shape[0]
    return -np.mean(logp[np.arange(n), y])


def mlp_tanh_softmax_xent(W1, b1, W2, b2, X, Y):
    H = np.tanh(X @ W1 + b1)
    P = softmax_rows(H @ W2 + b2)
    return -np.sum(Y * np.log(P)) / X.shape[0]


def logistic_regression(w, b, X, y):
    z = X @ w + b
    return np.mean(np.log1p(np.exp(-z)) + (1.0 - y) * z) + 0.01 * (w @ w)


def least_squares(w, X, y, lam):
    r = X @ w - y
    return 0.5 * (r @ r) + 0.5 * lam * (w @ w)


def ridge_normal_equations(X, y, lam):
    d = X.shape[1]
    w = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)
    r = X @ w - y
    return r @ r + np.sum(w ** 2)


def gaussian_log_likelihood(mu, log_sigma, data):
    sigma = np.exp(log_sigma)
    z = (data - mu) / sigma
    n = data.size
    return -0.5 * np.sum(z ** 2) - n * log_sigma - 0.5 * n * np.log(2.0 * np.pi)


def multivariate_gaussian_log_likelihood(mu, L, X):
    n, d = X.shape
    S = L @ L.T + np.eye(d)
    R = X - mu
    Q = np.linalg.solve(S, R.T)
    return -0.5 * np.sum(R.T * Q) - 0.5 * n * np.log(np.linalg.det(S)) - 0.5 * n * d * np.log(2.0 * np.pi)


def attention(Q, K, V):
    d = Q.shape[1]
    S = Q @ K.T / np.sqrt(d)
    P = softmax_rows(S)
    return np.sum(P @ V)


def batchnorm_layer(X, gamma, beta):
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    Xh = (X - mu) / np.sqrt(var + 1e-5)
    return np.sum(np.tanh(Xh * gamma + beta))


def pairwise_energy(P):
    n = P.shape[0]
    E = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = P[i] - P[j]
            r2 = d @ d
            E += 1.0 / np.sqrt(r2) + 0.1 * r2
    return E


# --- lecture examples -------------------------------------------------------------------------


def lecture_relu(x, g):
    return np.dot(np.maximum(0, x), g)


def lecture_matmul(X, W, G):
    Y = X @ W
    return np.sum(Y * G)


# --- float32 programs (the gradient must come back as float32) --------------------------------


def f32_matmul_loss(X, W, G):
    Y = X @ W
    return np.sum(np.tanh(Y) * G)


def f32_elementwise(x):
    return np.sum(np.tanh(x) * np.exp(-x * x) + 0.5 * x ** 2)


def f32_loop_writes(A, x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = np.sin(A[i] @ x) + x[i] * 0.5
    return np.sum(y * y)


# --- inputs -------------------------------------------------------------------------------------

RNG = np.random.default_rng(20240611)


def _normal(*shape):
    return RNG.normal(size=shape)


def _uniform(lo, hi, *shape):
    return RNG.uniform(lo, hi, size=shape)


def _away_from_zero(*shape):
    """Magnitudes in [0.3, 1.5] with random signs."""
    return RNG.choice(np.array([-1.0, 1.0]), size=shape) * RNG.uniform(0.3, 1.5, size=shape)


def _distinct(n, lo=-1.8, hi=1.8):
    """n values in [lo, hi], pairwise at least ~(hi - lo) / (2 n) apart, in random order."""
    step = (hi - lo) / n
    grid = lo + step * (np.arange(n) + 0.5)
    return RNG.permutation(grid + RNG.uniform(-0.2, 0.2, size=n) * step)


def _distinct_matrix(n, m):
    """All entries of an (n, m) matrix pairwise apart: no ties for max/min along any axis."""
    return _distinct(n * m).reshape(n, m)


def _well_conditioned(n):
    return 2.5 * np.eye(n) + 0.4 * _normal(n, n)


def _relu_layer(X, n_out, margin=0.1):
    """Weights whose pre-activations X @ W + b stay at least `margin` away from the ReLU kink."""
    while True:
        W = 0.7 * _normal(X.shape[1], n_out)
        b = 0.3 * _normal(n_out)
        if np.min(np.abs(X @ W + b)) > margin:
            return W, b


X_MLP = _normal(6, 4)
W1_MLP, B1_MLP = _relu_layer(X_MLP, 5)
LABELS = np.array([0, 2, 1, 1, 0, 2])
ONE_HOT = np.eye(3)[LABELS]
X_LR = _normal(8, 3)
Y_LR = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
GRID_POINTS = np.array([[0.0, 0.1], [1.1, -0.2], [0.3, 1.2], [1.4, 1.0], [-0.9, 0.6]])
RELU_X = _away_from_zero(7)
HEAT_U0 = np.sin(np.linspace(0.0, np.pi, 8)) + 0.2 * _normal(8)
ROUNDING_X = np.floor(_uniform(-3.0, 3.0, 6)) + _uniform(0.15, 0.35, 6)
MASK_X = np.array([0.7, -1.3, 0.4, -0.6, 1.6, -0.2, 0.9])
X32 = _normal(3, 4).astype(np.float32)
W32 = _normal(4, 2).astype(np.float32)
G32 = _normal(3, 2).astype(np.float32)

CASES = [
    # ndim 0..3, broadcasting, arithmetic, @
    (zero_d_array_scales_vector, (np.array(0.8), _normal(5)), (0, 1)),
    (zero_d_arrays_only, (np.array(0.6), np.array(-0.4)), (0, 1)),
    (vector_arithmetic, (_normal(5), _normal(5)), (0, 1)),
    (scalar_and_array, (1.3, _uniform(0.5, 2.0, 5)), (0, 1)),
    (row_broadcast_matrix, (_normal(4, 3), _away_from_zero(3)), (0, 1)),
    (column_broadcast_matrix, (_normal(4, 3), _normal(4, 1)), (0, 1)),
    (column_from_vector, (_normal(4, 3), _normal(4)), (0, 1)),
    (row_times_column, (_normal(4), _normal(3)), (0, 1)),
    (broadcast_power, (_uniform(0.5, 2.0, 3, 4), _uniform(0.5, 2.0, 4), 1.7), (0, 1, 2)),
    (tensor_3d, (_normal(2, 3, 4), _normal(4)), (0, 1)),
    (tensor_3d_plus_matrix, (_normal(2, 3, 4), _normal(3, 4)), (0, 1)),
    (unary_minus, (_normal(4), _normal(4, 4)), (0, 1)),
    (matmul_operator, (_normal(3, 4), _normal(4, 5), _normal(5)), (0, 1, 2)),
    # elementwise functions
    (trig, (_uniform(-1.0, 1.0, 6),), (0,)),
    (inverse_trig, (_uniform(-0.8, 0.8, 6),), (0,)),
    (hyperbolic, (_uniform(-1.5, 1.5, 6),), (0,)),
    (inverse_hyperbolic, (_uniform(-0.8, 0.8, 5), _uniform(1.2, 3.0, 5)), (0, 1)),
    (exponentials, (_uniform(-1.5, 1.5, 6),), (0,)),
    (logarithms, (_uniform(0.3, 3.0, 6),), (0,)),
    (roots_and_powers, (_uniform(0.5, 2.2, 5), 1.6), (0, 1)),
    (absolute_values, (_away_from_zero(6), _away_from_zero(6) * 0.5), (0, 1)),
    (sign_has_zero_gradient, (np.array([0.9, -0.7, 0.5, -1.2, 1.4, -0.35]),), (0,)),
    (rounding_has_zero_gradient, (ROUNDING_X,), (0,)),
    (elementwise_max_min, (_distinct(6), _distinct(6, -1.7, 1.9)), (0, 1)),
    (clip_with_bounds, (np.array([-1.1, -0.2, 0.3, 0.9, 1.7, -0.7, 0.1]), -0.5, 0.8), (0, 1, 2)),
    (where_from_comparison, (np.array([0.8, -0.5, 1.2, -1.1, 0.3]),
                             np.array([0.4, -0.9, -0.3, 0.6, 1.0])), (0, 1)),
    (where_with_mask_argument, (_normal(6), np.array([True, False, True, True, False, False])),
     (0,)),
    (logaddexp_hypot_arctan2, (_normal(6), _away_from_zero(6)), (0, 1)),
    (reciprocal_and_negative, (_away_from_zero(6),), (0,)),
    (smooth_activations, (_away_from_zero(6),), (0,)),
    (elementwise_on_matrix_and_tensor, (_normal(3, 3), _normal(2, 2, 3)), (0, 1)),
    (ufuncs_of_scalar_arguments, (0.7, np.array([0.1, 1.2, -0.4, 0.9, 0.45])), (0, 1)),
    # reductions
    (sum_with_axes, (_uniform(0.5, 2.0, 4, 3), _normal(3)), (0, 1)),
    (mean_with_axes, (_normal(4, 3),), (0,)),
    (prod_reductions, (_uniform(0.6, 1.5, 3, 4),), (0,)),
    (max_reductions, (_distinct_matrix(4, 3),), (0,)),
    (min_reductions, (_distinct_matrix(3, 5),), (0,)),
    (var_and_std, (_normal(4, 3), _normal(6)), (0, 1)),
    (cumsum_program, (_normal(6), _normal(3, 4)), (0, 1)),
    (cumprod_program, (_uniform(0.6, 1.5, 6), _uniform(0.6, 1.5, 3, 4)), (0, 1)),
    (norms, (_normal(5), _normal(3, 4)), (0, 1)),
    (logsumexp_by_hand, (_distinct(7),), (0,)),
    (logsumexp_rows, (_distinct_matrix(3, 4),), (0,)),
    (reductions_3d, (_distinct(24).reshape(2, 3, 4),), (0,)),
    # linear algebra and shape
    (dot_variants, (_normal(4), _normal(4), _normal(4, 4)), (0, 1, 2)),
    (matmul_combinations, (_normal(4, 3), _normal(3, 5), _normal(4), _normal(3)), (0, 1, 2, 3)),
    (outer_inner_vdot, (_normal(4), _normal(3)), (0, 1)),
    (trace_and_transpose, (_normal(3, 4), _normal(3, 4)), (0, 1)),
    (reshape_ravel_flatten, (_normal(6), _normal(2, 3)), (0, 1)),
    (squeeze_and_expand_dims, (_normal(4, 1), _normal(4)), (0, 1)),
    (concatenate_and_stack, (_normal(3), _normal(3)), (0, 1)),
    (concatenate_matrices, (_normal(2, 3), _normal(2, 3)), (0, 1)),
    (determinant, (_well_conditioned(4),), (0,)),
    (inverse, (_well_conditioned(4), _normal(4)), (0, 1)),
    (solve_vector_and_matrix, (_well_conditioned(3), _normal(3), _normal(3, 2)), (0, 1, 2)),
    (transpose_3d, (_normal(2, 3, 4),), (0,)),
    # construction
    (zeros_ones_full, (_normal(4), 0.7), (0, 1)),
    (like_constructors, (_normal(5), _normal(2, 3)), (0, 1)),
    (empty_filled_in_loop, (_normal(5),), (0,)),
    (arange_and_linspace, (_normal(6), 1.3), (0, 1)),
    (eye_regularised, (_normal(3, 3), _normal(3), 0.8), (0, 1, 2)),
    (copy_and_asarray, (_normal(5), _normal(2, 2)), (0, 1)),
    # attributes and methods
    (attributes, (_normal(4, 3), _normal(2, 3, 2)), (0, 1)),
    (methods, (_distinct_matrix(4, 3), _normal(4), _distinct(4)), (0, 1, 2)),
    (loops_over_shape, (_normal(3, 4), _normal(4)), (0, 1)),
    # indexing reads
    (scalar_index_reads, (_normal(6), _normal(3, 3)), (0, 1)),
    (slice_reads, (_normal(8),), (0,)),
    (row_and_column_reads, (_normal(4, 5),), (0,)),
    (strided_2d_reads, (_normal(5, 4),), (0,)),
    (reads_3d, (_normal(2, 3, 4),), (0,)),
    (gather_repeated, (_normal(5), np.array([4, 0, 2, 2, 4, -1, 1])), (0,)),
    (gather_rows_and_pairs, (_normal(4, 3), np.array([3, 0, 3, 1]), np.array([2, 2, 2, 0])),
     (0,)),
    (gather_in_loop, (_normal(6), np.array([5, 1, 1, 3, -2, 0]), _normal(6)), (0, 2)),
    (boolean_mask_reads, (MASK_X, np.array([True, True, False, False, True, False, True])),
     (0,)),
    (boolean_mask_rows, (_normal(5, 3), np.array([True, False, True, True, False])), (0,)),
    # writes inside loops
    (element_writes_in_loop, (_normal(6),), (0,)),
    (augmented_element_writes, (_normal(6), 0.8), (0, 1)),
    (augmented_writes_2d, (_normal(3, 4), _normal(4)), (0, 1)),
    (matvec_by_loops, (_normal(4, 3), _normal(3)), (0, 1)),
    (slice_writes_in_loop, (_normal(4),), (0,)),
    (whole_slice_writes_in_loop, (_normal(5), 0.6), (0, 1)),
    (whole_array_augmented_in_loop, (_normal(4), _normal(4)), (0, 1)),
    (elementwise_scaling_loop, (_uniform(0.5, 1.5, 5), 0.9), (0, 1)),
    (rows_written_in_loop, (_normal(5, 3),), (0,)),
    (columns_written_in_loop, (_normal(3, 5), _normal(5)), (0, 1)),
    (scatter_add_repeated, (_normal(7), np.array([0, 2, 2, 4, 0, 3, 2]), 5), (0,)),
    (element_written_twice, (_uniform(-0.6, 0.6, 5),), (0,)),
    (overwrite_uses_old_value, (_uniform(-1.0, 1.0, 5),), (0,)),
    (read_old_value_then_overwrite, (_normal(5),), (0,)),
    (prefix_recurrence, (_normal(7), 0.8), (0, 1)),
    (running_max_loop, (_distinct(7),), (0,)),
    (heat_copy_style, (HEAT_U0, 0.2), (0, 1)),
    (heat_swap_style, (HEAT_U0 + 0.1 * _normal(8), 0.25), (0, 1)),
    (heat_slice_style, (HEAT_U0 - 0.1 * _normal(8), 0.15), (0, 1)),
    (heat_inplace_interior, (_normal(7), 0.3), (0, 1)),
    (diffusion_2d_swap, (_normal(5, 5), 0.1), (0, 1)),
    (wave_three_buffers, (np.sin(np.linspace(0.0, np.pi, 7)) + 0.1 * _normal(7), 0.3), (0, 1)),
    (rnn_loop, (0.5 * _normal(4, 4), _normal(4), _normal(6, 4)), (0, 1, 2)),
    (rnn_with_input_matrix, (0.4 * _normal(4, 4), 0.5 * _normal(4, 3), _normal(4), _normal(5, 3)),
     (0, 1, 2, 3)),
    (kernel_matrix_in_loop, (_normal(5, 2), 0.9), (0, 1)),
    (conv1d_loop, (_normal(8), _normal(3)), (0, 1)),
    (euler_particles, (_normal(4), _normal(4), 1.5), (0, 1, 2)),
    # whole programs
    (mlp_relu_softmax_xent, (W1_MLP, B1_MLP, 0.7 * _normal(5, 3), 0.3 * _normal(3), X_MLP, LABELS),
     (0, 1, 2, 3)),
    (mlp_tanh_softmax_xent, (0.7 * _normal(4, 5), 0.3 * _normal(5), 0.7 * _normal(5, 3),
                             0.3 * _normal(3), X_MLP, ONE_HOT), (0, 1, 2, 3)),
    (logistic_regression, (_normal(3), 0.2, X_LR, Y_LR), (0, 1)),
    (least_squares, (_normal(3), X_LR, _normal(8), 0.1), (0, 1, 2, 3)),
    (ridge_normal_equations, (X_LR, _normal(8), 0.5), (0, 1, 2)),
    (gaussian_log_likelihood, (0.3, -0.2, _normal(8)), (0, 1, 2)),
    (multivariate_gaussian_log_likelihood, (_normal(3), 0.5 * _normal(3, 3), _normal(6, 3)),
     (0, 1, 2)),
    (attention, (_normal(4, 3), _normal(5, 3), _normal(5, 2)), (0, 1, 2)),
    (batchnorm_layer, (_normal(6, 3), _normal(3), _normal(3)), (0, 1, 2)),
    (pairwise_energy, (GRID_POINTS,), (0,)),
    # lecture examples
    (lecture_relu, (RELU_X, _normal(7)), (0, 1)),
    (lecture_matmul, (_normal(3, 4), _normal(4, 2), _normal(3, 2)), (0, 1, 2)),
    # float32
    (f32_matmul_loss, (X32, W32, G32), (0, 1)),
    (f32_elementwise, (_normal(6).astype(np.float32),), (0,)),
    (f32_loop_writes, ((0.5 * _normal(4, 4)).astype(np.float32), _normal(4).astype(np.float32)),
     (0, 1)),
]
