"""A guard shown hostile statuses and answers stops its run by its policy, and its judging never depends on any
one request (H1, H3, L3, L5, M7). A mock server (httpx.MockTransport) plays the hostile log."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pausepact.party.client import PactClient
from pausepact.party.guard import Guard, GuardStateError
from pausepact.party.guard.state import GuardState

from .factory import key
from .test_guard_decision import PACT, PAUSED, TTL, FixedClock, core, signed

RECEIPT = {"index": 1, "leaf_hash": "ab" * 32, "checkpoint": "x"}


class Hostile:
    """A log server whose answers the test changes while the guard runs."""

    def __init__(self, now: Callable[[], int]) -> None:
        self.now = now
        self.status: Any = None
        self.seq: Callable[[], httpx.Response] | None = None
        self.post: Callable[[], httpx.Response] | None = None
        self.events: Callable[[], httpx.Response] = lambda: httpx.Response(503, json={"error": "unavailable", "detail": ""})
        self.runs: list[dict[str, Any]] = []
        self.status_polls = 0

    def __call__(self, req: httpx.Request) -> httpx.Response:
        from pausepact.core.durations import format_time

        path = req.url.path
        if path == "/v1/status":
            self.status_polls += 1
            return httpx.Response(200, json=self.status(self.now()) if callable(self.status) else self.status)
        if path == "/v1/seq":
            return self.seq() if self.seq else httpx.Response(200, json={"seq": len(self.runs), "log_time": format_time(self.now())})
        if path == "/v1/statements":
            if self.post:
                return self.post()
            import base64
            import json

            self.runs.append(json.loads(base64.b64decode(json.loads(req.content)["payload"]))["body"])
            return httpx.Response(201, json=RECEIPT)
        if path == "/v1/events":
            return self.events()
        return httpx.Response(404, json={"error": "not-found", "detail": path})


class Now:
    def __init__(self, t: int) -> None:
        self.t = t

    def __call__(self) -> int:
        return self.t


T = 1798761600


def guard(tmp_path: Path, server: Hostile, clock: FixedClock, **kw: Any) -> Guard:
    g = Guard("http://hostile", PACT, "lab-a", key("lab-a", 1), clock=clock, state_dir=tmp_path, poll_every=0.05,
              heartbeat_every=0.05, **kw)
    g.client = PactClient("http://hostile", PACT, transport=httpx.MockTransport(server), timeout=2, retry_unavailable=0.01)
    return g


def wait_for(cond: Callable[[], bool], seconds: float = 20) -> bool:
    until = time.monotonic() + seconds
    while not cond() and time.monotonic() < until:
        time.sleep(0.02)
    return cond()


SEQ_ANSWERS = {
    "html": lambda: httpx.Response(200, content=b"<html>maintenance</html>", headers={"content-type": "text/html"}),
    "empty object": lambda: httpx.Response(200, json={}),
    "bad log_time": lambda: httpx.Response(200, json={"seq": 1, "log_time": "soon"}),
    "array 4xx": lambda: httpx.Response(400, json=[1, 2]),
}


@pytest.mark.parametrize("answer", list(SEQ_ANSWERS), ids=list(SEQ_ANSWERS))
def test_odd_heartbeat_answers_do_not_keep_a_pause_from_stopping_the_run(tmp_path: Path, answer: str) -> None:
    """H1: an odd answer to a heartbeat used to kill the only judging thread; the pause then never stopped the run."""
    clock = FixedClock(T)
    server = Hostile(clock.now)
    server.status = signed(core(issued=T, size=5))
    g = guard(tmp_path, server, clock)
    with g.run("big", flop=5e25) as run:
        server.seq = SEQ_ANSWERS[answer]  # every heartbeat from now on meets the odd answer
        time.sleep(0.5)
        assert not run.must_stop, run.decisions
        server.status = signed(core(issued=T + 1, size=9, lab_a=PAUSED))
        assert wait_for(lambda: run.must_stop), run.decisions
        assert run.stopped_for == "forbidden", run.decisions


def test_a_heartbeat_that_never_returns_does_not_delay_judging(tmp_path: Path) -> None:
    clock = FixedClock(T)
    server = Hostile(clock.now)
    server.status = signed(core(issued=T, size=5))
    release = threading.Event()
    g = guard(tmp_path, server, clock)
    with g.run("big", flop=5e25) as run:
        server.seq = lambda: (release.wait(30), httpx.Response(200, json={}))[1]  # a heartbeat stuck in a request
        time.sleep(0.3)
        clock.at = T + TTL + 1  # the last valid status expires; the server withholds newer ones (503 would do too)
        server.status = {"error": "x"}
        assert wait_for(lambda: run.must_stop, 10), run.decisions
        assert run.stopped_for == "no-status"
        release.set()


@pytest.mark.parametrize("shown", ["type-confused", "bool-as-number", "future", "forged", "rolled back", "malformed", "html"])
@pytest.mark.parametrize("policy", ["closed", "open"])
def test_hostile_statuses_leave_the_run_to_its_policy(tmp_path: Path, shown: str, policy: str) -> None:
    from .test_guard_decision import SHOWN

    clock = FixedClock(T)
    server = Hostile(clock.now)
    server.status = signed(core(issued=T - 30, size=5))
    g = guard(tmp_path, server, clock, fail=policy)
    with g.run("big", flop=5e25) as run:
        server.status = SHOWN[shown]
        polls = server.status_polls
        assert wait_for(lambda: server.status_polls > polls + 3)
        assert g.status is not None and g.status.tree_size == 5  # the hostile status was never accepted
        clock.at = T + TTL  # ... so once the last valid one expires, the policy decides
        if policy == "closed":
            assert wait_for(lambda: run.must_stop), run.decisions
            assert run.stopped_for == "no-status"
        else:
            assert wait_for(lambda: any("failing open" in d.reason for d in run.decisions)), run.decisions
            assert not run.must_stop


def test_a_dead_judge_fails_closed(tmp_path: Path) -> None:
    clock = FixedClock(T)
    server = Hostile(clock.now)
    server.status = signed(core(issued=T, size=5))
    g = guard(tmp_path, server, clock, stall_after=0.5)
    rc = g.run("big", flop=5e25, judge_in_thread=False)  # nobody judges: as if the judging thread had died
    with rc as run:
        assert wait_for(lambda: run.must_stop, 10)
        assert run.stopped_for == "guard-failed" and "judge" in run.reason


def test_statuses_are_polled_while_an_open_stream_stays_silent(tmp_path: Path) -> None:
    """L5: a stream that sends keep-alives and no event must not starve the guard of statuses."""
    clock = FixedClock(T)
    server = Hostile(clock.now)
    server.status = lambda now: signed(core(issued=now, size=5 + now - T))
    server.events = lambda: httpx.Response(200, content=b": keep-alive\n\n" * 3, headers={"content-type": "text/event-stream"})
    g = guard(tmp_path, server, clock)
    with g.run("big", flop=5e25) as run:
        for step in range(1, 4):
            clock.at = T + step * (TTL // 2)  # each status lives TTL; poll at least every TTL/3 of silence
            assert wait_for(lambda: g.status is not None and g.status.issued_at == clock.at), step
        assert not run.must_stop


# --- durable memory (H3) ------------------------------------------------------------------------------------

def test_a_restarted_guard_refuses_an_older_prefix_signed_fresh(tmp_path: Path) -> None:
    clock = FixedClock(T)
    first = Guard("http://unused.invalid", PACT, "lab-a", key("lab-a", 1), clock=clock, state_dir=tmp_path)
    assert first.offer(signed(core(issued=T, size=13, lab_a=PAUSED)))
    first.close()
    clock.at = T + 600
    again = Guard("http://unused.invalid", PACT, "lab-a", key("lab-a", 1), clock=clock, state_dir=tmp_path)
    assert not again.offer(signed(core(issued=T + 590, size=6)))  # the review's H3: tree 6, fresh, "normal"
    assert again.offer(signed(core(issued=T + 595, size=13, lab_a=PAUSED)))
    memory = GuardState(tmp_path, PACT.pact, "lab-a").floor()
    assert memory == (13, T + 595)
    assert list((tmp_path / "guards" / PACT.pact).glob("lab-a.json"))


def test_another_party_and_another_pact_have_their_own_memory(tmp_path: Path) -> None:
    GuardState(tmp_path, PACT.pact, "lab-a").remember(50, T)
    assert GuardState(tmp_path, PACT.pact, "lab-b").floor() == (0, 0)
    assert GuardState(tmp_path, "other-pact", "lab-a").floor() == (0, 0)
    g = Guard("http://unused.invalid", PACT, "lab-b", key("lab-b"), clock=FixedClock(T), state_dir=tmp_path)
    assert g.offer(signed(core(issued=T, size=6)))


def test_an_unreadable_memory_refuses_to_guard(tmp_path: Path) -> None:
    folder = tmp_path / "guards" / PACT.pact
    folder.mkdir(parents=True)
    (folder / "lab-a.json").write_text("{not json")
    with pytest.raises(GuardStateError, match="unreadable"):
        Guard("http://unused.invalid", PACT, "lab-a", key("lab-a", 1), state_dir=tmp_path)


# --- the outbox (M7) ----------------------------------------------------------------------------------------

def test_stop_is_retried_kept_in_the_outbox_and_resent_at_the_next_start(tmp_path: Path) -> None:
    clock = FixedClock(T)
    server = Hostile(clock.now)
    server.status = signed(core(issued=T, size=5))
    g = guard(tmp_path, server, clock)
    tries = []

    def down() -> httpx.Response:
        tries.append(1)
        return httpx.Response(503, json={"error": "unavailable", "detail": "the log's database is unavailable"})

    with g.run("big", flop=5e25, stop_retry=1.5):
        time.sleep(0.2)
        server.post = down
    assert len(tries) >= 2  # retried (the client's own 503 retries, then the guard's backoff)
    assert [d["event"] for d in GuardState(tmp_path, PACT.pact, "lab-a").pending()] == ["stop"]
    assert not any(r["event"] == "stop" for r in server.runs)
    # the next guard start delivers it first
    server.post = None
    g2 = guard(tmp_path, server, clock)
    with g2.run("next", flop=5e25):
        pass
    events = [(r["run"], r["event"]) for r in server.runs]
    assert events.index(("big", "stop")) < events.index(("next", "start"))
    assert GuardState(tmp_path, PACT.pact, "lab-a").pending() == []

