"""The SQL both backends share; subclasses supply the connection and the lock."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ...core import merkle
from ...errors import PausepactError


class StoreError(PausepactError):
    """The store cannot be opened or used (wrong URL, other pact, database down)."""


@dataclass(frozen=True)
class Entry:
    index: int
    leaf: bytes


def node_id(level: int, index: int) -> int:
    """Perfect subtree (level, index) as one integer key."""
    return (level << 56) | index


SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS head (id INTEGER PRIMARY KEY, size BIGINT NOT NULL, last_time BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS entries (idx BIGINT PRIMARY KEY, leaf {blob} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS nodes (id BIGINT PRIMARY KEY, hash {blob} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS key_seqs (keyid TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS checkpoints (size BIGINT PRIMARY KEY, note TEXT NOT NULL, cosigners INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS statuses (id BIGSERIAL_OR_AUTO, tree_size BIGINT NOT NULL, as_of BIGINT NOT NULL, envelope TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS status_candidates (digest TEXT PRIMARY KEY, as_of BIGINT NOT NULL, envelope TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS snapshots (id INTEGER PRIMARY KEY, size BIGINT NOT NULL, pact_digest TEXT NOT NULL, "
    "root {blob} NOT NULL, data {blob} NOT NULL)",
]
MAX_INDEX = 2**62  # no tree is larger; bounds every index or size before it reaches SQL (a 64-bit column)


@dataclass(frozen=True)
class Snapshot:
    """A serialized engine state covering the first ``size`` entries of a tree with root ``root``."""

    size: int
    pact_digest: str
    root: bytes
    data: bytes


class LogStore:
    """Base class: ``_conn`` is a DB-API connection; ``?`` placeholders are translated."""

    placeholder = "?"
    blob = "BLOB"
    autoinc = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self) -> None:
        self._conn: Any = None

    # --- dialect hooks ---
    def _q(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(self._q(sql), params)

    @contextmanager
    def write(self) -> Iterator[LogStore]:
        """A write transaction holding the log's append lock."""
        raise NotImplementedError
        yield self

    def _create(self) -> None:
        for stmt in SCHEMA:
            self._exec(stmt.replace("{blob}", self.blob).replace("id BIGSERIAL_OR_AUTO", f"id {self.autoinc}"))
        self._exec("INSERT INTO head (id, size, last_time) VALUES (1, 0, ?) ON CONFLICT (id) DO NOTHING", (-(2**62),))

    def bind(self, pact_id: str, pact_digest: str, origin: str) -> None:
        """Tie the store to one pact; refuses a store that holds another pact's log."""
        with self.write():
            row = self._exec("SELECT value FROM meta WHERE name = 'pact_digest'").fetchone()
            if row is None:
                for k, v in (("pact", pact_id), ("pact_digest", pact_digest), ("origin", origin)):
                    self._exec("INSERT INTO meta (name, value) VALUES (?, ?)", (k, v))
            elif row[0] != pact_digest:
                raise StoreError(f"this store holds the log of pact {row[0]}, not {pact_digest}")

    def bind_clock(self, rehearsal: bool) -> None:
        """Mark a new store as a rehearsal's (virtual clock) or a real log's, and refuse a store of the other kind:
        a rehearsal never mixes with a real log. A store bound to a pact before marks existed is a real log."""
        kind = "rehearsal" if rehearsal else "real"
        with self.write():
            row = self._exec("SELECT value FROM meta WHERE name = 'clock'").fetchone()
            if row is None:
                bound = self._exec("SELECT value FROM meta WHERE name = 'pact_digest'").fetchone() is not None
                if rehearsal and bound:
                    raise StoreError("this store holds a real log: a rehearsal (virtual clock) plays on a store of its own")
                self._exec("INSERT INTO meta (name, value) VALUES ('clock', ?)", (kind,))
            elif row[0] != kind:
                raise StoreError("this store holds a rehearsal's log (virtual clock): a server on a real clock refuses it"
                                 if row[0] == "rehearsal" else
                                 "this store holds a real log: a rehearsal (virtual clock) plays on a store of its own")

    # --- reads (no lock) ---
    def size(self) -> int:
        return int(self._exec("SELECT size FROM head WHERE id = 1").fetchone()[0])

    def head(self) -> tuple[int, int]:
        """(size, last_time) — inside ``write()`` this is the locked, current head."""
        row = self._exec("SELECT size, last_time FROM head WHERE id = 1").fetchone()
        return int(row[0]), int(row[1])

    def node(self, level: int, index: int) -> bytes:
        row = self._exec("SELECT hash FROM nodes WHERE id = ?", (node_id(level, index),)).fetchone()
        if row is None:
            raise StoreError(f"missing node ({level}, {index}): the store is damaged")
        return bytes(row[0])

    def entries(self, start: int, end: int) -> list[Entry]:
        rows = self._exec("SELECT idx, leaf FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx", (start, end)).fetchall()
        return [Entry(int(i), bytes(leaf)) for i, leaf in rows]

    def root(self, size: int | None = None) -> bytes:
        return merkle.root(self.node, self.size() if size is None else size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return merkle.inclusion_proof(self.node, index, size)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        return merkle.consistency_proof(self.node, first, second)

    def compact_range(self, size: int) -> merkle.CompactRange:
        return merkle.CompactRange(size, [self.node(lv, ix) for lv, ix in merkle.CompactRange.peak_positions(size)])

    def last_seqs(self, keyids: Sequence[str]) -> dict[str, int]:
        if not keyids:
            return {}
        marks = ",".join("?" * len(keyids))
        rows = self._exec(f"SELECT keyid, seq FROM key_seqs WHERE keyid IN ({marks})", tuple(keyids)).fetchall()
        return {k: int(s) for k, s in rows}

    # --- writes (inside write()) ---
    def put_entries(self, first_index: int, leaves: Sequence[bytes], nodes: Sequence[tuple[int, int, bytes]],
                    seqs: dict[str, int], last_time: int) -> None:
        """Append leaves at ``first_index``..; store completed nodes; advance seqs and head."""
        self._conn.cursor().executemany(self._q("INSERT INTO entries (idx, leaf) VALUES (?, ?)"),
                                        [(first_index + i, leaf) for i, leaf in enumerate(leaves)])
        self._conn.cursor().executemany(self._q("INSERT INTO nodes (id, hash) VALUES (?, ?)"),
                                        [(node_id(lv, ix), h) for lv, ix, h in nodes])
        self._conn.cursor().executemany(
            self._q("INSERT INTO key_seqs (keyid, seq) VALUES (?, ?) ON CONFLICT (keyid) DO UPDATE SET seq = excluded.seq"),
            list(seqs.items()))
        self._exec("UPDATE head SET size = ?, last_time = ? WHERE id = 1", (first_index + len(leaves), last_time))

    def put_checkpoint(self, size: int, note: str, cosigners: int = 0) -> None:
        """Store the note for ``size``; an existing note is kept unless this one has more cosigners."""
        self._exec("INSERT INTO checkpoints (size, note, cosigners) VALUES (?, ?, ?) ON CONFLICT (size) DO UPDATE "
                   "SET note = excluded.note, cosigners = excluded.cosigners WHERE checkpoints.cosigners < excluded.cosigners",
                   (size, note, cosigners))

    def checkpoint(self, size: int | None = None, min_cosigners: int = 0) -> tuple[int, str] | None:
        """The newest checkpoint (or the one of ``size``) with at least ``min_cosigners`` monitor cosignatures."""
        if size is not None and not 0 <= size <= MAX_INDEX:
            return None
        if size is None:
            row = self._exec("SELECT size, note FROM checkpoints WHERE cosigners >= ? ORDER BY size DESC LIMIT 1",
                             (min_cosigners,)).fetchone()
        else:
            row = self._exec("SELECT size, note FROM checkpoints WHERE size = ? AND cosigners >= ?", (size, min_cosigners)).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def floor(self) -> int:
        """The ``as_of`` of the latest status proposed: no entry may be timed earlier."""
        row = self._exec("SELECT value FROM meta WHERE name = 'floor'").fetchone()
        return int(row[0]) if row else -(2**62)

    def raise_floor(self, t: int) -> None:
        """Inside ``write()``: no later entry may be timed before ``t``."""
        self._exec("INSERT INTO meta (name, value) VALUES ('floor', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                   (str(max(t, self.floor())),))

    def status_candidate(self, digest: str) -> str | None:
        row = self._exec("SELECT envelope FROM status_candidates WHERE digest = ?", (digest,)).fetchone()
        return str(row[0]) if row else None

    def put_status_candidate(self, digest: str, as_of: int, envelope: str) -> None:
        self._exec("INSERT INTO status_candidates (digest, as_of, envelope) VALUES (?, ?, ?) ON CONFLICT (digest) DO UPDATE "
                   "SET envelope = excluded.envelope", (digest, as_of, envelope))

    def put_status(self, tree_size: int, as_of: int, envelope: str) -> None:
        self._exec("INSERT INTO statuses (tree_size, as_of, envelope) VALUES (?, ?, ?)", (tree_size, as_of, envelope))

    def latest_status(self) -> str | None:
        row = self._exec("SELECT envelope FROM statuses ORDER BY as_of DESC, tree_size DESC, id DESC LIMIT 1").fetchone()
        return str(row[0]) if row else None

    def snapshot(self) -> Snapshot | None:
        """The latest engine snapshot written by ``put_snapshot``, if any."""
        row = self._exec("SELECT size, pact_digest, root, data FROM snapshots WHERE id = 1").fetchone()
        return Snapshot(int(row[0]), str(row[1]), bytes(row[2]), bytes(row[3])) if row else None

    def put_snapshot(self, snap: Snapshot) -> None:
        """Keep ``snap`` as the one snapshot (its own short transaction; no append lock needed)."""
        self._exec("INSERT INTO snapshots (id, size, pact_digest, root, data) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
                   "SET size = excluded.size, pact_digest = excluded.pact_digest, root = excluded.root, data = excluded.data",
                   (snap.size, snap.pact_digest, snap.root, snap.data))

    def checkpoints_desc(self, limit: int = 50) -> list[tuple[int, str]]:
        rows = self._exec("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT ?", (limit,)).fetchall()
        return [(int(s), str(n)) for s, n in rows]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
