"""Engine snapshots: a restored engine behaves exactly as a full replay (hypothesis), and bad bytes are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.core.canonical import canonical
from pausepact.core.engine import Engine, replay, snapshot
from pausepact.core.statements import Rejection

from .factory import make_pact
from .test_engine_properties import PACT, build, history, last_time


def _time(e: Any) -> int | None:
    return None if isinstance(e, Rejection) else e.statement.t


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(history, st.integers(0, 200))
def test_restore_then_apply_the_rest_equals_a_full_replay(hist: list[Any], where: int) -> None:
    entries = build(hist)
    end = last_time(entries)
    n = where % (len(entries) + 1)
    engine = Engine(PACT)
    for i, e in enumerate(entries[:n]):
        engine.apply(i, e)
    data = snapshot.dump(engine)
    restored = snapshot.load(PACT, data)
    assert restored.size == n and json.loads(data)["tree_size"] == n
    assert snapshot.dump(restored) == data
    for i, e in enumerate(entries[n:], start=n):
        restored.apply(i, e)
    assert canonical(restored.state_at(end)) == canonical(replay(PACT, entries, end))
    assert canonical(restored.view(end).timeline) == canonical(replay_engine(entries).view(end).timeline)


def replay_engine(entries: list[Any]) -> Engine:
    engine = Engine(PACT)
    for i, e in enumerate(entries):
        engine.apply(i, e)
    return engine


@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(history)
def test_restore_at_every_prefix_equals_the_engine_it_came_from(hist: list[Any]) -> None:
    entries = build(hist)
    end = last_time(entries)
    full = canonical(replay(PACT, entries, end))
    engine = Engine(PACT)
    for i, e in enumerate(entries):
        engine.apply(i, e)
        restored = snapshot.load(PACT, snapshot.dump(engine))
        t = engine.last_time if engine.last_time is not None else 0
        assert canonical(restored.state_at(t)) == canonical(engine.state_at(t))
        assert canonical(restored.state_at(t, light=True)) == canonical(engine.state_at(t, light=True))
        # and the restored engine carries on: the rest of the log, then the final state
        if i % 7 == 0:
            for j, rest in enumerate(entries[i + 1:], start=i + 1):
                restored.apply(j, rest)
            assert canonical(restored.state_at(end)) == full


def _engine_with_history() -> Engine:
    from .test_engine_properties import DEVS, MONS

    hist: list[Any] = [(0, ("sign", d)) for d in DEVS] + [(0, ("sign", m)) for m in MONS]
    hist += [(86400, ("code", "lab-a", 0.99)), (0, ("rnd", "lab-b", 0.9)), (0, ("countersign", "aisi", 0)),
             (0, ("propose", "aisi", "p1", "raise", "pause", None)), (0, ("vote", "aisi", "p1", "yes")),
             (3600, ("run", "lab-c", "r1", "start", 1e27)), (86400, ("resume", "p2", "pause", None, ["aisi", "eval-org"])),
             (7 * 86400, ("forged", "lab-d"))]
    engine = Engine(PACT)
    for i, e in enumerate(build(hist)):
        engine.apply(i, e)
    return engine


def test_a_snapshot_of_another_pact_or_version_is_refused() -> None:
    data = snapshot.dump(_engine_with_history())
    other, _ = make_pact(min_developers=2)
    with pytest.raises(ValueError, match="pact"):
        snapshot.load(other, data)
    doc = json.loads(data)
    doc["version"] = 1  # an older format
    with pytest.raises(ValueError, match="version"):
        snapshot.load(PACT, canonical(doc))


@pytest.mark.parametrize("bad", [b"", b"[]", b"{", b'{"format": "pausepact-engine-snapshot"}', b"\xff\xfe"])
def test_bytes_that_are_not_a_snapshot_are_refused(bad: bytes) -> None:
    with pytest.raises(ValueError, match="engine snapshot"):
        snapshot.load(PACT, bad)


def _paths(x: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(x, dict):
        for k, v in x.items():
            out += _paths(v, (*path, k))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out += _paths(v, (*path, i))
    return out


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_tampered_snapshot_is_refused_or_a_working_engine(data: st.DataObject) -> None:
    """Any one value replaced by a value of another type or an unknown name: ValueError, never anything else."""
    engine = _engine_with_history()
    doc = json.loads(snapshot.dump(engine))
    paths = [p for p in _paths(doc["state"]) if p]
    path = data.draw(st.sampled_from(paths))
    new = data.draw(st.sampled_from([None, "x", -1, 1.5, True, [], {}, "pause", "lab-a", 10**6]))
    target = doc["state"]
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = new
    try:
        restored = snapshot.load(PACT, canonical(doc))
    except ValueError:
        return
    # accepted: then it is a consistent engine that answers and takes entries without crashing
    t = (restored.clock or 0) + 40 * 86400
    restored.state_at(t)
    restored.state_at(t, light=True)


def test_a_view_takes_no_entries_and_has_no_snapshot() -> None:
    engine = _engine_with_history()
    view = engine.view(engine.last_time or 0)
    with pytest.raises(ValueError):
        snapshot.dump(view)
    with pytest.raises(ValueError):
        view.apply(view.size, Rejection("bad-signature", "x"))
