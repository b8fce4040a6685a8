"""Restart from a durable engine snapshot: the state served is byte-identical to a full replay (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from pausepact.core.canonical import canonical
from pausepact.core.durations import format_time, parse_time
from pausepact.core.engine import snapshot
from pausepact.log.checking import EnvelopeChecker
from pausepact.log.store import Snapshot, open_store
from pausepact.log.writer import Accepted, LogWriter
from pausepact.server.snapshot_seal import log_keys, seal, unseal

from .factory import Parties, key, make_pact
from .test_server_hostile import app_client, fixed_clock

T0 = parse_time("2027-01-01T00:00:00Z")
END = T0 + 40 * 86400


def history(p: Parties) -> list[dict[str, Any]]:
    """A month of a pact: signs, reports, an emergency pause, a resumption proposal, runs, a void vote."""
    envs = [p(lab).sign("sign", {}, T0 + i) for i, lab in enumerate(("lab-a", "lab-b", "lab-c"))]
    t = T0 + 100
    for day in range(30):
        for lab in ("lab-a", "lab-b", "lab-c"):
            t += 60
            value = 0.5 + day / 100
            envs.append(p(lab).sign("report", {"indicator": "ai_code_share", "value": value,
                                               "measured_at": format_time(t - 30)}, t))
        t += 86400 - 180
        if day == 3:
            envs.append(p("lab-a").sign("run", {"run": "big", "event": "start", "flop": 5e25}, t))
        if day == 5:
            envs.append(p("aisi").sign("propose", {"id": "e1", "action": "raise", "level": "pause"}, t + 1))
            envs.append(p("aisi").sign("vote", {"proposal": "e1", "choice": "yes"}, t + 2))
            envs.append(p("eval-org").sign("vote", {"proposal": "e1", "choice": "yes"}, t + 3))
            envs.append(p("eval-org").sign("vote", {"proposal": "nope", "choice": "yes"}, t + 4))
        if day == 20:
            envs.append(p("civic-audit").sign("propose", {"id": "r1", "action": "resume", "level": "pause"}, t + 1))
            envs.append(p("aisi").sign("vote", {"proposal": "r1", "choice": "yes"}, t + 2))
    return envs


def append(url: str, envs: list[dict[str, Any]]) -> int:
    pact, data = make_pact()
    store = open_store(url)
    with EnvelopeChecker(pact, data, workers=1) as checker:
        res = LogWriter(store, pact, key("log"), checker).append(envs, None)
    assert all(isinstance(r, Accepted) for r in res), [r for r in res if not isinstance(r, Accepted)][:3]
    size = store.size()
    store.close()
    return size


def served_state(url: str, **cfg: Any) -> tuple[bytes, int]:
    """/v1/state of a server started on ``url`` (clock fixed at END), and the size its snapshot restored."""
    with app_client(url, clock=fixed_clock(END), **cfg) as (c, service):
        size = open_store(url).size()
        deadline = time.monotonic() + 120
        while (state := c.get("/v1/state")).json()["tree_size"] != size:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        return state.content, service._snapshot_size if service._restored else -1


def test_a_restart_from_the_snapshot_serves_the_state_of_a_full_replay(store_url: str, caplog: pytest.LogCaptureFixture) -> None:
    p = Parties(make_pact()[0])
    envs = history(p)
    first = append(store_url, envs)
    # the first server replays all and keeps a snapshot of what it read
    served_state(store_url, snapshot_every=10)
    store = open_store(store_url)
    snap = store.snapshot()
    assert snap is not None and snap.size == first
    # the log grows while no server runs; a restart loads the snapshot and replays only the rest
    later = [p("lab-b").sign("report", {"indicator": "ai_code_share", "value": 0.97, "measured_at": format_time(END - 5)}, END),
             p("lab-c").sign("run", {"run": "r2", "event": "start", "flop": 1e23}, END)]
    total = append(store_url, later)
    restored, from_size = served_state(store_url, snapshot_every=10**9)
    assert from_size == first
    # a snapshot that does not decode, or of another pact, is ignored with a warning: full replay
    with caplog.at_level(logging.WARNING, logger="pausepact.server"):
        for bad in (Snapshot(snap.size, snap.pact_digest, snap.root, b"\x00garbage"),
                    Snapshot(snap.size, "sha256:" + "0" * 64, snap.root, snap.data),
                    Snapshot(total + 5, snap.pact_digest, snap.root, snap.data)):
            store.put_snapshot(bad)
            replayed, from_size = served_state(store_url, snapshot_every=10**9)
            assert from_size == 0
            assert replayed == restored
    assert sum("ignoring the stored engine snapshot" in r.getMessage() for r in caplog.records) == 3
    store.close()


def tampered(engine_bytes: bytes, resting: str) -> bytes:
    """What someone with write access to the database but not the log key would store: the pact at rest, no reasons."""
    doc = json.loads(engine_bytes)
    state = doc["state"]
    state["coord"][0] = resting
    state["party_scope"] = [[d, resting, *rest[1:]] for d, *rest in state["party_scope"]]
    state["reasons"] = []
    return canonical(doc)


def test_a_snapshot_rewritten_in_the_database_is_ignored_and_the_log_replayed(store_url: str,
                                                                              caplog: pytest.LogCaptureFixture) -> None:
    pact = make_pact()[0]
    p = Parties(pact)
    size = append(store_url, history(p))
    honest, _ = served_state(store_url, snapshot_every=10)
    store = open_store(store_url)
    snap = store.snapshot()
    assert snap is not None and snap.size == size
    sealed = unseal(log_keys(pact), snap)
    assert sealed is not None  # the server signed what it wrote
    forged = tampered(sealed, pact.resting)
    # the forgery decodes and would show another state (N2 on 109f6be: served as is)
    fake_engine = snapshot.load(pact, forged)
    assert canonical(fake_engine.state_at(END)) != honest
    assert json.loads(canonical(fake_engine.state_at(END)))["level"] == pact.resting != json.loads(honest)["level"]
    prefix = snap.data[:len(snap.data) - len(sealed)]  # magic and the log key's signature over the honest bytes
    with caplog.at_level(logging.WARNING, logger="pausepact.server"):
        for data in (forged, prefix + forged):
            caplog.clear()
            store.put_snapshot(Snapshot(snap.size, snap.pact_digest, snap.root, data))
            replayed, from_size = served_state(store_url, snapshot_every=10**9)
            assert from_size == 0  # a full replay, every entry verified
            assert replayed == honest
            assert any("not signed by this pact's log key" in r.getMessage() for r in caplog.records)
    # a snapshot signed by a key that is not the pact's log key is no better
    store.put_snapshot(seal(key("lab-a"), snap.pact_digest, snap.size, snap.root, forged))
    replayed, from_size = served_state(store_url, snapshot_every=10**9)
    assert (replayed, from_size) == (honest, 0)
    store.close()
