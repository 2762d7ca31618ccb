"""The test suite mirrors the package: s2sad/a/b.py is tested in tests/a/test_b.py.

A module without its own test file must be listed in NO_MIRROR with the reason and the tests
that cover it instead. Entries are checked too: a stale entry (the module is gone, or it has its
own test file now) fails, so the list stays honest.
"""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "s2sad"
TESTS = REPO / "tests"

EXCLUDED = {"__init__.py", "__main__.py"}  # package markers; the CLI is tests/test_cli.py

NO_MIRROR = {
    # Exception classes only; every one is raised and asserted where it arises: test_api.py
    # (NonDifferentiableArgument, UnsupportedArgument), ssa/test_verify.py and test_pipeline.py
    # (InternalError), frontend/test_fence.py (UnsupportedSyntax), test_jit.py (CompileError).
    "errors.py",
    # Loc's `file:line:col` and caret excerpts are asserted through the errors that carry them
    # (frontend/test_normalize.py, ssa/test_build.py, test_cli.py, frontend/test_source.py).
    "loc.py",
    # Rule tables: every rule is checked numerically in rules/test_rules.py and through the
    # whole compiler, in both builds, in test_rule_sweep.py.
    "rules/mathfuncs.py",
    "rules/operators.py",
    "rules/numpy_elementwise.py",
    # The array-rule mechanism (templates, Src, type helpers) is exercised rule by rule in
    # rules/test_numpy_arrays.py and through the compiler in test_array_corpus.py.
    "rules/arrays.py",
    # Run-time helpers of the array rules: each is called, in Python and compiled by Numba, by
    # the templates swept in rules/test_numpy_arrays.py (sum_to for every ndim pair up to 4,
    # scatter_add with repeated and negative indices, the axis reductions).
    "runtime_arrays.py",
    # IR dataclasses with no behaviour beyond `walk`/`defined`/`uses`; built by hand in
    # ssa/test_printer.py and ssa/test_verify.py and walked by every ssa test.
    "ssa/nodes.py",
}


def modules() -> list[str]:
    return sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                  if p.name not in EXCLUDED and "__pycache__" not in p.parts)


def mirror(module: str) -> Path:
    path = Path(module)
    return TESTS / path.parent / f"test_{path.name}"


def test_the_package_has_modules():
    found = modules()
    assert "pipeline.py" in found and "ssa/build.py" in found and "frontend/normalize.py" in found


@pytest.mark.parametrize("module", modules())
def test_every_module_has_a_mirrored_test_file(module):
    if module in NO_MIRROR:
        assert not mirror(module).exists(), (
            f"{mirror(module).relative_to(REPO)} exists now: remove {module!r} from NO_MIRROR")
        return
    assert mirror(module).is_file(), (
        f"s2sad/{module} has no test file: add {mirror(module).relative_to(REPO)} or list it "
        "in NO_MIRROR in tests/test_layout.py with the tests that cover it")


def test_allow_list_names_existing_modules():
    stale = sorted(NO_MIRROR - set(modules()))
    assert not stale, f"NO_MIRROR lists modules that no longer exist: {stale}"


def test_test_subpackages_are_packages():
    """Mirrored test folders need an __init__.py (their tests import ..gradcheck relatively)."""
    for folder in sorted({mirror(m).parent for m in modules()} - {TESTS}):
        if folder.exists():
            assert (folder / "__init__.py").is_file(), folder
