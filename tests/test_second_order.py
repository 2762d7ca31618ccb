"""hvp and hessian (s2sad/second_order.py): forward mode applied to the generated adjoint.

Every H·v is checked against central differences (4-point, float64) of the reverse-mode gradient
along the same direction, for corpus programs with for loops, while loops and in-place array
writes, in the pure-Python and the Numba build. Hessians are checked for symmetry and against the
same differences column by column.
"""

import math

import numpy as np
import pytest

from s2sad import grad, hessian, hvp, jvp, value_and_grad
from s2sad.errors import NoDerivativeRule, NonScalarOutput, UnsupportedSyntax

from . import array_corpus_cases as arrays
from .programs import PROGRAMS

SCALAR = {p.fn.__name__: (p.fn, p.args, p.wrt) for p in PROGRAMS}
ARRAY = {fn.__name__: (fn, args, wrt) for fn, args, wrt in arrays.CASES}

LOOPS = ["compound_interest", "taylor_exp", "log_series_horner", "trapezoid_damped_sine",
         "stepped_geometric", "spring_pairs_energy", "grid_potential", "daily_energy_cost",
         "bouncing_ball_height", "projectile_with_drag", "metropolis_energy_average",
         "polynomial_fit_loss", "adam_on_quadratic", "sine_series"]
WHILE_LOOPS = ["kepler_true_anomaly", "cube_root_newton", "log_by_range_reduction",
               "line_search_descent", "geometric_series_capped", "fixed_point_cosine",
               "bond_yield", "sampled_signal_energy"]
WRITES = ["zeros_ones_full", "like_constructors", "empty_filled_in_loop", "copy_and_asarray",
          "loops_over_shape", "scalar_index_reads", "row_and_column_reads", "gather_in_loop",
          "element_writes_in_loop", "augmented_element_writes", "augmented_writes_2d",
          "matvec_by_loops", "slice_writes_in_loop", "whole_slice_writes_in_loop",
          "whole_array_augmented_in_loop", "elementwise_scaling_loop", "rows_written_in_loop",
          "scatter_add_repeated", "element_written_twice", "overwrite_uses_old_value",
          "read_old_value_then_overwrite", "prefix_recurrence", "running_max_loop",
          "heat_copy_style", "heat_slice_style", "heat_inplace_interior", "wave_three_buffers",
          "rnn_with_input_matrix", "kernel_matrix_in_loop", "conv1d_loop", "pairwise_energy"]
CASES = [SCALAR[n] for n in LOOPS + WHILE_LOOPS] + [ARRAY[n] for n in WRITES]
IDS = LOOPS + WHILE_LOOPS + WRITES

_HVPS: dict = {}  # (name, jit) -> HVP: one generated and compiled derivative per program


def _positions(fn, wrt) -> tuple:
    names = list(fn.__code__.co_varnames[:fn.__code__.co_argcount])
    wrt = wrt if isinstance(wrt, tuple) else (wrt,)
    return tuple(names.index(w) if isinstance(w, str) else w for w in wrt)


def _direction(args, positions, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(size=np.shape(args[i])) if np.ndim(args[i]) else float(rng.normal())
                 for i in positions)


def fd_hvp(fn, args, positions, v):
    """H·v by central differences of the reverse-mode gradient along v (4 points)."""
    g = grad(fn, wrt=positions, jit=False)
    h = 1e-4  # along a direction of unit-size entries; the 4-point stencil errs by O(h^4)

    def at(eps):
        moved = list(args)
        for k, i in enumerate(positions):
            moved[i] = args[i] + eps * v[k]
        return [np.asarray(x, dtype=np.float64) for x in g(*moved)]

    p1, m1, p2, m2 = at(h), at(-h), at(2 * h), at(-2 * h)
    return [(8 * (a - b) - (c - d)) / (12 * h) for a, b, c, d in zip(p1, m1, p2, m2)]


def _rel_err(got, want) -> float:
    worst = 0.0
    for a, b in zip(got, want):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        assert a.shape == b.shape
        worst = max(worst, float(np.max(np.abs(a - b), initial=0.0))
                    / max(1.0, float(np.max(np.abs(b), initial=0.0))))
    return worst


@pytest.mark.parametrize("backend", ["python", "numba"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hvp_matches_finite_differences_of_the_gradient(case, backend):
    fn, args, wrt = case
    positions = _positions(fn, wrt)
    key = (fn.__name__, backend)
    if key not in _HVPS:
        _HVPS[key] = hvp(fn, wrt=positions, jit=backend == "numba")
    h = _HVPS[key]
    v = _direction(args, positions)
    value, grads, hv = h.value_grad_hvp(*args, v)
    assert _rel_err(hv, fd_hvp(fn, args, positions, v)) < 1e-6
    # the same sweep also returns f and its gradient
    assert math.isclose(float(value), float(fn(*args)), rel_tol=1e-12, abs_tol=1e-12)
    assert _rel_err(grads, grad(fn, wrt=positions, jit=False)(*args)) < 1e-12


def test_enough_programs_and_every_kind_of_control_flow():
    assert len(CASES) >= 30 and len(WHILE_LOOPS) >= 5 and len(WRITES) >= 10


def three_params(a, b, c):
    s = 0.0
    for i in range(4):
        s = 0.9 * s + math.sin(a * b + i) * c ** 2 + a * math.exp(-b * c)  # taped
    return s


def quartic_bowl(x, A):
    y = A @ x
    return np.sum(y ** 4) + np.sum(x * x) * x[0]


@pytest.mark.parametrize("jit", [False, True], ids=["python", "numba"])
def test_hessian_of_scalars_is_symmetric_and_matches_differences(jit):
    args = (0.7, -0.4, 1.3)
    H = hessian(three_params, wrt=(0, 1, 2), jit=jit)(*args)
    M = np.array([[H[i][j] for j in range(3)] for i in range(3)])
    assert np.allclose(M, M.T, rtol=1e-12, atol=1e-12)
    for j in range(3):
        e = tuple(1.0 if k == j else 0.0 for k in range(3))
        col = fd_hvp(three_params, args, (0, 1, 2), e)
        assert _rel_err(M[:, j], np.array(col)) < 1e-6


@pytest.mark.parametrize("jit", [False, True], ids=["python", "numba"])
def test_hessian_of_an_array_argument(jit):
    rng = np.random.default_rng(3)
    x, A = rng.normal(size=4), rng.normal(size=(3, 4))
    H = hessian(quartic_bowl, wrt=0, jit=jit)(x, A)
    assert H.shape == (4, 4)
    assert np.allclose(H, H.T, rtol=1e-12, atol=1e-10)
    y = A @ x  # analytic: 12 A^T diag(y^2) A + d²/dx² (|x|² x0)
    want = 12 * A.T @ np.diag(y ** 2) @ A + 2 * x[0] * np.eye(4)
    want[0, :] += 2 * x
    want[:, 0] += 2 * x
    assert np.allclose(H, want, rtol=1e-12, atol=1e-10)


def test_hvp_source_is_the_tangent_of_the_adjoint():
    h = hvp(three_params, wrt=(0, 1), jit=False)
    with pytest.raises(RuntimeError, match="call the hvp once"):
        h.source  # noqa: B018
    h(0.7, -0.4, 1.3, (1.0, 0.0))
    src = h.source
    assert "def three_params_adjoint_tangent(" in src
    assert "tape_f" in src and "dtape_f" in src  # the tape carries tangents like any array


def prod_along_axis(X):
    return np.sum(np.prod(X, axis=1) ** 2)


def test_second_derivative_without_a_rule_is_refused_with_its_location():
    X = np.random.default_rng(0).uniform(0.5, 1.5, size=(3, 4))
    with pytest.raises(NoDerivativeRule, match="run-time helper") as err:
        hvp(prod_along_axis, jit=False)(X, np.ones_like(X))
    assert "_adjoint_" in str(err.value) and "hvp_hessian.md" in str(err.value)


def test_buffer_swap_in_the_adjoint_is_refused_not_miscomputed():
    fn, args, wrt = ARRAY["heat_swap_style"]
    positions = _positions(fn, wrt)
    with pytest.raises(UnsupportedSyntax, match="written in the loop"):
        hvp(fn, wrt=positions, jit=False)(*args, _direction(args, positions))


def polar(r, theta):
    return r * math.cos(theta), (r * math.sin(theta), r * r)


@pytest.mark.parametrize("jit", [False, True], ids=["python", "numba"])
def test_jvp_of_a_function_returning_nested_tuples(jit):
    (x, (y, r2)), (dx, (dy, dr2)) = jvp(polar, wrt=(0, 1), jit=jit)(2.0, 0.3, 0.5, -1.0)
    assert (x, y, r2) == polar(2.0, 0.3)[0:1] + polar(2.0, 0.3)[1]
    h = 1e-6
    p, m = polar(2.0 + 0.5 * h, 0.3 - h), polar(2.0 - 0.5 * h, 0.3 + h)
    assert math.isclose(dx, (p[0] - m[0]) / (2 * h), rel_tol=1e-7)
    assert math.isclose(dy, (p[1][0] - m[1][0]) / (2 * h), rel_tol=1e-7)
    assert math.isclose(dr2, (p[1][1] - m[1][1]) / (2 * h), rel_tol=1e-7)


def test_grad_of_a_function_returning_a_tuple_names_the_return():
    with pytest.raises(NonScalarOutput, match="returns a tuple of 2 values") as err:
        grad(polar, jit=False)(2.0, 0.3)
    assert "test_second_order.py" in str(err.value)


# ------------------------------------------------------------------ gradients of gradients
def bowl(a, b):
    return a * a * b + math.sin(a * b)


def bowl_gradient_norm(a, b):
    da, db = grad(bowl, wrt=(0, 1))(a, b)
    return da * da + db * db + bowl(a, b)


def neuron_loss(W, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ W)))
    return np.sum((p - y) ** 2)


def gradient_norm_regularized(W, X, y, lam):
    """The lecture's gradient-norm regularization: L(W) + lam * ||dL/dW||^2."""
    g = grad(neuron_loss)(W, X, y)
    return neuron_loss(W, X, y) + lam * np.sum(g * g)


def oscillator(k, c, x0, n):
    x = x0
    v = 0.0
    for _ in range(n):
        a = -k * x - c * v
        x = x + 0.01 * v
        v = v + 0.01 * a
    return x * x + v * v


d_oscillator = grad(oscillator, wrt=(0, 1))  # a module-level derivative, called by name


def sensitivity_norm(k, c, x0, n):
    gk, gc = d_oscillator(k, c, x0, n)
    return gk * gk + gc * gc


def value_and_slope(a, b):
    f, (da, db) = value_and_grad(bowl, wrt=(0, 1))(a, b)
    return f * da - db


RNG = np.random.default_rng(5)
NESTED = [
    (bowl_gradient_norm, (0.7, 1.3), (0, 1)),
    (gradient_norm_regularized,
     (RNG.normal(size=3), RNG.normal(size=(6, 3)), RNG.uniform(size=6), 0.3), (0,)),
    (sensitivity_norm, (1.0, 0.3, 1.0, 60), (0, 1, 2)),
    (value_and_slope, (0.4, -0.9), (0, 1)),
]


@pytest.mark.parametrize("jit", [False, True], ids=["python", "numba"])
@pytest.mark.parametrize("fn, args, wrt", NESTED, ids=[c[0].__name__ for c in NESTED])
def test_gradient_of_a_function_that_takes_a_gradient(fn, args, wrt, jit):
    from .gradcheck import fd_array
    grads = grad(fn, wrt=wrt, jit=jit)(*args)
    for i, g in zip(wrt, grads):
        assert np.allclose(g, fd_array(fn, args, i), rtol=1e-6, atol=1e-8)


def test_gradient_norm_gradient_is_twice_hessian_times_gradient():
    """Reverse over reverse (the nested grad) against forward over reverse (hvp)."""
    W, X, y, lam = NESTED[1][1]
    got = grad(gradient_norm_regularized, jit=False)(W, X, y, lam)
    value, g, Hg = hvp(neuron_loss, jit=False).value_grad_hvp(W, X, y, g_direction(W, X, y))
    assert np.allclose(got, g + 2 * lam * Hg, rtol=1e-12, atol=1e-14)


def g_direction(W, X, y):
    return grad(neuron_loss, jit=False)(W, X, y)


def jvp_inside(a, b):
    return jvp(bowl)(a, b, 1.0)[1]


def array_loop_loss(x, n):
    y = x.copy()
    for _ in range(n):
        y = np.sin(y) * 1.1  # the adjoint keeps each iteration's y on its tape (push_array)
    return np.sum(y * y)


def array_loop_gradient_norm(x, n):
    g = grad(array_loop_loss)(x, n)
    return np.sum(g * g)


def test_other_transforms_inside_are_refused_at_the_call():
    with pytest.raises(UnsupportedSyntax, match="only grad and value_and_grad") as err:
        grad(jvp_inside, jit=False)(0.3, 0.4)
    assert "test_second_order.py" in str(err.value)


def gather_loss(x, idx, rows, cols, A):
    return np.sum(np.sin(x[idx]) ** 2) + np.sum(np.cos(A[rows, cols] * x[0]))


def gather_gradient_norm(x, idx, rows, cols, A):
    """The inner adjoint scatters with repeated indices (rta.scatter_add, scatter_add2)."""
    gx, gA = grad(gather_loss, wrt=(0, 4))(x, idx, rows, cols, A)
    return np.sum(gx * gx) + np.sum(gA ** 3)


NESTED_ARRAYS = [
    (array_loop_gradient_norm, (np.array([0.3, -0.2, 0.9]), 4), (0,)),
    (gather_gradient_norm, (np.array([0.3, -0.7, 1.1]), np.array([0, 2, 2, 1]),
                            np.array([0, 1, 1]), np.array([2, 0, 0]),
                            np.array([[0.5, 0.2, -0.4], [1.2, 0.1, 0.3]])), (0, 4)),
]


@pytest.mark.parametrize("jit", [False, True], ids=["python", "numba"])
@pytest.mark.parametrize("fn, args, wrt", NESTED_ARRAYS, ids=[c[0].__name__ for c in NESTED_ARRAYS])
def test_gradient_through_array_tapes_and_scatters(fn, args, wrt, jit):
    """The inner adjoints push arrays on tapes inside loops and scatter-add with repeats."""
    test_gradient_of_a_function_that_takes_a_gradient(fn, args, wrt, jit)


def gather_rows_of_transpose(A, idx):
    return np.sum(A.T[idx] ** 3)


def gather_columns(A, idx):
    return np.sum(A[:, idx] ** 3) + np.sum(np.sin(A) * A)


GATHERS = [(gather_rows_of_transpose, (np.arange(1.0, 7.0).reshape(2, 3), np.array([0, 2, 2])), 0),
           (gather_columns, (np.arange(1.0, 7.0).reshape(2, 3) / 3, np.array([2, 0, 2])), 0)]


@pytest.mark.parametrize("jit", [False, True], ids=["python", "numba"])
@pytest.mark.parametrize("fn, args, wrt", GATHERS, ids=[c[0].__name__ for c in GATHERS])
def test_hvp_through_scatters_into_views(fn, args, wrt, jit):
    """The adjoint scatters into a transposed view of the gradient; the H·v code must see
    that write (it once returned zeros here)."""
    v = _direction(args, (wrt,), seed=2)
    hv = hvp(fn, wrt=wrt, jit=jit)(*args, v[0])
    assert _rel_err([hv], fd_hvp(fn, args, (wrt,), v)) < 1e-6
    assert np.max(np.abs(hv)) > 1.0
