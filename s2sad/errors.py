"""The errors s2sad raises. Every one names the user's file:line:col and gives a hint.

No internal exception (KeyError, AssertionError, a raw Numba TypingError) should reach a user
undecorated: passes raise one of these classes, and the pipeline wraps anything else as
`InternalError` with the pass and function it happened in.
"""

from __future__ import annotations

from .loc import Loc


class S2SADError(Exception):
    """Base class: `message`, optional `loc` in the user's file, optional `hint`."""

    def __init__(self, message: str, loc: Loc | None = None, hint: str | None = None):
        self.message = message
        self.loc = loc
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.loc}: error: {self.message}" if self.loc else f"error: {self.message}"
        parts = [head]
        if self.loc is not None:
            excerpt = self.loc.excerpt()
            if excerpt:
                parts.append(excerpt)
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self._render()


class UnsupportedSyntax(S2SADError, SyntaxError):
    """A construct outside the differentiable subset. Also a SyntaxError, so tracebacks draw it."""

    def __init__(self, message: str, loc: Loc | None = None, hint: str | None = None):
        S2SADError.__init__(self, message, loc, hint)
        self.msg = self._render()
        if loc is not None:
            self.filename = loc.file
            self.lineno = loc.line
            self.offset = loc.col + 1
            self.text = loc.source_line()

    def __str__(self) -> str:
        return self._render()


class SourceUnavailable(S2SADError):
    """The function's Python source cannot be read (builtin, C extension, exec'd code)."""


class NoDerivativeRule(S2SADError):
    """A call to a callable that has no derivative rule and whose source s2sad cannot see into."""


class NonScalarOutput(S2SADError):
    """`grad` needs a function returning one number; this one returns a tuple."""


class NonDifferentiableArgument(S2SADError):
    """A gradient was asked for with respect to an integer or boolean argument."""


class UnsupportedArgument(S2SADError):
    """An argument value of a type s2sad does not specialize for (e.g. a list or a string)."""


class RuleDefinitionError(S2SADError):
    """A derivative rule is malformed; `loc` points at the rule's own file and line."""


class CompileError(S2SADError):
    """Numba could not compile a generated derivative; `loc` is the user statement it came from."""


class InternalError(S2SADError):
    """A bug in s2sad (an IR invariant broke). Please report it with the function that caused it."""


class S2SADFallbackWarning(UserWarning):
    """A derivative runs as pure Python because Numba cannot compile a callable it calls (a
    custom rule's function that is not @numba.njit)."""
