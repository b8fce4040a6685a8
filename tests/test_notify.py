"""``pausepact serve --notify``: a real server posting signed events to a webhook receiver run by the test."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from pausepact.pactio import load_pact
from pausepact.party.client import PactClient
from pausepact.party.signer import Signer
from pausepact.server.notify import Webhook, summary

from .factory import key
from .live import Server, free_port, serving, write_world

SECRET = "s3cret-for-tests"
EMERGENCY = [("lab-a", "sign", {}), ("lab-b", "sign", {}), ("lab-c", "sign", {}),
             ("aisi", "propose", {"id": "e", "action": "raise", "level": "pause"}),
             ("aisi", "vote", {"proposal": "e", "choice": "yes"}),
             ("eval-org", "vote", {"proposal": "e", "choice": "yes"})]


class Receiver:
    """A webhook: records each POST (headers, body); ``answer`` picks the status of each (or hangs)."""

    def __init__(self, answer: Callable[[int], int | None] = lambda n: 200) -> None:
        self.answer = answer
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    n = len(receiver.calls)
                status = receiver.answer(n)
                if status is None:  # hang until the test ends
                    receiver.release.wait(120)
                    return
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(body) for _, body in self.calls]

    def wait_for(self, test: Callable[[list[dict[str, Any]]], bool], seconds: float = 90) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if test(events := self.events()):
                return events
            time.sleep(0.1)
        raise AssertionError(f"the receiver never saw what was expected; it saw {self.events()}")


@contextmanager
def receiving(answer: Callable[[int], int | None] = lambda n: 200) -> Iterator[Receiver]:
    r = Receiver(answer)
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield r
    finally:
        r.release.set()
        r.server.shutdown()
        r.server.server_close()


def submit(url: str, folder: Path, steps: list[tuple[str, str, dict[str, Any]]]) -> list[float]:
    """Submit each step; the seconds each answer took."""
    took = []
    with PactClient(url, load_pact(folder / "pact.yaml")) as c:
        for party, type_, body in steps:
            started = time.monotonic()
            c.submit(Signer(c.pact, party, key(party)), type_, body)
            took.append(time.monotonic() - started)
    return took


def kinds(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == kind]


def test_an_emergency_raise_posts_one_signed_level_change_and_its_proposal(tmp_path: Path) -> None:
    write_world(tmp_path)
    with receiving() as hook, serving(tmp_path, extra=["--notify", hook.url, "--notify-secret", SECRET]) as srv:
        submit(srv.url, tmp_path, EMERGENCY)
        events = hook.wait_for(lambda ev: bool(kinds(ev, "level")) and bool(kinds(ev, "executed")))
    levels = kinds(events, "level")
    assert len(levels) == 1, levels
    level = levels[0]
    assert level["details"] == {"scope": "all", "level": "pause", "since": level["at"],
                                "restrictions": {"max_training_flop": 1e24, "new_deployments": False}}
    assert level["pact"] == "test-pact" and level["digest"].startswith("sha256:") and level["tree_size"] == 6
    proposals = kinds(events, "proposal")
    assert len(proposals) == 1 and proposals[0]["details"]["id"] == "e" and proposals[0]["details"]["proposer"] == "aisi"
    assert len({e["id"] for e in events}) == len(events), "an event was sent twice"
    for headers, body in hook.calls:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-pausepact-signature"], expected)
        assert headers["x-pausepact-event"] == json.loads(body)["id"]


def test_a_receiver_failing_twice_gets_the_event_once_after_retries(tmp_path: Path) -> None:
    write_world(tmp_path)
    # every event's first two attempts fail: 500, then 503
    failures: dict[str, int] = {}

    def answer(n: int) -> int:
        headers, _ = hook.calls[n - 1]
        event = headers["x-pausepact-event"]
        failures[event] = failures.get(event, 0) + 1
        return 200 if failures[event] > 2 else (500, 503)[failures[event] - 1]

    with receiving(answer) as hook, serving(tmp_path, extra=["--notify", hook.url]) as srv:
        submit(srv.url, tmp_path, EMERGENCY)
        hook.wait_for(lambda ev: any(e["kind"] == "level" for e in ev) and failures.get(
            next(e["id"] for e in ev if e["kind"] == "level"), 0) >= 3, seconds=120)
    level = next(e["id"] for e in hook.events() if e["kind"] == "level")
    assert failures[level] == 3  # tried three times, accepted once, never sent again
    assert "x-pausepact-signature" not in hook.calls[0][0]  # no secret, no signature


def test_a_hanging_receiver_does_not_delay_statements(tmp_path: Path) -> None:
    write_world(tmp_path)
    with receiving(lambda n: None) as hook, serving(tmp_path, extra=["--notify", hook.url]) as srv:
        submit(srv.url, tmp_path, EMERGENCY)
        hook.wait_for(lambda ev: len(ev) >= 1)  # the receiver now holds the first event's request
        took = submit(srv.url, tmp_path, [("civic-audit", "propose", {"id": "r", "action": "resume", "level": "pause"}),
                                          ("aisi", "vote", {"proposal": "r", "choice": "yes"}),
                                          ("eval-org", "vote", {"proposal": "r", "choice": "no"})])
        state = httpx.get(srv.url + "/v1/state", timeout=30).json()
    assert state["tree_size"] == 9
    # a delivery waits 10 s for its hanging receiver; the statements' answers never wait for it
    assert max(took) < 8, took


def test_a_restart_does_not_resend_delivered_events(tmp_path: Path) -> None:
    write_world(tmp_path)
    store = f"sqlite:///{tmp_path}/log.db"
    with receiving() as hook:
        with serving(tmp_path, store, extra=["--notify", hook.url]) as srv:
            submit(srv.url, tmp_path, EMERGENCY)
            first = hook.wait_for(lambda ev: bool(kinds(ev, "level")) and bool(kinds(ev, "executed")))
            ledger = tmp_path / "log.db.notified"
            deadline = time.monotonic() + 60
            while len(ledger.read_text().splitlines() if ledger.exists() else []) < len(first):
                assert time.monotonic() < deadline, "delivered events were not recorded"
                time.sleep(0.1)
        seen = len(hook.calls)
        srv2 = Server(tmp_path, store, free_port(), ["--notify", hook.url]).start()
        try:
            # a new event after the restart arrives; nothing delivered before it is sent again
            submit(srv2.url, tmp_path, [("civic-audit", "propose", {"id": "r", "action": "resume", "level": "pause"})])
            after = hook.wait_for(lambda ev: any(e["details"].get("id") == "r" for e in ev))
        finally:
            srv2.stop()
    again = after[seen:]
    assert [e["kind"] for e in again] == ["proposal"] and again[0]["details"]["id"] == "r", again
    assert len({e["id"] for e in after}) == len(after)


def test_chat_webhooks_get_escaped_text_and_the_secret_of_their_fragment() -> None:
    hook = Webhook.parse("slack+https://hooks.example/services/T/B/X#secret=abc", secret="other")
    assert hook.url == "https://hooks.example/services/T/B/X" and hook.secret == b"abc" and hook.chat
    event = {"id": "0" * 32, "pact": "p", "digest": "sha256:00", "kind": "proposal", "at": "2027-01-01T00:00:00Z",
             "tree_size": 4, "details": {"id": "<!channel> & <b>", "action": "raise", "level": "pause", "proposer": "aisi"}}
    body = json.loads(hook.body(event))
    assert body == {"text": "[p] proposal &lt;!channel&gt; &amp; &lt;b&gt; (raise pause) made by aisi"}
    assert summary(event) == body["text"]
    assert "T/B/X" not in hook.shown
