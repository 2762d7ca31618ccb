"""Helpers the corpus imports from a second module: s2sad must follow calls across modules."""

import math

TWO_PI = 2.0 * math.pi


def rotate(x, y, angle):
    """Rotate the point (x, y) about the origin; returns a tuple."""
    c = math.cos(angle)
    s = math.sin(angle)
    return c * x - s * y, s * x + c * y


def huber(residual, delta=1.0):
    """Huber loss: quadratic near zero, linear in the tails."""
    size = abs(residual)
    if size <= delta:
        return 0.5 * residual * residual
    return delta * (size - 0.5 * delta)


def logsumexp2(a, b):
    """log(exp(a) + exp(b)) without overflow."""
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


def wrap_angle(theta):
    """Map an angle into (-pi, pi]."""
    while theta > math.pi:
        theta -= TWO_PI
    while theta <= -math.pi:
        theta += TWO_PI
    return theta


def poincare_distance(ux, uy, vx, vy):
    """Geodesic distance between two points of the Poincare disk (hyperbolic embeddings)."""
    gap = (ux - vx) ** 2 + (uy - vy) ** 2
    room_u = 1.0 - (ux * ux + uy * uy)
    room_v = 1.0 - (vx * vx + vy * vy)
    return math.acosh(1.0 + 2.0 * gap / (room_u * room_v))
