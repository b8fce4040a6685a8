"""Reliability: kill -9 under load loses nothing acknowledged; two replicas on PostgreSQL form one log."""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

from pausepact.core import merkle
from pausepact.core.notes import parse_checkpoint, parse_note
from pausepact.pactio import load_pact
from pausepact.party.client import ClientError, PactClient
from pausepact.party.signer import Signer

from .factory import key
from .live import Server, free_port, serving, write_world


def _load(url: str, pact_path: Path, party: str, n: int, acked: list[tuple[int, str]], stop: threading.Event) -> None:
    with PactClient(url, load_pact(pact_path), timeout=5) as c:
        s = Signer(c.pact, party, key(party, n))
        while not stop.is_set():
            try:
                r = c.submit(s, "ack", {"level": "normal", "since": "2027-01-01T00:00:00Z"})
                acked.append((r["index"], r["leaf_hash"]))
            except ClientError:
                return  # the server died under us


def test_kill9_mid_load_keeps_every_acknowledged_statement(tmp_path: Path) -> None:
    pact_path = write_world(tmp_path)
    store = f"sqlite:///{tmp_path}/log.db"
    srv = Server(tmp_path, store, free_port(), []).start()
    acked: list[tuple[int, str]] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_load, args=(srv.url, pact_path, p, 0, acked, stop)) for p in ("lab-a", "lab-b", "aisi")]
    for t in threads:
        t.start()
    time.sleep(1.5)
    with PactClient(srv.url, load_pact(pact_path)) as c:
        before = parse_checkpoint(parse_note(c.checkpoint(latest=True)).text)
    srv.kill9()
    stop.set()
    for t in threads:
        t.join(10)
    assert len(acked) > 20
    srv2 = Server(tmp_path, store, free_port(), []).start()
    try:
        with PactClient(srv2.url, load_pact(pact_path)) as c:
            after = parse_checkpoint(parse_note(c.checkpoint(latest=True)).text)
            entries = {e["index"]: e for e in c.entries(0, after.size)}
            from pausepact.core.canonical import canonical

            for index, leaf in acked:
                assert merkle.leaf_hash(canonical(entries[index]["envelope"])).hex() == leaf
            assert after.size >= before.size
            merkle.verify_consistency(before.size, after.size, before.root, after.root, c.consistency_proof(before.size, after.size))
            # and the log goes on: a fresh statement is accepted after the restart
            c.submit(Signer(c.pact, "lab-c", key("lab-c")), "sign", {})
    finally:
        srv2.stop()


def test_two_replicas_on_postgresql_form_one_log(tmp_path: Path) -> None:
    pact_path = write_world(tmp_path)
    pg = os.environ.get("PAUSEPACT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    store = f"{pg}?schema=r_{uuid.uuid4().hex[:10]}"
    with serving(tmp_path, store) as a, serving(tmp_path, store) as b:
        acked: list[tuple[int, str]] = []
        stop = threading.Event()
        threads = [threading.Thread(target=_load, args=(url, pact_path, p, 0, acked, stop))
                   for url, p in ((a.url, "lab-a"), (b.url, "lab-b"), (a.url, "lab-c"), (b.url, "aisi"))]
        for t in threads:
            t.start()
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(10)
        indexes = sorted(i for i, _ in acked)
        assert indexes == list(range(len(indexes))) and len(indexes) > 20
        with PactClient(a.url, load_pact(pact_path)) as ca, PactClient(b.url, load_pact(pact_path)) as cb:
            na = parse_checkpoint(parse_note(ca.checkpoint(latest=True)).text)
            nb = parse_checkpoint(parse_note(cb.checkpoint(latest=True)).text)
            assert na == nb and na.size == len(indexes)
