"""Diagnostics: a problem found in a document, with where it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, located at a 1-based line and column of a file."""

    line: int
    col: int
    severity: Severity
    message: str

    def render(self, filename: str) -> str:
        """``FILE:LINE:COL: error: MESSAGE`` as contract section 7 fixes it."""
        return f"{filename}:{self.line}:{self.col}: {self.severity}: {self.message}"
