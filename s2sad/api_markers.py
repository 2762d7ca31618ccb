"""Functions users call inside differentiated code to steer differentiation.

They live apart from `api.py` so the rule table can import them without importing the compiler.
"""


def stop_gradient(x):
    """The identity, with zero derivative: no gradient flows back through `x`."""
    return x
