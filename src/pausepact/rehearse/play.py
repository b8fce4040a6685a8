"""The rehearsal driver: plays a script's steps against the world, moving the clock event by event.

To reach a step's time the driver advances the dial, and after each move waits until everything
has caught up (``World.settle``). While a guarded run is live it stops at every moment a guard
could notice: when the server's status is due again (a third of ``status_ttl`` after the last),
when the served status expires, and when the engine changes a level or a proposal by time
alone (found on the driver's own replay of the log). Without a live guard it moves straight to
the next step: nothing judges the time in between, and the engine dates every change exactly.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from ..core.durations import format_time, parse_time
from ..core.engine import Engine
from ..core.pact import Pact
from ..log.checking import check_one
from ..party.client import ClientError
from .expect import Check, check
from .narrate import Narrator, shown
from .script import Action, Script
from .world import RehearsalError, World


@dataclass
class Outcome:
    """What a rehearsal showed: ``ok`` when every step did what the script says and the log verified."""

    failures: list[dict[str, Any]] = field(default_factory=list)
    expectations: list[dict[str, Any]] = field(default_factory=list)
    verified: bool = False
    verify_output: str = ""
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures and self.verified


class Replica:
    """The driver's own replay of the log, to know when the engine will change something by time alone."""

    def __init__(self, pact: Pact) -> None:
        self.pact, self.engine = pact, Engine(pact)

    def follow(self, world: World, size: int) -> None:
        while self.engine.size < size:
            for e in world.client.entries(self.engine.size, size):
                self.engine.apply(e["index"], check_one(e["envelope"], self.pact))

    def next_change(self, now: int, until: int) -> int | None:
        """The first moment in (now, until] when time alone changes the state (a level, a proposal, a violation)."""
        base = len(self.engine.timeline)
        view = self.engine.view(until)
        times = [parse_time(ev["at"]) for ev in view.timeline[base:]]
        later = [t for t in times if now < t <= until]
        return min(later) if later else None


class Rehearsal:
    def __init__(self, script: Script, pact: Pact, world: World, console: Console, speed: float | None = None) -> None:
        self.script, self.pact, self.world, self.console, self.speed = script, pact, world, console, speed
        self.narrator = Narrator(console, pact, days=all(t % 86400 == 0 for t in [script.start, *(a.t for a in script.actions)]))
        self.replica = Replica(pact)
        self.outcome = Outcome()
        self.digests: dict[str, str] = {}
        self.guard_states: dict[str, str] = {}
        self.real_start = time.monotonic()

    # ------------------------------------------------------------------ the year

    def play(self) -> Outcome:
        w, s = self.world, self.script
        w.start(s.start, s.monitors)
        self.console.print(f"[bold]{shown(s.title)}[/]: pact {shown(self.pact.pact)} ({self.pact.digest[:19]}…), "
                           f"rehearsal {w.rehearsal} in {shown(w.folder)}\nserver {w.url} (public page at {w.url}/), "
                           f"monitors {shown(', '.join(s.monitors) or 'none')}; the clock moves only once every process "
                           "has caught up\n")
        self._settled()
        for action in s.actions:
            self.advance(action.t)
            try:
                self.perform(action)
            except StepFailed as e:
                self.fail(action, str(e))
            except RehearsalError as e:  # this step cannot be played at all (a key file missing, a monitor not running)
                raise RehearsalError(f"{self.script.path}: {action.where}: {e.diagnostics()}") from None
            self._settled()
        self.finish()
        return self.outcome

    def fail(self, action: Action, what: str) -> None:
        self.outcome.failures.append({"step": action.index + 1, "line": action.line, "at": format_time(action.t), "what": what})
        self.narrator.say(self.world.now, f"[red]✗ {action.where}: {shown(what)}[/]")

    def _settled(self) -> None:
        """Settle, then narrate what changed (the state, the signed status, the guards' runs)."""
        self.world.settle()
        try:
            st = self.world.client.state()
        except ClientError as e:
            raise RehearsalError(f"the server's state could not be read: {e.diagnostics()}") from None
        self.narrator.watch(st, self.world.served)
        self.outcome.state = st
        for label, g in self.world.guards.items():
            now = g.state()
            if self.guard_states.get(label) != now:
                self.guard_states[label] = now
                if now != "running":
                    ack = self.world.dial.read_ack(g.ack_name) or {}
                    why = f": {shown(ack['reason'])}" if ack.get("must_stop") and ack.get("reason") else ""
                    if now == "refused":
                        why = f": {shown(self.world.last_words(label))}"
                    colour = "bold red" if now in ("forbidden", "no-status", "refused") else "yellow"
                    self.narrator.say(self.world.now, f"[{colour}]guard {shown(label)} ({shown(g.spec.party)}, run "
                                                      f"{shown(g.spec.run)}): {now}{why}[/]")

    # ------------------------------------------------------------------ time

    def advance(self, target: int) -> None:
        """Move the clock to ``target``, stopping wherever a live guard could notice something (module doc)."""
        w = self.world
        while w.now < target:
            nxt = target
            if w.live_guards():
                ttl = self.pact.oversight.status_ttl
                candidates = []
                if w.proposed is not None:
                    candidates.append(parse_time(w.proposed["issued_at"]) + ttl // 3 + 1)
                if w.served is not None:
                    candidates.append(parse_time(w.served["expires_at"]))
                # a heartbeat gets its own instant: sent at a status's instant it could race the core proposed then
                candidates.extend(w.heartbeats_due())
                self.replica.follow(w, int(w.clock_info()["size"]))
                change = self.replica.next_change(w.now, target)
                if change is not None:
                    candidates.append(change)
                nxt = min([target, *[c for c in candidates if c > w.now]])
            self._pace(nxt)
            w.set_time(nxt)
            self._settled()

    def _pace(self, t: int) -> None:
        """With ``speed``, virtual time runs no faster than ``speed`` seconds a real second (for people watching)."""
        if self.speed:
            wait = (t - self.script.start) / self.speed - (time.monotonic() - self.real_start)
            if wait > 0:
                time.sleep(min(wait, 60.0))

    # ------------------------------------------------------------------ steps

    def perform(self, a: Action) -> None:
        w, step = self.world, a.step
        if a.kind == "advance":
            if step.say:
                self.narrator.say(w.now, shown(step.say))
        elif a.kind == "guard":
            spec = step.guard
            self.narrator.say(w.now, f"[green]{shown(step.say or f'guard {spec.label}: {spec.party} declares run {spec.run} ({spec.flop:g} FLOP)')}[/]")
            w.start_guard(spec)
        elif a.kind == "stop_guard":
            self.narrator.say(w.now, shown(step.say or f"guard {step.stop_guard} is stopped"))
            w.stop_guard(step.stop_guard)
        elif a.kind == "stop_monitor":
            self.narrator.say(w.now, f"[red]{shown(step.say or f'monitor {step.stop_monitor} goes down')}[/]")
            w.stop_monitor(step.stop_monitor)
        elif a.kind == "start_monitor":
            self.narrator.say(w.now, f"[green]{shown(step.say or f'monitor {step.start_monitor} is back')}[/]")
            w.start_monitor(step.start_monitor)
        elif a.kind == "expect":
            self.expect(a)
        else:
            self.submit(a)

    def submit(self, a: Action) -> None:
        w, step = self.world, a.step
        body = dict(a.statement())
        if a.kind == "report" and "measured_at" not in body:
            body["measured_at"] = format_time(w.now)
        if a.kind == "countersign" and "of" in body:
            body["statement"] = self.digests[body.pop("of")]
        says = step.say or f"{step.by} {a.kind} {json.dumps(a.statement(), separators=(',', ':'))}"
        try:
            receipt = w.client.submit(w.signer(step.by, step.key), a.kind, body)
        except ClientError as e:
            if step.refused is not None and e.error == step.refused:
                self.narrator.say(w.now, f"[dim]refused as expected ({shown(e.error)}):[/] {shown(says)}")
                return
            raise StepFailed(f"the log refused {a.kind} by {step.by}: {e.diagnostics()}") from None
        if step.refused is not None:
            raise StepFailed(f"the log accepted (entry #{receipt['index']}) what the script expects it to refuse ({step.refused})")
        if step.id is not None:
            env = w.client.entries(receipt["index"], receipt["index"] + 1)[0]["envelope"]
            self.digests[step.id] = hashlib.sha256(base64.b64decode(env["payload"])).hexdigest()
        void = f" [yellow](void: {shown(receipt['void'])})[/]" if receipt.get("void") else ""
        self.narrator.say(w.now, f"[dim]#{shown(receipt['index']):<4}[/] {shown(says)}{void}")

    def status(self) -> dict[str, Any] | None:
        """The status as ``pausepact status --clock rehearsal:PATH`` judges it (its own code, on a clock read from the
        dial as that command reads it); None when the server has none."""
        from ..cli.party_cmds import judge_status
        from ..clock import Clock

        w = self.world
        try:
            envelope = w.client.status_envelope()
        except ClientError as e:
            if e.status == 404:
                return None
            raise RehearsalError(f"the server's status could not be read: {e.diagnostics()}") from None
        size = int(w.clock_info()["size"])
        return judge_status(envelope, self.pact, Clock.from_spec(w.clock_spec).now(), size)

    def expect(self, a: Action) -> None:
        w, e = self.world, a.step.expect
        status = self.status() if e.status is not None or e.status_level is not None else None
        checks: list[Check] = check(e, self.outcome.state, status, {k: g.state() for k, g in w.guards.items()})
        good = all(c.ok for c in checks)
        self.outcome.expectations.append({"step": a.index + 1, "line": a.line, "at": format_time(w.now), "ok": good,
                                          "say": a.step.say, "checks": [c.as_json() for c in checks]})
        label = shown(a.step.say or "; ".join(c.what for c in checks))
        self.console.print(f"  {'[green]✓' if good else '[red]✗'}[/] {label}")
        for c in checks:
            if not c.ok:
                self.fail(a, f"expected {c.what}, got {c.got}")

    # ------------------------------------------------------------------ the end

    def finish(self) -> None:
        w = self.world
        w.settle_witnessed()
        self.console.print("\n[bold]Independent verification of the whole log[/] (pausepact verify --server):")
        try:
            r = subprocess.run([sys.executable, "-m", "pausepact", "verify", "--pact", str(self.script.pact_path), "--server", w.url],
                               capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            raise RehearsalError("the independent verification did not finish in 600 s") from None
        self.outcome.verified = r.returncode == 0
        self.outcome.verify_output = (r.stdout.strip() or r.stderr.strip())
        self.console.print("  " + shown(self.outcome.verify_output))

    def result(self) -> dict[str, Any]:
        """The outcome for scripts (``--json``)."""
        st, o = self.outcome.state, self.outcome
        return {"ok": o.ok, "title": self.script.title, "script": str(self.script.path),
                "pact": {"id": self.pact.pact, "digest": self.pact.digest}, "rehearsal": self.world.describe(),
                "start": format_time(self.script.start), "end": format_time(self.world.now), "steps": len(self.script.actions),
                "failures": o.failures, "expectations": o.expectations, "guards": dict(self.guard_states),
                "final": {"level": st.get("level"), "in_force": st.get("in_force"), "tree_size": st.get("tree_size"),
                          "parties": {d: p.get("level") for d, p in st.get("parties", {}).items()},
                          "violations": len(st.get("violations", [])), "rejected": len(st.get("rejected", []))},
                "verify": {"ok": o.verified, "output": o.verify_output}}


class StepFailed(Exception):
    """A step did not do what the script says (a statement refused, or accepted when a refusal was expected)."""
