"""The guard: training runs that obey the pact, and leave evidence that they did.

Usage in a plain loop::

    guard = Guard("http://pact.example", "pact.yaml", party="lab-a", key="keys/lab-a-cluster-3.pem")
    with guard.run("run-42", flop=3e25) as run:
        for batch in data:
            train_step(batch)
            if run.must_stop:          # no I/O, no lock
                save_checkpoint()
                break

``guard.run`` declares the run (a signed ``run start``), keeps a verified view
of the signed status in background threads (server-sent events, and polling
whenever the stream is down or no status arrived for a third of the ttl), sends
``heartbeat``s from a thread of their own, and on exit declares ``stop``
(queued in the outbox before the start is sent, retried with backoff, kept there
until the log has it; a start whose answer is lost is followed by its stop). ``must_stop``
turns true, and stays true for this run, when:

- the restrictions binding this developer in a valid status forbid the run's
  FLOP (``max_training_flop`` below it), or
- failing closed, there is no valid status: none was accepted, or the last one
  expired (by the guard's clock, or its ttl after it was received, measured
  on the clock's monotonic ticks), or
- the judging itself failed or stalled (it runs at least every 0.2 s; a judge
  that raised, died or did not run for ``stall_after`` seconds fails closed).

A status is valid only if it passes ``core.status.verify_status``: the pinned
pact's digest, a core correct member by member, ``status_quorum`` distinct
monitor signatures, not expired, not issued after this clock plus ``max_skew``,
and no rollback below the guard's durable memory (``guard.state``). Anything
else, including any exception while fetching or checking it, counts as no
status. Every decision is logged with its reason and kept in ``run.decisions``;
the decision itself is the pure ``guard.decision.judge``.

Failure policy: ``closed`` (default for runs above the pact's lowest
``max_training_flop``) or ``open`` (warn and continue). Give each guard its own
key of the developer (the pact may list several) so guards never race for a
``seq``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ...clock import Clock, ClockMismatch, check_server
from ...core.chain import ChainError, Step, accept_status, named_digest
from ...core.durations import format_time
from ...core.pact import Pact
from ...core.status import DEFAULT_MAX_SKEW, AcceptedStatus, StatusError
from ...errors import PausepactError
from ..client import ClientError, PactClient
from ..signer import Signer
from .chain import fetch_steps
from .decision import FailPolicy, Held, StopKind, Verdict, judge
from .state import GuardState, GuardStateError, default_state_dir

log = logging.getLogger("pausepact.party.guard")


# the contract's refusals (section 3): a statement refused with one of these was not appended
REFUSALS = frozenset({"malformed", "payload-type", "too-large", "bad-signature", "unknown-key", "wrong-pact", "bad-seq",
                      "bad-time", "time-order", "skew", "role", "body"})


def definitely_refused(e: ClientError) -> bool:
    """True when the log answered that it did not append the statement; a lost or garbled answer is not one."""
    return 400 <= e.status < 500 and e.error in REFUSALS


class RunRefused(PausepactError):
    """The run may not start: the status forbids its FLOP, or (failing closed) there is no valid status."""

    exit_code = 77


@dataclass
class Decision:
    at: str
    must_stop: bool
    reason: str


class GuardedRun:
    """A declared training run. ``must_stop`` is the one thing a training loop reads."""

    def __init__(self, run_id: str, flop: float, fail: FailPolicy) -> None:
        self.run_id, self.flop, self.fail = run_id, flop, fail
        self.reason = ""
        self.stopped_for: StopKind | Literal["guard-failed"] | None = None
        self.decisions: list[Decision] = []
        self._stop = False
        self._judged_until: float | None = None  # monotonic; None: no judge watches this run (a bare GuardedRun)
        self._lock = threading.Lock()

    @property
    def must_stop(self) -> bool:
        """True once the run must stop (latched); also when the judge has not run for too long (fail closed)."""
        if self._stop:
            return True
        until = self._judged_until
        if until is not None and time.monotonic() > until:
            self._decide(int(time.time()), True, "the guard's judge stopped running; failing closed", "guard-failed")
            return True
        return False

    def _decide(self, now: int, stop: bool, reason: str,
                kind: StopKind | Literal["guard-failed"] | None = None) -> None:
        with self._lock:
            if not (self.decisions and self.decisions[-1].reason == reason):
                self.decisions.append(Decision(format_time(now), stop, reason))
                (log.warning if stop else log.info)("run %s: %s: %s", self.run_id, "MUST STOP" if stop else "may continue", reason)
            if stop and not self._stop:
                self.reason, self.stopped_for = reason, kind
                self._stop = True  # latches: a run told to stop stays stopped; resume as a new run


class Guard:
    def __init__(self, server: str, pact: Pact | str | Path, party: str, key: Ed25519PrivateKey | str | Path, *,
                 fail: FailPolicy | None = None, clock: Clock | None = None, heartbeat_every: float = 60.0,
                 poll_every: float = 2.0, use_events: bool = True, state_dir: Path | str | None = None,
                 max_skew: int = DEFAULT_MAX_SKEW, request_timeout: float = 10.0, stall_after: float = 10.0,
                 chain_retry: float = 30.0) -> None:
        """``state_dir``: where the durable memory and outbox live (default: the user's data directory; with a
        simulated ``clock`` and no ``state_dir``, in this process only, since simulated times are not comparable; on a
        rehearsal's clock, in the rehearsal's folder, never in the real guards' memory). ``chain_retry``: seconds
        before the evidence for a version that could not be followed is fetched again."""
        from ... import keyfiles
        from ...pactio import load_pact

        self.pact = pact if isinstance(pact, Pact) else load_pact(Path(pact))
        self.clock = clock or Clock()
        simulated = clock is not None and clock.start is not None
        root = Path(state_dir) if state_dir is not None else None if simulated else default_state_dir()
        if self.clock.dial is not None:  # a rehearsal's virtual times must never enter the real rollback memory
            if state_dir is None:
                root = self.clock.dial.path.parent / "guard-state"
            elif root == default_state_dir():
                raise GuardStateError("a guard on a rehearsal's clock keeps its state in the rehearsal's folder, "
                                      "not in the real guards' memory: give another --state-dir")
        self.state = GuardState(root, self.pact.pact, party)
        self.state.floor()  # an unreadable memory refuses the guard now, not at the first status
        pinned = self.state.pinned(self.pact)  # a newer version an earlier guard of this party followed to
        self._earlier: set[str] = set()  # digests of versions this guard followed on from
        if pinned is not None:
            log.info("pinned to pact version %d (%s), followed by an earlier guard of %s; the pact file given is "
                     "version %d", pinned[0].version, pinned[0].digest, party, self.pact.version)
            self._earlier.add(self.pact.digest)
            self.pact = pinned[0]
        if party not in self.pact.developers:
            raise GuardStateError(f"{party!r} is not a developer of pact {self.pact.pact!r}")
        k = key if isinstance(key, Ed25519PrivateKey) else keyfiles.read_private_key(Path(key))
        self.signer = Signer(self.pact, party, k)
        self.party = party
        self.client = PactClient(server, self.pact, timeout=request_timeout)
        self.fail = fail
        self.heartbeat_every, self.poll_every, self.use_events = heartbeat_every, poll_every, use_events
        self.max_skew, self.stall_after, self.chain_retry = max_skew, stall_after, chain_retry
        self.unfollowed: str | None = None  # why statuses of a newer version could not be followed (None: they could)
        self._chain_failed: dict[str, tuple[float, str]] = {}  # digest -> (monotonic second to retry at, why)
        self._chain_lock = threading.Lock()  # one chain followed at a time: steps begin at the version pinned
        self.held: Held | None = None
        self._lock = threading.Lock()
        self._submit = threading.Lock()  # one statement at a time: the seq of this guard's key is shared
        self._changed = threading.Event()

    # ------------------------------------------------------------------ status

    @property
    def status(self) -> AcceptedStatus | None:
        held = self.held
        return held.status if held is not None else None

    def lowest_limit(self) -> float | None:
        limits = [r.max_training_flop for r in self.pact.restrictions.values() if r.max_training_flop is not None]
        return min(limits) if limits else None

    def policy_for(self, flop: float) -> FailPolicy:
        if self.fail is not None:
            return self.fail
        low = self.lowest_limit()
        return "closed" if low is not None and flop > low else "open"

    def offer(self, envelope: Any) -> bool:
        """Consider a status envelope; keep it if it verifies and is not older than any status accepted before
        (in this process or, durably, by this party's guards on this host). A status naming a newer version of the
        pact is accepted only once the chain of amendments to it is proven (``core.chain``); the guard then pins
        that version, durably. Never raises."""
        digest = named_digest(envelope)
        if digest is None or digest == self.pact.digest:
            return self._accept(envelope, [])
        with self._chain_lock:  # only here does the pinned version change
            try:
                steps = self._evidence(digest) if digest != self.pact.digest else []
            except Exception as e:  # any failure means "not a valid status", never a dead thread
                if isinstance(e, ChainError):
                    self._cannot_follow(digest, str(e))
                log.warning("ignoring a status: %s", e if isinstance(e, (ChainError, StatusError)) else f"{e.__class__.__name__}: {e}")
                return False
            return self._accept(envelope, steps)

    def _accept(self, envelope: Any, steps: list[Step]) -> bool:
        try:
            with self._lock:
                size, issued = self.state.floor()
                held = self.held
                if held is not None:
                    size, issued = max(size, held.status.tree_size), max(issued, held.status.issued_at)
                floor = AcceptedStatus(size, issued, 0, {}) if (size, issued) != (0, 0) or held is not None else None
                accepted, pact = accept_status(envelope, self.pact, steps, self.clock.now(), floor, self.max_skew)
                if pact.digest != self.pact.digest:
                    self._follow_to(pact, steps[-1].text)
                self.state.remember(accepted.tree_size, accepted.issued_at)
                self.held = Held(accepted, self.clock.ticks())
        except Exception as e:  # any failure means "not a valid status", never a dead thread
            if isinstance(e, ChainError):
                self._cannot_follow(named_digest(envelope) or "", str(e))
            log.warning("ignoring a status: %s", e)
            return False
        self._changed.set()
        return True

    def _evidence(self, digest: str) -> list[Step]:
        """The chain of amendments from the pinned version to the one with ``digest``, fetched (ChainError if it
        cannot be, StatusError for a version this guard already followed on from)."""
        if digest in self._earlier:
            raise StatusError("the status is for an earlier version of the pact than the one this guard follows")
        failed = self._chain_failed.get(digest)
        if failed is not None and time.monotonic() < failed[0]:
            raise ChainError(failed[1])
        return fetch_steps(self.client, self.pact, digest)

    def _cannot_follow(self, digest: str, why: str) -> None:
        if len(self._chain_failed) > 64:  # a server naming ever new digests is not remembered without bound
            self._chain_failed.clear()
        self._chain_failed[digest] = (time.monotonic() + self.chain_retry, why)
        message = (f"statuses name a version of the pact this guard cannot follow from version {self.pact.version}: {why}; "
                   "it fails by its policy until re-pinned by hand (give --pact the version to follow, once checked)")
        if message != self.unfollowed:
            log.error("%s", message)
        self.unfollowed = message
        self._changed.set()

    def _follow_to(self, pact: Pact, text: bytes) -> None:
        """Pin ``pact`` (proven to follow the pinned version), durably, and sign and read under it from now on."""
        if self.party not in pact.developers:
            raise ChainError(f"version {pact.version} of the pact no longer lists {self.party!r} as a developer")
        self.state.pin(pact, text)
        log.warning("following the pact from version %d to version %d (%s): its amendments are proven by the monitors "
                    "and witnesses of the versions they amend", self.pact.version, pact.version, pact.digest)
        self._earlier.add(self.pact.digest)
        self.pact = pact
        if all(v.digest != pact.digest for v in self.client.chain):  # the client may have followed on its own
            self.client.chain.append(pact)
        if self.client.pact.version < pact.version:
            self.client.pact = pact
        owner = pact.key_owner.get(self.signer.keyid)
        if owner is not None and owner[0] == self.party:
            self.signer.pact = pact  # the key keeps its seq across versions
        else:
            log.error("this guard's key is no key of %s in version %d of the pact: the log will refuse its declarations; "
                      "restart it with a key the new version lists", self.party, pact.version)
        self.unfollowed = None

    def refresh(self) -> bool:
        """Poll the server once; False if it did not answer with a valid status. Never raises."""
        try:
            return self.offer(self.client.status_envelope())
        except ClientError as e:
            log.warning("no status from the server: %s", e.diagnostics())
        except Exception as e:
            log.warning("no status from the server: %s: %s", e.__class__.__name__, e)
        return False

    def verdict(self, flop: float, now: int | None = None, mono: float | None = None) -> Verdict:
        """The decision for a run of ``flop`` under the status held (``guard.decision.judge``)."""
        return judge(self.held, self.party, flop, self.policy_for(flop), self.clock.now() if now is None else now,
                     self.clock.ticks() if mono is None else mono, self.unfollowed)

    def judge(self, flop: float, now: int) -> tuple[bool, str, StopKind | None]:
        """(must stop, why, kind) for a run of ``flop`` at ``now`` under the status held."""
        v = self.verdict(flop, now)
        return v.stop, v.reason, v.kind

    def declare(self, run_id: str, event: str, flop: float) -> dict[str, Any]:
        """Submit one ``run`` statement (serialised with this guard's other statements); ClientError on failure."""
        with self._submit:
            return self.client.submit(self.signer, "run", {"run": run_id, "event": event, "flop": flop})

    def deliver(self, body: dict[str, Any], within: float) -> bool:
        """Send an outbox declaration, retrying with backoff for ``within`` seconds; True once the log has it."""
        until, wait = time.monotonic() + within, 0.5
        while True:
            try:
                self.declare(body["run"], body["event"], body["flop"])
                self.state.delivered(body)
                return True
            except ClientError as e:
                problem = e.diagnostics()
                if 400 <= e.status < 500 and e.error not in ("time-order", "skew", "bad-seq"):
                    log.error("run %s: the log refuses the %s declaration: %s", body["run"], body["event"], problem)
                    self.state.delivered(body)  # refused for good (e.g. malformed): resending cannot help
                    return False
            except Exception as e:
                problem = f"{e.__class__.__name__}: {e}"
            if time.monotonic() + wait > until:
                log.error("run %s: %s not logged yet (%s); kept in the outbox for the next guard start",
                          body["run"], body["event"], problem)
                return False
            log.warning("run %s: %s not logged yet (%s); retrying in %gs", body["run"], body["event"], problem, wait)
            time.sleep(wait)
            wait = min(wait * 2, 8.0)

    def flush_outbox(self, within: float = 5.0) -> None:
        """Resend declarations an earlier guard could not deliver."""
        for body in self.state.pending():
            if isinstance(body.get("run"), str) and body.get("event") in ("start", "heartbeat", "stop") \
                    and isinstance(body.get("flop"), (int, float)) and not isinstance(body.get("flop"), bool):
                if not self.state.take(body["run"]):  # its run lives under another guard: its stop is not due
                    continue
                try:
                    log.info("run %s: resending the undelivered %s declaration", body["run"], body["event"])
                    self.deliver(body, within)
                finally:
                    self.state.release(body["run"])
            else:
                self.state.delivered(body)

    # ------------------------------------------------------------------ runs

    def wait_until_allowed(self, flop: float, timeout: float, interval: float = 0.5) -> bool:
        """Block until a valid status allows a run of ``flop`` (True) or ``timeout`` real seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.refresh()
            if not self.verdict(flop).stop:
                return True
            time.sleep(interval)
        return False

    def run(self, run_id: str, flop: float, start_timeout: float = 30.0, *, judge_in_thread: bool = True,
            stop_retry: float = 30.0) -> RunContext:
        """A context that declares the run; ``judge_in_thread=False`` when the caller judges (``RunContext.judge_now``)
        itself at least every ``stall_after`` seconds, as ``pausepact guard`` does in its main loop."""
        return RunContext(self, run_id, flop, start_timeout, judge_in_thread, stop_retry)

    def close(self) -> None:
        self.client.close()


class RunContext:
    """``with guard.run(...) as run``: declares start, watches, heartbeats and judges, declares stop."""

    def __init__(self, guard: Guard, run_id: str, flop: float, start_timeout: float, judge_in_thread: bool = True,
                 stop_retry: float = 30.0) -> None:
        self.guard, self.start_timeout, self.judge_in_thread, self.stop_retry = guard, start_timeout, judge_in_thread, stop_retry
        self.run = GuardedRun(run_id, flop, guard.policy_for(flop))
        self.declare_stop = True  # the caller clears it when the run did not end (nothing is declared then)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._stream_up = False
        self._queued = False  # this run's start queued its stop (an equal one may have been queued before)
        self.beat_at = guard.clock.ticks()  # when the last heartbeat (or the start) was sent, on the guard's clock

    def judge_now(self) -> Verdict:
        """Judge the run from the status held and the clock, and record the decision; never raises."""
        g, r = self.guard, self.run
        try:
            now = g.clock.now()
            v = g.verdict(r.flop, now)
            r._decide(now, v.stop, v.reason, v.kind)
            r._judged_until = time.monotonic() + g.stall_after
            return v
        except Exception as e:  # a judge that cannot judge stops the run
            v = Verdict(True, f"the guard could not judge the run ({e.__class__.__name__}: {e}); failing closed")
            r._decide(int(time.time()), True, v.reason, "guard-failed")
            return v

    def __enter__(self) -> GuardedRun:
        g, r = self.guard, self.run
        if g.clock.discrete:  # a rehearsal's guard judges only its rehearsal's server
            try:
                check_server(g.clock, g.client, str(g.client.http.base_url))
            except (ClientError, ClockMismatch) as e:
                raise RunRefused(f"run {r.run_id} may not start: {e.diagnostics()}") from None
        g.flush_outbox()
        deadline = time.monotonic() + self.start_timeout
        while not g.refresh() and time.monotonic() < deadline and r.fail == "closed":
            time.sleep(0.2)
        v = g.verdict(r.flop)
        if v.stop:
            raise RunRefused(f"run {r.run_id} may not start: {v.reason}")
        r._decide(g.clock.now(), False, v.reason)
        self._declare_start()
        r._judged_until = time.monotonic() + g.stall_after
        targets: list[tuple[Callable[[], None], str]] = [(self._watch, "watch"), (self._poll, "poll"), (self._beat, "heartbeat")]
        if self.judge_in_thread:
            targets.append((self._judge, "judge"))
        try:
            self._threads = [threading.Thread(target=self._forever(fn), daemon=True, name=f"guard-{name}-{r.run_id}")
                             for fn, name in targets]
            for t in self._threads:
                t.start()
        except BaseException:
            self.__exit__()  # the run is declared: it is declared stopped too
            raise
        return r

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        g, r = self.guard, self.run
        r._judged_until = None  # the run is over: nothing judges it any more, and nothing needs to
        body = self._stop_body()
        try:
            if not self.declare_stop:
                log.error("run %s: its command may still run: no stop is declared", r.run_id)
                if self._queued:
                    g.state.delivered(body)  # the stop queued at start would claim what is not true
                return
            try:
                g.state.post(body)  # normally there since the start; again in case the outbox was lost meanwhile
            except GuardStateError as e:
                log.error("run %s: %s", r.run_id, e.diagnostics())
            g.deliver(body, self.stop_retry)
        finally:
            g.state.release(r.run_id)

    def _stop_body(self) -> dict[str, Any]:
        return {"run": self.run.run_id, "event": "stop", "flop": self.run.flop}

    def _declare_start(self) -> None:
        """Declare ``start`` with the run's ``stop`` already in the outbox (N3): a start whose answer is lost may be
        in the log, and only a stop closes it. The stop is unqueued only when the start was definitely refused (a 4xx
        with a contract error code: nothing was appended, contract section 3); after any other failure it is sent
        now (and left in the outbox if that fails too). A stop whose start never reached the log is void, harmless.
        Both are signed by this guard's key: if the start is still in flight, the two take the same ``seq`` and
        at most the one the log takes first is appended, so a late start cannot follow its stop."""
        g, r = self.guard, self.run
        body = self._stop_body()
        g.state.hold(r.run_id)
        try:
            self._queued = g.state.post(body)
            try:
                g.declare(r.run_id, "start", r.flop)
            except ClientError as e:
                if definitely_refused(e):
                    if self._queued:
                        g.state.delivered(body)
                    raise
                log.error("run %s: the start may be in the log (%s); sending its stop", r.run_id, e.diagnostics())
                g.deliver(body, self.stop_retry)
                raise
            except Exception as e:
                log.error("run %s: the start may be in the log (%s: %s); sending its stop", r.run_id,
                          e.__class__.__name__, e)
                g.deliver(body, self.stop_retry)
                raise
        except BaseException:
            g.state.release(r.run_id)  # the stop, if still queued, is now any later guard's to send
            raise

    def _forever(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Run ``fn`` until the run ends; an exception is logged and ``fn`` runs again (no thread dies silently)."""
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    fn()
                except Exception as e:
                    log.warning("run %s: %s: %s: %s", self.run.run_id, threading.current_thread().name, e.__class__.__name__, e)
                    self._stop.wait(self.guard.poll_every)
        return loop

    def _watch(self) -> None:
        """Follow statuses on the event stream; ends when the stream does (``_forever`` reopens it)."""
        g = self.guard
        if not g.use_events:
            self._stop.wait(3600)
            return
        try:
            for event, data in g.client.events(timeout=max(20.0, g.poll_every)):
                self._stream_up = True
                if self._stop.is_set():
                    return
                if event == "status":
                    g.offer(data)
        except ClientError as e:
            log.info("event stream unavailable (%s); polling", e.diagnostics())
        finally:
            self._stream_up = False
        self._stop.wait(g.poll_every)

    def _poll(self) -> None:
        """Poll /v1/status while the stream is down, or when no status was accepted for a third of the ttl (L5)."""
        g = self.guard
        self._stop.wait(g.poll_every)
        held = g.held
        quiet = held is None or g.clock.ticks() - held.received >= (held.status.expires_at - held.status.issued_at) / 3
        if not self._stop.is_set() and (not self._stream_up or quiet):
            g.refresh()

    def _beat(self) -> None:
        """Heartbeats, off the judging path: a heartbeat that fails or hangs delays nothing else. On a rehearsal's
        clock ``heartbeat_every`` is virtual seconds, and ``beat_at`` tells its driver when the last one went."""
        g, r = self.guard, self.run
        due = g.clock.ticks()
        if g.clock.discrete:
            if self._stop.wait(0.05) or r.must_stop or due - self.beat_at < g.heartbeat_every:
                return
        elif self._stop.wait(g.heartbeat_every) or r.must_stop:
            return
        try:
            g.declare(r.run_id, "heartbeat", r.flop)
        except ClientError as e:
            log.warning("run %s: heartbeat not accepted: %s", r.run_id, e.diagnostics())
        finally:
            self.beat_at = due  # once it is in the log (or refused): a rehearsal's driver then moves on

    def _judge(self) -> None:
        """Judge on every status change and at least every 0.2 s."""
        self.guard._changed.wait(0.2)
        self.guard._changed.clear()
        self.judge_now()


def iterate(run: GuardedRun, steps: Iterator[Any], on_stop: Callable[[], None]) -> Iterator[Any]:
    """Yield from ``steps`` until ``run.must_stop``; then call ``on_stop`` (save a checkpoint) and end."""
    for item in steps:
        if run.must_stop:
            on_stop()
            return
        yield item


__all__ = ["Decision", "FailPolicy", "Guard", "GuardStateError", "GuardedRun", "RunContext", "RunRefused", "iterate"]
