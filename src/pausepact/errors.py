"""Errors a user of pausepact may see. Each has ``diagnostics()``: a human text
saying what went wrong and what to do, so the CLI never shows a traceback."""

from __future__ import annotations


class PausepactError(Exception):
    """Base class of every error pausepact reports to people."""

    exit_code = 1

    def diagnostics(self) -> str:
        return str(self)


class InputError(PausepactError):
    """A file or argument given by the user cannot be used."""

    exit_code = 2


class PactInvalid(PausepactError):
    """A pact file failed its checks; ``lines`` are ``FILE:LINE:COL: error: ...``."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines
