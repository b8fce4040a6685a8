"""The guard against a real server and monitors: it stops runs when the pause begins, and fails closed."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pausepact.clock import Clock
from pausepact.monitor import Monitor, MonitorState
from pausepact.pactio import load_pact
from pausepact.party.client import PactClient
from pausepact.party.guard import Guard, RunRefused
from pausepact.party.signer import Signer

from .factory import key
from .live import Server, free_port, write_world

SHORT_TTL = [["status_ttl: 10m", "status_ttl: 3s"]]


class World:
    def __init__(self, folder: Path) -> None:
        write_world(folder, replace=SHORT_TTL)
        self.folder = folder
        self.server = Server(folder, f"sqlite:///{folder}/log.db", free_port(), []).start()
        self.pact = load_pact(folder / "pact.yaml")
        self.client = PactClient(self.server.url, self.pact)
        self._stop = threading.Event()
        self.monitors = [Monitor(PactClient(self.server.url, self.pact), m, key(m), Clock(), MonitorState(None))
                         for m in ("aisi", "eval-org")]
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()
        for d in ("lab-a", "lab-b", "lab-c"):
            self.say(d, "sign", {})

    def _follow(self) -> None:
        while not self._stop.is_set():
            for m in self.monitors:
                try:
                    m.step()
                except Exception:
                    pass
            time.sleep(0.1)

    def say(self, party: str, type_: str, body: dict) -> dict:
        return self.client.submit(Signer(self.pact, party, key(party)), type_, body)

    def pause(self) -> None:
        self.say("aisi", "propose", {"id": "stop-now", "action": "raise", "level": "pause"})
        self.say("aisi", "vote", {"proposal": "stop-now", "choice": "yes"})
        self.say("eval-org", "vote", {"proposal": "stop-now", "choice": "yes"})

    def close(self) -> None:
        self._stop.set()
        self.server.stop()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.close()


def guard(w: World, **kw: object) -> Guard:
    # key 1 of lab-a: a guard has its own key, so it never races the lab's other statements for a seq
    return Guard(w.server.url, w.pact, "lab-a", key("lab-a", 1), poll_every=0.5, state_dir=w.folder / "guard-state",
                 **kw)  # type: ignore[arg-type]


def test_run_stops_within_seconds_of_the_pause_and_leaves_no_violation(world: World) -> None:
    g = guard(world)
    with g.run("big", flop=5e25) as run:
        time.sleep(1)
        assert not run.must_stop
        world.pause()
        t = time.monotonic()
        while not run.must_stop and time.monotonic() - t < 10:
            time.sleep(0.05)
        assert run.must_stop and run.stopped_for == "forbidden", run.decisions
        assert "limits training to 1e+24 FLOP" in run.reason
    state = world.client.state()
    assert state["level"] == "pause" and state["violations"] == []
    runs = [e["envelope"] for e in world.client.entries(0, 1000)]
    assert len(runs) >= 8  # signs, start, proposal, votes, stop
    # a new run above the limit is refused before it is declared
    with pytest.raises(RunRefused, match="may not start"):
        g.run("again", flop=5e25).__enter__()
    # a small run is allowed under the pause
    with g.run("small", flop=1e23) as small:
        assert not small.must_stop


def test_fail_closed_stops_after_the_ttl_when_the_server_goes_silent(world: World) -> None:
    g = guard(world)
    with g.run("big", flop=5e25) as run:
        assert run.fail == "closed"
        world.server.kill9()
        t = time.monotonic()
        while not run.must_stop and time.monotonic() - t < 15:
            time.sleep(0.05)
        assert run.must_stop and run.stopped_for == "no-status", run.decisions
        assert "expired" in run.reason


def test_fail_open_continues_without_status(world: World) -> None:
    g = guard(world, fail="open")
    with g.run("big", flop=5e25) as run:
        world.server.kill9()
        time.sleep(5)
        assert not run.must_stop
        assert any("failing open" in d.reason for d in run.decisions)


def test_guard_ignores_forged_and_replayed_statuses(world: World) -> None:
    g = guard(world)
    assert g.wait_until_allowed(5e25, timeout=10)
    good = world.client.status_envelope()
    assert g.offer(good)
    forged = dict(good, signatures=good["signatures"][:1])
    assert not g.offer(forged)
    world.pause()
    t = time.monotonic()
    while time.monotonic() - t < 10:
        g.refresh()
        if g.status and g.status.core["level"] == "pause":
            break
        time.sleep(0.1)
    assert g.status is not None and g.status.core["level"] == "pause"
    assert not g.offer(good)  # older: a rollback


def test_guard_command_sends_sigterm_and_exits_75(world: World) -> None:
    child = "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); time.sleep(120)"
    proc = subprocess.Popen([sys.executable, "-m", "pausepact", "guard", "--server", world.server.url, "--pact",
                             str(world.folder / "pact.yaml"), "--as", "lab-b", "--key", str(world.folder / "lab-b.pem"),
                             "--run", "wrapped", "--flop", "5e25", "--state-dir", str(world.folder / "guard-state"),
                             "--", sys.executable, "-c", child],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(3)
    assert proc.poll() is None
    world.pause()
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 75, out
    assert "stopping" in out
