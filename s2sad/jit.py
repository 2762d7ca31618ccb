"""From generated derivative source to a callable, with a disk cache that survives processes.

Generated modules are real, content-addressed files (`cache_dir()/generated/<stem>_<hash>.py`) so
tracebacks, pdb and Numba's messages show real lines, and so Numba's `cache=True` can reuse the
machine code in the next process. Two facts about that cache shape this module:

* Numba keys its index on the source file's (mtime, size): a file is written once and never
  rewritten, or every process would recompile.
* A cached function is rebuilt with `importlib.import_module(<module name>)`
  (numba/core/environment.py `_rebuild_env`). A module that is not in `sys.modules` compiles
  "fine" against a dummy `<dynamic>` module, and the next process then crashes loading that cache
  entry with `ModuleNotFoundError: No module named '<dynamic>'`. So `load` registers the module in
  `sys.modules` before executing it; the generated folder need not be on `sys.path` for that.
  For imports by name that happen without `load` (a function pickled by reference and unpickled
  in a spawned worker) a meta-path finder resolves the `_s2sad_` names to the cache folder,
  which is narrower and cheaper than putting the folder on `sys.path`.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.abc
import importlib.util
import linecache
import os
import pathlib
import re
import sys
import tempfile
import threading
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numba
from numba.core.dispatcher import Dispatcher
from numba.core.errors import NumbaError

from . import __version__
from .errors import CompileError, S2SADFallbackWarning
from .loc import Loc

_PREFIX = "_s2sad_"
_HINT = (
    "run with jit=False or S2SAD_JIT=0 to get the pure-Python derivative; see docs/limitations.md"
)
_FILE_LINE = re.compile(r'File "([^"]+)", line (\d+)|\bat (\S+) \((\d+)\)')
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_memo: dict[tuple[pathlib.Path, str, bool], Loaded] = {}
_lock = threading.Lock()


def cache_dir() -> pathlib.Path:
    """The versioned cache folder: machine code from another s2sad or Numba must never be reused."""
    if os.environ.get("S2SAD_CACHE_DIR"):
        base = pathlib.Path(os.environ["S2SAD_CACHE_DIR"])
    elif os.environ.get("XDG_CACHE_HOME"):
        base = pathlib.Path(os.environ["XDG_CACHE_HOME"]) / "s2sad"
    else:
        base = pathlib.Path.home() / ".cache" / "s2sad"
    sub = f"s2sad-{__version__}-numba-{numba.__version__}"
    folder = base.expanduser().absolute() / sub
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    # A read-only or missing home (containers, CI sandboxes) must not stop differentiation: a
    # per-user temp folder still gives the in-process memo and a cache shared until reboot.
    uid = os.getuid() if hasattr(os, "getuid") else "user"  # Windows: the temp dir is per user
    folder = pathlib.Path(tempfile.gettempdir()) / f"s2sad-{uid}" / sub
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def jit_enabled(requested: bool = True) -> bool:
    """False when the caller or env S2SAD_JIT=0/false/no asks for the pure-Python build."""
    flag = os.environ.get("S2SAD_JIT", "").strip().lower()
    return bool(requested) and flag not in ("0", "false", "no")


# Module globals of generated code that name user callables from custom rules (custom.py): a
# compile failure that involves them falls back to the Python build instead of failing.
FALLBACK_NAMES: set[str] = set()


@dataclass(eq=False)
class Loaded:
    """A generated function: plain Python, Numba dispatcher, and the user lines it came from."""

    module: types.ModuleType
    python: Callable
    compiled: Callable | None
    path: pathlib.Path
    line_locs: dict[int, Loc]

    def __post_init__(self):
        self._fn = self.compiled if self.compiled is not None else self.python

    def __call__(self, *args):
        # Numba compiles per new signature, at any call, so the handler stays; in 3.11 an
        # untaken `try` costs nothing. Run-time errors of the generated code pass unchanged.
        try:
            return self._fn(*args)
        except NumbaError as exc:
            error = self._compile_error(exc)
            opaque = sorted(n for n in FALLBACK_NAMES if hasattr(self.module, n)
                            and not isinstance(getattr(self.module, n), Dispatcher))
            if not opaque or self._fn is self.python:
                raise error from exc
        warnings.warn(  # a custom rule's callable Numba cannot call: run the Python build
            f"{self.path.stem}: Numba cannot compile the derivative, which calls "
            f"{', '.join(opaque)} from a custom rule, so it runs as pure Python; decorate "
            "those functions with @numba.njit to compile it. Numba said: "
            f"{error.message.splitlines()[0].split(': ', 1)[-1]}",
            S2SADFallbackWarning, stacklevel=3)
        self._fn = self.python
        return self._fn(*args)

    def _compile_error(self, exc: NumbaError) -> CompileError:
        """Numba's message cut to what it could not type, the generated line and the user's Loc."""
        text = _ANSI.sub("", str(exc))
        line = None
        for m in _FILE_LINE.finditer(text):  # the last mention of our file is the outermost frame
            if os.path.basename(m.group(1) or m.group(3)) == self.path.name:
                line = int(m.group(2) or m.group(4))
        message = f"Numba cannot compile the generated derivative: {_summary(text)}"
        loc = None
        if line is not None:
            generated = linecache.getline(str(self.path), line).strip()
            message += f"\n  generated {self.path}:{line}: {generated}"
            mapped = sorted(self.line_locs)
            i = bisect.bisect_right(mapped, line)
            loc = self.line_locs[mapped[i - 1]] if i else None
        return CompileError(message, loc, _HINT)


def _summary(text: str) -> str:
    """The first meaningful line of a Numba message, with the signature it names if it has one."""
    lines = [s.strip() for s in text.splitlines()]
    lines = [s for s in lines if s and not s.startswith("Failed in ")]
    if not lines:
        return "(Numba gave no details)"
    head = lines[0]
    if head.endswith(":") and len(lines) > 1 and lines[1].startswith(">>>"):
        head = f"{head} {lines[1][3:].strip()}"
    return head if len(head) <= 300 else head[:297] + "..."


def load(source: str, func_name: str, stem: str, line_locs: dict[int, Loc], jit: bool) -> Loaded:
    """Write (once), import and wrap generated source; memoized per file, function and build."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    path = cache_dir() / "generated" / f"{stem}_{digest}.py"
    jit = jit_enabled(jit)
    key = (path, func_name, jit)
    with _lock:
        if key in _memo:
            return _memo[key]
        if not path.exists():
            _publish(path, source)
        linecache.cache[str(path)] = (len(source), None, source.splitlines(True), str(path))
        module = _import(f"{_PREFIX}{stem}_{digest}", path)
        python = getattr(module, func_name)
        compiled = numba.njit(cache=True)(python) if jit else None
        loaded = _memo[key] = Loaded(module, python, compiled, path, dict(line_locs))
        return loaded


def _publish(path: pathlib.Path, source: str) -> None:
    """Write via a temp file so no process sees half a file, and never clobber an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(source, encoding="utf-8")
    try:
        os.link(tmp, path)  # atomic, and fails if a racing process already published it
    except FileExistsError:
        pass
    except OSError:  # no hard links on this filesystem: os.replace is atomic too
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _import(name: str, path: pathlib.Path) -> types.ModuleType:
    """Import `path` as `name`, in `sys.modules` before it runs (Numba's cache needs the name)."""
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", None) == str(path):
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


class _GeneratedFinder(importlib.abc.MetaPathFinder):
    """Finds `_s2sad_<stem>_<hash>` in the cache folder, for imports by name without `load`."""

    def find_spec(self, name, path=None, target=None):
        if path is not None or not name.startswith(_PREFIX):
            return None
        file = cache_dir() / "generated" / f"{name[len(_PREFIX) :]}.py"
        return importlib.util.spec_from_file_location(name, file) if file.is_file() else None


# Appended, so ordinary imports never reach it; the class-name test survives importlib.reload.
if not any(type(f).__name__ == "_GeneratedFinder" for f in sys.meta_path):
    sys.meta_path.append(_GeneratedFinder())
