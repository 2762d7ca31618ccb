"""Source locations in the user's file.

Every IR node and every error carries a `Loc`, so messages and generated-code comments point at
the user's own line, never at s2sad's internals.
"""

from __future__ import annotations

import ast
import linecache
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A position in a source file; `line` is 1-based, `col` 0-based (as in `ast`)."""

    file: str
    line: int
    col: int = 0
    end_col: int | None = None

    @classmethod
    def of(cls, node: ast.AST, file: str) -> Loc:
        end = getattr(node, "end_col_offset", None)
        if getattr(node, "end_lineno", None) != getattr(node, "lineno", None):
            end = None
        return cls(file, getattr(node, "lineno", 0), getattr(node, "col_offset", 0), end)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col + 1}"

    @property
    def short(self) -> str:
        """`file.py:12` — the form used in generated-code comments."""
        return f"{os.path.basename(self.file)}:{self.line}"

    def source_line(self) -> str:
        return linecache.getline(self.file, self.line).rstrip("\n")

    def excerpt(self) -> str:
        """The source line with a caret under the construct, or '' if the line is unknown."""
        text = self.source_line()
        if not text:
            return ""
        width = max(1, (self.end_col or len(text)) - self.col) if self.end_col else 1
        return f"    {text}\n    {' ' * self.col}{'^' * width}"
