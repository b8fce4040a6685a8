"""A guard's run goes on through an amendment that rotates a monitor's key, against a real server and monitors.

``pausepact serve`` in a subprocess, four monitors in a thread (aisi twice: with its first key, which signs
until the amendment executes, and with the key version 2 gives it), a guard pinned to version 1 running a run
above the pact's lowest limit (so failing closed). The amendment executes the moment it is approved (timelock
0s); the guard must follow it through ``GET /v1/amendments`` and the evidence, keep the run going, pin version 2
durably, and close the run in the log under version 2.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pausepact.clock import Clock
from pausepact.monitor import Monitor, MonitorState
from pausepact.pactio import load_pact
from pausepact.party.client import PactClient
from pausepact.party.guard import Guard
from pausepact.party.signer import Signer

from .chain_world import NEW_AISI, rotated
from .factory import key, pact_text
from .live import Server, free_port, write_world

AMENDABLE = "amendment:\n  approval: all monitors and 2/3 of developers\n  timelock: 0s\n"
MONITOR_KEYS = (("aisi", 0), ("aisi", NEW_AISI), ("eval-org", 0), ("civic-audit", 0))


class World:
    def __init__(self, folder: Path) -> None:
        write_world(folder)
        self.text = pact_text(replace=[["status_ttl: 10m", "status_ttl: 30s"]]) + AMENDABLE
        (folder / "pact.yaml").write_text(self.text)
        self.folder = folder
        self.server = Server(folder, f"sqlite:///{folder}/log.db", free_port(), []).start()
        self.pact = load_pact(folder / "pact.yaml")
        self.clients: dict[str, tuple[PactClient, Signer]] = {}
        self._stop = threading.Event()
        self.monitors = [Monitor(PactClient(self.server.url, self.pact), m, key(m, n), Clock(), MonitorState(None))
                         for m, n in MONITOR_KEYS]
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

    def say(self, party: str, type_: str, body: dict[str, object]) -> dict[str, object]:
        if party not in self.clients:  # one client and signer per party: each follows the versions on its own
            self.clients[party] = (PactClient(self.server.url, self.pact), Signer(self.pact, party, key(party)))
        client, signer = self.clients[party]
        return client.submit(signer, type_, dict(body))

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=10)
        self.server.stop()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.close()


def until(what: str, check: object, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds:g}s: {what}")


def test_a_running_guard_follows_a_monitor_key_rotation_and_its_run_goes_on(world: World) -> None:
    v2_text = rotated(world.text)
    state_dir = world.folder / "guard-state"
    g = Guard(world.server.url, world.pact, "lab-a", key("lab-a", 1), poll_every=0.5, heartbeat_every=0.5, state_dir=state_dir)
    with g.run("big", flop=5e25) as run:
        assert run.fail == "closed"
        world.say("aisi", "propose", {"id": "rotate-aisi", "action": "amend", "pact": base64.b64encode(v2_text.encode()).decode(),
                                      "rationale": "aisi replaces a key kept on a retired machine"})
        for voter in ("aisi", "eval-org", "civic-audit", "lab-a", "lab-b"):
            world.say(voter, "vote", {"proposal": "rotate-aisi", "choice": "yes"})
        until("the guard holds a status of version 2", lambda: g.status is not None and g.status.core["pact_digest"] != world.pact.digest)
        assert g.pact.version == 2 and g.status is not None and g.status.core["pact_digest"] == g.pact.digest and g.unfollowed is None
        beats = g.signer.seq
        until("a heartbeat under version 2", lambda: g.signer.seq > beats + 1)
        assert g.signer.pact.digest == g.pact.digest and not run.must_stop, run.reason
    state = httpx.get(world.server.url + "/v1/state", timeout=10).json()
    assert state["pact_version"] == 2 and state["rejected"] == [] and state["violations"] == []
    evidence = httpx.get(world.server.url + "/v1/amendments", params={"version": 2}, timeout=10).json()
    assert evidence["proposal"] == state["versions"][1]["index"] and len(evidence["votes"]) == 3 and evidence["checkpoint"]
    for version in (1, 9):  # the first version was made by no amendment; version 9 does not exist
        answer = httpx.get(world.server.url + "/v1/amendments", params={"version": version}, timeout=10)
        assert answer.status_code == 404 and answer.json()["error"] == "not-found"
    # the pin is durable: a guard started with the first version's file is pinned to version 2
    later = Guard(world.server.url, world.pact, "lab-a", key("lab-a", 1), state_dir=state_dir)
    assert later.pact.version == 2 and later.refresh() and later.status is not None
    later.close()
    g.close()
