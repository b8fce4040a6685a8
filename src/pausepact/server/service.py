"""The log service behind the HTTP API: one writer, one follower, statuses.

- The **writer** drains a queue of submitted envelopes in batches into
  ``LogWriter`` (validation, sequencing, durable append, one signed checkpoint
  per batch) on its own database connection and thread; each submitter waits for
  its own result, so a 201 means durable and checkpointed.
- The **follower** reads committed entries from the store (its own connection:
  entries written by other replicas on the same PostgreSQL database arrive the
  same way) into an incremental ``Engine``, and publishes ``entry`` events.
- **Statuses**: the follower proposes a status core at once after any change of
  level or restrictions and otherwise every third of ``status_ttl``; proposing
  raises the log's time floor to its ``issued_at`` first, so no later entry can
  change what it says. Monitors sign cores they have replayed themselves; once
  ``status_quorum`` distinct monitors signed one core, it is the served status.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..checking import EnvelopeChecker
from ..clock import Clock
from ..core import merkle
from ..core.canonical import canonical
from ..core.engine import Engine, status_core
from ..core.notes import Note, NoteError, parse_checkpoint, parse_note, verify_cosignature
from ..core.pact import Pact
from ..core.statements import Rejection, decode_envelope
from ..core.status import StatusError, decode_core, signing_monitors, status_envelope
from ..log import LogWriter, Result
from ..store import open_store

log = logging.getLogger("pausepact.server")
T = TypeVar("T")


@dataclass
class ServerConfig:
    pact: Pact
    pact_bytes: bytes
    log_key: Ed25519PrivateKey
    store_url: str
    clock: Clock
    max_skew: int = 300
    workers: int | None = None
    max_batch: int = 1000


class Hub:
    """Server-sent events fan-out: each subscriber has a bounded queue; slow ones lose old events."""

    def __init__(self) -> None:
        self.subscribers: set[asyncio.Queue[tuple[str, str]]] = set()

    def subscribe(self) -> asyncio.Queue[tuple[str, str]]:
        q: asyncio.Queue[tuple[str, str]] = asyncio.Queue(maxsize=10000)
        self.subscribers.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[tuple[str, str]]) -> None:
        self.subscribers.discard(q)

    def publish(self, event: str, data: Any) -> None:
        text = json.dumps(data, separators=(",", ":"))
        for q in list(self.subscribers):
            if q.full():
                q.get_nowait()
            q.put_nowait((event, text))


class LogService:
    def __init__(self, cfg: ServerConfig) -> None:
        self.cfg = cfg
        self.pact = cfg.pact
        self.clock = cfg.clock
        self.checker = EnvelopeChecker(cfg.pact, cfg.pact_bytes, cfg.workers)
        self.write_store = open_store(cfg.store_url)
        self.writer = LogWriter(self.write_store, cfg.pact, cfg.log_key, self.checker, max_skew=cfg.max_skew)
        self.read_store = open_store(cfg.store_url)  # HTTP reads: entries, proofs, checkpoints, statuses
        self.follow_store = open_store(cfg.store_url)  # the follower: engine catch-up, status cores, signatures
        self.engine = Engine(cfg.pact)
        self.engine_lock = threading.Lock()
        self.hub = Hub()
        self.queue: asyncio.Queue[tuple[Any, asyncio.Future[tuple[Result, str | None]]]] | None = None
        self._write_exec = ThreadPoolExecutor(1, thread_name_prefix="pausepact-writer")
        self._read_exec = ThreadPoolExecutor(1, thread_name_prefix="pausepact-reader")
        self._follow_exec = ThreadPoolExecutor(1, thread_name_prefix="pausepact-follower")
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.proposed: dict[str, Any] | None = None
        self._proposed_real: float = 0.0
        self._judged_real: float = 0.0
        self._last_status: str | None = None
        self.metrics: Any = None

    # -------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self.queue = asyncio.Queue()
        self._wake = asyncio.Event()
        self._tasks = [asyncio.create_task(self._writer_loop()), asyncio.create_task(self._follower_loop())]

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for ex in (self._write_exec, self._read_exec, self._follow_exec):
            ex.shutdown(wait=True)
        self.checker.close()
        for store in (self.write_store, self.read_store, self.follow_store):
            store.close()

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking read on the reader thread (``read_store``, used serially)."""
        return await asyncio.get_running_loop().run_in_executor(self._read_exec, fn, *args)

    async def follow(self, fn: Callable[..., T], *args: Any) -> T:
        """Run work on the follower's thread (``follow_store`` and the engine), so it never waits behind reads."""
        return await asyncio.get_running_loop().run_in_executor(self._follow_exec, fn, *args)

    # -------------------------------------------------------------- writes

    async def submit(self, envelope: Any) -> tuple[Result, str | None]:
        assert self.queue is not None
        fut: asyncio.Future[tuple[Result, str | None]] = asyncio.get_running_loop().create_future()
        await self.queue.put((envelope, fut))
        return await fut

    async def _writer_loop(self) -> None:
        assert self.queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty() and len(batch) < self.cfg.max_batch:
                batch.append(self.queue.get_nowait())
            envs = [e for e, _ in batch]
            try:
                results = await loop.run_in_executor(self._write_exec, self.writer.append, envs, self.clock.now())
                note = self.writer.last_checkpoint
            except Exception as e:  # the database is down: fail these requests, keep serving
                log.exception("append failed")
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(e)
                continue
            for (_, fut), r in zip(batch, results, strict=True):
                if not fut.done():
                    fut.set_result((r, note))
            if self.metrics:
                self.metrics.count(results)
            self._wake.set()

    # -------------------------------------------------------------- follower

    async def _follower_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=0.25)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                events = await loop.run_in_executor(self._follow_exec, self._follow)
            except Exception:
                log.exception("follower failed; retrying")
                await asyncio.sleep(1)
                continue
            for kind, data in events:
                self.hub.publish(kind, data)

    def _catch_up(self, upto: int | None = None) -> list[tuple[str, Any]]:
        """Apply committed entries to the engine (up to ``upto``); returns entry events."""
        events: list[tuple[str, Any]] = []
        size = self.follow_store.size() if upto is None else upto
        while self.engine.size < size:
            batch = self.follow_store.entries(self.engine.size, min(size, self.engine.size + 1000))
            if not batch:
                break
            with self.engine_lock:
                for e in batch:
                    # entries in our own store passed every check before they were appended;
                    # decoding without re-verifying signatures keeps the follower cheap
                    try:
                        ss: Any = decode_envelope(e.leaf, self.pact)
                    except Rejection as r:
                        ss = r
                    self.engine.apply(e.index, ss)
                    events.append(("entry", {"index": e.index, "envelope": json.loads(e.leaf)}))
        return events

    def _follow(self) -> list[tuple[str, Any]]:
        import time as _time

        events = self._catch_up()
        # judging whether a new status is due replays time up to now: a few times a second is enough
        if _time.monotonic() - self._judged_real >= 0.2:
            self._judged_real = _time.monotonic()
            events.extend(self._maybe_propose())
        latest = self.follow_store.latest_status()
        if latest is not None and latest != self._last_status:
            self._last_status = latest
            events.append(("status", json.loads(latest)))
        return events

    # -------------------------------------------------------------- statuses

    @staticmethod
    def _summary(state_or_core: dict[str, Any]) -> Any:
        parties = state_or_core["parties"]
        return (state_or_core["in_force"], state_or_core["level"],
                {d: (p["level"], p.get("max_training_flop", p.get("restrictions", {}).get("max_training_flop")),
                     p.get("new_deployments", p.get("restrictions", {}).get("new_deployments"))) for d, p in parties.items()})

    def _maybe_propose(self) -> list[tuple[str, Any]]:
        import time as _time

        now = self.clock.now()
        ttl = self.pact.oversight.status_ttl
        with self.engine_lock:
            state = self.engine.state_at(max(now, self.engine.last_time or now), light=True)
        changed = self.proposed is None or self._summary(state) != self._summary(self.proposed)
        stale = _time.monotonic() - self._proposed_real > self.clock.real_seconds(ttl / 3)
        if not (changed or stale):
            return []
        # raise the floor first, under the append lock: from now on no entry may be timed before issued_at.
        # issued_at is never before the last entry's time (entries may be timed up to max-skew ahead),
        # so the status is the state of exactly its first tree_size entries as of issued_at
        with self.follow_store.write():
            size, last_time = self.follow_store.head()
            issued = max(now, last_time)
            self.follow_store.raise_floor(issued)
        events = self._catch_up(size)
        with self.engine_lock:
            if self.engine.size != size:
                return events
            state = self.engine.state_at(issued, light=True)
        core = status_core(state, merkle.root(self.follow_store.node, size), issued, ttl)
        self.proposed, self._proposed_real = core, _time.monotonic()
        events.append(("core", {"payload": base64.b64encode(canonical(core)).decode(), "core": core}))
        return events

    def proposed_core(self) -> dict[str, Any] | None:
        return self.proposed

    def add_status_signature(self, envelope: Any) -> tuple[int, str | None]:
        """Merge one monitor's signature into its core's candidate; returns (signers, error)."""
        try:
            core, payload = decode_core(envelope)
        except StatusError as e:
            return 0, str(e)
        if core["pact_digest"] != self.pact.digest:
            return 0, "status core for another pact"
        signers = signing_monitors(envelope, payload, self.pact)
        if len(signers) != 1 or len(envelope["signatures"]) != 1:
            return 0, "send exactly one valid monitor signature"
        if not isinstance(core["tree_size"], int) or core["tree_size"] > self.follow_store.size():
            return 0, "core for a tree this log does not have"
        if core["root_hash"] != merkle.root(self.follow_store.node, core["tree_size"]).hex():
            return 0, "core names a root this log does not have"
        digest = hashlib.sha256(payload).hexdigest()
        from ..core.durations import parse_time

        as_of = parse_time(core["as_of"])
        with self.follow_store.write():
            existing = self.follow_store.status_candidate(digest)
            sigs = json.loads(existing)["signatures"] if existing else []
            if all(s["keyid"] != envelope["signatures"][0]["keyid"] for s in sigs):
                sigs.append(envelope["signatures"][0])
            merged = status_envelope(core, sigs)
            count = len(signing_monitors(merged, payload, self.pact))
            text = json.dumps(merged, separators=(",", ":"))
            self.follow_store.put_status_candidate(digest, as_of, text)
            if count >= self.pact.oversight.status_quorum:
                self.follow_store.put_status(core["tree_size"], as_of, text)
        return count, None

    def latest_status(self) -> dict[str, Any] | None:
        text = self.read_store.latest_status()
        return json.loads(text) if text else None

    # -------------------------------------------------------------- cosignatures

    def _monitor_keys(self, monitor: str) -> list[bytes]:
        return [raw for pid, raw in self.pact.key_owner.values() if pid == monitor]

    def add_cosignature(self, body: bytes) -> tuple[int, str | None]:
        """Merge valid monitor cosignatures into the stored checkpoint of that size; returns (cosigners, error)."""
        try:
            note = parse_note(body)
            cp = parse_checkpoint(note.text)
        except NoteError as e:
            return 0, f"not a checkpoint note: {e}"
        stored = self.follow_store.checkpoint(cp.size)
        if stored is None:
            return 0, f"no checkpoint of size {cp.size}"
        merged = parse_note(stored[1])
        if merged.text != note.text:
            return 0, "the cosigned checkpoint differs from this log's checkpoint of that size"
        added = 0
        for sig in note.signatures:
            single = Note(note.text, (sig,))
            if sig.name in self.pact.monitors and sig not in merged.signatures and any(
                    verify_cosignature(single, sig.name, k) is not None for k in self._monitor_keys(sig.name)):
                merged = merged.with_signature(sig)
                added += 1
        cosigners = [m for m in self.pact.monitors
                     if any(verify_cosignature(merged, m, k) is not None for k in self._monitor_keys(m))]
        if not added:
            return len(cosigners), "no new valid monitor cosignature"
        with self.follow_store.write():
            self.follow_store.put_checkpoint(cp.size, merged.render(), len(cosigners))
        return len(cosigners), None


__all__ = ["Hub", "LogService", "ServerConfig"]
