"""The processes a rehearsal plays against, all on one rehearsal clock: ``pausepact serve`` on a store
of its own, ``pausepact monitor`` for each monitor, ``pausepact guard`` for each guarded run.

``World.settle()`` is what makes the clock discrete-event: it returns only once everything has
caught up with the time the dial shows, namely

- the server has applied every committed entry and judged, at this time and for this tree,
  whether a status is due (``GET /v1/clock``'s ``judged``);
- each running monitor with a seal key has given its verdict on every sealed report it judges
  that is still open to verdicts (found on the driver's own replay, ``replica``);
- each running monitor has signed the core the server proposes (its state file's mark), unless
  the core is older than the monitor's (re)start; and with a quorum of monitors running, that
  status is the one served;
- each live guard has acknowledged a judgement at this time with the served status (unless
  that status has expired), has no heartbeat due, and is not stopping its run;
- and the log did not move meanwhile.

The driver moves the clock only after ``settle()``, so what happens at each virtual instant does
not depend on how fast the machine runs. Real time bounds only the wait (``patience``): a process
that never catches up is an error that names it.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import keyfiles
from ..clock import Dial, server_clock
from ..core.durations import format_time, parse_duration, parse_time
from ..core.pact import Pact
from ..core.status import StatusError, decode_core
from ..demo.children import Children
from ..errors import PausepactError
from ..log.store import StoreError, open_store
from ..monitor.state import MonitorState
from ..party.client import ClientError, PactClient
from ..party.signer import Signer
from .replica import Replica
from .script import GuardSpec

IDLE = "import signal, sys, time\nsignal.signal(signal.SIGTERM, lambda *a: sys.exit(0))\nwhile True:\n    time.sleep(1)\n"
EXIT_STATES = {0: "ended", 75: "forbidden", 76: "no-status", 77: "refused"}


class RehearsalError(PausepactError):
    """The rehearsal could not be played (a process did not start or did not catch up, a key is missing)."""


@dataclass
class Guarded:
    spec: GuardSpec
    proc: subprocess.Popen[bytes]
    started: int
    heartbeat: int
    stopping: bool = False  # stopped by the script (stop_guard)

    @property
    def ack_name(self) -> str:
        return f"guard {self.spec.party} {self.spec.run}"

    def state(self) -> str:
        rc = self.proc.poll()
        if rc is None:
            return "running"
        if self.stopping and rc not in EXIT_STATES:
            return "stopped"
        return EXIT_STATES.get(rc, f"exited {rc}")


@dataclass
class World:
    folder: Path
    pact_path: Path
    pact: Pact
    keys: Path
    port: int
    children: Children
    patience: float = 120.0
    rehearsal: str = field(default_factory=lambda: secrets.token_hex(8))
    monitors: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    monitor_since: dict[str, int] = field(default_factory=dict)
    guards: dict[str, Guarded] = field(default_factory=dict)
    signers: dict[tuple[str, str], Signer] = field(default_factory=dict)  # (pact digest, key name) -> signer
    sealing: set[str] = field(default_factory=set)  # running monitors started with a seal key: they give verdicts
    served: dict[str, Any] | None = None  # the core of the status served at the last settle
    proposed: dict[str, Any] | None = None  # the core proposed at the last settle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    @property
    def clock_spec(self) -> str:
        return f"rehearsal:{self.dial.path}"

    # ------------------------------------------------------------------ set-up

    def start(self, t0: int, monitors: list[str]) -> None:
        """A fresh store and clock at ``t0``; the server and ``monitors`` started and caught up."""
        db = self.folder / "log.db"
        if db.exists():  # the store of an earlier rehearsal is replaced; a real log never is
            try:
                store = open_store(f"sqlite:///{db}")
                try:
                    store.bind_clock(True)
                finally:
                    store.close()
            except StoreError as e:
                raise RehearsalError(f"{db}: {e.diagnostics()}: give the rehearsal a folder of its own (--dir)") from None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for old in [*self.folder.glob("log.db*"), *self.folder.glob("monitor-*.json"), self.folder / "guard-state",
                        self.folder / "clock.json.acks", self.openings]:
                shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)
            self.logs.mkdir(exist_ok=True)
        except OSError as e:
            raise RehearsalError(f"{self.folder}: cannot prepare the rehearsal's folder: {e}") from None
        self.dial = Dial.create(self.folder / "clock.json", self.rehearsal, t0)
        self.now = t0
        self.replica = Replica(self.pact)
        self.key_path(self.pact.log_party.id)
        self.server = self.children.spawn_pausepact(["serve", "--pact", str(self.pact_path), "--key", str(self.key_path(self.pact.log_party.id)),
                                       "--store", f"sqlite:///{self.folder / 'log.db'}", "--port", str(self.port),
                                       "--workers", "1", "--clock", self.clock_spec], self.logs / "serve.log")
        self.client = PactClient(self.url, self.pact, timeout=30.0)
        deadline = time.monotonic() + max(30.0, self.patience)
        with PactClient(self.url, self.pact, timeout=2.0) as probe:  # short: whatever else holds the port may never answer
            while True:
                try:
                    probe.checkpoint(latest=True)
                    break
                except ClientError:
                    if time.monotonic() > deadline or self.children.any_exited():
                        raise RehearsalError(f"the rehearsal's server did not start; see {self.logs / 'serve.log'}") from None
                    time.sleep(0.1)
        for m in monitors:
            self.start_monitor(m)

    def key_path(self, name: str) -> Path:
        path = self.keys / f"{name}.pem"
        if not path.is_file():
            raise RehearsalError(f"{path}: no such key file: the rehearsal signs as each party with the keys in {self.keys}")
        return path

    @property
    def openings(self) -> Path:
        """Where the labs' openings of their sealed reports are kept (``party.openings``), one file per party."""
        return self.folder / "openings"

    def signer(self, party: str, key: str | None, pact: Pact | None = None) -> Signer:
        """``party``'s signer with ``keys/KEY.pem`` (default: the party's own) for ``pact`` (default: the first version):
        its statements name that version's digest."""
        name, pact = key or party, pact or self.pact
        if (pact.digest, name) not in self.signers:
            self.signers[pact.digest, name] = Signer(pact, party, keyfiles.read_private_key(self.key_path(name)))
        return self.signers[pact.digest, name]

    def close(self) -> None:
        if hasattr(self, "client"):
            self.client.close()

    # ------------------------------------------------------------------ processes

    def start_monitor(self, m: str) -> None:
        if m in self.monitors and self.monitors[m].poll() is None:
            raise RehearsalError(f"monitor {m} is already running")
        seal = self.keys / f"{m}.seal.pem"  # a monitor with a seal key opens sealed reports (docs/sealing.md)
        self.monitors[m] = self.children.spawn_pausepact(
            ["monitor", "--server", self.url, "--pact", str(self.pact_path), "--as", m, "--key", str(self.key_path(m)),
             "--state", str(self.folder / f"monitor-{m}.json"), "--interval", "0.1", "--clock", self.clock_spec,
             *(["--seal-key", str(seal)] if seal.is_file() else [])],
            self.logs / f"monitor-{m}.log")
        self.monitor_since[m] = self.now
        if seal.is_file():
            self.sealing.add(m)

    def stop_monitor(self, m: str) -> None:
        proc = self.monitors.pop(m, None)
        if proc is None:
            raise RehearsalError(f"monitor {m} is not running")
        self.sealing.discard(m)
        self.children.end(proc)

    def start_guard(self, spec: GuardSpec) -> None:
        key = self.key_path(spec.key or spec.party)
        heartbeat = parse_duration(spec.heartbeat)
        args = ["guard", "--server", self.url, "--pact", str(self.pact_path), "--as", spec.party, "--key", str(key),
                "--run", spec.run, "--flop", repr(float(spec.flop)), "--heartbeat", str(heartbeat), "--kill-after", "5",
                "--clock", self.clock_spec]
        if spec.fail is not None:
            args += ["--fail", spec.fail]
        command = spec.command or [sys.executable, "-c", IDLE]
        proc = self.children.spawn_pausepact([*args, "--", *command], self.logs / f"guard-{spec.label}.log")
        self.guards[spec.label] = Guarded(spec, proc, self.now, heartbeat)

    def stop_guard(self, label: str) -> None:
        g = self.guards[label]
        g.stopping = True
        if g.proc.poll() is None:
            self.children.end(g.proc, grace=60.0)  # the guard stops its command, then declares stop

    def last_words(self, label: str) -> str:
        """The last line a guard wrote to its log (why it refused its run)."""
        try:
            lines = (self.logs / f"guard-{label}.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1] if lines else ""

    def live_guards(self) -> list[Guarded]:
        return [g for g in self.guards.values() if g.proc.poll() is None]

    def heartbeats_due(self) -> list[int]:
        """When each live guard's next heartbeat is due (virtual time), from its last acknowledgement."""
        due = []
        for g in self.live_guards():
            ack = self.dial.read_ack(g.ack_name)
            if ack is not None and isinstance(ack.get("beat"), (int, float)):
                due.append(int(ack["beat"]) + g.heartbeat)
        return due

    # ------------------------------------------------------------------ the clock

    def set_time(self, t: int) -> None:
        self.dial.set(self.rehearsal, t)
        self.now = t

    def settle(self) -> None:
        """Wait until everything has caught up with the clock (see the module's doc); RehearsalError after ``patience``."""
        deadline = time.monotonic() + self.patience
        while True:
            for m, proc in self.monitors.items():
                if proc.poll() is not None:
                    raise RehearsalError(f"monitor {m} exited (code {proc.returncode}); see {self.logs / f'monitor-{m}.log'}")
            behind = self._behind()
            if behind is None:
                return
            if time.monotonic() > deadline:
                raise RehearsalError(f"at {format_time(self.now)}, after {self.patience:g} s: {behind}; logs in {self.logs}")
            time.sleep(0.02)

    def clock_info(self) -> dict[str, Any]:
        """The server's ``GET /v1/clock``; RehearsalError if it is not this rehearsal's server."""
        info = server_clock(self.client) or {}
        if info.get("clock") != "rehearsal" or info.get("rehearsal") != self.rehearsal:
            raise RehearsalError(f"{self.url} is not this rehearsal's server (its clock: {info.get('clock')!r})")
        return info

    def _behind(self) -> str | None:
        """What has not caught up with the clock yet, or None."""
        try:
            info = self.clock_info()
            size = int(info["size"])
            if info["applied"] < size:
                return f"the server has applied {info['applied']} of {size} entries"
            self.replica.follow(self.client, size)
            running = [m for m in self.monitors if self.monitors[m].poll() is None]
            owed = self.replica.owed_verdict(self.sealing.intersection(running), self.now)
            if owed is not None:
                return owed
            judged = info["judged"]
            if judged is None or parse_time(judged["at"]) < self.now or judged["size"] < size:
                return "the server has not judged yet whether a status is due"
            proposal = self.client.proposed_core()
            core = proposal.get("core") if proposal else None
            if not isinstance(core, dict):
                return "the server proposes no status core yet"
            issued = parse_time(core["issued_at"])
            # a core for a smaller tree than the log's, when an entry came at its very instant, is one a monitor that
            # replayed that entry cannot judge any more: the server proposes again a third of the ttl later
            signable = core["tree_size"] == size
            for m in running if signable else []:
                mark = MonitorState.load(self.folder / f"monitor-{m}.json").status_issued_at
                if issued >= self.monitor_since[m] and (mark is None or parse_time(mark) < issued):
                    return f"monitor {m} has not signed the status core issued at {core['issued_at']}"
            self.proposed, self.served = core, self._served()
            if signable and len(running) >= self.pact.oversight.status_quorum and \
                    (self.served is None or self.served["issued_at"] != core["issued_at"]):
                return "the status the monitors signed is not served yet"
            for g in self.live_guards():
                why = self._guard_behind(g)
                if why is not None:
                    return why
            again = self.clock_info()
            if again["size"] != size or again["judged"] != judged:
                return "the log moved meanwhile"
        except (ClientError, KeyError, TypeError, ValueError, PausepactError) as e:
            if isinstance(e, RehearsalError):
                raise
            return f"the server did not answer as expected ({e})"
        return None

    def _served(self) -> dict[str, Any] | None:
        try:
            envelope = self.client.status_envelope()
        except ClientError as e:
            if e.status == 404:
                return None
            raise
        for v in reversed(self.replica.versions(self.now)):  # a status names the version in force at its as_of
            try:
                core, _ = decode_core(envelope, v.pact)
                return core
            except StatusError:
                continue
        return None

    def _guard_behind(self, g: Guarded) -> str | None:
        ack = self.dial.read_ack(g.ack_name)
        who = f"guard {g.spec.label}"
        if ack is None or not isinstance(ack.get("now"), int) or ack["now"] < self.now:
            return f"{who} has not judged its run at this time yet"
        if ack.get("must_stop"):
            return f"{who} is stopping its run"
        served = self.served
        if served is not None and parse_time(served["expires_at"]) > self.now:
            want = {"tree_size": served["tree_size"], "issued_at": parse_time(served["issued_at"])}
            if ack.get("status") != want:
                return f"{who} has not received the status issued at {served['issued_at']}"
        if self.now - float(ack.get("beat", self.now)) >= g.heartbeat:
            return f"{who} has a heartbeat due"
        return None

    def witnessed(self) -> str | None:
        """None once the running monitors cosigned the newest checkpoint (when they are a witness quorum)."""
        running = [m for m in self.monitors if self.monitors[m].poll() is None]
        if len(running) < self.pact.oversight.witness_quorum:
            return None
        size = int(self.clock_info()["size"])
        for m in running:
            if MonitorState.load(self.folder / f"monitor-{m}.json").cosigned_size < size:
                return f"monitor {m} has not cosigned the checkpoint of size {size}"
        return None

    def settle_witnessed(self) -> None:
        deadline = time.monotonic() + self.patience
        while (why := self.witnessed()) is not None:
            if time.monotonic() > deadline:
                raise RehearsalError(f"after {self.patience:g} s: {why}")
            time.sleep(0.05)

    def describe(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "server": self.url, "clock": str(self.dial.path), "rehearsal": self.rehearsal,
                "store": f"sqlite:///{self.folder / 'log.db'}", "logs": str(self.logs)}


def free_port(port: int = 0) -> int:
    """``port`` if the server could listen on it at 127.0.0.1 (bound as uvicorn binds it), else RehearsalError;
    with 0, a free port the system picks."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            raise RehearsalError(f"port {port} on 127.0.0.1 is not free ({e.strerror}): choose another with --port") from None
        return int(s.getsockname()[1])
