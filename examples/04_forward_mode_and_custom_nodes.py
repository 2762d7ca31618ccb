"""Forward vs reverse mode, a custom node, stop_gradient and the gradient check.

The lecture teaches that a gate can be any function whose local gradient we know: here the
sigmoid is registered as one node with the hand-written backward `(1 - σ) σ`, instead of being
differentiated through exp and division. Forward mode (jvp) pushes one direction through the
program; reverse mode (grad) pulls the whole gradient back; the dot-product test shows they agree.
"""

import math
import sys

import numba

from s2sad import check_grad, grad, jvp, rules, stop_gradient


@numba.njit
def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def sigmoid_backward(z, *, out):
    return (1.0 - out) * out  # the lecture's local gradient, in terms of the node's output


rules.register(sigmoid, sigmoid_backward, sample=rules.uniform(-4.0, 4.0))


def neuron(w0, w1, w2, x0, x1):
    return sigmoid(w0 * x0 + w1 * x1 + w2)


def smoothed(w0, w1, w2, x0, x1):
    """The neuron with a target that must not be trained through (stop_gradient)."""
    target = stop_gradient(0.5 * neuron(w0, w1, w2, x0, x1))
    y = neuron(w0, w1, w2, x0, x1)
    return (y - target) ** 2


def main() -> int:
    args = (2.0, -3.0, -3.0, -1.0, -2.0)
    wrt = (0, 1, 2, 3, 4)

    g = grad(neuron, wrt=wrt)
    dw0, dw1, dw2, dx0, dx1 = g(*args)
    print(g.source)
    print(f"reverse mode, one sweep for all five: dw = ({dw0:.2f}, {dw1:.2f}, {dw2:.2f}), "
          f"dx = ({dx0:.2f}, {dx1:.2f})")

    h = jvp(neuron, wrt=wrt)
    _, along_w0 = h(*args, 1.0, 0.0, 0.0, 0.0, 0.0)
    print(h.source)
    print(f"forward mode, one sweep per direction: d/dw0 = {along_w0:.6f}")

    report = check_grad(neuron, *args, wrt=wrt)
    print(report)

    s = 1.0 / (1.0 + math.exp(-1.0))  # the neuron's value at these inputs: sigmoid(1)
    want = (s * (1 - s) * -1.0, s * (1 - s) * -2.0, s * (1 - s))
    ok = report.ok and all(abs(a - b) < 1e-12 for a, b in zip((dw0, dw1, dw2), want))
    ok &= abs(along_w0 - dw0) < 1e-12

    (d_smoothed,) = grad(smoothed, wrt=(0,))(*args)
    # with the target frozen, d/dw0 (y - t)^2 = 2 (y - t) dy/dw0, and t = y/2
    ok &= abs(d_smoothed - 2 * (s - 0.5 * s) * want[0]) < 1e-12
    print(f"with stop_gradient on the target: d/dw0 = {d_smoothed:.6f}")

    if not ok:
        print("FAILED: gradients disagree with the analytic values", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
