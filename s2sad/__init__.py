"""s2sad: source-to-source automatic differentiation for numerical Python, compiled with Numba.

    from s2sad import grad
    @grad(wrt=(0, 1))
    def energy(k, c, x0, n): ...
    dk, dc = energy(1.0, 0.1, 1.0, 1000)
    print(energy.source)        # the generated adjoint: readable Python, one block per statement
"""

__version__ = "0.1.0"

# jit installs the import hook that lets other processes import generated modules by name
from . import errors, jit  # noqa: E402, F401
from .api import grad, jacobian, jvp, value_and_grad, vjp  # noqa: E402
from .api_markers import stop_gradient  # noqa: E402
from .check import GradCheck, check_grad  # noqa: E402
from .custom import custom_jvp, custom_vjp  # noqa: E402
from .second_order import hessian, hvp  # noqa: E402

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacobian", "hvp", "hessian", "custom_vjp",
           "custom_jvp", "stop_gradient", "check_grad", "GradCheck", "errors", "__version__"]
