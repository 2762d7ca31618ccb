"""The lecture's first example, the one every backpropagation course starts with:

    f(x, y, z) = (x + y) * z        at  x = -2, y = 5, z = -4

Forward pass: q = x + y = 3, then f = q * z = -12.
Backward pass, one gate at a time, starting from df/df = 1:
    the mul gate swaps its inputs:  df/dz = q = 3,         df/dq = z = -4
    the add gate distributes:       df/dx = df/dq = -4,    df/dy = df/dq = -4

s2sad writes that backward pass down as Python source. This script tells the story, prints the
generated adjoint and checks s2sad's answer against the lecture's (-4, -4, 3).

    python examples/01_lecture_fxyz.py
"""

import sys

from s2sad import grad, value_and_grad


def f(x, y, z):
    q = x + y  # add gate
    return q * z  # mul gate


df = grad(f, wrt=(0, 1, 2))  # a tuple of argument positions -> a tuple of partial derivatives


def check(label, got, want):
    """Exit non-zero unless `got` equals `want` entry by entry (these numbers are exact)."""
    got = tuple(float(g) for g in got)
    if got != tuple(want):
        sys.exit(f"FAIL {label}: s2sad gave {got}, expected {tuple(want)}")
    print(f"ok   {label}: {got}")


def main():
    x, y, z = -2.0, 5.0, -4.0

    q = x + y
    print("forward pass")
    print(f"  q = x + y = {x:g} + {y:g} = {q:g}")
    print(f"  f = q * z = {q:g} * {z:g} = {q * z:g}")
    print("backward pass, from df/df = 1")
    print(f"  mul gate swaps:        df/dz = q * 1 = {q:g}      df/dq = z * 1 = {z:g}")
    print(f"  add gate distributes:  df/dx = df/dq * 1 = {z:g}  df/dy = df/dq * 1 = {z:g}")

    dx, dy, dz = df(x, y, z)
    print(f"s2sad:   (df/dx, df/dy, df/dz) = ({dx:g}, {dy:g}, {dz:g})")
    print()
    print("generated adjoint (df.source):")
    print(df.source)

    check("grad (df/dx, df/dy, df/dz)", (dx, dy, dz), (-4.0, -4.0, 3.0))

    value, grads = value_and_grad(f, wrt=(0, 1, 2))(x, y, z)
    check("value_and_grad value", (value,), (-12.0,))
    check("value_and_grad grads", grads, (-4.0, -4.0, 3.0))

    # Only z: an int `wrt` gives a single float, not a tuple.
    dz_only = grad(f, wrt=2)(x, y, z)
    check("grad(f, wrt=2)", (dz_only,), (3.0,))


if __name__ == "__main__":
    main()
