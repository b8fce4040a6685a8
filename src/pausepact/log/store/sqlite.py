"""SQLite backend: WAL, ``synchronous=FULL``; an acknowledged append survives kill -9 and power loss."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .base import LogStore, StoreError


class SqliteStore(LogStore):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=30000")
            with self.write():
                self._create()
        except sqlite3.Error as e:
            raise StoreError(f"sqlite:///{path}: cannot open: {e}") from None

    @contextmanager
    def write(self) -> Iterator[LogStore]:
        # BEGIN IMMEDIATE takes the database's write lock up front: appenders serialise
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
