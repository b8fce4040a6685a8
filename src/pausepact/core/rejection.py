"""A refused entry (contract section 3): the error code a party reads, and why.

Its own module so that the statement table (``core.statement_types``) and the
envelope decoder (``core.statements``, which re-exports it) both raise it
without importing each other.
"""

from __future__ import annotations

from typing import Literal

ErrorCode = Literal["malformed", "payload-type", "too-large", "bad-signature", "unknown-key", "wrong-pact",
                    "bad-seq", "bad-time", "time-order", "skew", "role", "body"]


class Rejection(Exception):
    """An entry that fails Validity: ``code`` is the contract's error code."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(code, detail)  # both in args, so it pickles across processes
        self.code: ErrorCode = code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"
