"""`python -m s2sad show path/to/file.py:func [--ir] [--wrt 0,1] [--args "1.0,0.1,1.0,1000"]`.

Prints the generated adjoint source (or, with --ir, the typed SSA) without writing any code.
Argument types come from --args (Python literals), else from annotations and defaults, else
float (int for range() bounds).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import sys
from pathlib import Path

from .api import Derivative
from .errors import S2SADError


def _load(target: str):
    path, _, func = target.rpartition(":")
    if not path or not func:
        raise SystemExit("usage: python -m s2sad show path/to/file.py:func")
    file = Path(path).resolve()
    sys.path.insert(0, str(file.parent))
    spec = importlib.util.spec_from_file_location(file.stem, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[file.stem] = module
    spec.loader.exec_module(module)
    fn = getattr(module, func, None)
    if fn is None:
        raise SystemExit(f"{file} has no function '{func}'")
    return fn


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m s2sad")
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print the generated derivative of file.py:func")
    show.add_argument("target", help="path/to/file.py:func")
    show.add_argument("--ir", action="store_true", help="print the typed SSA instead")
    show.add_argument("--wrt", default="0", help="comma-separated parameter indices or names")
    show.add_argument("--args", default=None, help="example arguments, e.g. '1.0,0.1,1.0,1000'")
    opts = parser.parse_args(argv)
    fn = _load(opts.target)
    wrt = tuple(int(w) if w.strip().lstrip("-").isdigit() else w.strip()
                for w in opts.wrt.split(","))
    try:
        d = Derivative(fn, wrt=wrt if len(wrt) > 1 else wrt[0], jit=False)
        if opts.args is not None:
            d.specialize(*ast.literal_eval(f"({opts.args},)"))
        print(d.ir if opts.ir else d.source)
    except S2SADError as exc:
        print(exc, file=sys.stderr)
        return 1
    except TypeError as exc:  # --args that do not fit the signature
        parser.error(f"--args: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
