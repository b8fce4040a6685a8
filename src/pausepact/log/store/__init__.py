"""Log storage: SQLite (default) and PostgreSQL behind one interface.

The store keeps, per entry, the leaf bytes (RFC 8785 envelope) and, per
complete perfect subtree, its hash, so entries and proofs are served with
O(log n) reads and the log is never reread. It also keeps each signing key's
last seq and the head (size, last time), which the append path reads under a
lock so several server processes on one PostgreSQL database form one log.
"""

from __future__ import annotations

import sqlite3
import sys

from .base import Entry, LogStore, Snapshot, StoreError
from .open import open_store


def is_database_error(exc: BaseException) -> bool:
    """True when ``exc`` is the database failing (answered 503), not a bug of ours (answered 500)."""
    if isinstance(exc, (StoreError, sqlite3.Error)):
        return True
    psycopg = sys.modules.get("psycopg")  # loaded only when a PostgreSQL store was opened
    return psycopg is not None and isinstance(exc, psycopg.Error)


__all__ = ["Entry", "LogStore", "Snapshot", "StoreError", "is_database_error", "open_store"]
