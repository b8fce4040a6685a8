"""PostgreSQL backend: several server processes share one log.

Appenders serialise on a row lock of the head (``SELECT ... FOR UPDATE``) and
read size, last time and seqs under it; entry indices are a primary key, so even
a buggy appender could not write two entries at one index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from .base import LogStore, StoreError


class PostgresStore(LogStore):
    placeholder = "%s"
    blob = "BYTEA"
    autoinc = "BIGSERIAL PRIMARY KEY"

    def __init__(self, url: str, schema: str = "") -> None:
        super().__init__()
        self.url = url
        try:
            self._conn = psycopg.connect(url, autocommit=True)
            if schema:
                self._conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                self._conn.execute(f'SET search_path TO "{schema}"')
            with self._conn.transaction():
                self._conn.execute("SELECT pg_advisory_xact_lock(727274)")  # one creator at a time
                self._create()
        except psycopg.Error as e:
            raise StoreError(f"{url}: cannot open PostgreSQL store: {e}") from None

    @contextmanager
    def write(self) -> Iterator[LogStore]:
        with self._conn.transaction():
            self._conn.execute("SELECT size FROM head WHERE id = 1 FOR UPDATE")
            yield self
