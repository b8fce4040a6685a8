"""A log server in the test process (an httpx.MockTransport) that tests can make lie, for the monitor.

``HostileLog`` holds signed entries of the test pact, signs checkpoints with the
log's key and proposes honest status cores; a test changes what it shows
(``shown``: how many entries; ``entries``: which envelopes; ``proposed``: the
core; ``answers``: a path answered by hand) to play a hostile operator. It
records what monitors post, so a test can assert that nothing was signed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from pausepact.core import merkle
from pausepact.core.canonical import canonical
from pausepact.core.durations import parse_time
from pausepact.core.engine import Engine, status_core
from pausepact.core.notes import Checkpoint, Note, sign_note
from pausepact.core.pact import Pact
from pausepact.keyfiles import public_raw
from pausepact.log.checking import check_one
from pausepact.party.client import PactClient

from .factory import Parties, key, make_pact

T0 = parse_time("2027-01-01T00:00:00Z")


class HostileLog:
    def __init__(self, pact: Pact | None = None) -> None:
        self.pact = pact or make_pact()[0]
        self.parties = Parties(self.pact)
        self.log_key = key("log")
        self.entries: list[dict[str, Any]] = []
        self.shown: int | None = None            # entries shown (None: all)
        self.proposed: Any = None                # the core /v1/status/core answers (None: 404)
        self.answers: dict[str, Callable[[httpx.Request], httpx.Response]] = {}
        self.status_signatures: list[dict[str, Any]] = []
        self.cosignatures: list[str] = []

    # ------------------------------------------------------------ building the log

    def add(self, party: str, type_: str, body: dict[str, Any], t: int, seq: int | None = None) -> dict[str, Any]:
        env = self.parties(party).sign(type_, body, t, seq=seq)
        self.entries.append(env)
        return env

    def sign_all(self, t: int = T0) -> None:
        """The three developers the test pact needs sign it: the pact is in force."""
        for i, lab in enumerate(("lab-a", "lab-b", "lab-c")):
            self.add(lab, "sign", {}, t + i)

    def pause(self, t: int) -> None:
        """An emergency pause: aisi proposes, aisi and eval-org vote yes."""
        self.add("aisi", "propose", {"id": "e1", "action": "raise", "level": "pause"}, t)
        self.add("aisi", "vote", {"proposal": "e1", "choice": "yes"}, t + 1)
        self.add("eval-org", "vote", {"proposal": "e1", "choice": "yes"}, t + 2)

    @property
    def size(self) -> int:
        return len(self.entries) if self.shown is None else self.shown

    def leaves(self, size: int) -> list[bytes]:
        return [merkle.leaf_hash(canonical(e)) for e in self.entries[:size]]

    def root(self, size: int) -> bytes:
        return merkle.root_of(self.leaves(size))

    def note(self, size: int | None = None, root: bytes | None = None, text: str | None = None) -> str:
        """A checkpoint note signed by the log's key (``text`` replaces the body, for malformed ones)."""
        size = self.size if size is None else size
        body = text if text is not None else Checkpoint(self.pact.origin, size, self.root(size) if root is None else root).text()
        return Note(body, (sign_note(body, self.pact.origin, self.log_key, public_raw(self.log_key)),)).render()

    def core(self, size: int, issued: int) -> dict[str, Any]:
        """The honest status core of the first ``size`` entries as of ``issued``."""
        engine = Engine(self.pact)
        for i, e in enumerate(self.entries[:size]):
            engine.apply(i, check_one(e, self.pact))
        return status_core(engine.state_at(issued, light=True), self.root(size), issued, self.pact.oversight.status_ttl)

    def propose(self, issued: int, size: int | None = None) -> dict[str, Any]:
        self.proposed = self.core(self.size if size is None else size, issued)
        return self.proposed

    # ------------------------------------------------------------ serving

    def handle(self, req: httpx.Request) -> httpx.Response:
        path = req.url.path
        if path in self.answers:
            return self.answers[path](req)
        q = req.url.params
        if path == "/v1/status/core":
            if self.proposed is None:
                return httpx.Response(404, json={"error": "not-found", "detail": "no core proposed yet"})
            return httpx.Response(200, json={"core": self.proposed})
        if path == "/v1/checkpoint":
            return httpx.Response(200, text=self.note(), headers={"content-type": "text/plain"})
        if path == "/v1/entries":
            start, end = int(q["start"]), min(int(q["end"]), self.size, int(q["start"]) + 1000)
            return httpx.Response(200, json={"entries": [{"index": i, "envelope": self.entries[i]} for i in range(start, end)]})
        if path == "/v1/proof/consistency":
            leaves = self.leaves(int(q["second"]))

            def node(level: int, index: int) -> bytes:
                return merkle.root_of(leaves[index << level:(index + 1) << level])

            proof = merkle.consistency_proof(node, int(q["first"]), int(q["second"]))
            return httpx.Response(200, json={"first": int(q["first"]), "second": int(q["second"]), "hashes": [h.hex() for h in proof]})
        if path == "/v1/status/signatures":
            self.status_signatures.append(json.loads(req.content))
            return httpx.Response(200, json={"signers": 1, "quorum": 2})
        if path == "/v1/cosignatures":
            self.cosignatures.append(req.content.decode())
            return httpx.Response(200, json={"cosigners": 1})
        return httpx.Response(404, json={"error": "not-found", "detail": path})

    def client(self) -> PactClient:
        return PactClient("http://hostile.test", self.pact, transport=httpx.MockTransport(self.handle))

    def serve_http(self) -> tuple[str, Callable[[], None]]:
        """Serve ``handle`` over real HTTP on a loopback port (for the CLI); returns (url, stop)."""
        log = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                pass

            def _any(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0)) if method == "POST" else b""
                r = log.handle(httpx.Request(method, "http://hostile.test" + self.path, content=body))
                self.send_response(r.status_code)
                self.send_header("content-type", r.headers.get("content-type", "application/json"))
                self.send_header("content-length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            def do_GET(self) -> None:
                self._any("GET")

            def do_POST(self) -> None:
                self._any("POST")

        srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()

        def stop() -> None:
            srv.shutdown()
            srv.server_close()

        return f"http://127.0.0.1:{srv.server_address[1]}", stop
