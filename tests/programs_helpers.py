"""Module-level helpers the corpus programs call; s2sad differentiates through all of them.

They exercise positional, keyword and default arguments, helpers calling helpers (also across
modules), helpers with loops and branches, tuple returns, and a `@numba.njit` helper that s2sad
must read through `py_func`.
"""

import math

import numba

from .programs_helpers_other import rotate

SPRING_DAMPING = 0.1


def lerp(a, b, t):
    return a + (b - a) * t


def clamp(x, lo=0.0, hi=1.0):
    return min(max(x, lo), hi)


def smoothstep(edge0, edge1, x):
    t = clamp((x - edge0) / (edge1 - edge0))
    return t * t * (3.0 - 2.0 * t)


def softplus(x, beta=1.0):
    z = beta * x
    if z > 30.0:
        return x
    return math.log1p(math.exp(z)) / beta


def sigmoid(z):
    if z >= 0.0:
        e = math.exp(-z)
        return 1.0 / (1.0 + e)
    e = math.exp(z)
    return e / (1.0 + e)


def polar_to_cartesian(r, theta):
    return r * math.cos(theta), r * math.sin(theta)


def cartesian_to_polar(x, y):
    return math.hypot(x, y), math.atan2(y, x)


def rotate_about(x, y, cx, cy, angle):
    """Rotate (x, y) about the pivot (cx, cy): calls a helper from another module."""
    dx, dy = rotate(x - cx, y - cy, angle)
    return cx + dx, cy + dy


def spring_accel(x, v, k, damping=SPRING_DAMPING, mass=1.0):
    return (-k * x - damping * v) / mass


def rk4_step(x, v, k, dt):
    """One classical Runge-Kutta step of a damped spring; calls `spring_accel` four times."""
    a1 = spring_accel(x, v, k)
    x2 = x + 0.5 * dt * v
    v2 = v + 0.5 * dt * a1
    a2 = spring_accel(x2, v2, k)
    x3 = x + 0.5 * dt * v2
    v3 = v + 0.5 * dt * a2
    a3 = spring_accel(x3, v3, k)
    x4 = x + dt * v3
    v4 = v + dt * a3
    a4 = spring_accel(x4, v4, k, damping=SPRING_DAMPING)
    x_new = x + dt / 6.0 * (v + 2.0 * v2 + 2.0 * v3 + v4)
    v_new = v + dt / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
    return x_new, v_new


def newton_sqrt(a, tol=1e-15):
    """Square root by Newton's method: a helper with a branch and a data-dependent while loop."""
    x = a if a > 1.0 else 1.0
    step = 1.0
    while abs(step) > tol * x:
        step = 0.5 * (x - a / x)
        x -= step
    return x


def norm_cdf(x):
    """Standard normal CDF, Abramowitz & Stegun 26.2.17 (absolute error below 7.5e-8)."""
    t = 1.0 / (1.0 + 0.2316419 * abs(x))
    poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937
                + t * (-1.821255978 + t * 1.330274429))))
    tail = math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi) * poly
    if x >= 0.0:
        return 1.0 - tail
    return tail


def discount_factor(rate, years, compounding=1):
    return (1.0 + rate / compounding) ** (-compounding * years)


def double_well(x, a):
    return (x * x - a) ** 2 + 0.5 * x


def grid_weight(i, j):
    """A weight computed from integers only: inactive, never differentiated."""
    return 1.0 / (1.0 + i + 2 * j)


def texel(i, j):
    """A procedural texture sampled at integer lattice points."""
    return math.sin(0.7 * i) * math.cos(0.3 * j) + 0.05 * i * j


@numba.njit
def spring_energy(k, stretch):
    return 0.5 * k * stretch * stretch


@numba.njit
def damped_cosine(t, omega, decay):
    return math.exp(-decay * t) * math.cos(omega * t)


# --- helpers used by ERROR_PROGRAMS -------------------------------------------------------------


def gamma_ratio(x):
    return math.gamma(x + 0.5) / math.gamma(x)  # ERROR
