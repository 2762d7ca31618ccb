"""Shared fixtures: the backend switch and a session-wide memo of built derivatives.

Numba compiles are slow, so every (kind, function, wrt, jit) derivative object is built once per
session and shared by all tests that need it. s2sad's on-disk cache is pointed at a throw-away
directory so the suite never writes to the user's cache.
"""

import atexit
import os
import shutil
import tempfile

import pytest

if not os.environ.get("S2SAD_CACHE_DIR"):
    _CACHE_DIR = tempfile.mkdtemp(prefix="s2sad-test-cache-")
    os.environ["S2SAD_CACHE_DIR"] = _CACHE_DIR
    atexit.register(shutil.rmtree, _CACHE_DIR, ignore_errors=True)


@pytest.fixture(params=[False, True], ids=["python", "numba"])
def backend(request):
    """The `jit` flag: False for the pure-Python build, True for the Numba build."""
    return request.param


class DerivativeMemo:
    """Builds each derivative object once; later requests get the same object back.

    A build that raises is not memoized (the next test retries and reports its own failure).
    """

    def __init__(self):
        self._built = {}

    def _get(self, kind, fn, wrt, jit):
        key = (kind, fn, wrt, bool(jit))
        if key not in self._built:
            import s2sad

            make = getattr(s2sad, kind)
            self._built[key] = make(fn, wrt=wrt, jit=bool(jit))
        return self._built[key]

    def grad(self, fn, wrt, jit):
        return self._get("grad", fn, wrt, jit)

    def value_and_grad(self, fn, wrt, jit):
        return self._get("value_and_grad", fn, wrt, jit)

    def jvp(self, fn, wrt, jit):
        return self._get("jvp", fn, wrt, jit)


@pytest.fixture(scope="session")
def derivatives():
    """The session's `DerivativeMemo`."""
    return DerivativeMemo()
