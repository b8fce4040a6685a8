"""The guard: training runs that obey the pact, and leave evidence that they did.

Usage in a plain loop::

    guard = Guard("http://pact.example", "pact.yaml", party="lab-a", key="keys/lab-a-cluster-3.pem")
    with guard.run("run-42", flop=3e25) as run:
        for batch in data:
            train_step(batch)
            if run.must_stop:          # a plain attribute read: no I/O, no lock
                save_checkpoint()
                break

``guard.run`` declares the run (a signed ``run start``), keeps a verified view
of the signed status in a background thread (server-sent events, with polling
as fallback), sends ``heartbeat``s, and on exit declares ``stop``. ``must_stop``
turns true, and stays true for this run, when:

- the restrictions binding this developer in a valid status forbid the run's
  FLOP (``max_training_flop`` below it), or
- failing closed, the last valid status it holds has expired (a server that
  stops answering cannot keep a run going).

A status is valid only if it passes ``core.status.verify_status``: the pinned
pact's digest, ``status_quorum`` distinct monitor signatures, not expired, no
rollback. Anything else counts as no status. Every decision is logged with its
reason and kept in ``run.decisions``.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..client import ClientError, PactClient
from ..clock import Clock
from ..core.durations import format_time
from ..core.pact import Pact
from ..core.status import AcceptedStatus, StatusError, verify_status
from ..errors import PausepactError
from ..signer import Signer

log = logging.getLogger("pausepact.guard")
FailPolicy = Literal["closed", "open"]


class RunRefused(PausepactError):
    """The run may not start: the status forbids its FLOP, or (failing closed) there is no valid status."""

    exit_code = 77


@dataclass
class Decision:
    at: str
    must_stop: bool
    reason: str


@dataclass
class GuardedRun:
    """A declared training run. ``must_stop`` is the one thing a training loop reads."""

    run_id: str
    flop: float
    fail: FailPolicy
    must_stop: bool = False
    reason: str = ""
    stopped_for: Literal["forbidden", "no-status"] | None = None
    decisions: list[Decision] = field(default_factory=list)

    def _decide(self, now: int, stop: bool, reason: str, kind: Literal["forbidden", "no-status"] | None = None) -> None:
        if self.decisions and self.decisions[-1].reason == reason:
            return
        self.decisions.append(Decision(format_time(now), stop, reason))
        (log.warning if stop else log.info)("run %s: %s: %s", self.run_id, "MUST STOP" if stop else "may continue", reason)
        if stop and not self.must_stop:
            self.reason, self.stopped_for = reason, kind
            self.must_stop = True  # latches: a run told to stop stays stopped; resume as a new run


class Guard:
    def __init__(self, server: str, pact: Pact | str | Path, party: str, key: Ed25519PrivateKey | str | Path, *,
                 fail: FailPolicy | None = None, clock: Clock | None = None, heartbeat_every: float = 60.0,
                 poll_every: float = 2.0, use_events: bool = True) -> None:
        from .. import keyfiles
        from ..pactio import load_pact

        self.pact = pact if isinstance(pact, Pact) else load_pact(Path(pact))
        k = key if isinstance(key, Ed25519PrivateKey) else keyfiles.read_private_key(Path(key))
        self.signer = Signer(self.pact, party, k)
        self.party = party
        self.client = PactClient(server, self.pact)
        self.clock = clock or Clock()
        self.fail = fail
        self.heartbeat_every, self.poll_every, self.use_events = heartbeat_every, poll_every, use_events
        self.status: AcceptedStatus | None = None
        self._lock = threading.Lock()
        self._changed = threading.Event()

    # ------------------------------------------------------------------ status

    def lowest_limit(self) -> float | None:
        limits = [r.max_training_flop for r in self.pact.restrictions.values() if r.max_training_flop is not None]
        return min(limits) if limits else None

    def policy_for(self, flop: float) -> FailPolicy:
        if self.fail is not None:
            return self.fail
        low = self.lowest_limit()
        return "closed" if low is not None and flop > low else "open"

    def offer(self, envelope: Any) -> bool:
        """Consider a status envelope; keep it if it verifies and is not older than the one held."""
        try:
            accepted = verify_status(envelope, self.pact, self.clock.now(), self.status)
        except StatusError as e:
            log.warning("ignoring a status: %s", e)
            return False
        with self._lock:
            self.status = accepted
        self._changed.set()
        return True

    def refresh(self) -> bool:
        """Poll the server once; False if it did not answer with a valid status."""
        try:
            return self.offer(self.client.status_envelope())
        except ClientError as e:
            log.warning("no status from the server: %s", e.diagnostics())
            return False

    def judge(self, flop: float, now: int) -> tuple[bool, str, Literal["forbidden", "no-status"] | None]:
        """(must stop, why) for a run of ``flop`` at ``now`` under the status held (pure but for the held status)."""
        st = self.status
        if st is None or st.expires_at <= now:
            what = "no valid status has been received" if st is None else f"the last valid status expired at {format_time(st.expires_at)}"
            if self.policy_for(flop) == "closed":
                return True, f"{what}; failing closed", "no-status"
            return False, f"{what}; failing open: continuing", None
        mine = st.core["parties"].get(self.party, {})
        limit = mine.get("max_training_flop")
        level = mine.get("level")
        if not st.core["in_force"] or limit is None or flop <= limit:
            return False, f"status at tree size {st.tree_size}: level {level}, limit {limit if limit is not None else 'none'}", None
        return True, (f"status at tree size {st.tree_size} (issued {st.core['issued_at']}): {self.party} is at level {level}, "
                      f"which limits training to {limit:g} FLOP; this run declares {flop:g}"), "forbidden"

    # ------------------------------------------------------------------ runs

    def wait_until_allowed(self, flop: float, timeout: float, interval: float = 0.5) -> bool:
        """Block until a valid status allows a run of ``flop`` (True) or ``timeout`` real seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.refresh()
            if not self.judge(flop, self.clock.now())[0]:
                return True
            time.sleep(interval)
        return False

    def run(self, run_id: str, flop: float, start_timeout: float = 30.0) -> RunContext:
        return RunContext(self, run_id, flop, start_timeout)

    def close(self) -> None:
        self.client.close()


class RunContext:
    """``with guard.run(...) as run``: declares start, watches and heartbeats, declares stop."""

    def __init__(self, guard: Guard, run_id: str, flop: float, start_timeout: float) -> None:
        self.guard, self.start_timeout = guard, start_timeout
        self.run = GuardedRun(run_id, flop, guard.policy_for(flop))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> GuardedRun:
        g, r = self.guard, self.run
        deadline = time.monotonic() + self.start_timeout
        while not g.refresh() and time.monotonic() < deadline and r.fail == "closed":
            time.sleep(0.2)
        stop, why, _ = g.judge(r.flop, g.clock.now())
        if stop:
            raise RunRefused(f"run {r.run_id} may not start: {why}")
        r._decide(g.clock.now(), False, why)
        g.client.submit(g.signer, "run", {"run": r.run_id, "event": "start", "flop": r.flop})
        self._threads = [threading.Thread(target=self._watch, daemon=True, name=f"guard-watch-{r.run_id}"),
                         threading.Thread(target=self._tick, daemon=True, name=f"guard-tick-{r.run_id}")]
        for t in self._threads:
            t.start()
        return r

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        g, r = self.guard, self.run
        self._threads[1].join(2)  # the ticker; the watcher may sit in a stream read and ends with it
        try:
            g.client.submit(g.signer, "run", {"run": r.run_id, "event": "stop", "flop": r.flop})
        except ClientError as e:
            log.error("run %s: could not declare stop: %s", r.run_id, e.diagnostics())

    def _watch(self) -> None:
        """Follow statuses: server-sent events, falling back to polling while the stream is down."""
        g = self.guard
        try:
            while not self._stop.is_set():
                if g.use_events:
                    try:
                        for event, data in g.client.events(timeout=max(20.0, g.poll_every)):
                            if self._stop.is_set():
                                return
                            if event == "status":
                                g.offer(data)
                    except ClientError as e:
                        log.info("event stream unavailable (%s); polling", e.diagnostics())
                if self._stop.is_set():
                    return
                g.refresh()
                self._stop.wait(g.poll_every)
        except RuntimeError:  # the guard's client was closed after the run ended
            return

    def _tick(self) -> None:
        """Judge the run on every status change and at least every 0.2 s; send heartbeats."""
        g, r = self.guard, self.run
        last_beat = time.monotonic()
        while not self._stop.is_set():
            g._changed.wait(0.2)
            g._changed.clear()
            now = g.clock.now()
            stop, why, kind = g.judge(r.flop, now)
            r._decide(now, stop, why, kind)
            if time.monotonic() - last_beat >= g.heartbeat_every and not r.must_stop:
                last_beat = time.monotonic()
                try:
                    g.client.submit(g.signer, "run", {"run": r.run_id, "event": "heartbeat", "flop": r.flop})
                except ClientError as e:
                    log.warning("run %s: heartbeat not accepted: %s", r.run_id, e.diagnostics())


def iterate(run: GuardedRun, steps: Iterator[Any], on_stop: Callable[[], None]) -> Iterator[Any]:
    """Yield from ``steps`` until ``run.must_stop``; then call ``on_stop`` (save a checkpoint) and end."""
    for item in steps:
        if run.must_stop:
            on_stop()
            return
        yield item


__all__ = ["Decision", "Guard", "GuardedRun", "RunContext", "RunRefused", "iterate"]
