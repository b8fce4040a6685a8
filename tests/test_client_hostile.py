"""The client given hostile answers raises ClientError, never anything else, and within its deadline (H1)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from pausepact.party.client import ClientError, PactClient
from pausepact.party.signer import Signer

from .factory import key, make_pact

PACT, _ = make_pact()
SIGNER = Signer(PACT, "lab-a", key("lab-a"))
GOOD_SEQ = {"seq": 0, "log_time": "2027-01-01T00:00:00Z"}
GOOD_RECEIPT = {"index": 3, "leaf_hash": "ab" * 32, "checkpoint": "x"}


def mock(answer: Callable[[httpx.Request], httpx.Response]) -> PactClient:
    return PactClient("http://hostile", PACT, transport=httpx.MockTransport(answer), retry_unavailable=0.01, timeout=2)


def always(status: int, content: bytes, ctype: str = "application/json") -> PactClient:
    return mock(lambda req: httpx.Response(status, content=content, headers={"content-type": ctype}))


HOSTILE = [
    (200, b"<html>maintenance</html>"), (200, b""), (200, b"{}"), (200, b"[]"), (200, b"[1, 2]"), (200, b"null"),
    (200, b'"text"'), (200, b"5"), (200, b'{"seq": "1", "log_time": "2027-01-01T00:00:00Z"}'),
    (200, b'{"seq": true, "log_time": "2027-01-01T00:00:00Z"}'), (200, b'{"seq": 1, "log_time": "yesterday"}'),
    (200, b'{"seq": 1, "log_time": 5}'), (200, b'{"seq": 1, "log_time": "0000-01-01T00:00:00Z"}'),
    (200, b'{"entries": {}}'), (200, b'{"entries": [5]}'), (200, b'{"hashes": ["zz"]}'), (200, b'{"hashes": 5}'),
    (200, b"[" * 100000), (200, b'{"x": ' + b"9" * 400 + b"}"), (200, b"\xff\xfe\x00"),
    (400, b"[1, 2]"), (409, b"[]"), (404, b"<html>"), (500, b"null"), (503, b'{"error": "unavailable"}'),
    (302, b""), (409, b'{"error": "time-order", "detail": "x", "log_time": "not a time"}'),
    (409, b'{"error": "skew", "log_time": ["2027-01-01T00:00:00Z"]}'), (409, b'{"error": "bad-seq", "detail": 5}'),
]
CALLS: list[tuple[str, Callable[[PactClient], Any]]] = [
    ("next_seq", lambda c: c.next_seq(SIGNER)),
    ("submit", lambda c: c.submit(SIGNER, "ack", {"level": "normal", "since": "2027-01-01T00:00:00Z"})),
    ("submit_envelope", lambda c: c.submit_envelope({})),
    ("entries", lambda c: c.entries(0, 5)),
    ("checkpoint", lambda c: c.checkpoint()),
    ("inclusion_proof", lambda c: c.inclusion_proof(0, 1)),
    ("consistency_proof", lambda c: c.consistency_proof(1, 2)),
    ("state", lambda c: c.state()),
    ("status_envelope", lambda c: c.status_envelope()),
    ("status", lambda c: c.status(1798761600)),
    ("proposed_core", lambda c: c.proposed_core()),
    ("post_status_signature", lambda c: c.post_status_signature({})),
    ("post_cosignature", lambda c: c.post_cosignature("note")),
    ("events", lambda c: list(c.events(timeout=1))),
]


@pytest.mark.parametrize("call", CALLS, ids=[n for n, _ in CALLS])
@pytest.mark.parametrize("status,content", HOSTILE, ids=[f"{s}-{c[:20]!r}" for s, c in HOSTILE])
def test_every_hostile_answer_is_a_client_error(call: tuple[str, Callable[[PactClient], Any]], status: int, content: bytes) -> None:
    name, fn = call
    c = always(status, content)
    try:
        fn(c)
    except ClientError as e:
        assert e.diagnostics()
    else:  # only answers that are fine for that call may pass: assert they really are
        assert name in ("state", "status_envelope", "proposed_core", "post_status_signature", "post_cosignature") \
            and status == 200 and isinstance(json.loads(content), dict) \
            or name == "proposed_core" and status == 404 or name == "entries" and content == b'{"entries": []}' \
            or name == "events" and status == 200  # a 200 stream with no event lines simply ends


def test_seq_answer_of_a_second_request_is_checked_too() -> None:
    """submit: the seq is fine, the receipt is an HTML page, a 4xx array, or {}."""
    for bad in (b"<html>", b"{}", b'{"index": "3", "leaf_hash": "x", "checkpoint": "y"}', b"[]"):
        def answer(req: httpx.Request, bad: bytes = bad) -> httpx.Response:
            if req.url.path == "/v1/seq":
                return httpx.Response(200, json=GOOD_SEQ)
            return httpx.Response(201, content=bad)
        with pytest.raises(ClientError):
            mock(answer).submit(SIGNER, "ack", {"level": "normal", "since": "2027-01-01T00:00:00Z"})


def test_submit_returns_the_whole_answer_with_void() -> None:
    def answer(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/v1/seq":
            return httpx.Response(200, json=GOOD_SEQ)
        return httpx.Response(201, json=GOOD_RECEIPT | {"void": "unknown proposal"})
    got = mock(answer).submit(SIGNER, "vote", {"proposal": "nope", "choice": "yes"})
    assert got == GOOD_RECEIPT | {"void": "unknown proposal"}


def test_503_is_retried_with_backoff_then_succeeds() -> None:
    seen = []

    def answer(req: httpx.Request) -> httpx.Response:
        seen.append(req.url.path)
        if req.url.path == "/v1/statements" and seen.count("/v1/statements") < 3:
            return httpx.Response(503, json={"error": "unavailable", "detail": "nothing was appended"})
        return httpx.Response(200, json=GOOD_SEQ) if req.url.path == "/v1/seq" else httpx.Response(201, json=GOOD_RECEIPT)
    assert mock(answer).submit(SIGNER, "ack", {"level": "normal", "since": "2027-01-01T00:00:00Z"}) == GOOD_RECEIPT
    assert seen.count("/v1/statements") == 3


def test_503_retries_are_bounded_by_the_deadline() -> None:
    c = PactClient("http://hostile", PACT, timeout=1.0, retry_unavailable=0.05,
                   transport=httpx.MockTransport(lambda r: httpx.Response(503, json={"error": "unavailable", "detail": ""})))
    t = time.monotonic()
    with pytest.raises(ClientError) as e:
        c.state()
    assert e.value.status == 503 and time.monotonic() - t < 5


def test_entries_that_never_advance_do_not_loop() -> None:
    c = mock(lambda r: httpx.Response(200, json={"entries": [{"index": 0, "envelope": {}}]}))
    with pytest.raises(ClientError, match="entry 1"):
        c.entries(0, 5)


# --- a real socket that trickles: the total deadline ---------------------------------------------------------

@pytest.fixture
def trickle() -> Iterator[Callable[[bytes], str]]:
    """A loopback server that sends ``head`` and then one byte every 0.5 s for 15 s (per connection): a client with
    only per-read timeouts (commit 109f6be) waits all 15 s and fails the bound below rather than hanging the suite."""
    servers: list[socket.socket] = []
    stop = threading.Event()

    def start(head: bytes) -> str:
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        servers.append(srv)

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = srv.accept()
                except OSError:
                    return
                threading.Thread(target=feed, args=(conn,), daemon=True).start()

        def feed(conn: socket.socket) -> None:
            try:
                conn.recv(65536)
                conn.sendall(head)
                until = time.monotonic() + 15
                while not stop.is_set() and time.monotonic() < until:
                    conn.sendall(b" " if head else b"H")
                    time.sleep(0.5)
            except OSError:
                pass
            finally:
                conn.close()

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{srv.getsockname()[1]}"

    yield start
    stop.set()
    for s in servers:
        s.close()


@pytest.mark.parametrize("head", [
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{",  # a body one byte at a time
    b"",  # the status line and headers one byte at a time
], ids=["body", "headers"])
def test_a_trickling_answer_ends_by_the_total_deadline(trickle: Callable[[bytes], str], head: bytes) -> None:
    c = PactClient(trickle(head), PACT, timeout=2.0)
    for call in (lambda: c.next_seq(SIGNER), lambda: c.status_envelope(), lambda: c.entries(0, 3)):
        t = time.monotonic()
        with pytest.raises(ClientError):
            call()
        # the per-read timeout (2 s) is never reached: each byte arrives within 0.5 s; only the total deadline ends it
        assert time.monotonic() - t < 4.5
    c.close()
