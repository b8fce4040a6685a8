"""The rehearsal driver: plays a script's steps against the world, moving the clock event by event.

To reach a step's time the driver advances the dial, and after each move waits until everything
has caught up (``World.settle``). While a guarded run is live it stops at every moment a guard
could notice: when the server's status is due again (a third of ``status_ttl`` after the last),
when the served status expires, and when the engine changes a level or a proposal by time
alone (found on the driver's own replay of the log). Without a live guard it moves straight to
the next step: nothing judges the time in between, and the engine dates every change exactly.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from ..core.durations import format_time, parse_time
from ..core.pact import Pact
from ..errors import InputError, PausepactError
from ..party.client import ClientError
from .expect import Check, check
from .narrate import Narrator, shown
from .script import Action, Script
from .statements import Submitted, prepare, submit
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


class Rehearsal:
    def __init__(self, script: Script, pact: Pact, world: World, console: Console, speed: float | None = None) -> None:
        self.script, self.pact, self.world, self.console, self.speed = script, pact, world, console, speed
        self.narrator = Narrator(console, pact, days=all(t % 86400 == 0 for t in [script.start, *(a.t for a in script.actions)]),
                                 key_names={a.revoked: str(a.statement()["key"]) for a in script.actions if a.revoked})
        self.outcome = Outcome()
        self.submitted: dict[str, Submitted] = {}  # step id -> what the log accepted
        self.sealed_told: list[Submitted] = []  # sealed reports to narrate once their verdicts are in
        self.viewed: dict[str, set[str]] = {}  # monitor -> sealed reports its views have shown
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
        replica = self.world.replica
        for sub in self.sealed_told:  # a sealed report is told with its verdicts, which settle waited for
            self.narrator.sealed_report(self.world.now, sub, replica.sealed(sub.statement), st)
        self.sealed_told.clear()
        self.narrator.watch(st, self.world.served, replica)
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
                ttl = w.replica.version_at(w.now).oversight.status_ttl
                candidates = []
                if w.proposed is not None:
                    candidates.append(parse_time(w.proposed["issued_at"]) + ttl // 3 + 1)
                if w.served is not None:
                    candidates.append(parse_time(w.served["expires_at"]))
                # a heartbeat gets its own instant: sent at a status's instant it could race the core proposed then
                candidates.extend(w.heartbeats_due())
                w.replica.follow(w.client, int(w.clock_info()["size"]))
                change = w.replica.next_change(w.now, target)
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
        elif a.kind == "monitor_view":
            view = step.monitor_view
            self.narrator.monitor_view(w.now, view.monitor, self._opened(view.monitor, view.of), step.say)
        elif a.kind == "expect":
            self.expect(a)
        else:
            self.submit(a)

    def _opened(self, monitor: str, of: list[str] | None) -> list[tuple[int, str, str, float]]:
        """(index, subject, indicator, value) of each sealed report ``monitor`` opened, read from its own state file:
        those ``of`` names, or those not shown in an earlier view of it."""
        from ..monitor.state import MonitorState

        try:
            openings = MonitorState.load(self.world.folder / f"monitor-{monitor}.json").openings
        except (OSError, ValueError, PausepactError) as e:
            raise RehearsalError(f"the state file of monitor {monitor} cannot be read: {e}") from None
        wanted = None if of is None else {self.submitted[i].statement for i in of if i in self.submitted}
        shown_before = self.viewed.setdefault(monitor, set())
        out = []
        for digest, o in sorted(openings.items(), key=lambda kv: int(kv[1]["index"])):
            rec = self.world.replica.sealed(digest)
            if rec is None or (wanted is not None and digest not in wanted) or (wanted is None and digest in shown_before):
                continue
            shown_before.add(digest)
            out.append((rec.index, rec.subject, rec.indicator, float(o["value"])))
        return out

    def submit(self, a: Action) -> None:
        w, step = self.world, a.step
        pact = w.replica.version_at(w.now)  # after an amendment executes, statements name the new version
        says = step.say or f"{step.by} {a.kind} {json.dumps(a.statement(), separators=(',', ':'))}"
        try:
            sub = submit(w, a, pact, *prepare(a, w.now, self.submitted))
        except InputError as e:  # a sealed value refused before anything was sent, as pausepact submit refuses it
            raise StepFailed(f"{a.kind} by {step.by} cannot be sent: {e.diagnostics()}") from None
        except ClientError as e:
            if step.refused is not None and e.error == step.refused:
                self.narrator.say(w.now, f"[dim]refused as expected ({shown(e.error)}):[/] {shown(says)}")
                return
            raise StepFailed(f"the log refused {a.kind} by {step.by}: {e.diagnostics()}") from None
        if step.refused is not None:
            raise StepFailed(f"the log accepted (entry #{sub.index}) what the script expects it to refuse ({step.refused})")
        if step.id is not None:
            self.submitted[step.id] = sub
        version = f" [dim](version {pact.version})[/]" if pact.version != self.pact.version else ""
        if sub.opening is not None:
            sub.says = f"{shown(says)}, sealed" + (f" [dim]under version {pact.version}[/]" if version else "")
            self.sealed_told.append(sub)
            return
        void = f" [yellow](void: {shown(sub.void)})[/]" if sub.void else ""
        self.narrator.say(w.now, f"[dim]#{shown(sub.index):<4}[/] {shown(says)}{version}{void}")
        if a.kind == "amend" and a.amendment is not None and not sub.void:
            self.narrator.amendment(pact, a.amendment, a.step.amend.rationale)
        elif a.kind in ("vote", "propose") and isinstance(a.statement().get("rationale"), str):
            self.narrator.rationale(a.statement()["rationale"])

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
        return judge_status(envelope, self._named_version(envelope), Clock.from_spec(w.clock_spec).now(), size)

    def _named_version(self, envelope: Any) -> Pact:
        """The version of the chain a status names (judged as by a party pinned to it); the first when none matches."""
        from ..core.status import StatusError, decode_core

        try:
            digest = decode_core(envelope)[0].get("pact_digest")
        except StatusError:
            return self.pact
        return next((v.pact for v in self.world.replica.versions(self.world.now) if v.digest == digest), self.pact)

    def expect(self, a: Action) -> None:
        w, e = self.world, a.step.expect
        status = self.status() if e.status is not None or e.status_level is not None else None
        ids = {sid: sub.index for sid, sub in self.submitted.items()}
        checks: list[Check] = check(e, self.outcome.state, status, {k: g.state() for k, g in w.guards.items()}, ids)
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
        versions = self.outcome.state.get("versions") or []
        self.console.print(f"\n[bold]Independent verification of the whole log[/] (pausepact verify --pact "
                           f"{shown(self.script.pact_path.name)} --server: the first version, no secret):")
        if len(versions) > 1:
            self.console.print("  it follows the chain of versions from the log: " + " → ".join(
                f"version {shown(v['version'])} ({shown(v['digest'][:19])}…"
                + (f", amend proposal #{shown(v['index'])}, in force after {self.narrator.stamp(v['since'])}" if v["index"] is not None else "")
                + ")" for v in versions))
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
