"""Status verification as strict as TUF's client: each attack is refused."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pausepact.core import merkle
from pausepact.core.engine import Engine, status_core
from pausepact.core.status import STATUS_TYPE, StatusError, check_core, decode_core, status_envelope, status_signature, verify_status
from pausepact.keyfiles import public_raw

from .factory import key, make_pact

PACT, _ = make_pact()
OTHER, _ = make_pact(min_developers=2)
T = 1798761600


def core(pact: Any = PACT, issued: int = T, size: int = 0) -> dict[str, Any]:
    e = Engine(pact)
    return status_core(e.state_at(issued), merkle.EMPTY_ROOT, issued, pact.oversight.status_ttl) | {"tree_size": size}


def signed(c: dict[str, Any], *parties: str) -> dict[str, Any]:
    return status_envelope(c, [status_signature(c, key(p), public_raw(key(p))) for p in parties])


def test_valid_status() -> None:
    ok = verify_status(signed(core(), "aisi", "eval-org"), PACT, T + 1)
    assert ok.issued_at == T and ok.core["level"] == "normal"


@pytest.mark.parametrize("what,envelope,now", [
    ("one monitor when two are required", lambda: signed(core(), "aisi"), T + 1),
    ("the same monitor twice (two keys)", lambda: status_envelope(core(), [
        status_signature(core(), key("aisi"), public_raw(key("aisi"))),
        status_signature(core(), key("aisi", 1), public_raw(key("aisi", 1)))]), T + 1),
    ("a developer's key", lambda: signed(core(), "aisi", "lab-a"), T + 1),
    ("an unknown key", lambda: signed(core(), "aisi", "stranger"), T + 1),
    ("expired", lambda: signed(core(), "aisi", "eval-org"), T + 600),
    ("another pact", lambda: signed(core(OTHER), "aisi", "eval-org"), T + 1),
    ("payload tampered after signing", lambda: dict(signed(core(), "aisi", "eval-org"),
                                                    payload=base64.b64encode(base64.b64decode(signed(core(), "aisi", "eval-org")["payload"])
                                                                             .replace(b'"normal"', b'"pause"')).decode()), T + 1),
    ("ttl not the pact's", lambda: signed(core() | {"expires_at": "2027-01-02T00:00:00Z"}, "aisi", "eval-org"), T + 1),
])
def test_attacks_are_refused(what: str, envelope: Any, now: int) -> None:
    with pytest.raises(StatusError):
        verify_status(envelope(), PACT, now)


def test_rollback_is_refused() -> None:
    newer = verify_status(signed(core(issued=T + 60, size=5), "aisi", "eval-org"), PACT, T + 61)
    with pytest.raises(StatusError, match="rollback"):
        verify_status(signed(core(issued=T, size=3), "aisi", "eval-org"), PACT, T + 61, newer)
    with pytest.raises(StatusError, match="rollback"):
        verify_status(signed(core(issued=T + 30, size=6), "aisi", "eval-org"), PACT, T + 61, newer)


# --- the closed core, member by member (issue 11: a type-confused core signed by a quorum) -----------------

def good_core() -> dict[str, Any]:
    return core(size=4) | {"root_hash": "ab" * 32}


def mutate(path: str, value: Any) -> dict[str, Any]:
    c = copy.deepcopy(good_core())
    *where, last = path.split(".")
    target = c
    for p in where:
        target = target[p]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return c


DELETE = object()
TYPE_CONFUSED = [
    ("parties.lab-a.max_training_flop", "1e24"), ("parties.lab-a.max_training_flop", True),
    ("parties.lab-a.max_training_flop", -1), ("parties.lab-a.max_training_flop", [1]),
    ("parties.lab-a.new_deployments", "yes"), ("parties.lab-a.new_deployments", 1), ("parties.lab-a.new_deployments", None),
    ("parties.lab-a.level", "mayhem"), ("parties.lab-a.level", 0), ("parties.lab-a.extra", 1), ("parties.lab-a.level", DELETE),
    ("parties.lab-a", None), ("parties.lab-a", []), ("parties.stranger", {"level": "normal", "max_training_flop": None,
                                                                        "new_deployments": True}),
    ("parties.lab-b", DELETE), ("parties", []), ("parties", None),
    ("tree_size", True), ("tree_size", "4"), ("tree_size", 4.5), ("tree_size", -1), ("tree_size", None),
    ("root_hash", "AB" * 32), ("root_hash", "ab" * 31), ("root_hash", 7), ("root_hash", "zz" * 32),
    ("issued_at", 1798761600), ("issued_at", "2027-01-01T00:00:00.0Z"), ("issued_at", "2027-01-01 00:00:00Z"),
    ("as_of", "2027-01-01T00:00:01Z"), ("expires_at", None), ("since", 5), ("since", "yesterday"),
    ("in_force", "true"), ("in_force", 1), ("level", "unknown-level"), ("level", None),
    ("pact", "other"), ("pact_digest", "sha256:" + "0" * 64), ("extra", 1), ("level", DELETE),
]


@pytest.mark.parametrize("path,value", TYPE_CONFUSED, ids=[f"{p}={v!r}" if v is not DELETE else f"-{p}" for p, v in TYPE_CONFUSED])
def test_check_core_refuses_each_malformed_member(path: str, value: Any) -> None:
    bad = mutate(path, value)
    with pytest.raises(StatusError):
        check_core(bad, PACT)
    # and, signed by a full quorum of monitors, such a core is still no status (it used to be accepted, L3)
    with pytest.raises(StatusError):
        verify_status(signed(bad, "aisi", "eval-org"), PACT, T + 1)


def test_check_core_accepts_the_engines_core_and_names_the_member() -> None:
    assert check_core(good_core(), PACT)["tree_size"] == 4
    assert check_core(good_core() | {"since": "2026-12-01T00:00:00Z"}, PACT)
    with pytest.raises(StatusError, match="max_training_flop"):
        check_core(mutate("parties.lab-a.max_training_flop", "1e24"), PACT)
    with pytest.raises(StatusError, match="not a JSON object"):
        check_core([good_core()], PACT)


def test_decode_core_with_the_pact_checks_members() -> None:
    env = signed(mutate("tree_size", True), "aisi")
    decode_core(env)  # without a pact: only the member set (kept for callers that check themselves)
    with pytest.raises(StatusError, match="tree_size"):
        decode_core(env, PACT)


@pytest.mark.parametrize("envelope", [
    None, 5, "status", [], [signed(core(), "aisi", "eval-org")],
    {"payloadType": STATUS_TYPE, "payload": 5, "signatures": []},
    {"payloadType": STATUS_TYPE, "payload": None, "signatures": []},
    {"payloadType": STATUS_TYPE, "payload": ["x"], "signatures": []},
    {"payloadType": STATUS_TYPE, "payload": "e30=", "signatures": {}},
    {"payloadType": STATUS_TYPE, "payload": "e30=", "signatures": "x"},
    {"payloadType": 5, "payload": "e30=", "signatures": []},
    {"payloadType": STATUS_TYPE, "payload": "!!!", "signatures": []},
    {"payloadType": STATUS_TYPE, "payload": base64.b64encode(b"[1,2]").decode(), "signatures": []},
    {"payloadType": STATUS_TYPE, "payload": base64.b64encode(b'{"a":' + b"9" * 400 + b"}").decode(), "signatures": []},
    {"payloadType": STATUS_TYPE, "payload": base64.b64encode(b"[" * 100000).decode(), "signatures": []},
])
def test_verify_status_refuses_non_envelopes_with_status_error_only(envelope: Any) -> None:
    with pytest.raises(StatusError):
        verify_status(envelope, PACT, T + 1)


def test_signatures_that_are_not_objects_are_ignored() -> None:
    env = signed(core(), "aisi", "eval-org")
    env["signatures"] = [5, None, "x", {"keyid": 1, "sig": 2}, *env["signatures"]]
    assert verify_status(env, PACT, T + 1).tree_size == 0


def test_future_issued_at_is_refused_beyond_max_skew() -> None:
    future = signed(core(issued=T + 86400, size=9), "aisi", "eval-org")
    with pytest.raises(StatusError, match="after this clock"):
        verify_status(future, PACT, T)  # L3: a status a day ahead used to be accepted and pinned the guard
    with pytest.raises(StatusError, match="after this clock"):
        verify_status(signed(core(issued=T + 301), "aisi", "eval-org"), PACT, T)
    assert verify_status(signed(core(issued=T + 300), "aisi", "eval-org"), PACT, T).issued_at == T + 300
    assert verify_status(signed(core(issued=T + 60), "aisi", "eval-org"), PACT, T, max_skew=60).issued_at == T + 60
    with pytest.raises(StatusError):
        verify_status(signed(core(issued=T + 61), "aisi", "eval-org"), PACT, T, max_skew=60)


json_values = st.recursive(st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False)
                           | st.text(max_size=30), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from([p for p, _ in TYPE_CONFUSED]), value=json_values)
def test_check_core_raises_only_status_error(path: str, value: Any) -> None:
    try:
        check_core(mutate(path, value), PACT)
    except StatusError:
        pass


# --- the typed model: StatusCore (issue 12) -------------------------------------------------------------------

def legacy_core(state: dict[str, Any], root_hash: bytes, issued: int, ttl: int) -> dict[str, Any]:
    """The core as the engine built it before the model (a plain dict), for byte comparison."""
    from pausepact.core.durations import format_time

    return {"pact": state["pact"], "pact_digest": state["pact_digest"], "tree_size": state["tree_size"],
            "root_hash": root_hash.hex(), "as_of": format_time(issued), "issued_at": format_time(issued),
            "expires_at": format_time(issued + ttl), "in_force": state["in_force"], "level": state["level"],
            "since": state["since"],
            "parties": {d: {"level": p["level"], "max_training_flop": p["restrictions"]["max_training_flop"],
                            "new_deployments": p["restrictions"]["new_deployments"]} for d, p in state["parties"].items()}}


def scenario_cores() -> list[tuple[str, Any, dict[str, Any], dict[str, Any]]]:
    from pathlib import Path

    from .scenario import build, load

    out = []
    for path in sorted((Path(__file__).parent / "data" / "scenarios").glob("*.yaml")):
        pact, checked = build(load(path))
        engine = Engine(pact)
        for i, c in enumerate(checked):
            engine.apply(i, c)
            if i % 3 == 0 or i == len(checked) - 1:
                t = engine.last_time or T
                state = engine.state_at(t, light=i % 2 == 0)
                ttl = pact.oversight.status_ttl
                out.append((f"{path.stem}@{i}", pact, status_core(state, bytes(range(32)), t, ttl),
                            legacy_core(state, bytes(range(32)), t, ttl)))
    return out


SCENARIO_CORES = scenario_cores()


def test_engine_cores_round_trip_byte_identical() -> None:
    from pausepact.core.canonical import canonical
    from pausepact.core.status import StatusCore

    levels = set()
    for where, pact, c, before in SCENARIO_CORES:
        assert canonical(c) == canonical(before), where  # the model changed no byte of what the engine signs
        typed = StatusCore.from_json(c, pact)
        assert typed.to_json() == c and canonical(typed.to_json()) == canonical(c), where
        assert check_core(c, pact) == c
        levels |= {c["level"], *(p["level"] for p in c["parties"].values())}
    assert len(SCENARIO_CORES) > 20 and len(levels) >= 3  # raised levels and limits are among them


def test_the_typed_core_is_read_by_attribute_and_frozen() -> None:
    from pydantic import ValidationError

    from pausepact.core.status import StatusCore, decode_status

    typed, payload = decode_status(signed(good_core(), "aisi"), PACT)
    assert typed.tree_size == 4 and typed.parties["lab-a"].new_deployments is True
    assert payload == base64.b64decode(signed(good_core(), "aisi")["payload"])
    with pytest.raises(ValidationError):
        typed.tree_size = 5
    assert isinstance(typed, StatusCore)


MORE_CONFUSED = [
    ("tree_size", 4.0), ("tree_size", 2.0**53), ("parties.lab-a.max_training_flop", float("nan")),
    ("parties.lab-a.max_training_flop", float("inf")), ("parties.lab-a.max_training_flop", {"v": 1}),
    ("root_hash", "ab" * 32 + "\n"), ("root_hash", None), ("since", ""), ("since", "2027-02-30T00:00:00Z"),
    ("since", "2027-01-01T00:00:00z"), ("pact", None), ("pact_digest", 5), ("in_force", None), ("level", ["normal"]),
    ("parties.lab-a.level", None), ("parties.lab-a.new_deployments", "false"), ("parties.lab-a.new_deployments", 0.0),
]


@pytest.mark.parametrize("path,value", MORE_CONFUSED, ids=[f"{p}={v!r}" for p, v in MORE_CONFUSED])
def test_the_model_refuses_every_other_type_confusion(path: str, value: Any) -> None:
    with pytest.raises(StatusError, match=path.rpartition(".")[2]):  # the message names the member
        check_core(mutate(path, value), PACT)


def test_the_messages_name_the_member_and_the_value() -> None:
    with pytest.raises(StatusError, match=r"parties\.lab-a\.max_training_flop: not a finite number >= 0 or null \(got '1e24'\)"):
        check_core(mutate("parties.lab-a.max_training_flop", "1e24"), PACT)
    with pytest.raises(StatusError, match=r"tree_size: .*integer \(got True\)"):
        check_core(mutate("tree_size", True), PACT)
