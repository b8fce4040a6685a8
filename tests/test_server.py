"""The server over real HTTP: receipts, proofs, refusals, monitors, statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pausepact.clock import Clock
from pausepact.core import merkle
from pausepact.core.notes import parse_checkpoint, parse_note
from pausepact.monitor import ForkDetected, Monitor, MonitorState
from pausepact.pactio import load_pact
from pausepact.party.client import ClientError, PactClient
from pausepact.party.signer import Signer

from .factory import key
from .live import serving, write_world


@pytest.fixture
def world(tmp_path: Path) -> Path:
    write_world(tmp_path)
    return tmp_path


def signer(client: PactClient, party: str, n: int = 0) -> Signer:
    return Signer(client.pact, party, key(party, n))


def monitors(client: PactClient, folder: Path, names: tuple[str, ...] = ("aisi", "eval-org")) -> list[Monitor]:
    return [Monitor(client, m, key(m), Clock(), MonitorState.load(folder / f"{m}.json")) for m in names]


def test_receipt_and_proofs(world: Path) -> None:
    with serving(world) as srv, PactClient(srv.url, load_pact(world / "pact.yaml")) as c:
        receipts = [c.submit(signer(c, d), "sign", {}) for d in ("lab-a", "lab-b", "lab-c")]
        assert [r["index"] for r in receipts] == [0, 1, 2]
        last = parse_checkpoint(parse_note(receipts[-1]["checkpoint"]).text)
        for r in receipts:
            proof = c.inclusion_proof(r["index"], last.size)
            merkle.verify_inclusion(r["index"], last.size, bytes.fromhex(r["leaf_hash"]), proof, last.root)
        first = parse_checkpoint(parse_note(receipts[0]["checkpoint"]).text)
        merkle.verify_consistency(first.size, last.size, first.root, last.root, c.consistency_proof(first.size, last.size))
        assert [e["index"] for e in c.entries(0, 3)] == [0, 1, 2]


def test_refusals_are_contract_json_never_5xx(world: Path) -> None:
    with serving(world) as srv, PactClient(srv.url, load_pact(world / "pact.yaml")) as c:
        s = signer(c, "lab-a")
        env = s.sign("sign", {}, Clock().now(), seq=1)
        cases = [
            (b"{not json", 400, "malformed"),
            (json.dumps(dict(env, payloadType="text/plain")).encode(), 415, "payload-type"),
            (json.dumps(s.sign("vote", {"proposal": "x", "choice": "yes"}, Clock().now(), seq=1)).encode(), 403, "role"),
            (json.dumps(s.sign("sign", {}, Clock().now() - 3600, seq=1)).encode(), 409, "skew"),
            (b"x" * (64 * 1024 + 1), 413, "too-large"),
        ]
        for body, status, error in cases:
            r = httpx.post(srv.url + "/v1/statements", content=body, headers={"content-type": "application/json"})
            assert (r.status_code, r.json()["error"]) == (status, error), r.text
        skew = httpx.post(srv.url + "/v1/statements", content=cases[3][0]).json()
        assert "log_time" in skew
        for path in ("/v1/entries?start=-1", "/v1/proof/inclusion?index=5&size=2", "/v1/proof/consistency?first=x&second=1",
                     "/v1/seq?keyid=zz", "/nope"):
            r = httpx.get(srv.url + path)
            assert 400 <= r.status_code < 500 and "error" in r.json(), (path, r.text)
        assert httpx.get(srv.url + "/v1/checkpoint").status_code == 404  # nothing witnessed yet
        assert c.entries(0, 10) == []  # nothing was appended by any refusal
        metrics = httpx.get(srv.url + "/metrics").text
        assert 'pausepact_statements_refused_total{error="skew"}' in metrics


def test_monitors_cosign_and_sign_the_status(world: Path) -> None:
    with serving(world) as srv, PactClient(srv.url, load_pact(world / "pact.yaml")) as c:
        for d in ("lab-a", "lab-b", "lab-c"):
            c.submit(signer(c, d), "sign", {})
        ms = monitors(c, world)
        import time

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for m in ms:
                m.step()
            try:
                status = c.status(Clock().now())
                if status.tree_size == 3:
                    break
            except ClientError:
                pass
            time.sleep(0.2)
        assert status.core["in_force"] and status.core["level"] == "normal"
        note = parse_note(c.checkpoint())
        assert {s.name for s in note.signatures} >= {"aisi", "eval-org"}
        r = subprocess.run([sys.executable, "-m", "pausepact", "verify", "--pact", str(world / "pact.yaml"), "--server", srv.url,
                            "--json"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        assert json.loads(r.stdout)["cosigners"] == ["aisi", "eval-org"]


def test_monitor_refuses_a_forked_log(world: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = tmp_path_factory.mktemp("fork")
    write_world(other)
    pact = load_pact(world / "pact.yaml")
    with serving(world) as a, serving(other) as b:
        ca, cb = PactClient(a.url, pact), PactClient(b.url, pact)
        ca.submit(signer(ca, "lab-a"), "sign", {})
        cb.submit(signer(cb, "lab-b"), "sign", {})  # same origin and log key, another history
        m = monitors(ca, world, ("aisi",))[0]
        assert m.step()["checkpoint"] == "cosigned 1"
        m.client = cb  # the operator now shows this monitor a different history
        m.engine, m.tree, m.roots = type(m.engine)(pact), merkle.CompactRange(), {0: merkle.EMPTY_ROOT}
        cb.submit(signer(cb, "lab-c"), "sign", {})
        with pytest.raises(ForkDetected):
            m.step()
        assert "not consistent" in MonitorState.load(world / "aisi.json").alarm  # type: ignore[operator]
        with pytest.raises(ForkDetected):  # and it stays refused after a restart
            monitors(ca, world, ("aisi",))


def test_client_catches_a_stale_or_forged_status(world: Path) -> None:
    with serving(world) as srv, PactClient(srv.url, load_pact(world / "pact.yaml")) as c:
        for d in ("lab-a", "lab-b", "lab-c"):
            c.submit(signer(c, d), "sign", {})
        ms = monitors(c, world)
        import time

        for _ in range(100):
            for m in ms:
                m.step()
            try:
                good = c.status(Clock().now())
                break
            except ClientError:
                time.sleep(0.1)
        with pytest.raises(ClientError, match="expired"):  # the same status, read after its TTL: stale
            c.status(good.expires_at + 1)
        with pytest.raises(ClientError, match="rollback"):  # an older one after a newer one
            c.status(Clock().now(), previous=type(good)(good.tree_size + 1, good.issued_at, good.expires_at, good.core))

        class Forging(httpx.BaseTransport):  # a server that rewrites the level in the status it serves
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                real = httpx.get(srv.url + request.url.path)
                body = real.json()
                if request.url.path == "/v1/status":
                    import base64

                    body["payload"] = base64.b64encode(base64.b64decode(body["payload"]).replace(b'"normal"', b'"pause"')).decode()
                return httpx.Response(real.status_code, json=body)

        with PactClient("http://forger", c.pact, transport=Forging()) as forged, pytest.raises(ClientError, match="bad-status|not valid"):
            forged.status(Clock().now())
