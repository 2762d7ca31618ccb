"""api: `grad` and `value_and_grad` as decorators and functions, calling conventions, errors,
inspection (`.source`, `.python`, `.ir`, `.compiled`), and the Numba build inside user @njit code.
"""

import inspect
import math

import numba
import numpy as np
import pytest

from s2sad import grad, value_and_grad
from s2sad.api import Derivative
from s2sad.errors import NonDifferentiableArgument, S2SADError, UnsupportedArgument

from .gradcheck import assert_grad_close, fd_grad

# --- functions under test ------------------------------------------------------------------------


def lecture(x, y, z):
    """The lecture circuit."""
    q = x + y
    return q * z


def power_sum(x, n):
    s = 0.0
    for i in range(n):
        s = s + x ** i
    return s


def scaled(x, scale=2.0, shift=0.5):
    return x * scale + shift


def annotated(x: float, n: int, flag: bool):
    s = x
    for _ in range(n):
        s = s * x
    return s if flag else -s


def defaulted(x, n=3, flag=True):
    s = x
    for _ in range(n):
        s = s * x
    return s if flag else -s


def untyped(a, b):
    return a * b + a


def sigmoid(s):
    return 1.0 / (1.0 + math.exp(-s))


@grad
def bare(x):
    return x * x * x


@grad(wrt=(0, 2), jit=False)
def decorated(x, y, z):
    return x * y * z


@value_and_grad(wrt="y", jit=False)
def decorated_value(x, y):
    return x * y + y


@numba.njit
def jitted(x, y):
    return x * math.sin(y)


# --- helpers -------------------------------------------------------------------------------------


def def_line(fn) -> int:
    return inspect.getsourcelines(fn)[1]


# --- decorator and function forms ----------------------------------------------------------------


def test_bare_decorator_differentiates_the_first_argument():
    assert isinstance(bare, Derivative)
    assert bare(2.0) == pytest.approx(12.0)
    assert isinstance(bare(2.0), float)


def test_decorator_with_arguments():
    assert decorated(2.0, 3.0, 5.0) == (15.0, 6.0)


def test_value_and_grad_decorator_by_name():
    assert decorated_value(2.0, 3.0) == (9.0, 3.0)


def test_wrapper_keeps_the_function_metadata():
    d = grad(lecture, jit=False)
    assert d.__name__ == "lecture" and d.__doc__ == "The lecture circuit."
    assert d.__wrapped__ is lecture
    assert d.fn is lecture


def test_grad_by_name_by_index_and_negative_index():
    args = (-2.0, 5.0, -4.0)
    assert grad(lecture, wrt="z", jit=False)(*args) == 3.0
    assert grad(lecture, wrt=2, jit=False)(*args) == 3.0
    assert grad(lecture, wrt=-1, jit=False)(*args) == 3.0
    assert grad(lecture, wrt=("x", 2), jit=False)(*args) == (-4.0, 3.0)


def test_int_wrt_gives_a_float_tuple_wrt_gives_a_tuple(backend):
    args = (-2.0, 5.0, -4.0)
    one = grad(lecture, wrt=0, jit=backend)(*args)
    assert type(one) is float and one == -4.0
    single = grad(lecture, wrt=(0,), jit=backend)(*args)
    assert type(single) is tuple and single == (-4.0,)
    as_list = grad(lecture, wrt=[0, 1], jit=backend)(*args)
    assert type(as_list) is tuple and as_list == (-4.0, -4.0)
    all_three = grad(lecture, wrt=(0, 1, 2), jit=backend)(*args)
    assert all_three == (-4.0, -4.0, 3.0)
    assert all(type(g) is float for g in all_three)


def test_value_and_grad(backend):
    value, grads = value_and_grad(lecture, wrt=(0, 1, 2), jit=backend)(-2.0, 5.0, -4.0)
    assert value == -12.0 and type(value) is float
    assert grads == (-4.0, -4.0, 3.0)
    value, g = value_and_grad(power_sum, jit=backend)(0.5, 4)
    assert value == 1.875 and g == pytest.approx(1.0 + 2 * 0.5 + 3 * 0.25)


def test_wrt_order_is_kept():
    assert grad(lecture, wrt=(2, 0), jit=False)(-2.0, 5.0, -4.0) == (3.0, -4.0)


def test_repeated_wrt_gives_repeated_gradients():
    assert grad(lecture, wrt=(0, 0), jit=False)(-2.0, 5.0, -4.0) == (-4.0, -4.0)


def test_numba_dispatchers_are_differentiated_through_their_python_source():
    d = grad(jitted, wrt=(0, 1), jit=False)
    assert_grad_close(d(1.5, 0.3), (math.sin(0.3), 1.5 * math.cos(0.3)))


# --- calling ---------------------------------------------------------------------------------------


def test_keyword_arguments_and_defaults():
    d = grad(scaled, wrt=(0, 1), jit=False)
    assert d(1.5) == (2.0, 1.5)
    assert d(1.5, 3.0) == (3.0, 1.5)
    assert d(1.5, scale=3.0) == (3.0, 1.5)
    assert d(x=1.5, shift=1.0, scale=4.0) == (4.0, 1.5)
    v = value_and_grad(scaled, wrt="shift", jit=False)
    assert v(2.0, shift=1.0) == (5.0, 1.0)


def test_wrong_call_is_a_type_error():
    d = grad(scaled, jit=False)
    with pytest.raises(TypeError):
        d()
    with pytest.raises(TypeError):
        d(1.0, nope=2.0)


def test_arguments_are_not_modified_and_calls_repeat(backend):
    d = grad(power_sum, wrt=0, jit=backend)
    x, n = np.float64(0.7), 5
    kwargs = {"n": n}
    first = d(x, **kwargs)
    assert (x, n, kwargs) == (np.float64(0.7), 5, {"n": 5})
    assert d(x, **kwargs) == first == d(0.7, 5)
    assert_grad_close(first, fd_grad(power_sum, (0.7, 5), 0))


def test_one_specialization_per_argument_kinds():
    d = grad(untyped, wrt=0, jit=False)
    assert d(2.0, 3.0) == 4.0
    assert d(2.0, 3) == 4.0  # b is an int now: a second specialization
    assert d(np.float64(2.0), np.int64(3)) == 4.0  # numpy scalars map onto the same kinds
    assert len(d._specs) == 2


def test_bool_and_numpy_bool_arguments():
    d = grad(annotated, wrt=0, jit=False)
    assert d(2.0, 2, True) == pytest.approx(12.0)
    assert d(2.0, 2, np.bool_(False)) == pytest.approx(-12.0)


# --- errors --------------------------------------------------------------------------------------


def test_wrt_an_int_argument_names_the_parameter(backend):
    d = grad(power_sum, wrt=(0, 1), jit=backend)
    with pytest.raises(NonDifferentiableArgument) as info:
        d(0.5, 4)
    err = info.value
    assert "cannot differentiate with respect to 'n': it was called with int 4" in err.message
    assert err.loc.line == def_line(power_sum) and err.loc.col == power_sum_col("n")
    assert "pass a float (e.g. 4.0)" in err.hint
    assert not d._specs  # nothing was generated


def power_sum_col(name):
    line = inspect.getsourcelines(power_sum)[0][0]
    return line.index(f"{name})") if f"{name})" in line else line.index(f"{name},")


@pytest.mark.parametrize("wrt, message", [
    (3, "wrt=3 is not a parameter index of 'lecture'"),
    (-4, "wrt=-4 is not a parameter index of 'lecture'"),
    (1.0, "wrt=1.0 is not a parameter index of 'lecture'"),
    ("w", "'lecture' has no parameter 'w'"),
    ((0, "nope"), "'lecture' has no parameter 'nope'"),
])
def test_bad_wrt(wrt, message):
    with pytest.raises(NonDifferentiableArgument) as info:
        grad(lecture, wrt=wrt)
    assert info.value.message == message
    assert info.value.loc.line == def_line(lecture)


def test_bool_wrt_is_rejected():
    with pytest.raises(NonDifferentiableArgument):
        grad(lecture, wrt=True)


@pytest.mark.parametrize("value, kind", [([1.0, 2.0], "list"), ("abc", "str"), (None, "NoneType"),
                                         (np.ones(2, np.float16), "float16 array"),
                                         (np.ones(2, complex), "complex128 array"),
                                         (1j, "complex")])
def test_unsupported_argument(value, kind):
    d = grad(untyped, wrt=0, jit=False)
    with pytest.raises(UnsupportedArgument) as info:
        d(1.0, value)
    err = info.value
    assert err.message.startswith(f"argument 'b' is a {kind}; s2sad specializes on float, int")
    assert err.loc.line == def_line(untyped)
    assert isinstance(err, S2SADError)


# --- inspection ------------------------------------------------------------------------------------


def test_source_before_any_call_uses_annotations():
    d = grad(annotated, wrt=0, jit=False)
    assert "def annotated_adjoint(x, n, flag):" in d.source
    assert "def annotated(x:f64, n:i64, flag:bool):" in d.ir
    assert d._last is None  # nothing was called


def test_source_before_any_call_uses_defaults():
    d = grad(defaulted, wrt=0, jit=False)
    assert "def defaulted(x:f64, n:i64, flag:bool):" in d.ir
    d2 = grad(untyped, wrt=0, jit=False)
    assert "def untyped(a:f64, b:f64):" in d2.ir


def test_python_before_any_call():
    d = grad(defaulted, wrt=0, jit=False)
    value, grads = d.python(2.0, 2, True)
    assert value == 8.0 and grads == (pytest.approx(12.0),)


def test_inspection_follows_the_last_call():
    d = grad(untyped, wrt=0, jit=False)
    d(2.0, 3)
    assert "def untyped(a:f64, b:i64):" in d.ir
    d(2.0, 3.0)
    assert "def untyped(a:f64, b:f64):" in d.ir
    d(2.0, 3)
    assert "def untyped(a:f64, b:i64):" in d.ir


@pytest.mark.parametrize("attribute", ["source", "ir", "python", "compiled"])
def test_calling_after_inspecting_the_default_signature(attribute):
    # inspecting first once cached a spec whose fast-path callable was None
    d = grad(untyped, wrt=0, jit=False)
    getattr(d, attribute)
    assert d(2.0, 3.0) == 4.0


def test_source_after_a_call_is_the_generated_module():
    d = grad(lecture, wrt=(0, 1, 2), jit=False)
    d(-2.0, 5.0, -4.0)
    src = d.source
    assert src.startswith('"""Generated by s2sad from ')
    assert f"test_api.py:{def_line(lecture)}" in src.splitlines()[0]
    namespace = {}
    exec(compile(src, "<generated>", "exec"), namespace)
    assert namespace["lecture_adjoint"](-2.0, 5.0, -4.0) == (-12.0, (-4.0, -4.0, 3.0))
    assert d.python(-2.0, 5.0, -4.0) == (-12.0, (-4.0, -4.0, 3.0))


def test_untyped_ir():
    d = grad(power_sum, jit=False)
    text = d.untyped_ir()
    assert text.splitlines()[0].startswith("def power_sum(x, n):")
    assert ":f64" not in text


def test_compiled_is_none_without_jit():
    assert grad(lecture, jit=False).compiled is None


def test_compiled_is_a_numba_dispatcher_usable_from_user_njit_code(derivatives):
    d = derivatives.grad(sigmoid, 0, True)
    assert d(0.5) == pytest.approx(sigmoid(0.5) * (1.0 - sigmoid(0.5)))
    compiled = d.compiled
    assert isinstance(compiled, numba.core.dispatcher.Dispatcher)
    value, grads = compiled(0.5)
    assert value == pytest.approx(sigmoid(0.5))
    assert grads[0] == pytest.approx(sigmoid(0.5) * (1.0 - sigmoid(0.5)))

    @numba.njit
    def fit(target, s0, steps, rate):
        # gradient descent on (sigmoid(s) - target)^2, calling the derivative in nopython mode
        s = s0
        for _ in range(steps):
            value, grads = compiled(s)
            s = s - rate * 2.0 * (value - target) * grads[0]
        return s

    s = fit(0.8, 0.0, 2000, 2.0)
    assert sigmoid(s) == pytest.approx(0.8, abs=1e-6)
    assert fit.nopython_signatures  # really compiled, not object mode


def test_compiled_reflects_the_last_specialization(derivatives):
    d = derivatives.grad(power_sum, 0, True)
    d(0.5, 3)
    value, grads = d.compiled(0.5, 3)
    assert value == 1.75 and grads[0] == pytest.approx(2.0)
