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
- **Trust**: the follower verifies the signature of every entry it did not
  itself just verify on the way in (entries of other replicas, or written to
  the database behind the server's back): a forged entry is listed in
  ``rejected``, never presented as genuine.
- **Versions** (contract v2, section 9; module ``versions``): the checkers judge envelopes against
  the first version; the writer asks the engine (``_lookback``) to judge each again under the version
  in force at its time, first applying to the engine any entry it lacks that may change that judgement
  (an amend vote, a revocation: the writer stores what it holds right after such a statement). Each
  checkpoint is signed with a ``log`` key of the version in force at its last entry (``ServerConfig.
  later_keys`` holds the keys of later versions); cosignatures and status signatures count for the
  monitors of the version they fall under, never by a key revoked within their tree. ``pact`` is the
  version in force; ``first`` the first one, which names the log.
- **Snapshots**: the follower keeps a durable snapshot of its engine with the
  tree it covers (every ``snapshot_every`` entries or ``snapshot_seconds``); a
  restart loads it and replays only the rest. Snapshots are signed with the log
  key (``snapshot_seal``): one not signed by the pact's log key, of another pact,
  of a tree this store does not hold, or that does not decode is ignored with a
  warning (full replay, every entry verified).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..clock import Clock
from ..core import merkle
from ..core.canonical import canonical
from ..core.durations import format_time
from ..core.engine import Engine, light_state, status_core
from ..core.engine import snapshot as engine_snapshot
from ..core.pact import Pact
from ..core.rejection import Rejection
from ..core.statements import SignedStatement
from ..keyfiles import public_raw
from ..log.checking import Checked, EnvelopeChecker, check_one, decode_one
from ..log.store import Snapshot, is_database_error, open_store
from ..log.writer import DEFAULT_MAX_LEAD, LogWriter, Result
from . import signatures, versions
from .notify import Notifier, Webhook, ledger_path, observe
from .snapshot_seal import log_keys, seal, unseal

log = logging.getLogger("pausepact.server")
T = TypeVar("T")
LOOKBACK_TYPES = frozenset({"verdict", "sealed_report", "vote"})  # validity looks back in the log (v2, sections 8, 9)


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
    max_lead: int = DEFAULT_MAX_LEAD
    max_subscribers: int = 1000
    max_subscribers_per_client: int = 32
    snapshot_every: int = 100_000
    snapshot_seconds: float = 300.0
    notify: list[Webhook] = field(default_factory=list)  # webhooks told of events (server.notify)
    notify_ledger: str | None = None  # delivered ids (default: beside a SQLite store, else in the working directory)
    notify_options: dict[str, Any] = field(default_factory=dict)  # Notifier keywords (tests: shorter retries)
    later_keys: list[Ed25519PrivateKey] = field(default_factory=list)  # log keys of later versions of the pact


class Unavailable(Exception):
    """The database failed: nothing was appended (answered 503)."""


class InternalFault(Exception):
    """A bug of the server met while appending (answered 500; logged with its traceback)."""


END = ("", "")  # queued to a subscriber that is dropped: its stream ends


class Hub:
    """Server-sent events fan-out with bounded subscribers.

    At most ``max_total`` streams, ``max_per_client`` per client address; each
    has a bounded queue, and a subscriber that does not keep up (its queue full)
    is dropped: its stream ends, and a client reconnects and reads the latest status.
    """

    QUEUE = 512

    def __init__(self, max_total: int = 1000, max_per_client: int = 32) -> None:
        self.max_total, self.max_per_client = max_total, max_per_client
        self.subscribers: dict[asyncio.Queue[tuple[str, str]], str] = {}
        self.per_client: dict[str, int] = {}

    def subscribe(self, client: str) -> asyncio.Queue[tuple[str, str]] | None:
        """A new subscriber's queue, or None when a cap is reached."""
        if len(self.subscribers) >= self.max_total or self.per_client.get(client, 0) >= self.max_per_client:
            return None
        q: asyncio.Queue[tuple[str, str]] = asyncio.Queue(maxsize=self.QUEUE)
        self.subscribers[q] = client
        self.per_client[client] = self.per_client.get(client, 0) + 1
        return q

    def unsubscribe(self, q: asyncio.Queue[tuple[str, str]]) -> None:
        client = self.subscribers.pop(q, None)
        if client is not None:
            self.per_client[client] -= 1
            if not self.per_client[client]:
                del self.per_client[client]

    def publish(self, event: str, data: Any) -> None:
        text = json.dumps(data, separators=(",", ":"))
        for q in list(self.subscribers):
            if q.full():  # a subscriber that does not read: drop it, its memory stays bounded
                self.unsubscribe(q)
                while not q.empty():
                    q.get_nowait()
                q.put_nowait(END)
            else:
                q.put_nowait((event, text))


class LogService:
    def __init__(self, cfg: ServerConfig) -> None:
        self.cfg = cfg
        self.first = cfg.pact
        self.clock = cfg.clock
        self.checker = EnvelopeChecker(cfg.pact, cfg.pact_bytes, cfg.workers)
        self.write_store = open_store(cfg.store_url)
        self.write_store.bind_clock(cfg.clock.discrete)  # a rehearsal's store and a real log's never mix
        self.writer = LogWriter(self.write_store, cfg.pact, cfg.log_key, self.checker, lookback=self._lookback,
                                max_skew=cfg.max_skew, max_lead=cfg.max_lead, settles=versions.settles,
                                version_at=self._version_at, later_keys=cfg.later_keys)
        self.read_store = open_store(cfg.store_url)  # HTTP reads: entries, proofs, checkpoints, statuses
        self.follow_store = open_store(cfg.store_url)  # the follower: engine catch-up, status cores, signatures
        self.follow_checker = EnvelopeChecker(cfg.pact, cfg.pact_bytes, cfg.workers)  # entries the writer did not check
        self.engine = Engine(cfg.pact)
        self.engine_lock = threading.Lock()
        self.hub = Hub(cfg.max_subscribers, cfg.max_subscribers_per_client)
        # entries this process's writer verified on the way in, until the follower applies them
        self._verified: dict[int, SignedStatement] = {}
        self._voids: OrderedDict[int, str] = OrderedDict()  # recent void entries: the 201 answer names them
        self._side_events: list[tuple[str, Any]] = []  # entry events of entries the writer applied (engine_lock)
        # the last entry after which versions may differ: at start, any stored entry may (the engine catches up first)
        self._settling_mark = self.write_store.size() - 1
        self._applied = 0
        self._progress = asyncio.Event()
        self._state_cache: tuple[int, int, bytes] | None = None
        self._snapshot_size = 0
        self._snapshot_real = time.monotonic()
        self._restored = False
        self.queue: asyncio.Queue[tuple[Any, asyncio.Future[tuple[Result, str | None]]]] | None = None
        self._write_exec = ThreadPoolExecutor(1, thread_name_prefix="pausepact-writer")
        self._read_exec = ThreadPoolExecutor(1, thread_name_prefix="pausepact-reader")
        self._follow_exec = ThreadPoolExecutor(1, thread_name_prefix="pausepact-follower")
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.proposed: dict[str, Any] | None = None
        self._proposed_ticks: float = 0.0  # the clock's ticks when the core was proposed (virtual in a rehearsal)
        self._judged_real: float = 0.0
        self.judged: tuple[int, int] | None = None  # (clock time, tree size) last judged for a status: a rehearsal waits on it
        self._last_status: str | None = None
        self.metrics: Any = None
        self.notifier: Notifier | None = None
        if cfg.notify:
            where = cfg.notify_ledger or ledger_path(cfg.store_url, cfg.pact.digest)
            self.notifier = Notifier(cfg.notify, self._notable, Path(where), **cfg.notify_options)

    @property
    def pact(self) -> Pact:
        """The version of the pact in force (as far as the engine has applied the log)."""
        return self.engine.pact

    # -------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self.queue = asyncio.Queue()
        self._wake = asyncio.Event()
        self._progress = asyncio.Event()
        self._tasks = [asyncio.create_task(self._writer_loop()), asyncio.create_task(self._follower_loop())]
        if self.notifier is not None:
            self.notifier.start()

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.notifier is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.notifier.stop)
        for ex in (self._write_exec, self._read_exec, self._follow_exec):
            ex.shutdown(wait=True)
        self.checker.close()
        self.follow_checker.close()
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
        """Queue one envelope for the writer; its own result, or Unavailable / InternalFault."""
        assert self.queue is not None
        fut: asyncio.Future[tuple[Result, str | None]] = asyncio.get_running_loop().create_future()
        await self.queue.put((envelope, fut))
        return await fut

    def _lookback(self, checked: Checked, envelope: Any, earlier: Sequence[SignedStatement]) -> Checked:
        """The writer asks, before appending: is ``checked`` valid on what the log holds (v2)?

        The version in force at its time judges it again (``versions.judged``): the engine is first brought
        up to the log's head when an entry it lacks may change that judgement. For the statement types whose
        Validity looks back (rare), entries the engine has not applied yet are read from the writer's own store.
        Several servers writing one PostgreSQL log can still race here; a monitor then names the entry
        (docs/server.md).
        """
        with self.engine_lock:
            mark = max([self._settling_mark, *(i for i, ss in self.writer.appended if versions.settles(ss))])
            if mark >= self.engine.size:
                self._apply_from_writer()
            checked = versions.judged(self.engine, checked, envelope)
            if not isinstance(checked, SignedStatement) or checked.statement.type not in LOOKBACK_TYPES:
                return checked
            applied = self.engine.size
            head = self.write_store.size()
            unapplied = [decode_one(json.loads(e.leaf), self.first) for e in self.write_store.entries(applied, head)] \
                if head > applied else []
            known = [u for u in unapplied if isinstance(u, SignedStatement)]
            problem = self.engine.lookback_problem(checked, [*known, *earlier])
            return checked if problem is None else problem

    def _version_at(self, t: int) -> Pact:
        """The version in force for an entry timed ``t`` (the writer signs its checkpoint with that version's log key)."""
        with self.engine_lock:
            return versions.version_in_force(self.engine, t).pact

    def _apply_from_writer(self) -> None:
        """Writer thread, holding ``engine_lock``: apply every stored entry the engine lacks (the follower skips them)."""
        head = self.write_store.size()
        mine = dict(self.writer.appended)
        for e in self.write_store.entries(self.engine.size, head):
            envelope = json.loads(e.leaf)
            ss = self._verified.get(e.index) or mine.get(e.index)
            checked: Checked = ss if ss is not None and ss.leaf == e.leaf else check_one(envelope, self.first)
            self._apply_entry(e.index, checked, envelope, self._side_events)

    def _apply_entry(self, index: int, checked: Checked, envelope: Any, events: list[tuple[str, Any]]) -> None:
        """Apply one entry to the engine (caller holds ``engine_lock``); note its void reason and its event."""
        voids = len(self.engine.void_h)
        # a refusal against the first version may be overturned by the version in force (section 9)
        self.engine.apply(index, checked, envelope if isinstance(checked, Rejection) else None)
        if len(self.engine.void_h) > voids:
            self._voids[index] = self.engine.void[-1]["reason"]
        events.append(("entry", {"index": index, "envelope": envelope}))

    def _append(self, envs: list[Any], now: int) -> tuple[list[Result], str | None]:
        """The writer thread's work: append, and hand what it verified to the follower."""
        results = self.writer.append(envs, now)
        for ss in self.writer.appended:
            self._verified[ss[0]] = ss[1]
            if versions.settles(ss[1]):
                self._settling_mark = max(self._settling_mark, ss[0])
        return results, self.writer.last_checkpoint

    async def _writer_loop(self) -> None:
        assert self.queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty() and len(batch) < self.cfg.max_batch:
                batch.append(self.queue.get_nowait())
            try:
                outcomes = await self._append_batch(loop, batch)
            except Exception:  # never let the writer die: fail this batch as a fault of ours
                log.exception("writer fault")
                outcomes = [InternalFault() for _ in batch]
            results: list[Result] = []
            for (_, fut), out in zip(batch, outcomes, strict=True):
                if fut.done():
                    continue
                if isinstance(out, Exception):
                    fut.set_exception(out)
                else:
                    fut.set_result(out)
                    results.append(out[0])
            if self.metrics:
                self.metrics.count(results)
            self._wake.set()

    async def _append_batch(self, loop: asyncio.AbstractEventLoop,
                            batch: list[tuple[Any, Any]]) -> list[tuple[Result, str | None] | Exception]:
        """One outcome per submitter. A bug met by a batch is retried envelope by envelope, so it fails only its own."""
        envs = [e for e, _ in batch]
        now = self.clock.now()
        try:
            results, note = await loop.run_in_executor(self._write_exec, self._append, envs, now)
            return [(r, note) for r in results]
        except Exception as e:
            if is_database_error(e):
                log.error("append failed, the database is unavailable: %s", e)
                return [Unavailable() for _ in batch]
            log.exception("append failed: a fault of the server, not of the database")
            if len(envs) == 1:
                return [InternalFault()]
        outcomes: list[tuple[Result, str | None] | Exception] = []
        for env in envs:
            outcomes.extend(await self._append_batch(loop, [(env, None)]))
        return outcomes

    async def void_reason(self, index: int, wait: float = 5.0) -> str | None:
        """Why entry ``index`` is void, once the follower applied it (None: not void, or not applied within ``wait``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while self._applied <= index:
            left = deadline - loop.time()
            if left <= 0:
                return None
            try:
                await asyncio.wait_for(self._progress.wait(), left)
            except TimeoutError:
                return None
        return self._voids.get(index)

    # -------------------------------------------------------------- follower

    async def _follower_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=0.02 if self.clock.discrete else 0.25)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                events = await loop.run_in_executor(self._follow_exec, self._follow)
            except Exception as e:
                if is_database_error(e):
                    log.error("follower: the database is unavailable (%s); retrying", e)
                else:
                    log.exception("follower failed; retrying")
                await asyncio.sleep(1)
                continue
            finally:
                self._applied = self.engine.size
                self._progress.set()
                self._progress = asyncio.Event()
            for kind, data in events:
                self.hub.publish(kind, data)
            if events and self.notifier is not None:
                self.notifier.wake()

    def _restore(self) -> None:
        """Load the stored snapshot into a fresh engine, if it fits this pact and this tree (else: full replay)."""
        self._restored = True
        snap = self.follow_store.snapshot()
        if snap is None:
            return
        why = self._unfit(snap)
        engine_bytes = unseal(self._snapshot_keys(), snap) if why is None else None
        if why is None and engine_bytes is None:
            why = "it is not signed by this pact's log key"
        if engine_bytes is not None:
            try:
                engine = engine_snapshot.load(self.first, engine_bytes)
                if engine.size != snap.size:
                    why = f"it decodes to {engine.size} entries, not {snap.size}"
            except Exception as e:  # noqa: BLE001 - a damaged snapshot costs a full replay, never the server
                why = f"it does not decode ({type(e).__name__})"
        if why is not None:
            log.warning("ignoring the stored engine snapshot (%s): replaying the whole log", why)
            return
        with self.engine_lock:
            self.engine = engine
            self._side_events.clear()  # (entries the writer applied to the engine replaced are applied again)
        self._snapshot_size = snap.size
        log.info("engine restored from its snapshot at %d entries", snap.size)

    def _snapshot_keys(self) -> list[bytes]:
        """Keys whose seal a snapshot may carry: the first version's log keys, and every log key this server holds
        (after an amendment that changed the log key, its operator may hold only the new one)."""
        return [*log_keys(self.first), *(public_raw(k) for k in (self.cfg.log_key, *self.cfg.later_keys))]

    def _unfit(self, snap: Snapshot) -> str | None:
        """Why a stored snapshot cannot be this log's (None: it may be, if its seal verifies)."""
        if snap.pact_digest != self.first.digest:
            return f"it is of pact {snap.pact_digest}"
        if not 0 < snap.size <= self.follow_store.size():
            return f"it covers {snap.size} entries and the log has {self.follow_store.size()}"
        if merkle.root(self.follow_store.node, snap.size) != snap.root:
            return "its tree is not this log's"
        return None

    def _maybe_snapshot(self) -> None:
        """Write a snapshot every ``snapshot_every`` entries, or after ``snapshot_seconds`` if the log grew."""
        size = self.engine.size
        if size == self._snapshot_size or size == 0:
            return
        if size - self._snapshot_size < self.cfg.snapshot_every and \
                time.monotonic() - self._snapshot_real < self.cfg.snapshot_seconds:
            return
        self._snapshot_real = time.monotonic()
        try:
            with self.engine_lock:
                data = engine_snapshot.dump(self.engine)
            root = merkle.root(self.follow_store.node, size)
            self.follow_store.put_snapshot(seal(self.cfg.log_key, self.first.digest, size, root, data))
        except Exception as e:  # a snapshot is an optimisation: failing one never stops the follower
            log.warning("could not keep an engine snapshot at %d entries (%s); next try in %gs",
                        size, type(e).__name__, self.cfg.snapshot_seconds)
            self._snapshot_size = size  # not before another snapshot_every entries or snapshot_seconds
            return
        self._snapshot_size = size

    def _checked(self, batch: list[Any]) -> list[Checked]:
        """Entries as the engine takes them: ones this process verified on the way in are reused, the rest verified now."""
        out: list[Checked | None] = []
        todo: list[int] = []
        for n, e in enumerate(batch):
            ss = self._verified.pop(e.index, None)
            if ss is not None and ss.leaf == e.leaf:
                out.append(ss)
            else:
                out.append(None)
                todo.append(n)
        if todo:
            for n, c in zip(todo, self.follow_checker.check([batch[n].leaf for n in todo]), strict=True):
                out[n] = c
        return [c for c in out if c is not None]

    def _catch_up(self, upto: int | None = None) -> list[tuple[str, Any]]:
        """Apply committed entries to the engine (up to ``upto``), verifying each; returns entry events."""
        if not self._restored:
            self._restore()
        events: list[tuple[str, Any]] = []
        size = self.follow_store.size() if upto is None else upto
        while self.engine.size < size:
            batch = self.follow_store.entries(self.engine.size, min(size, self.engine.size + 1000))
            if not batch:
                break
            checked = self._checked(batch)
            with self.engine_lock:
                events.extend(self._side_events)  # entries the writer applied come first: they are earlier
                self._side_events.clear()
                for e, c in zip(batch, checked, strict=True):
                    if e.index >= self.engine.size:
                        self._apply_entry(e.index, c, json.loads(e.leaf), events)
            while len(self._voids) > 10000:
                self._voids.popitem(last=False)
        with self.engine_lock:
            events.extend(self._side_events)
            self._side_events.clear()
        if len(self._verified) > 20000:  # verified by the writer, but read here before it said so: stale now
            for index in [i for i in list(self._verified) if i < self.engine.size]:
                self._verified.pop(index, None)
        return events

    def _follow(self) -> list[tuple[str, Any]]:
        events = self._catch_up()
        # judging whether a new status is due replays time up to now: a few times a second is enough (on a
        # rehearsal's clock, also whenever the virtual time or the tree moved: its driver waits for that judgement)
        if time.monotonic() - self._judged_real >= 0.2 or \
                (self.clock.discrete and self.judged != (self.clock.now(), self.engine.size)):
            self._judged_real = time.monotonic()
            events.extend(self._maybe_propose())
        latest = self.follow_store.latest_status()
        if latest is not None and latest != self._last_status:
            self._last_status = latest
            events.append(("status", json.loads(latest)))
        self._maybe_snapshot()
        return events

    def state_json(self) -> bytes:
        """The full state as of now (canonical JSON), computed at most once per tree size and second."""
        with self.engine_lock:
            size = self.engine.size
            now = max(self.clock.now(), self.engine.last_time or 0)
            cached = self._state_cache
            if cached is not None and cached[:2] == (size, now):
                return cached[2]
            data = canonical(self.engine.state_at(now))
        self._state_cache = (size, now, data)
        return data

    def _notable(self) -> list[dict[str, Any]]:
        """What the notifier may tell (its own thread): the events of the engine settled to the log's clock."""
        with self.engine_lock:
            engine = self.engine
            now = max(self.clock.now(), engine.last_time or 0, engine.clock or 0)
            view = engine.view(now)
            return observe(view, now)

    # -------------------------------------------------------------- statuses

    @staticmethod
    def _summary(state_or_core: dict[str, Any]) -> Any:
        parties = state_or_core["parties"]
        # the digest too: a status naming the version in force is due at once when an amendment executes (section 9)
        return (state_or_core["pact_digest"], state_or_core["in_force"], state_or_core["level"],
                {d: (p["level"], p.get("max_training_flop", p.get("restrictions", {}).get("max_training_flop")),
                     p.get("new_deployments", p.get("restrictions", {}).get("new_deployments"))) for d, p in parties.items()})

    def _maybe_propose(self) -> list[tuple[str, Any]]:
        now = self.clock.now()
        ttl = self.pact.oversight.status_ttl  # (staleness only: a core's expiry follows the version in force at issued_at)
        with self.engine_lock:
            state = self.engine.state_at(max(now, self.engine.last_time or now), light=True)
        changed = self.proposed is None or self._summary(state) != self._summary(self.proposed)
        stale = self.clock.ticks() - self._proposed_ticks > ttl / 3
        if not (changed or stale):
            self.judged = (now, state["tree_size"])
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
            view = self.engine.view(issued)
            state, ttl = light_state(view, issued), view.pact.oversight.status_ttl
        core = status_core(state, merkle.root(self.follow_store.node, size), issued, ttl)
        self.proposed, self._proposed_ticks = core, self.clock.ticks()
        self.judged = (now, size)
        events.append(("core", {"payload": base64.b64encode(canonical(core)).decode(), "core": core}))
        return events

    def proposed_core(self) -> dict[str, Any] | None:
        return self.proposed

    def clock_info(self) -> dict[str, Any]:
        """``GET /v1/clock``: the kind of clock (a rehearsal's id with it), the time it reads, the committed tree size,
        the entries applied, and the (time, tree size) last judged for a status (a rehearsal's driver waits on these)."""
        judged = self.judged
        return {"clock": self.clock.kind, "rehearsal": self.clock.rehearsal, "now": format_time(self.clock.now()),
                "size": self.read_store.size(), "applied": self._applied,
                "judged": None if judged is None else {"at": format_time(judged[0]), "size": judged[1]}}

    def guarded(self, fn: Callable[[Any], tuple[int, str | None]]) -> Callable[[Any], tuple[int, str | None]]:
        """``fn`` for anonymous input: a failing database raises Unavailable; any other fault is that input's refusal.

        Such a fault is logged on one line, never with a traceback: anyone can send input.
        """
        def run(arg: Any) -> tuple[int, str | None]:
            try:
                return fn(arg)
            except Exception as e:
                if is_database_error(e):
                    log.error("the database is unavailable: %s", e)
                    raise Unavailable() from None
                log.warning("%s refused an input it could not check (%s)", fn.__name__, type(e).__name__)
                return 0, "the input could not be checked"
        return run

    def add_status_signature(self, envelope: Any) -> tuple[int, str | None]:
        """Merge one monitor's signature into its core's candidate; returns (signers, error) (module ``signatures``)."""
        return signatures.add_status_signature(self, envelope)

    def settle_to(self, size: int) -> None:
        """Follower thread: the engine has applied at least ``size`` entries (their events are published later)."""
        if self.engine.size < size:
            events = self._catch_up(size)
            with self.engine_lock:
                self._side_events[:0] = events

    def pact_text(self, version: int | None = None) -> tuple[bytes, str, int] | None:
        """``GET /v1/pact``: (text, digest, version number) of version ``version`` (None: the one in force now)."""
        with self.engine_lock:
            now = max(self.clock.now(), self.engine.clock or 0)
            return versions.pact_text(self.engine, self.cfg.pact_bytes, now, version)

    def witness_quorum(self) -> int:
        """The witness_quorum of the version in force (``GET /v1/checkpoint`` serves checkpoints that reach it)."""
        return self.pact.oversight.witness_quorum

    def status_quorum(self) -> int:
        return self.pact.oversight.status_quorum

    def latest_status(self) -> dict[str, Any] | None:
        text = self.read_store.latest_status()
        return json.loads(text) if text else None

    def add_cosignature(self, body: bytes) -> tuple[int, str | None]:
        """Merge valid monitor cosignatures into the stored checkpoint of that size; returns (cosigners, error)
        (module ``signatures``)."""
        return signatures.add_cosignature(self, body)


__all__ = ["Hub", "InternalFault", "LogService", "ServerConfig", "Unavailable"]
