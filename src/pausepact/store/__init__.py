"""Log storage: SQLite (default) and PostgreSQL behind one interface.

The store keeps, per entry, the leaf bytes (RFC 8785 envelope) and, per
complete perfect subtree, its hash, so entries and proofs are served with
O(log n) reads and the log is never reread. It also keeps each signing key's
last seq and the head (size, last time), which the append path reads under a
lock so several server processes on one PostgreSQL database form one log.
"""

from __future__ import annotations

from .base import Entry, LogStore, StoreError
from .open import open_store

__all__ = ["Entry", "LogStore", "StoreError", "open_store"]
