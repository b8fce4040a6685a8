"""Webhook notifications of ``pausepact serve --notify URL``.

A **watcher** thread reads the server's engine (settled to the log's clock) about
once a second and derives events from what it sees: level changes (coordinated
and per party), proposals made, queued, executed, cancelled, defeated or
expired, violations, and coming deadlines (a report due within 3 days, a
proposal expiring within 5). Each event has a stable id (a hash of what it is
about), so the same fact seen again is the same event.

Each webhook has its own **outbox** thread: it POSTs each event once, with a
timeout, retrying with bounded exponential backoff. Nothing here runs on the
follower's or a request's path: a slow or dead webhook only delays its own
outbox. Delivered ids are appended to a **ledger** file, so a restart does not
send them again (events not yet delivered when the server stopped are sent after
it starts again, since they are derived anew from the log).

The body is canonical JSON (ASCII, party text JSON-escaped as data). With a
secret, ``X-Pausepact-Signature: sha256=HEX`` is HMAC-SHA256 of the exact body.
A ``slack+https://...`` webhook gets ``{"text": ...}``, a one-line summary with
``&``, ``<`` and ``>`` escaped, as Slack and Matrix hookshot webhooks take it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx

from ..core.durations import format_time
from ..core.engine import Engine
from ..core.engine.model import EXPIRY
from ..errors import InputError

log = logging.getLogger("pausepact.notify")
DAY = 86400
REPORT_WARNING = 3 * DAY
EXPIRY_WARNING = 5 * DAY
CLOSED = ("executed", "cancelled", "defeated", "expired")


@dataclass(frozen=True)
class Webhook:
    """One ``--notify`` target. ``chat``: send a ``{"text"}`` summary (``slack+`` prefix)."""

    url: str
    secret: bytes | None
    chat: bool = False

    @classmethod
    def parse(cls, spec: str, secret: str | None = None) -> Webhook:
        """``[slack+]http(s)://host/path[#secret=S]``; a secret in the fragment wins over ``secret``.

        The fragment is never sent. Raises InputError naming the problem.
        """
        chat = spec.startswith("slack+")
        url = spec[len("slack+"):] if chat else spec
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"--notify {spec!r}: use http(s)://HOST/PATH (or slack+https://...)")
        own = parse_qs(parts.fragment).get("secret", [None])[0]
        key = own if own is not None else secret
        return cls(urlunsplit(parts._replace(fragment="")), key.encode() if key else None, chat)

    @property
    def hook_id(self) -> str:
        """A stable name of this target in the ledger (its URL is not written there: it may hold a token)."""
        return hashlib.sha256(self.url.encode()).hexdigest()[:16]

    @property
    def shown(self) -> str:
        """The URL for logs: scheme, host and port only (paths of chat webhooks are secrets)."""
        p = urlsplit(self.url)
        return f"{p.scheme}://{p.hostname}{f':{p.port}' if p.port else ''}/..."

    def body(self, event: dict[str, Any]) -> bytes:
        data = {"text": summary(event)} if self.chat else event
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    def headers(self, event: dict[str, Any], body: bytes) -> dict[str, str]:
        h = {"content-type": "application/json", "x-pausepact-event": event["id"], "x-pausepact-kind": event["kind"]}
        if self.secret is not None:
            h["x-pausepact-signature"] = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        return h


def ledger_path(store_url: str, digest: str) -> Path:
    """Where delivered ids are kept: beside a SQLite store, else in the working directory, named by the pact."""
    if store_url.startswith("sqlite:///"):
        return Path(store_url[len("sqlite:///"):] + ".notified")
    return Path(f"pausepact-{digest.removeprefix('sha256:')[:16]}.notified")


# ---------------------------------------------------------------- events


def _event(engine: Engine, kind: str, about: list[Any], at: int | str, details: dict[str, Any]) -> dict[str, Any]:
    key = json.dumps([kind, *about], separators=(",", ":"))
    return {"id": hashlib.sha256(key.encode()).hexdigest()[:32], "pact": engine.pact.pact, "digest": engine.pact.digest,
            "kind": kind, "at": at if isinstance(at, str) else format_time(at), "tree_size": engine.size,
            "details": details}


def observe(engine: Engine, now: int) -> list[dict[str, Any]]:
    """Every event an engine settled to ``now`` shows (the caller drops ones already sent).

    Deadlines follow the engine's overdue rule: a report on an indicator about a bound
    developer is due ``every`` after the latest one (or after the pact came in force or
    the developer signed, if none).
    """
    pact = engine.pact
    out: list[dict[str, Any]] = []
    c = engine.coord
    if c.since is not None:
        out.append(_event(engine, "level", ["all", c.level, c.since], c.since,
                          {"scope": "all", "level": c.level, "since": format_time(c.since),
                           "restrictions": _restrictions(engine, c.level)}))
    for dev, sc in engine.party_scope.items():
        if sc.since is not None:
            out.append(_event(engine, "level", [dev, sc.level, sc.since], sc.since,
                              {"scope": "party", "party": dev, "level": sc.level, "since": format_time(sc.since),
                               "effective": engine.own_level(dev), "restrictions": _restrictions(engine, engine.own_level(dev))}))
    for p in engine.proposals.values():
        shown = p.as_json(format_time)
        out.append(_event(engine, "proposal", [p.index], p.made_at, shown))
        if p.queued_at is not None:
            out.append(_event(engine, "queued", [p.index], p.queued_at, shown))
        if p.state in CLOSED:
            out.append(_event(engine, p.state, [p.index], p.closed_at if p.closed_at is not None else now, shown))
        elif p.state == "active" and now < p.made_at + EXPIRY <= now + EXPIRY_WARNING:
            out.append(_event(engine, "proposal-expiring", [p.index], now,
                              {**shown, "expires_at": format_time(p.made_at + EXPIRY)}))
    for v in engine.violations:
        out.append(_event(engine, "violation", [v["index"], v["kind"], v["party"], v["run"]], v["at"], dict(v)))
    for dev in engine.signed:
        for name, ind in pact.indicators.items():
            due = engine.report_due(dev, name)
            if due is not None and now <= due <= now + REPORT_WARNING:
                out.append(_event(engine, "report-due", [dev, name, due], now,
                                  {"party": dev, "indicator": name, "reported_by": ind.reported_by,
                                   "due_at": format_time(due)}))
    return out


def _restrictions(engine: Engine, level: str) -> dict[str, Any]:
    r = engine.pact.restriction(level)
    return {"max_training_flop": r.max_training_flop,
            "new_deployments": r.new_deployments if r.new_deployments is not None else True}


def summary(event: dict[str, Any]) -> str:
    """One line for a chat; party text is escaped for Slack-style markup (``&``, ``<``, ``>``)."""
    d, kind = event["details"], event["kind"]
    what = (f"amend to version {d.get('version')}" if d.get("action") == "amend"
            else f"{d.get('action')} {d.get('level')}")
    if kind == "level":
        where = "coordinated level" if d["scope"] == "all" else f"level of {d['party']}"
        text = f"{where} is now {d['level']} (since {d['since']})"
    elif kind == "violation":
        text = f"violation by {d['party']}: {d['kind']} (run {d['run']}, entry {d['index']})"
    elif kind == "report-due":
        text = f"report due: {d['indicator']} about {d['party']} by {d['due_at']}"
    elif kind == "proposal-expiring":
        text = f"proposal {d['id']} ({what}) expires at {d['expires_at']}"
    elif kind == "queued":
        text = f"proposal {d['id']} ({what}) queued; executes at {d['executes_at']}"
    else:
        verb = "made by " + d["proposer"] if kind == "proposal" else kind
        text = f"proposal {d['id']} ({what}) {verb}"
    line = f"[{event['pact']}] {text}"
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------- delivery


class Ledger:
    """Delivered (webhook, event) ids, one ``HOOK EVENT`` line each, appended and flushed as they are delivered."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.done: set[tuple[str, str]] = set()
        try:
            for line in path.read_text(errors="replace").splitlines():
                parts = line.split()
                if len(parts) == 2:
                    self.done.add((parts[0], parts[1]))
        except FileNotFoundError:
            pass

    def mark(self, hook: str, event: str) -> None:
        with self.lock:
            self.done.add((hook, event))
            try:
                with open(self.path, "a") as f:
                    f.write(f"{hook} {event}\n")
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as e:  # a lost mark costs at most one repeat after a restart
                log.warning("could not record a delivered notification in %s (%s)", self.path, e)


class Outbox:
    """One webhook's queue and delivery thread: each event POSTed until a 2xx, with bounded backoff."""

    def __init__(self, hook: Webhook, ledger: Ledger, stopping: threading.Event, timeout: float,
                 attempts: int, first_delay: float, max_delay: float) -> None:
        self.hook, self.ledger, self.stopping = hook, ledger, stopping
        self.timeout, self.attempts, self.first_delay, self.max_delay = timeout, attempts, first_delay, max_delay
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=10_000)
        self.thread = threading.Thread(target=self._run, name="pausepact-notify-out", daemon=True)

    def put(self, event: dict[str, Any]) -> bool:
        try:
            self.queue.put_nowait(event)
            return True
        except queue.Full:
            log.warning("notifications to %s: 10000 waiting; dropping %s", self.hook.shown, event["kind"])
            return False

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            while not self.stopping.is_set():
                try:
                    event = self.queue.get(timeout=0.5)
                except queue.Empty:
                    continue
                if self._deliver(client, event):
                    self.ledger.mark(self.hook.hook_id, event["id"])

    def _deliver(self, client: httpx.Client, event: dict[str, Any]) -> bool:
        body = self.hook.body(event)
        headers = self.hook.headers(event, body)
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                answer = client.post(self.hook.url, content=body, headers=headers)
                if 200 <= answer.status_code < 300:
                    return True
                why = f"answered {answer.status_code}"
            except httpx.HTTPError as e:
                why = type(e).__name__
            if attempt == self.attempts:
                break
            log.info("notification %s to %s failed (%s); retry %d in %gs", event["kind"], self.hook.shown, why, attempt, delay)
            if self.stopping.wait(delay):
                return False
            delay = min(delay * 2, self.max_delay)
        log.warning("notification %s %s to %s not delivered after %d attempts (%s)", event["kind"], event["id"],
                    self.hook.shown, self.attempts, why)
        return False


class Notifier:
    """Watches the engine through ``sample`` (returns the events now visible) and feeds every webhook's outbox."""

    def __init__(self, hooks: list[Webhook], sample: Callable[[], list[dict[str, Any]]], ledger: Path, *,
                 interval: float = 1.0, timeout: float = 10.0, attempts: int = 8, first_delay: float = 1.0,
                 max_delay: float = 300.0) -> None:
        self.sample, self.interval = sample, interval
        self.ledger = Ledger(ledger)
        self.stopping = threading.Event()
        self.wakeup = threading.Event()
        self.outboxes = [Outbox(h, self.ledger, self.stopping, timeout, attempts, first_delay, max_delay) for h in hooks]
        self.sent: set[tuple[str, str]] = set(self.ledger.done)  # queued or delivered
        self.thread = threading.Thread(target=self._watch, name="pausepact-notify-watch", daemon=True)

    def start(self) -> None:
        for o in self.outboxes:
            o.thread.start()
        self.thread.start()

    def wake(self) -> None:
        """Look again soon (the follower applied entries); never blocks."""
        self.wakeup.set()

    def stop(self) -> None:
        self.stopping.set()
        self.wakeup.set()
        for t in [self.thread, *(o.thread for o in self.outboxes)]:
            if t.is_alive():
                t.join(timeout=15)

    def _watch(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                events = self.sample()
            except Exception as e:  # noqa: BLE001 - notifications never take the server down; try again
                log.warning("notifications: could not read the engine (%s); trying again", type(e).__name__)
                events = []
            for event in events:
                for o in self.outboxes:
                    key = (o.hook.hook_id, event["id"])
                    if key not in self.sent and o.put(event):
                        self.sent.add(key)
            self.wakeup.wait(max(0.0, self.interval - (time.monotonic() - started)))
            self.wakeup.clear()


__all__ = ["Ledger", "Notifier", "Webhook", "ledger_path", "observe", "summary"]
