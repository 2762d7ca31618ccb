"""The lecture's sigmoid neuron: f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))).

At (w0, w1, w2, x0, x1) = (2, -3, -3, -1, -2) the neuron's input is s = 1 and its output
sigma = 0.73; backpropagation gives dw = (-0.20, -0.39, 0.20) and dx = (0.39, -0.59).

The lecture's point: the four gates after s (negate, exp, add 1, reciprocal) collapse into one
"sigmoid gate" whose local gradient is (1 - sigma) * sigma. s2sad does not know that identity; it
differentiates gate by gate. In the generated source, the reciprocal gate's local gradient
-1/(1 + e)^2 meets the exp gate's e (its own output, reused from the forward pass); their product
e / (1 + e)^2 is exactly (1 - sigma) * sigma. The add gate then hands that value unchanged to w2, so
dw2 == (1 - sigma) * sigma, and the mul gates swap it onto the weights and inputs.

    python examples/02_sigmoid_neuron.py
"""

import math
import sys

from s2sad import grad, value_and_grad


def neuron(w0, w1, w2, x0, x1):
    """The flat graph: every gate written out."""
    s = w0 * x0 + w1 * x1 + w2
    return 1.0 / (1.0 + math.exp(-s))


def sigmoid(s):
    return 1.0 / (1.0 + math.exp(-s))


def neuron_with_sigmoid_gate(w0, w1, w2, x0, x1):
    """The same neuron with the sigmoid as a helper function (the lecture's "sigmoid node")."""
    return sigmoid(w0 * x0 + w1 * x1 + w2)


ALL = (0, 1, 2, 3, 4)


def check(label, got, want, rtol=1e-12):
    got = tuple(float(g) for g in got)
    if len(got) != len(want) or any(
        abs(g - w) > rtol * max(abs(w), 1e-300) for g, w in zip(got, want)
    ):
        sys.exit(f"FAIL {label}: s2sad gave {got}, expected {tuple(want)}")
    print(f"ok   {label}: {', '.join(f'{g:.6f}' for g in got)}")


def main():
    w0, w1, w2, x0, x1 = 2.0, -3.0, -3.0, -1.0, -2.0
    point = (w0, w1, w2, x0, x1)

    s = w0 * x0 + w1 * x1 + w2
    sig = 1.0 / (1.0 + math.exp(-s))
    local = (1.0 - sig) * sig  # the sigmoid gate's local gradient
    print(f"forward:  s = w0*x0 + w1*x1 + w2 = {s:g},  sigma(s) = {sig:.4f}")
    print(f"sigmoid gate's local gradient (1 - sigma) * sigma = {local:.4f}")

    dneuron = grad(neuron, wrt=ALL)
    dw0, dw1, dw2, dx0, dx1 = dneuron(*point)
    print(f"s2sad:    dw = ({dw0:.2f}, {dw1:.2f}, {dw2:.2f})   dx = ({dx0:.2f}, {dx1:.2f})")
    print()
    print("generated adjoint of the flat graph:")
    print(dneuron.source)

    # Analytic answer: the add gate passes `local` to w2; the mul gates swap it onto w and x.
    expected = (x0 * local, x1 * local, local, w0 * local, w1 * local)
    check("dw0, dw1, dw2, dx0, dx1", (dw0, dw1, dw2, dx0, dx1), expected)
    check("dw2 == (1 - sigma) * sigma", (dw2,), (local,))
    lecture = (-0.20, -0.39, 0.20, 0.39, -0.59)  # the lecture's numbers, to two decimals
    check("rounded like the lecture", [round(g, 2) for g in (dw0, dw1, dw2, dx0, dx1)], lecture)

    value, grads = value_and_grad(neuron, wrt=ALL)(*point)
    check("value_and_grad value", (value,), (sig,))
    check("value_and_grad grads", grads, expected)

    dnode = grad(neuron_with_sigmoid_gate, wrt=ALL)
    check("with a sigmoid helper", dnode(*point), expected)
    print()
    print("generated adjoint with the sigmoid helper:")
    print(dnode.source)


if __name__ == "__main__":
    main()
