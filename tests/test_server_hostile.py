"""Hostile input at the server's edges: each statement's fate is its own, refusals are the contract's JSON,
faults are told apart (database: 503; bug: 500), forged entries are rejected, bodies and work are bounded."""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pausepact.clock import Clock
from pausepact.core import merkle
from pausepact.core.canonical import canonical
from pausepact.core.durations import format_time, parse_time
from pausepact.core.notes import Checkpoint, Note, sign_note
from pausepact.core.statements import STATEMENT_TYPE
from pausepact.keyfiles import public_raw
from pausepact.log import writer as log_module
from pausepact.log.checking import EnvelopeChecker
from pausepact.log.store import open_store
from pausepact.log.writer import Accepted, LogWriter, Refused
from pausepact.server import ServerConfig, create_app
from pausepact.server.service import Hub, LogService

from .factory import Parties, key, make_pact

T0 = parse_time("2027-01-01T00:00:00Z")
HUGE = "9" * 400


def writer(tmp_path: Path) -> tuple[LogWriter, Parties]:
    pact, data = make_pact()
    return LogWriter(open_store(f"sqlite:///{tmp_path}/log.db"), pact, key("log"), EnvelopeChecker(pact, data, workers=1)), Parties(pact)


def fixed_clock(t: int) -> Clock:
    """A clock that stays at ``t`` (for the whole test): state JSON then depends on the log alone."""
    return Clock(start=t, speed=1e-9)


@contextmanager
def app_client(store: str, clock: Clock | None = None, **cfg_kw: Any) -> Iterator[tuple[TestClient, LogService]]:
    pact, data = make_pact()
    cfg = ServerConfig(pact, data, key("log"), store, clock or Clock(), workers=1, **cfg_kw)
    app = create_app(cfg)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, app.state.service


def wait_for(cond: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


# ------------------------------------------------------------------ M1: the batch


def test_a_poisoned_envelope_fails_only_itself(tmp_path: Path) -> None:
    w, p = writer(tmp_path)
    huge_number = b'{"payloadType": "x", "payload": ' + HUGE.encode() + b', "signatures": []}'
    year_zero = p("lab-b").sign("sign", {}, "0000-01-01T00:00:00Z", seq=1)
    batch = [json.dumps(p("lab-a").sign("sign", {}, T0)).encode(), huge_number, json.dumps(year_zero).encode(),
             json.dumps(p("lab-c").sign("sign", {}, T0)).encode()]
    res = w.append(batch, now=T0)
    assert isinstance(res[0], Accepted) and isinstance(res[3], Accepted)
    assert isinstance(res[1], Refused) and res[1].error == "malformed"
    assert isinstance(res[2], Refused) and res[2].error in ("malformed", "bad-time")
    assert w.store.size() == 2


def test_a_checker_fault_is_the_refusal_of_its_own_envelope(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w, p = writer(tmp_path)
    poison = {"poison": True}
    real = log_module.check_one

    def flaky(envelope: Any, pact: Any) -> Any:
        if envelope == poison:
            raise RuntimeError("a decoder bug")
        return real(envelope, pact)

    monkeypatch.setattr(log_module, "check_one", flaky)
    monkeypatch.setattr("pausepact.log.checking.check_one", flaky)
    res = w.append([p("lab-a").sign("sign", {}, T0), poison, p("lab-b").sign("sign", {}, T0)], now=T0)
    assert [type(r).__name__ for r in res] == ["Accepted", "Refused", "Accepted"]
    assert isinstance(res[1], Refused) and res[1].error == "malformed" and "bug" not in res[1].detail


# ------------------------------------------------------------------ M6: max-lead


def test_statements_may_lead_the_log_clock_by_max_lead_only(tmp_path: Path) -> None:
    w, p = writer(tmp_path)
    now = T0
    [ahead] = w.append([p("lab-a").sign("sign", {}, now + 11, seq=1)], now=now)
    assert isinstance(ahead, Refused) and ahead.error == "skew" and ahead.log_time == format_time(now)
    [ok] = w.append([p("lab-a").sign("sign", {}, now + 10, seq=1)], now=now)
    assert isinstance(ok, Accepted)
    [behind] = w.append([p("lab-b").sign("sign", {}, now + 10 - 301, seq=1)], now=now + 10)
    assert isinstance(behind, Refused) and behind.error == "skew"
    [late] = w.append([p("lab-b").sign("sign", {}, now + 10, seq=1)], now=now + 300)
    assert isinstance(late, Accepted)  # 290 s behind: within max-skew, and not before the last entry


def test_a_status_is_never_issued_past_the_log_clock_plus_max_lead(tmp_path: Path) -> None:
    with app_client(f"sqlite:///{tmp_path}/log.db") as (c, service):
        p = Parties(service.pact)
        for lab in ("lab-a", "lab-b", "lab-c"):
            r = c.post("/v1/statements", content=json.dumps(p(lab).sign("sign", {}, service.clock.now() + 300, seq=1)))
            assert r.status_code == 409 and r.json()["error"] == "skew" and "log_time" in r.json(), r.text
            t = service.clock.now()
            r = c.post("/v1/statements", content=json.dumps(p(lab).sign("sign", {}, t, seq=1)))
            if r.status_code == 409 and r.json()["error"] == "time-order":  # a status raised the floor meanwhile: re-sign, as the client does
                r = c.post("/v1/statements", content=json.dumps(p(lab).sign("sign", {}, parse_time(r.json()["log_time"]), seq=1)))
            assert r.status_code == 201, r.text
        wait_for(lambda: c.get("/v1/status/core").status_code == 200, "a core is proposed")
        issued = parse_time(c.get("/v1/status/core").json()["core"]["issued_at"])
        assert issued <= service.clock.now() + 10


# ------------------------------------------------------------------ faults: 503 vs 500


def test_database_failure_is_503_and_a_bug_is_500_with_contract_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    with app_client(f"sqlite:///{tmp_path}/log.db") as (c, service):
        env = json.dumps(Parties(service.pact)("lab-a").sign("sign", {}, Clock().now(), seq=1))

        def db_down(*a: Any, **k: Any) -> Any:
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(service.writer, "append", db_down)
        r = c.post("/v1/statements", content=env)
        assert r.status_code == 503 and r.json()["error"] == "unavailable"

        def bug(*a: Any, **k: Any) -> Any:
            raise KeyError("a bug of ours")

        monkeypatch.setattr(service.writer, "append", bug)
        with caplog.at_level("ERROR"):
            r = c.post("/v1/statements", content=env)
        assert r.status_code == 500 and set(r.json()) == {"error", "detail"} and r.json()["error"] == "internal"
        assert "database" not in r.json()["detail"]
        assert any(rec.exc_info for rec in caplog.records), "a bug is logged with its traceback"
        monkeypatch.undo()
        assert c.post("/v1/statements", content=env).status_code == 201  # the writer lives on


# ------------------------------------------------------------------ M9, L6, M1: status signatures and cosignatures


def test_status_signatures_and_cosignatures_refuse_hostile_bodies_with_4xx(tmp_path: Path) -> None:
    with app_client(f"sqlite:///{tmp_path}/log.db") as (c, service):
        pact = service.pact
        kid = Parties(pact)("aisi").keyid
        sig = {"keyid": kid, "sig": base64.b64encode(b"\1" * 64).decode()}
        core_huge = b'{"payloadType":"application/vnd.pausepact.status+json","payload":' + HUGE.encode() + b',"signatures":[]}'
        bodies = [
            core_huge,
            json.dumps({"payloadType": "x", "payload": "A" * (1 << 20), "signatures": []}).encode(),  # 1 MiB: 413
            json.dumps({"payloadType": "application/vnd.pausepact.status+json", "payload": "e30=", "signatures": [sig] * 500}).encode(),
            json.dumps({"payloadType": "application/vnd.pausepact.status+json",
                        "payload": base64.b64encode(b'{"tree_size":' + HUGE.encode() + b"}").decode(), "signatures": [sig]}).encode(),
            b"[" * 30000 + b"]" * 30000,
            b"\xff\xfe{}",
            b"[]",
        ]
        for body in bodies:
            r = c.post("/v1/status/signatures", content=body, headers={"content-type": "application/json"})
            assert 400 <= r.status_code < 500 and {"error", "detail"} <= set(r.json()), (body[:60], r.status_code, r.text[:200])
        assert c.post("/v1/status/signatures", content=bodies[1]).status_code == 413
        cp = Checkpoint(pact.origin, 99999999999999999999, b"\0" * 32)
        note = Note(cp.text(), (sign_note(cp.text(), pact.origin, key("log"), public_raw(key("log"))),)).render()
        for body in (note.encode(), note.replace("99999999999999999999", "9" * 400).encode(), b"\xff" * 100):
            r = c.post("/v1/cosignatures", content=body, headers={"content-type": "text/plain"})
            assert r.status_code == 400 and {"error", "detail"} <= set(r.json()), (r.status_code, r.text[:200])


# ------------------------------------------------------------------ L8


def test_refusal_details_do_not_expose_python_internals(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with app_client(f"sqlite:///{tmp_path}/log.db") as (c, _), caplog.at_level("DEBUG"):
        for body in (b"[" * 30000 + b"]" * 30000, b'{"payloadType": "\xff\xfe"}', b'{"a": ' + HUGE.encode() + b"}",
                     b'{"a": 1e400}', b'{"a": ' + b"1" * 5000 + b"}"):
            r = c.post("/v1/statements", content=body)
            assert r.status_code == 400 and r.json()["error"] == "malformed", r.text
            detail = r.json()["detail"]
            for internal in ("recursion", "codec", "Traceback", "Exceeds the limit", "int too large", "position"):
                assert internal not in detail, detail
        assert not [rec for rec in caplog.records if rec.exc_info], "anonymous input wrote a traceback to the log"


# ------------------------------------------------------------------ void in the receipt


def test_a_void_statement_says_so_in_its_receipt(tmp_path: Path) -> None:
    with app_client(f"sqlite:///{tmp_path}/log.db") as (c, service):
        p = Parties(service.pact)
        now = Clock().now()
        r = c.post("/v1/statements", content=json.dumps(p("aisi").sign("vote", {"proposal": "nope", "choice": "yes"}, now)))
        assert r.status_code == 201 and "nope" in r.json()["void"], r.text
        r = c.post("/v1/statements", content=json.dumps(p("lab-a").sign("sign", {}, now)))
        assert r.status_code == 201 and "void" not in r.json()


# ------------------------------------------------------------------ M3: forged entries


def forge(store_url: str, pact: Any) -> int:
    """Append an entry with a junk signature straight into the store, with a log-signed checkpoint (a log operator could)."""
    kid = Parties(pact)("aisi").keyid
    stmt = {"type": "propose", "pact": pact.pact, "pact_digest": pact.digest, "party": "aisi", "seq": 1,
            "time": format_time(Clock().now()), "body": {"id": "forged", "action": "raise", "level": "pause"}}
    leaf = canonical({"payloadType": STATEMENT_TYPE, "payload": base64.b64encode(canonical(stmt)).decode(),
                      "signatures": [{"keyid": kid, "sig": base64.b64encode(b"\1" * 64).decode()}]})
    store = open_store(store_url)
    with store.write():
        size, last = store.head()
        cr = store.compact_range(size)
        nodes = cr.append(merkle.leaf_hash(leaf))
        store.put_entries(size, [leaf], nodes, {}, max(last, Clock().now()))
        cp = Checkpoint(pact.origin, cr.size, cr.root())
        store.put_checkpoint(cr.size, Note(cp.text(), (sign_note(cp.text(), pact.origin, key("log"), public_raw(key("log"))),)).render())
    store.close()
    return size


def test_a_forged_entry_in_the_store_is_rejected_not_presented_as_genuine(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/log.db"
    with app_client(url) as (c, service):
        p = Parties(service.pact)
        assert c.post("/v1/statements", content=json.dumps(p("lab-a").sign("sign", {}, Clock().now()))).status_code == 201
        index = forge(url, service.pact)
        wait_for(lambda: c.get("/v1/state").json()["tree_size"] == index + 1, "the follower reads the forged entry")
        state = c.get("/v1/state").json()
        assert [r["index"] for r in state["rejected"]] == [index] and state["rejected"][0]["reason"] == "bad-signature"
        assert all(pr["id"] != "forged" for pr in state["proposals"])


# ------------------------------------------------------------------ M4: event subscribers


def test_event_subscribers_are_capped_and_one_that_does_not_read_is_dropped() -> None:
    hub = Hub(max_total=5, max_per_client=2)
    a1, a2 = hub.subscribe("10.0.0.1"), hub.subscribe("10.0.0.1")
    assert a1 is not None and a2 is not None and hub.subscribe("10.0.0.1") is None  # per address
    others = [hub.subscribe(f"10.0.0.{i}") for i in (2, 3, 4)]
    assert all(q is not None for q in others) and hub.subscribe("10.0.0.9") is None  # in total
    for n in range(Hub.QUEUE + 1):  # a1 reads along, nobody else does
        hub.publish("entry", {"n": n})
        a1.get_nowait()
    assert a2 not in hub.subscribers and len(hub.subscribers) == 1
    assert a2.get_nowait() == ("", "") and a2.empty()  # its stream is told to end, its backlog freed
    assert hub.subscribe("10.0.0.1") is not None  # its place is free again


# ------------------------------------------------------------------ M5: state served from a cache


def test_state_is_computed_once_per_tree_size_and_second(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with app_client(f"sqlite:///{tmp_path}/log.db", clock=fixed_clock(T0)) as (c, service):
        calls = []
        real = service.engine.state_at

        def counted(*a: Any, **k: Any) -> Any:
            if not k.get("light"):
                calls.append(1)
            return real(*a, **k)

        monkeypatch.setattr(service.engine, "state_at", counted)
        bodies = {c.get("/v1/state").content for _ in range(20)}
        assert len(bodies) == 1 and len(calls) == 1



# ------------------------------------------------------------------ M1 over HTTP, L8 in the server's log


def test_junk_bodies_never_fail_honest_statements_nor_write_tracebacks(tmp_path: Path) -> None:
    import threading

    import httpx

    from pausepact.pactio import load_pact
    from pausepact.party.client import PactClient

    from .live import serving, write_world

    write_world(tmp_path)
    junk = [b'{"x": ' + HUGE.encode() + b"}", b'{"payloadType": "' + b"0000-01-01T00:00:00Z" + b'", "payload": 1e400}',
            b"[" * 30000 + b"]" * 30000, b"\xff\xfe\x00{", b'{"a": ' + b"1" * 5000 + b"}"]
    with serving(tmp_path) as srv:
        stop = threading.Event()
        answers: list[int] = []

        def flood() -> None:
            with httpx.Client(timeout=30) as h:
                while not stop.is_set():
                    for body in junk:
                        answers.append(h.post(srv.url + "/v1/statements", content=body).status_code)

        threads = [threading.Thread(target=flood) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            with PactClient(srv.url, load_pact(tmp_path / "pact.yaml")) as c:
                s = Parties(c.pact)("lab-b")
                receipts = [c.submit(s, "ack", {"level": "normal", "since": "2026-01-01T00:00:00Z"}) for _ in range(20)]
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        assert [r["index"] for r in receipts] == list(range(20))
        assert answers and set(answers) == {400}, sorted(set(answers))
    log_text = (tmp_path / f"serve-{srv.port}.log").read_text()
    assert "Traceback" not in log_text, log_text[-2000:]
