"""``open_store(url)``: ``sqlite:///PATH`` (default) or ``postgresql://...``."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit, urlunsplit

from .base import LogStore, StoreError


def open_store(url: str) -> LogStore:
    """Open (creating if needed) the store at ``url``; StoreError says why not.

    ``postgresql://...?schema=NAME`` keeps the log in its own schema (tests and
    several pacts on one database).
    """
    if url.startswith("sqlite:///"):
        from .sqlite import SqliteStore

        return SqliteStore(url[len("sqlite:///"):])
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        parts = urlsplit(url)
        query = parse_qs(parts.query)
        schema = query.pop("schema", [""])[0]
        rest = "&".join(f"{k}={v[0]}" for k, v in query.items())
        return PostgresStore(urlunsplit(parts._replace(query=rest)), schema)
    raise StoreError(f"unknown store {url!r}: use sqlite:///PATH or postgresql://...")
