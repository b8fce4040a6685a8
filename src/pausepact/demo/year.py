"""``pausepact demo``: a year of a coordinated pause, played on a real server with real monitors.

It writes a pact for four developers and three monitors with fresh keys into a
folder, starts ``pausepact serve`` on SQLite and three ``pausepact monitor``
processes, all on one simulated clock, then plays a year: signatures and entry
into force, monthly reports, one developer's AI-written code share creeping past
its red line (a coordinated slowdown), a time-horizon doubling at another (a
pause for all), a training run declared above the new limit (a violation),
fresh evidence, attestations, monitor votes, timelocks and two resumptions. Each
step is narrated; at the end the independent verifier checks the whole log.
Every statement goes through the HTTP API and every transition is computed by
the server's engine and signed by the monitors: nothing is scripted but the
parties' own statements.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from .. import keyfiles
from ..core.durations import format_time, parse_time
from ..errors import PausepactError
from ..init_pact import party_lines
from ..pactio import load_pact
from ..party.client import ClientError, PactClient
from ..party.signer import Signer
from .children import Children, terminate_as_interrupt

START = "2027-01-01T00:00:00Z"
DAY = 86400
DEVELOPERS = ["lab-a", "lab-b", "lab-c", "lab-d"]
MONITORS = ["aisi", "eval-org", "civic-audit"]
NAMES = {"lab-a": "Lab A", "lab-b": "Lab B", "lab-c": "Lab C", "lab-d": "Lab D", "aisi": "AI Safety Institute",
         "eval-org": "Independent Evaluator", "civic-audit": "Civil Society Auditor", "log": "Pact Log"}

PACT = """\
# The demo pact: four frontier developers, three monitors. Time runs compressed in the demo (days per
# second), so the signed status lives 30 simulated days and running jobs get 30 days to stop, where a
# real pact would say minutes and an hour.
pact: demo-pause
version: 1
title: Coordinated Pause Agreement (demo)
origin: pausepact.example/demo-pause

effective:
  min_developers: 3

parties:
{parties}

indicators:
  ai_code_share:
    description: Share of lines added to the developer's production code that its own models wrote
    unit: ratio
    reported_by: developer
    every: 30d
  time_horizon_minutes:
    description: 50% task-completion time horizon of the developer's most capable model, measured by a monitor
    unit: minutes
    reported_by: monitor
    every: 90d
  ai_rnd_score:
    description: Score on the agreed automated AI R&D evaluation suite
    unit: score
    reported_by: developer
    every: 90d
    countersigned_by: monitor

levels: [normal, heightened, slowdown, pause]

restrictions:
  slowdown: {{max_training_flop: 1.0e+26, grace: 30d}}
  pause: {{max_training_flop: 1.0e+24, new_deployments: false, grace: 30d}}

red_lines:
  - id: models-write-the-code
    indicator: ai_code_share
    at_least: 0.95
    for: 60d
    raise: slowdown
  - id: runaway-self-improvement
    indicator: time_horizon_minutes
    doubling_within: 60d
    window: 365d
    raise: pause
  - id: automated-researcher
    indicator: ai_rnd_score
    at_least: 0.5
    raise: pause
  - id: gone-silent
    overdue: 14d
    raise: heightened
    scope: party

emergency:
  raise: pause
  approval: 2/3 of monitors

resumption:
  pause:
    to: slowdown
    min_duration: 30d
    clear: true
    attestations: [safeguards-adequate, security-level-4]
    approval: 2/3 of monitors
    timelock: 7d
  slowdown:
    to: normal
    min_duration: 14d
    clear: true
    approval: 2/3 of monitors
    timelock: 3d
  heightened:
    to: normal
    clear: true
    approval: 1 of monitors

oversight:
  witness_quorum: 2
  status_quorum: 2
  status_ttl: 30d
"""


@dataclass
class Step:
    day: float
    party: str
    type: str
    body: dict[str, Any]
    says: str


def _code_share(party: str, day: int) -> float:
    """Lab B's models write ever more of its code; it crosses 0.95 in spring and falls back after the pause."""
    if party == "lab-b":
        return {0: 0.70, 30: 0.82, 60: 0.90, 90: 0.96, 120: 0.97, 150: 0.98, 180: 0.98, 210: 0.97, 240: 0.97}.get(day, 0.88)
    return {"lab-a": 0.45, "lab-c": 0.30, "lab-d": 0.20}[party] + day / 3650


def script() -> list[Step]:
    """The year, as the parties' own statements (the engine decides every consequence)."""
    s: list[Step] = []
    for i, d in enumerate(["lab-a", "lab-b", "lab-c"]):
        s.append(Step(0.1 * i, d, "sign", {}, f"{NAMES[d]} signs the pact"))
    for month in range(13):
        day = 30 * month
        for d in DEVELOPERS:
            if d == "lab-d" and day < 30:
                continue
            v = round(_code_share(d, day), 3)
            s.append(Step(day + 1, d, "report", {"indicator": "ai_code_share", "value": v}, f"{NAMES[d]} reports ai_code_share {v}"))
    s.append(Step(20, "lab-d", "sign", {}, "Lab D signs: it is bound from now on"))
    s.append(Step(20.5, "lab-d", "report", {"indicator": "ai_code_share", "value": 0.2}, "Lab D reports ai_code_share 0.2"))
    for day in (2, 88, 178, 255, 340):
        for d in DEVELOPERS:
            if d == "lab-d" and day < 20:
                continue
            s.append(Step(day, d, "report", {"indicator": "ai_rnd_score", "value": 0.2},
                          f"{NAMES[d]} reports ai_rnd_score 0.2 (counts once a monitor countersigns)"))
            s.append(Step(day + 0.5, MONITORS[(day // 30) % 3], "countersign", {"report_of": (d, day)},
                          f"a monitor countersigns {NAMES[d]}'s ai_rnd_score"))
    for day, value in ((170, 100), (200, 200), (230, 400)):
        s.append(Step(day, "aisi", "report", {"indicator": "time_horizon_minutes", "value": value, "subject": "lab-a"},
                      f"AISI measures Lab A's time horizon: {value} minutes"))
    s.append(Step(235, "lab-c", "run", {"run": "frontier-7", "event": "start", "flop": 5e25},
                  "Lab C declares training run frontier-7 at 5e25 FLOP, above the pause limit"))
    s.append(Step(236, "lab-c", "run", {"run": "frontier-7", "event": "stop", "flop": 5e25},
                  "Lab C stops frontier-7 a day later (its start was already a violation)"))
    for day in (245, 255, 265):
        for d in DEVELOPERS:
            v = 400 if d == "lab-a" else 60
            s.append(Step(day, "eval-org", "report", {"indicator": "time_horizon_minutes", "value": v, "subject": d},
                          f"the evaluator re-measures {NAMES[d]}: {v} minutes (no growth)"))
    for d in DEVELOPERS:
        for claim in ("safeguards-adequate", "security-level-4"):
            s.append(Step(258, d, "attest", {"claim": claim, "level": "pause"}, f"{NAMES[d]} attests {claim}"))
    s.append(Step(259, "aisi", "propose", {"id": "resume-pause", "action": "resume", "level": "pause"},
                  "AISI proposes to resume from the pause"))
    s.append(Step(259.5, "aisi", "vote", {"proposal": "resume-pause", "choice": "yes"}, "AISI votes yes"))
    s.append(Step(260, "civic-audit", "vote", {"proposal": "resume-pause", "choice": "yes"}, "the auditor votes yes"))
    s.append(Step(285, "eval-org", "propose", {"id": "resume-slowdown", "action": "resume", "level": "slowdown"},
                  "the evaluator proposes to end the slowdown"))
    s.append(Step(285.5, "eval-org", "vote", {"proposal": "resume-slowdown", "choice": "yes"}, "the evaluator votes yes"))
    s.append(Step(286, "aisi", "vote", {"proposal": "resume-slowdown", "choice": "yes"}, "AISI votes yes"))
    s.sort(key=lambda x: x.day)
    return s


EXPECTED: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [
    ("in force", lambda st: st["in_force"]),
    ("a coordinated slowdown by models-write-the-code (lab-b)",
     lambda st: any(r["red_line"] == "models-write-the-code" and r["party"] == "lab-b" and r["level"] == "slowdown" for r in st["reasons"])),
    ("a pause for all by runaway-self-improvement (lab-a)",
     lambda st: any(r["red_line"] == "runaway-self-improvement" and r["party"] == "lab-a" and r["level"] == "pause" for r in st["reasons"])),
    ("Lab C's run above the limit recorded as a violation",
     lambda st: any(v["party"] == "lab-c" and v["kind"] == "run-over-limit" for v in st["violations"])),
    ("the pause resumed to slowdown after its timelock",
     lambda st: any(p["id"] == "resume-pause" and p["state"] == "executed" for p in st["proposals"])),
    ("the slowdown resumed to normal", lambda st: any(p["id"] == "resume-slowdown" and p["state"] == "executed" for p in st["proposals"])),
    ("back at normal, nothing rejected", lambda st: st["level"] == "normal" and not st["rejected"]),
    ("Lab A's guarded run stopped in time: no violation by lab-a", lambda st: not any(v["party"] == "lab-a" for v in st["violations"])),
]


class DemoError(PausepactError):
    """The demo could not set up or run (port taken, server did not start, folder unusable)."""


def _shown(value: object) -> str:
    from ..cli.common import shown  # the CLI's one way to print party-controlled text

    return shown(value)


def check_port_free(port: int) -> None:
    """DemoError unless the server could listen on 127.0.0.1:``port`` (bound as uvicorn binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            raise DemoError(f"port {port} on 127.0.0.1 is not free ({e.strerror}): choose another with --port") from None


@dataclass
class Demo:
    folder: Path
    speed: float
    port: int
    children: Children = field(default_factory=Children)
    console: Console = field(default_factory=lambda: Console(highlight=False, soft_wrap=True, emoji=False))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---------------------------------------------------------------- set-up

    def write_pact(self) -> Path:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DemoError(f"{self.folder}: cannot use as the demo's folder: {e.strerror}") from None
        specs = [(pid, "developer" if pid in DEVELOPERS else "monitor" if pid in MONITORS else "log", NAMES[pid])
                 for pid in [*DEVELOPERS, *MONITORS, "log"]]
        # Lab A's training cluster has its own key: its guard never races the lab's other statements for a seq
        lines, _ = party_lines(self.folder, specs, {"lab-a": ["lab-a-cluster"]}, reuse=True)
        path = self.folder / "pact.yaml"
        path.write_text(PACT.format(parties="\n".join(lines)))
        return path

    def start(self) -> None:
        check_port_free(self.port)
        try:
            pact = self.write_pact()
        except OSError as e:
            raise DemoError(f"{self.folder}: cannot write the demo's files: {e.strerror}") from None
        self.anchor = time.time() + 3.0  # everyone's clock reads 2027-01-01 three real seconds from now
        clock = ["--clock-start", START, "--clock-speed", str(self.speed), "--clock-anchor", repr(self.anchor)]
        skew = str(int(max(300, self.speed * 0.5)))  # half a real second, in simulated seconds
        db = self.folder / "log.db"
        logs = self.folder / "logs"
        try:
            for f in [*self.folder.glob("log.db*"), *self.folder.glob("monitor-*.json")]:
                f.unlink()
            logs.mkdir(exist_ok=True)
        except OSError as e:
            raise DemoError(f"{self.folder}: cannot prepare the demo's folder: {e}") from None
        self._spawn(["serve", "--pact", str(pact), "--key", str(self.folder / "keys" / "log.pem"), "--store", f"sqlite:///{db}",
                     "--port", str(self.port), "--max-skew", skew, *clock], logs / "serve.log")
        for m in MONITORS:
            self._spawn(["monitor", "--server", self.url, "--pact", str(pact), "--as", m, "--key", str(self.folder / "keys" / f"{m}.pem"),
                         "--state", str(self.folder / f"monitor-{m}.json"), "--interval", "0.2", "--max-skew", skew, *clock],
                        logs / f"monitor-{m}.log")
        self.pact = load_pact(pact)
        self.client = PactClient(self.url, self.pact)
        deadline = time.time() + 30
        while True:
            try:
                self.client.checkpoint(latest=True)
                break
            except ClientError:
                if time.time() > deadline or self.children.any_exited():
                    raise DemoError(f"the demo's server or a monitor did not start; see {logs}") from None
                time.sleep(0.2)
        self.signers = {p: Signer(self.pact, p, keyfiles.read_private_key(self.folder / "keys" / f"{p}.pem"))
                        for p in DEVELOPERS + MONITORS}
        self.console.print(f"[bold]pausepact demo[/]: pact {self.pact.pact} ({self.pact.digest[:19]}…) in {self.folder}\n"
                           f"server {self.url} (dashboard at {self.url}/), monitors {', '.join(MONITORS)}; "
                           f"one simulated day every {DAY / self.speed:.2f} s\n")

    def _spawn(self, args: list[str], log: Path) -> None:
        self.children.spawn_pausepact(args, log)

    def start_training(self) -> None:
        """Lab A's guarded training loop, in a thread: it stops when the pact says so and restarts when allowed."""
        import threading

        from ..clock import Clock
        from ..party.guard import Guard, RunRefused

        clock = Clock(parse_time(START), self.speed, self.anchor)
        import logging

        logging.getLogger("pausepact.party.guard").setLevel(logging.ERROR)  # the narration tells its decisions
        self.guard = Guard(self.url, self.pact, "lab-a", self.folder / "keys" / "lab-a-cluster.pem", clock=clock,
                           heartbeat_every=20 * DAY / self.speed, poll_every=0.5, state_dir=self.folder / "guard-state")
        self.training: dict[str, Any] = {"stopped": 0, "restarted": 0, "step": 0}
        self._training_done = threading.Event()

        def loop() -> None:
            part = 1
            while not self._training_done.is_set():
                run_id = f"frontier-a-part{part}"
                try:
                    with self.guard.run(run_id, flop=5e25, start_timeout=5) as run:
                        if part > 1:
                            self.training["restarted"] += 1
                            self.say(f"[bold green]Lab A's guard restarts training as {run_id} from its checkpoint at step "
                                     f"{self.training['step']}: the status allows 5e25 FLOP again[/]")
                        else:
                            self.say(f"[green]Lab A's guard declares training run {run_id} (5e25 FLOP) and starts training[/]")
                        while not run.must_stop and not self._training_done.is_set():
                            self.training["step"] += 1  # one training step
                            time.sleep(0.01)
                        if run.must_stop:
                            self.training["stopped"] += 1
                            self.say(f"[bold red]Lab A's guarded run {run_id} saves a checkpoint at step {self.training['step']} "
                                     f"and stops: {_shown(run.reason)}[/]")
                except RunRefused:
                    pass
                except ClientError as e:
                    self.say(f"[red]Lab A's guard: {_shown(e.diagnostics())}[/]")
                if self._training_done.is_set():
                    return
                part += 1
                while not self._training_done.is_set() and not self.guard.wait_until_allowed(5e25, timeout=1.0, interval=0.1):
                    pass

        self._trainer = threading.Thread(target=loop, daemon=True)
        self._trainer.start()

    def say(self, text: str) -> None:
        self.console.print(f"{format_time(self.sim_now())[:10]}  {text}")

    def stop(self) -> None:
        """Stop the training thread and close connections; the processes are ``children``'s to stop."""
        if hasattr(self, "_training_done"):
            self._training_done.set()
            self._trainer.join(10)
            self.guard.close()
        if hasattr(self, "client"):
            self.client.close()

    # ---------------------------------------------------------------- running

    def sim_now(self) -> int:
        return parse_time(START) + int((time.time() - self.anchor) * self.speed)

    def wait_until(self, t: int, watch: Callable[[], None]) -> None:
        while self.sim_now() < t:
            watch()
            time.sleep(min(0.2, max(0.01, (t - self.sim_now()) / self.speed)))

    def play(self) -> bool:
        t0 = parse_time(START)
        reports: dict[tuple[str, int], str] = {}
        self._seen: dict[str, Any] = {"level": None, "parties": {}, "proposals": {}, "violations": 0, "reasons": 0}
        for step in script():
            self.wait_until(t0 + int(step.day * DAY), self.watch)
            if step.day >= 10 and not hasattr(self, "_trainer"):
                self.start_training()
            body = dict(step.body)
            if step.type == "report":
                body["measured_at"] = format_time(self.sim_now())
            if step.type == "countersign":
                party, day = body.pop("report_of")
                body["statement"] = reports[(party, day)]
            try:
                receipt = self.client.submit(self.signers[step.party], step.type, body)
            except ClientError as e:
                self.console.print(f"[red]{format_time(self.sim_now())[:10]}  refused: {step.says}: {_shown(e.diagnostics())}[/]")
                continue
            if step.type == "report" and body["indicator"] == "ai_rnd_score":
                import base64
                import hashlib

                env = self.client.entries(receipt["index"], receipt["index"] + 1)[0]["envelope"]
                reports[(step.party, int(step.day))] = hashlib.sha256(base64.b64decode(env["payload"])).hexdigest()
            date = format_time(self.sim_now())[:10]
            self.console.print(f"{date}  [dim]#{_shown(receipt.get('index')):<4}[/] {step.says}")
            self.watch()
        self.wait_until(t0 + 365 * DAY, self.watch)
        time.sleep(min(1.0, 2 * DAY / self.speed))  # let the monitors sign the year's last status
        self._training_done.set()
        self._trainer.join(10)
        time.sleep(0.5)
        self.watch()
        return self.finish()

    def watch(self) -> None:
        """Narrate what changed in the server's state since last time."""
        try:
            st = self.client.state()
        except ClientError:
            return
        # the state comes from a server: every value in it is printed through _shown, never as markup
        seen = self._seen
        date = _shown(st["as_of"][:10])
        for r in st["reasons"][seen["reasons"]:]:
            cause = (f"red line {_shown(r['red_line'])} held for {_shown(r['party'])}" if r["red_line"]
                     else f"emergency proposal {_shown(r['proposal'])}")
            who = "every bound developer" if r["scope"] == "all" else _shown(r["party"])
            limit = self.pact.restriction(r["level"]).max_training_flop if r["level"] in self.pact.levels else None
            lim = f"; training limited to {limit:.0e} FLOP" if limit is not None else ""
            self.console.print(f"[bold yellow]{_shown(r['at'][:10])}  ▲ {who} raised to {_shown(r['level'])}[/]: {cause} "
                               f"(evidence entry #{_shown(r['index'])}){lim}")
        seen["reasons"] = len(st["reasons"])
        if st["in_force"] and seen.get("in_force") is None:
            self.console.print(f"[bold green]{date}  ● the pact is in force: {_shown(', '.join(st['signatories']['developers']))} are bound[/]")
            seen["in_force"] = True
        for p in st["proposals"]:
            if seen["proposals"].get(p["id"]) != p["state"]:
                seen["proposals"][p["id"]] = p["state"]
                extra = f", executes {_shown(p['executes_at'][:10])} unless cancelled" if p["state"] == "queued" else ""
                if p["state"] == "executed" and p["action"] == "resume" and p["level"] in self.pact.resumption:
                    rule = self.pact.resumption[p["level"]]
                    self.console.print(f"[bold green]{date}  ▼ resumption {_shown(p['id'])} executed: {_shown(p['level'])} → {_shown(rule.to)}[/]")
                elif p["state"] != "active":
                    self.console.print(f"{date}  proposal {_shown(p['id'])} {_shown(p['state'])}{extra}")
        for v in st["violations"][seen["violations"]:]:
            self.console.print(f"[bold red]{_shown(v['at'][:10])}  ✖ violation: {_shown(v['kind'])} by {_shown(v['party'])} "
                               f"(run {_shown(v['run'])}, entry #{_shown(v['index'])})[/]")
        seen["violations"] = len(st["violations"])
        if st["resumption"] and st["resumption"].get("missing") != seen.get("missing") and st["resumption"]["proposal"]:
            seen["missing"] = st["resumption"]["missing"]
            self.console.print(f"[dim]{date}  to leave {_shown(st['resumption']['level'])}: "
                               f"{_shown('; '.join(st['resumption']['missing']) or 'ready')}[/]")
        try:
            if st["tree_size"] == 0:
                raise ClientError("nothing to narrate yet")
            status = self.client.status(self.sim_now())
            if status.core["level"] != seen.get("status_level"):
                seen["status_level"] = status.core["level"]
                self.console.print(f"[cyan]{date}  status signed by the monitors: level {_shown(status.core['level'])} "
                                   f"(tree size {status.tree_size}); guards obey this[/]")
        except ClientError:
            pass
        self._last_state = st

    def finish(self) -> bool:
        st = self._last_state
        self.console.print("\n[bold]What the year should have shown:[/]")
        ok = True
        checks: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [*EXPECTED,
                  ("Lab A's guarded training stopped when the pause began", lambda _: self.training["stopped"] >= 1),
                  ("and restarted from its checkpoint after the resumption", lambda _: self.training["restarted"] >= 1)]
        for what, check in checks:
            good = bool(check(st))
            ok &= good
            self.console.print(f"  {'[green]✓' if good else '[red]✗'}[/] {what}")
        self.console.print("\n[bold]Independent verification of the whole log[/] (pausepact verify --server):")
        try:
            r = subprocess.run([sys.executable, "-m", "pausepact", "verify", "--pact", str(self.folder / "pact.yaml"), "--server", self.url],
                               capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:  # run() has killed it
            raise DemoError("the independent verification did not finish in 600 s") from None
        self.console.print("  " + _shown(r.stdout.strip() or r.stderr.strip()))
        return ok and r.returncode == 0


def run_demo(folder: Path, fast: bool, keep_running: bool, port: int, speed: float | None = None) -> bool:
    """Play the demo; True if every expected transition happened and the log verified. Raises DemoError
    (or KeyboardInterrupt) otherwise; on every way out, the server and monitors it started are stopped."""
    with terminate_as_interrupt(), Children() as children:
        demo = Demo(folder, speed or (10 * DAY if fast else 3 * DAY), port, children)
        try:
            demo.start()
            ok = demo.play()
            if keep_running:
                demo.console.print(f"\nThe server keeps running: open {demo.url}/ (Ctrl-C to stop).")
                try:
                    while not children.any_exited():
                        time.sleep(1)
                except KeyboardInterrupt:
                    pass
            return ok
        finally:
            demo.stop()
