"""The append path: each kind of bad statement gets its own error and nothing is appended."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from pausepact.core import merkle
from pausepact.core.durations import parse_time
from pausepact.core.notes import parse_checkpoint, parse_note, verify_note
from pausepact.core.statements import sign_statement
from pausepact.log.checking import EnvelopeChecker
from pausepact.log.store import LogStore, open_store
from pausepact.log.writer import Accepted, LogWriter, Refused

from .conftest import pg_url
from .factory import Parties, key, make_pact

T0 = parse_time("2027-01-01T00:00:00Z")



@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[LogStore]:
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path}/log.db")
    else:
        s = open_store(pg_url())
    yield s
    s.close()


@pytest.fixture
def world(store: LogStore) -> tuple[LogWriter, Parties]:
    pact, data = make_pact()
    writer = LogWriter(store, pact, key("log"), EnvelopeChecker(pact, data, workers=1))
    return writer, Parties(pact)


def test_accepts_valid_statements_and_signs_checkpoint(world: tuple[LogWriter, Parties]) -> None:
    w, p = world
    envs = [p("lab-a").sign("sign", {}, T0), p("lab-b").sign("sign", {}, T0 + 1),
            p("lab-a").sign("report", {"indicator": "ai_code_share", "value": 0.5, "measured_at": "2027-01-01T00:00:00Z"}, T0 + 2)]
    res = w.append(envs, now=T0 + 2)
    assert [r.index for r in res if isinstance(r, Accepted)] == [0, 1, 2]
    assert w.store.size() == 3
    size, note_text = w.store.checkpoint()  # type: ignore[misc]
    note = parse_note(note_text)
    cp = parse_checkpoint(note.text)
    assert size == 3 and cp.size == 3 and cp.origin == "pausepact.test/test-pact"
    assert cp.root == merkle.root_of([merkle.leaf_hash(e.leaf) for e in w.store.entries(0, 3)])
    assert verify_note(note, cp.origin, w.pact.log_party.keys and w.pact.key_owner[next(
        k for k, v in w.pact.key_owner.items() if v[0] == "log")][1])


def _tamper(env: dict[str, Any], **statement: Any) -> dict[str, Any]:
    st = json.loads(base64.b64decode(env["payload"]))
    st.update(statement)
    return dict(env, payload=base64.b64encode(json.dumps(st, sort_keys=True, separators=(",", ":")).encode()).decode())


def cases(p: Parties) -> list[tuple[str, Any, str]]:
    a = p("lab-a")
    good = a.sign("sign", {}, T0, seq=1)
    other_key = sign_statement(a.statement("sign", {}, T0, seq=1), key("lab-b"))
    foreign = sign_statement(a.statement("sign", {}, T0, seq=1), key("stranger"))
    wrong_sig = dict(good, signatures=[{"keyid": good["signatures"][0]["keyid"], "sig": base64.b64encode(bytes(64)).decode()}])
    big = a.sign("attest", {"claim": "x" * 70000, "level": "pause"}, T0, seq=1)
    return [
        ("not json", b"{nope", "malformed"),
        ("bad base64", dict(good, payload="###"), "malformed"),
        ("non-canonical payload", dict(good, payload=base64.b64encode(b'{ "type":"sign"}').decode()), "malformed"),
        ("wrong payloadType", dict(good, payloadType="application/json"), "payload-type"),
        ("unknown keyid", foreign, "unknown-key"),
        ("another party's key", other_key, "bad-signature"),
        ("forged signature", wrong_sig, "bad-signature"),
        ("wrong pact digest", sign_statement(dict(a.statement("sign", {}, T0, seq=1), pact_digest="sha256:" + "0" * 64), key("lab-a")), "wrong-pact"),
        ("bad time", sign_statement(a.statement("sign", {}, "2027-01-01 00:00", seq=1), key("lab-a")), "bad-time"),
        ("skipped seq", a.sign("sign", {}, T0, seq=2), "bad-seq"),
        ("time outside skew", a.sign("sign", {}, T0 + 3600, seq=1), "skew"),
        ("payload over 64 KiB", big, "too-large"),
        ("role", a.sign("vote", {"proposal": "x", "choice": "yes"}, T0, seq=1), "role"),
        ("body", a.sign("report", {"indicator": "ai_code_share", "value": True, "measured_at": "2027-01-01T00:00:00Z"}, T0, seq=1), "body"),
        ("monitor's indicator", a.sign("report", {"indicator": "time_horizon_minutes", "value": 3, "measured_at": "2027-01-01T00:00:00Z"}, T0, seq=1), "role"),
    ]


def test_each_bad_statement_has_its_error_and_nothing_is_appended(world: tuple[LogWriter, Parties]) -> None:
    w, p = world
    for what, env, code in cases(p):
        before = w.store.size(), w.store.checkpoint()
        [res] = w.append([env], now=T0)
        assert isinstance(res, Refused) and res.error == code, (what, res)
        assert (w.store.size(), w.store.checkpoint()) == before, what
    # nothing consumed a seq: seq 1 is still next
    assert isinstance(w.append([p("lab-a").sign("sign", {}, T0, seq=1)], now=T0)[0], Accepted)


def test_reused_seq_and_time_order(world: tuple[LogWriter, Parties]) -> None:
    w, p = world
    a = p("lab-a")
    assert isinstance(w.append([a.sign("sign", {}, T0 + 10, seq=1)], now=T0 + 10)[0], Accepted)
    [r] = w.append([a.sign("sign", {}, T0 + 11, seq=1)], now=T0 + 11)
    assert isinstance(r, Refused) and r.error == "bad-seq"
    [r] = w.append([p("lab-b").sign("sign", {}, T0 + 5, seq=1)], now=T0 + 10)
    assert isinstance(r, Refused) and r.error == "time-order" and r.log_time == "2027-01-01T00:00:10Z"
    # a second key of the same party is its own sequence
    assert isinstance(w.append([p("lab-a", 1).sign("run", {"run": "r", "event": "start", "flop": 1e20}, T0 + 12, seq=1)], now=T0 + 12)[0], Accepted)


def test_store_reopens_with_same_state(tmp_path: Any) -> None:
    pact, data = make_pact()
    url = f"sqlite:///{tmp_path}/log.db"
    s = open_store(url)
    w = LogWriter(s, pact, key("log"), EnvelopeChecker(pact, data, workers=1))
    p = Parties(pact)
    w.append([p("lab-a").sign("sign", {}, T0 + i) for i in range(5)], now=T0 + 5)
    root = s.root()
    s.close()
    s2 = open_store(url)
    w2 = LogWriter(s2, pact, key("log"), EnvelopeChecker(pact, data, workers=1))
    assert s2.size() == 5 and s2.root() == root
    assert isinstance(w2.append([p("lab-a").sign("sign", {}, T0 + 6)], now=T0 + 6)[0], Accepted)
    other, other_data = make_pact(min_developers=2)
    from pausepact.log.store import StoreError

    with pytest.raises(StoreError):
        LogWriter(s2, other, key("log"), EnvelopeChecker(other, other_data, workers=1))


def test_proofs_from_store(world: tuple[LogWriter, Parties]) -> None:
    w, p = world
    for i in range(37):
        w.append([p("lab-a").sign("sign", {}, T0 + i)], now=T0 + i)
    leaves = [merkle.leaf_hash(e.leaf) for e in w.store.entries(0, 37)]
    for size in (1, 16, 20, 37):
        r = merkle.root_of(leaves[:size])
        assert w.store.root(size) == r
        for idx in (0, size // 2, size - 1):
            merkle.verify_inclusion(idx, size, leaves[idx], w.store.inclusion_proof(idx, size), r)
        merkle.verify_consistency(size, 37, r, w.store.root(), w.store.consistency_proof(size, 37))


def test_concurrent_appenders_on_postgresql_form_one_log() -> None:
    """Two writers on separate connections (as two server replicas) never fork the log."""
    import threading

    pact, data = make_pact()
    url = pg_url()
    stores = [open_store(url) for _ in range(4)]  # one connection per appender, as in four replicas
    writers = [LogWriter(s, pact, key("log"), EnvelopeChecker(pact, data, workers=1)) for s in stores]
    p = Parties(pact)
    parties = ["lab-a", "lab-b", "lab-c", "lab-d"]
    accepted: list[int] = []
    lock = threading.Lock()

    def run(w: LogWriter, party: str) -> None:
        for _ in range(40):
            res = w.append([p(party).sign("sign", {}, T0)], now=T0)
            with lock:
                accepted.extend(r.index for r in res if isinstance(r, Accepted))

    threads = [threading.Thread(target=run, args=(writers[i], parties[i])) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(accepted) == list(range(160))
    s = stores[0]
    entries = s.entries(0, 1000)
    assert [e.index for e in entries] == list(range(160))
    assert s.root() == merkle.root_of([merkle.leaf_hash(e.leaf) for e in entries])
    # every checkpoint is consistent with the final tree
    for size, note in s.checkpoints_desc(200):
        if size:
            cp = parse_checkpoint(parse_note(note).text)
            merkle.verify_consistency(size, 160, cp.root, s.root(), s.consistency_proof(size, 160))
