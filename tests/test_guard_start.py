"""A run's start whose answer is lost does not leave the run open in the log for good (N3): its stop is queued
in the outbox before the start is sent, and sent whenever the start may be in the log; a definite refusal
queues nothing; a queued stop of a live run is never sent by another guard."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pausepact.party.client import ClientError, PactClient
from pausepact.party.guard import Guard, GuardStateError
from pausepact.party.guard.state import GuardState

from .factory import key
from .test_guard_decision import PACT, FixedClock, core, signed
from .test_guard_hostile import RECEIPT, Hostile, T, guard


class Log(Hostile):
    """The hostile log, with what happens to each POSTed statement chosen by the test: ``fate(body)`` returns
    None (appended, answered), "lost" (appended, then the answer times out), or a refusal answer (not appended)."""

    def __init__(self, *a: Any) -> None:
        super().__init__(*a)
        self.fate: Any = lambda body: None

    def __call__(self, req: httpx.Request) -> httpx.Response:
        if req.url.path != "/v1/statements":
            return super().__call__(req)
        body = json.loads(base64.b64decode(json.loads(req.content)["payload"]))["body"]
        fate = self.fate(body)
        if isinstance(fate, httpx.Response):
            return fate
        if fate == "down":
            raise httpx.ConnectError("connection refused", request=req)
        self.runs.append(body)
        if fate == "lost":
            raise httpx.ReadTimeout("the answer was lost", request=req)
        return httpx.Response(201, json=RECEIPT)

    def events_of(self) -> list[tuple[str, str]]:
        """Starts and stops in log order (heartbeats come when a loaded machine makes a run last long: left out)."""
        return [(r["run"], r["event"]) for r in self.runs if r["event"] != "heartbeat"]


def world(tmp_path: Path) -> tuple[Log, FixedClock]:
    clock = FixedClock(T)
    server = Log(clock.now)
    server.status = signed(core(issued=T, size=5))
    return server, clock


def pending(tmp_path: Path) -> list[dict[str, Any]]:
    return GuardState(tmp_path, PACT.pact, "lab-a").pending()


def test_a_start_whose_answer_is_lost_is_followed_by_its_stop(tmp_path: Path) -> None:
    server, clock = world(tmp_path)
    server.fate = lambda body: "lost" if body["event"] == "start" else None
    g = guard(tmp_path, server, clock)
    with pytest.raises(ClientError), g.run("lost", flop=5e25, stop_retry=5):
        pytest.fail("the run must not start when its start is not known to be logged")
    assert server.events_of() == [("lost", "start"), ("lost", "stop")]
    assert pending(tmp_path) == []


def test_the_stop_of_a_lost_start_stays_queued_and_the_next_guard_sends_it(tmp_path: Path) -> None:
    server, clock = world(tmp_path)
    server.fate = lambda body: "lost" if body["event"] == "start" else "down"  # and then the server is gone
    g = guard(tmp_path, server, clock)
    with pytest.raises(ClientError), g.run("lost", flop=5e25, stop_retry=0.5):
        pass
    assert server.events_of() == [("lost", "start")]
    assert pending(tmp_path) == [{"run": "lost", "event": "stop", "flop": 5e25}]
    server.fate = lambda body: None
    with guard(tmp_path, server, clock).run("next", flop=5e25):
        pass
    assert server.events_of() == [("lost", "start"), ("lost", "stop"), ("next", "start"), ("next", "stop")]
    assert pending(tmp_path) == []


REFUSALS = {
    "409 role": httpx.Response(409, json={"error": "role", "detail": "a developer's statement"}),
    "400 body": httpx.Response(400, json={"error": "body", "detail": "flop is not a number"}),
    "401 bad-signature": httpx.Response(401, json={"error": "bad-signature", "detail": "no"}),
}


@pytest.mark.parametrize("answer", list(REFUSALS))
def test_a_refused_start_queues_no_stop(tmp_path: Path, answer: str) -> None:
    server, clock = world(tmp_path)
    server.fate = lambda body: REFUSALS[answer] if body["event"] == "start" else None
    g = guard(tmp_path, server, clock)
    with pytest.raises(ClientError), g.run("refused", flop=5e25, stop_retry=5):
        pass
    assert server.events_of() == []  # neither the start nor a stop: nothing to close
    assert pending(tmp_path) == []


@pytest.mark.parametrize("answer", ["502 from a proxy", "500 internal", "201 garbled"])
def test_a_start_answered_outside_the_contract_is_followed_by_its_stop(tmp_path: Path, answer: str) -> None:
    shown = {"502 from a proxy": httpx.Response(502, content=b"<html>bad gateway</html>"),
             "500 internal": httpx.Response(500, json={"error": "internal", "detail": ""}),
             "201 garbled": httpx.Response(201, json={"index": "one"})}[answer]
    server, clock = world(tmp_path)

    def fate(body: dict[str, Any]) -> Any:
        if body["event"] == "start":
            server.runs.append(body)  # appended, then the answer says something else
            return shown
        return None

    server.fate = fate
    with pytest.raises(ClientError), guard(tmp_path, server, clock).run("odd", flop=5e25, stop_retry=5):
        pass
    assert server.events_of() == [("odd", "start"), ("odd", "stop")]
    assert pending(tmp_path) == []


def test_another_guard_never_sends_the_queued_stop_of_a_live_run(tmp_path: Path) -> None:
    server, clock = world(tmp_path)
    g1, g2 = guard(tmp_path, server, clock), guard(tmp_path, server, clock)
    with g1.run("live", flop=5e25) as run:
        assert pending(tmp_path) == [{"run": "live", "event": "stop", "flop": 5e25}]  # queued since its start
        with g2.run("other", flop=5e25):  # another guard of the party starts: it flushes the outbox
            pass
        assert ("live", "stop") not in server.events_of()
        with pytest.raises(GuardStateError, match="one guard at a time"):
            with g2.run("live", flop=5e25):  # the same run id, while it is held
                pass
        assert not run.must_stop
    assert server.events_of() == [("live", "start"), ("other", "start"), ("other", "stop"), ("live", "stop")]
    assert pending(tmp_path) == []


def test_a_run_whose_command_may_still_run_leaves_no_stop_queued(tmp_path: Path) -> None:
    server, clock = world(tmp_path)
    rc = guard(tmp_path, server, clock).run("stuck", flop=5e25)
    with rc:
        rc.declare_stop = False  # as `pausepact guard` does when processes survive SIGKILL
    assert server.events_of() == [("stuck", "start")]
    assert pending(tmp_path) == []


def test_an_in_process_guard_also_follows_a_lost_start_with_its_stop(tmp_path: Path) -> None:
    server, clock = world(tmp_path)
    server.fate = lambda body: "lost" if body["event"] == "start" else None
    g = Guard("http://hostile", PACT, "lab-a", key("lab-a", 1), clock=clock)  # no state_dir
    g.client = PactClient("http://hostile", PACT, transport=httpx.MockTransport(server), timeout=2, retry_unavailable=0.01)
    with pytest.raises(ClientError), g.run("lost", flop=5e25, stop_retry=5):
        pass
    assert server.events_of() == [("lost", "start"), ("lost", "stop")]
    assert g.state.pending() == []
