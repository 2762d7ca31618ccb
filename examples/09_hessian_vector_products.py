"""Second derivatives: Hessian-vector products, Hessians and gradient-norm regularization.

The lecture's Hessian-vector product H v = ∇(∇L · v) needs no Hessian matrix. s2sad computes it
forward-over-reverse: it generates the adjoint of f as Python source (the gradient program,
loops, tapes and all), then applies its own forward-mode transform to that generated program. The
tangent of the gradient along v is H v: one sweep, a small constant times the cost of a gradient,
whatever the number of inputs. This script

1. checks hvp on the damped oscillator of example 03 (d²E/d(k, c)² through a 1000-step loop) and
   on the Rosenbrock function written as a loop, against central differences of the gradient,
   and prints the generated H·v code once;
2. builds Hessians with `hessian` (one H·v sweep per input entry) and shows they are symmetric;
3. computes the gradient of the lecture's gradient-norm regularizer R(W) = ||∇_W L||², which is
   ∇R = 2 H ∇L, with one hvp along v = ∇L, checks it against central differences of R (R itself
   evaluated with grad), and takes a few descent steps on L + λ R. (Writing R with a nested
   grad and differentiating it directly also works: examples/11_gradient_norm_regularization.py.)

    python examples/09_hessian_vector_products.py
"""

import sys

import numpy as np

from s2sad import grad, hessian, hvp


def energy(k, c, x0, n):
    """Mechanical energy after n explicit-Euler steps of x'' = -k x - c x' (example 03)."""
    dt = 0.01
    x = x0
    v = 0.0
    for _ in range(n):
        a = -k * x - c * v
        x_next = x + dt * v
        v = v + dt * a
        x = x_next
    return 0.5 * v * v + 0.5 * k * x * x


def rosenbrock(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def loss(W, X, a, y):
    """Mean squared error of a one-hidden-layer network tanh(X W) a on targets y."""
    h = np.tanh(X @ W)
    r = h @ a - y
    return np.mean(r * r)


def rel_err(got, want):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return float(np.max(np.abs(got - want)) / max(1.0, float(np.max(np.abs(want)))))


def report(name, got, want, tol):
    err = rel_err(got, want)
    ok = err < tol
    print(f"{'ok  ' if ok else 'FAIL'} {name}: rel. error {err:.1e} (tolerance {tol:.0e})")
    return ok


def fd_along(g, args, positions, v, eps):
    """Central difference of the gradient g along v: (g(p + eps v) - g(p - eps v)) / (2 eps)."""
    def at(s):
        moved = list(args)
        for i, vi in zip(positions, v):
            moved[i] = args[i] + s * eps * vi
        out = g(*moved)
        return out if isinstance(out, tuple) else (out,)
    return tuple((np.asarray(p) - np.asarray(m)) / (2 * eps) for p, m in zip(at(1), at(-1)))


def main() -> int:
    ok = True

    # 1. hvp through a loop --------------------------------------------------------------------
    args = (1.0, 0.1, 1.0, 1000)
    h_energy = hvp(energy, wrt=(0, 1))  # v and H·v are tuples (one entry per wrt argument)
    g_energy = grad(energy, wrt=(0, 1))
    v = (0.3, -1.0)
    E, (dk, dc), Hv = h_energy.value_grad_hvp(*args, v)  # f, ∇f and H·v from one sweep
    print(f"oscillator: E = {E:.10f}, dE/d(k, c) = ({dk:.10f}, {dc:.10f})")
    print(f"            H·v along v = {v}: ({Hv[0]:.10f}, {Hv[1]:.10f})")
    ok &= report("H·v vs central differences of grad", Hv,
                 fd_along(g_energy, args, (0, 1), v, 1e-5), 1e-7)

    print("\nthe generated H·v code (h_energy.source): the forward-mode tangent of the adjoint;")
    print("the tape of the forward sweep carries tangents (dtape_f) like any other array")
    print(h_energy.source)

    x = np.array([-1.2, 1.0, -0.5, 0.3, 0.9, 1.1])
    u = np.random.default_rng(1).normal(size=x.size)
    h_rosen = hvp(rosenbrock)
    Hu = h_rosen(x, u)
    ok &= report("Rosenbrock H·u vs central differences of grad", Hu,
                 fd_along(grad(rosenbrock), (x,), (0,), (u,), 1e-6)[0], 1e-7)

    # 2. Hessians -------------------------------------------------------------------------------
    H = hessian(rosenbrock)(x)  # one H·v sweep per entry of x: shape (6, 6)
    print("\nhessian(rosenbrock)(x), a 6 x 6 tridiagonal matrix:")
    print(np.array2string(H, precision=1, suppress_small=True, max_line_width=100))
    want = np.zeros((x.size, x.size))  # by hand: the chained Rosenbrock's Hessian
    for i in range(x.size - 1):
        want[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        want[i + 1, i + 1] += 200.0
        want[i, i + 1] -= 400.0 * x[i]
        want[i + 1, i] -= 400.0 * x[i]
    ok &= report("Hessian vs the analytic one", H, want, 1e-12)
    ok &= report("Hessian symmetric", H, H.T, 1e-12)
    ok &= report("H @ u == hvp(x, u)", H @ u, Hu, 1e-12)

    blocks = hessian(energy, wrt=(0, 1))(*args)  # tuple wrt: nested blocks H[i][j]
    H2 = np.array([[blocks[0][0], blocks[0][1]], [blocks[1][0], blocks[1][1]]])
    print(f"\nhessian(energy, wrt=(0, 1)): [[d²E/dk², d²E/dkdc], [d²E/dcdk, d²E/dc²]] =\n{H2}")
    ok &= report("oscillator Hessian symmetric (d²E/dkdc == d²E/dcdk)", H2, H2.T, 1e-10)
    ok &= report("H2 @ v == hvp", H2 @ np.array(v), Hv, 1e-10)

    # 3. gradient-norm regularization -----------------------------------------------------------
    # R(W) = ||∇_W L||² penalizes steep loss landscapes (lecture 6.7.9). Its gradient involves
    # second derivatives of L: ∇R = 2 H ∇L. Here it is computed by hand from the chain rule, with
    # hvp along v = ∇L: two sweeps in all (a grad for ∇L, then the H·v sweep). The other way is
    # to write R with a grad call inside it, R = sum(grad(L)(W) ** 2), and differentiate R with
    # grad: s2sad then differentiates L's generated adjoint again (reverse over reverse).
    # examples/11_gradient_norm_regularization.py does that, and checks it against this route.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    W, a = 0.5 * rng.normal(size=(3, 4)), rng.normal(size=4)
    dL = grad(loss)  # ∇_W L
    HL = hvp(loss)  # (W, X, a, y, V) -> H V, H the Hessian of L with respect to W

    def R(W):
        G = dL(W, X, a, y)
        return float(np.sum(G * G))

    def grad_R(W):
        G = dL(W, X, a, y)
        return 2.0 * HL(W, X, a, y, G)

    gR = grad_R(W)
    eps = 1e-6
    fd = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        E_idx = np.zeros_like(W)
        E_idx[idx] = eps
        fd[idx] = (R(W + E_idx) - R(W - E_idx)) / (2 * eps)
    print(f"\nregularizer R(W) = ||∇L||² = {R(W):.10f}; ∇R = 2 H ∇L =")
    print(np.array2string(gR, precision=6, max_line_width=100))
    ok &= report("∇R by hvp vs central differences of R", gR, fd, 1e-7)

    # A few steps of gradient descent on L + λ R with that gradient.
    lam, lr = 0.05, 0.1
    J0 = loss(W, X, a, y) + lam * R(W)
    for _ in range(50):
        W = W - lr * (dL(W, X, a, y) + lam * grad_R(W))
    J1 = loss(W, X, a, y) + lam * R(W)
    print(f"50 descent steps on L + {lam} R: {J0:.6f} -> {J1:.6f} "
          f"(L = {loss(W, X, a, y):.6f}, R = {R(W):.6f})")
    ok &= J1 < 0.8 * J0

    if not ok:
        print("FAILED: a second derivative disagrees with its reference", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
