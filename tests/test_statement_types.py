"""The table of statement types (core.statement_types): one row per type, each with a strict body model,
the roles that may make it, and exactly one engine handler.

Asserts what a party notices: which bodies the log refuses and with which code (contract section 2 and
section 6, Validity), and that the engine cannot even be imported with a type it does not handle.
"""

from __future__ import annotations

import base64
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import pausepact.core.engine.machine as machine
from pausepact.core.bodies import Body, ReportBody
from pausepact.core.durations import parse_time
from pausepact.core.engine import Engine
from pausepact.core.statement_types import ROLE_MAY, TYPES, read_body, require_every_type
from pausepact.core.statements import Rejection, check
from tests.factory import Parties, make_pact
from tests.sealed_world import sealed_pact

PACT, PACT_TEXT = make_pact()
P = Parties(PACT)
AMENDABLE, _ = make_pact(replace=[["oversight:\n", "amendment:\n  approval: all developers and 2/3 of monitors\noversight:\n"]])
SEALED, _ = sealed_pact()  # the v2 rows need an indicator the pact seals (tests/data/sealed)
SP = Parties(SEALED)
T = parse_time("2027-01-02T00:00:00Z")
WHEN = "2027-01-01T00:00:00Z"
HEX = "ab" * 32
DIGEST = "sha256:" + "cd" * 32
MEMBER = "A" * 64  # canonical base64 of 48 zero bytes: the shortest member (enc and tag)
SALT = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # canonical base64 of bytes 0..31
KEY = "ed25519:" + SALT  # a key's text: a kind and the canonical base64 of 32 bytes
NEW_TEXT = base64.b64encode(PACT_TEXT).decode()  # an amend proposal's new version (the engine judges it)

# a valid body of every type, with its optional members (all present, in the second form)
VALID: dict[str, dict[str, Any]] = {
    "sign": {},
    "report": {"indicator": "ai_code_share", "value": 0.5, "measured_at": WHEN},
    "countersign": {"statement": HEX},
    "attest": {"claim": "weights-secured", "level": "pause"},
    "propose": {"id": "p1", "action": "resume", "level": "pause"},
    "vote": {"proposal": "p1", "choice": "yes"},
    "cancel": {"proposal": "p1", "reason": "not yet"},
    "run": {"run": "r1", "event": "start", "flop": 1e20},
    "ack": {"level": "pause", "since": WHEN},
    # v2 (contract section 8)
    "sealed_report": {"indicator": "ai_code_share", "measured_at": WHEN, "commitment": DIGEST,
                      "sealed": {"aisi": MEMBER, "eval-org": MEMBER, "civic-audit": MEMBER}},
    "verdict": {"statement": HEX, "opened": True, "red_lines": {"models-write-the-code": "misses"}},
    "share": {"statement": HEX, "to": "eval-org", "sealed": MEMBER},
    "reveal": {"statement": HEX, "value": 0.5, "salt": SALT},
    # v2 (contract section 9)
    "revoke": {"key": KEY, "reason": "the cluster was decommissioned"},
}
V2 = {"sealed_report", "verdict", "share", "reveal"}
# a second valid form of a row whose members depend on each other (section 9: an amend proposal has a pact,
# no level and no party), with all its optional members
OTHER_FORM: dict[str, dict[str, Any]] = {
    "propose": {"id": "a1", "action": "amend", "pact": NEW_TEXT, "rationale": "thresholds move"},
}
OPTIONAL: dict[str, dict[str, Any]] = {
    "report": {"subject": "lab-a", "evidence": {"digest": DIGEST, "source": "eval", "uri": "https://x.example/r"}},
    "sealed_report": {"subject": "lab-a", "evidence": {"digest": DIGEST, "source": "eval", "uri": "https://x.example/r"}},
    "attest": {"evidence": {"digest": DIGEST, "source": "audit"}},
    "propose": {"party": "lab-a", "rationale": "the evaluations disagree"},
    "vote": {"rationale": "attested and re-measured"},
}
NUMBERS = {("report", "value"), ("run", "flop"), ("reveal", "value")}
BOOLS = {("verdict", "opened")}

# contract section 6, Validity, with v2's roles (sections 8 and 9): who may make what; the log party makes nothing.
# A developer's vote is on amend proposals only: refused `role` where the pact cannot be amended.
ROLES = {
    "developer": {"sign", "report", "attest", "propose", "run", "ack", "sealed_report", "reveal", "revoke", "vote"},
    "monitor": {"sign", "report", "countersign", "propose", "vote", "cancel", "ack", "sealed_report", "verdict", "share",
                "revoke"},
    "log": set(),
}
MONITOR_MAKES = {"countersign", "vote", "cancel", "verdict", "share"}
BY_ROLE = {"developer": "lab-a", "monitor": "aisi", "log": "log"}


def refused(type_: str, body: Any) -> bool:
    try:
        TYPES[type_].body.model_validate(body)
    except ValidationError:
        return True
    return False


# ---- the table is complete ----

def test_the_table_has_the_contracts_fourteen_types_and_the_engine_one_handler_for_each() -> None:
    v1 = {"sign", "report", "countersign", "attest", "propose", "vote", "cancel", "run", "ack"}
    assert set(TYPES) == set(VALID) == v1 | {"sealed_report", "verdict", "share", "reveal"} | {"revoke"}
    assert set(machine.HANDLERS) == set(TYPES)


def test_each_handler_reads_the_body_model_of_its_row() -> None:
    for name, handler in machine.HANDLERS.items():
        hints = typing.get_type_hints(handler, {**vars(machine), **getattr(handler, "__globals__", {})})
        assert hints["body"] is TYPES[name].body, name


def test_an_engine_missing_a_handler_does_not_import() -> None:
    """Forgetting a handler fails when the engine is imported, not when such a statement first arrives."""
    source = Path(machine.__file__).read_text()
    line = '    "ack": Engine._on_ack,\n'
    assert line in source
    probe = types.ModuleType("pausepact.core.engine._probe")
    probe.__package__ = "pausepact.core.engine"
    with pytest.raises(TypeError, match=r"missing \['ack'\]"):
        exec(compile(source.replace(line, ""), machine.__file__, "exec"), probe.__dict__)
    # the unmodified source imports (so the probe itself is sound)
    intact = types.ModuleType("pausepact.core.engine._probe")
    intact.__package__ = "pausepact.core.engine"
    exec(compile(source, machine.__file__, "exec"), intact.__dict__)
    assert set(intact.HANDLERS) == set(TYPES)


def test_require_every_type_names_what_is_missing_and_what_is_unknown() -> None:
    handlers = {name: object() for name in TYPES if name != "vote"} | {"whisper": object()}
    with pytest.raises(TypeError) as e:
        require_every_type(handlers, "test")
    assert "missing ['vote']" in str(e.value) and "unknown ['whisper']" in str(e.value)


# ---- roles (section 6) ----

def test_roles_per_type_are_those_of_section_6() -> None:
    assert {role: set(types_) for role, types_ in ROLE_MAY.items()} == ROLES


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("type_", sorted(VALID))
def test_a_signed_statement_of_each_type_is_refused_role_unless_its_role_may_make_it(type_: str, role: str) -> None:
    party = BY_ROLE[role]
    body = dict(VALID[type_])
    if type_ == "report" and role == "monitor":
        body = {"indicator": "time_horizon_minutes", "value": 30, "measured_at": WHEN, "subject": "lab-a"}
    if type_ == "sealed_report" and role == "monitor":
        body = body | {"indicator": "uplift_percent", "subject": "lab-a"}
    pact, parties = (SEALED, SP) if type_ in V2 else (PACT, P)
    env = parties(party).sign(type_, body, T, seq=1)
    if type_ in ROLES[role] and (type_, role) != ("vote", "developer"):
        assert check(env, pact).statement.type == type_
    else:
        with pytest.raises(Rejection) as e:
            check(env, pact)
        assert e.value.code == "role", e.value


def test_a_developer_votes_only_where_the_pact_can_be_amended() -> None:
    """Section 9: which proposal a developer's vote is on, the engine judges; a pact without amendment refuses it."""
    vote = VALID["vote"]
    assert check(Parties(AMENDABLE)("lab-a").sign("vote", vote, T, seq=1), AMENDABLE).statement.type == "vote"
    with pytest.raises(Rejection) as e:
        check(P("lab-a").sign("vote", vote, T, seq=1), PACT)
    assert e.value.code == "role" and "cannot be amended" in e.value.detail


def test_an_unknown_type_is_malformed() -> None:
    with pytest.raises(Rejection) as e:
        check(P("lab-a").sign("whisper", {}, T, seq=1), PACT)
    assert e.value.code == "malformed"


# ---- every row's model is strict and closed ----

@pytest.mark.parametrize("type_", sorted(VALID))
def test_each_rows_model_takes_its_valid_body_and_its_optional_members(type_: str) -> None:
    model = TYPES[type_].body
    assert isinstance(model.model_validate(VALID[type_]), model)
    assert isinstance(model.model_validate(VALID[type_] | OPTIONAL.get(type_, {})), model)
    if type_ in OTHER_FORM:
        assert isinstance(model.model_validate(OTHER_FORM[type_]), model)


@pytest.mark.parametrize("type_", sorted(VALID))
def test_each_rows_model_refuses_an_extra_member_and_a_missing_one(type_: str) -> None:
    full = VALID[type_] | OPTIONAL.get(type_, {})
    assert refused(type_, full | {"note": "x"})
    for name in VALID[type_]:
        assert refused(type_, {k: v for k, v in VALID[type_].items() if k != name}), name
    assert set(TYPES[type_].body.model_fields) == set(full) | set(OTHER_FORM.get(type_, {})), \
        "VALID, OPTIONAL and OTHER_FORM list every member"


@pytest.mark.parametrize("type_", sorted(VALID))
def test_each_rows_model_coerces_nothing(type_: str) -> None:
    """No bool or string for a number, no number or bool for text, no null for an optional member."""
    forms = [VALID[type_] | OPTIONAL.get(type_, {}), *([OTHER_FORM[type_]] if type_ in OTHER_FORM else [])]
    for full, name, value in ((f, n, v) for f in forms for n, v in f.items()):
        if (type_, name) in NUMBERS:
            wrong: list[Any] = [True, False, str(value), "1", None, [value]]
        elif (type_, name) in BOOLS:
            wrong = [1, 0, "true", "false", None, [value]]
        elif isinstance(value, str):
            wrong = [1, 1.5, True, None, [value], {"x": value}]
        else:
            wrong = [1, "x", True, None, [value]]
        for w in wrong:
            assert refused(type_, full | {name: w}), (name, w)


def test_no_row_without_numbers_is_missed_by_the_coercion_test() -> None:
    numbers = {(t, n) for t, row in TYPES.items() for n, f in row.body.model_fields.items() if f.annotation is float}
    assert numbers == NUMBERS


@pytest.mark.parametrize("type_,member,value", [
    ("report", "measured_at", "2027-02-30T00:00:00Z"),
    ("report", "measured_at", "2027-01-01T00:00:00+00:00"),
    ("report", "measured_at", "0000-01-01T00:00:00Z"),
    ("report", "value", float("nan")),
    ("report", "value", float("inf")),
    ("ack", "since", "2027-01-01 00:00:00Z"),
    ("countersign", "statement", HEX.upper()),
    ("countersign", "statement", HEX + "\n"),
    ("countersign", "statement", "sha256:" + HEX),
    ("run", "flop", -1.0),
    ("run", "event", "Start"),
    ("propose", "action", "amend"),  # an amend proposal carries a pact, and no level
    ("propose", "action", "Amend"),
    ("vote", "choice", "abstain"),
    ("vote", "proposal", ""),
    ("attest", "claim", ""),
])
def test_formats_and_choices_are_exact(type_: str, member: str, value: Any) -> None:
    assert refused(type_, VALID[type_] | {member: value})


@pytest.mark.parametrize("evidence", [
    {"digest": DIGEST.upper(), "source": "x"},
    {"digest": "cd" * 32, "source": "x"},
    {"digest": DIGEST},
    {"digest": DIGEST, "source": "x", "uri": None},
    {"digest": DIGEST, "source": "x", "extra": 1},
    {"digest": DIGEST, "source": 1},
])
def test_evidence_is_closed_and_its_digest_exact(evidence: dict[str, Any]) -> None:
    assert refused("report", VALID["report"] | {"evidence": evidence})


def test_v2_rationale_on_proposals_and_votes() -> None:
    """Section 2 (v2): an optional "rationale", text of at most 2,000 code points, on propose and vote."""
    for type_ in ("propose", "vote"):
        assert not refused(type_, VALID[type_] | {"rationale": "because the evaluations disagree"})
        assert not refused(type_, VALID[type_] | {"rationale": "é" * 2000})  # code points, not bytes
        assert refused(type_, VALID[type_] | {"rationale": "x" * 2001})
        assert refused(type_, VALID[type_] | {"rationale": None})
        assert refused(type_, VALID[type_] | {"rationale": 5})
    for type_ in ("attest", "cancel", "ack"):
        assert refused(type_, VALID[type_] | {"rationale": "because"})


def test_v2_amend_proposals_carry_the_new_text_and_no_level_or_party() -> None:
    """Section 9: ``{"id", "action": "amend", "pact": base64, "rationale"?}``, the text at most 32 KiB decoded."""
    amend = OTHER_FORM["propose"]
    assert not refused("propose", amend)
    assert refused("propose", amend | {"level": "pause"})
    assert refused("propose", amend | {"party": "lab-a"})
    assert refused("propose", {k: v for k, v in amend.items() if k != "pact"})
    assert refused("propose", VALID["propose"] | {"pact": NEW_TEXT})  # a resume carries no pact
    assert refused("propose", amend | {"pact": NEW_TEXT.rstrip("=") + "\n"})
    assert refused("propose", amend | {"pact": "not base64!"})
    assert not refused("propose", amend | {"pact": base64.b64encode(b"x" * 32 * 1024).decode()})
    assert refused("propose", amend | {"pact": base64.b64encode(b"x" * (32 * 1024 + 1)).decode()})
    # whether the text is a valid next version is the engine's to judge: the table takes any text
    read_body("propose", amend | {"pact": base64.b64encode(b"not a pact").decode()}, "developer", T, AMENDABLE)


@pytest.mark.parametrize("key,ok", [
    (KEY, True),
    ("x25519:" + SALT, True),  # a monitor's seal key
    ("rsa:" + SALT, False),
    ("ed25519:" + base64.b64encode(bytes(31)).decode(), False),
    ("ed25519:" + base64.b64encode(bytes(33)).decode(), False),
    ("ed25519:" + SALT.rstrip("="), False),
    ("ed25519:" + SALT + "\n", False),
    ("ED25519:" + SALT, False),
    (SALT, False),
    ("", False),
])
def test_v2_revoke_names_a_key_in_its_pact_form(key: str, ok: bool) -> None:
    assert refused("revoke", VALID["revoke"] | {"key": key}) != ok


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                           max_leaves=6)


@given(st.sampled_from(sorted(VALID)), st.data())
def test_a_member_replaced_by_a_value_of_another_json_kind_is_refused_body(type_: str, data: st.DataObject) -> None:
    body = VALID[type_]
    if not body:
        return
    name = data.draw(st.sampled_from(sorted(body)))
    kind = (int, float) if (type_, name) in NUMBERS else type(body[name])
    if (type_, name) in BOOLS:
        value = data.draw(json_values.filter(lambda v: not isinstance(v, bool)))
    else:
        value = data.draw(json_values.filter(lambda v: not isinstance(v, kind) or isinstance(v, bool)))
    role = "monitor" if type_ in MONITOR_MAKES else "developer"
    with pytest.raises(Rejection) as e:
        read_body(type_, body | {name: value}, role, T, SEALED if type_ in V2 else PACT)
    assert e.value.code == "body"


# ---- pact-dependent rules and the order of error codes ----

def test_a_role_refusal_keeps_precedence_over_a_malformed_subject() -> None:
    """A developer reporting a monitor's indicator is ``role``, whatever its subject holds (as before the table)."""
    for subject in (5, None, ["lab-b"], "lab-b"):
        body = {"indicator": "time_horizon_minutes", "value": 30, "measured_at": WHEN, "subject": subject}
        with pytest.raises(Rejection) as e:
            read_body("report", body, "developer", T, PACT)
        assert e.value.code == "role", subject
    # the role that may report it, with a malformed subject: body
    with pytest.raises(Rejection) as e:
        read_body("report", {"indicator": "time_horizon_minutes", "value": 30, "measured_at": WHEN, "subject": 5},
                  "monitor", T, PACT)
    assert e.value.code == "body"


@pytest.mark.parametrize("type_,role,body,detail", [
    ("report", "developer", {"indicator": "nope", "value": 0.5, "measured_at": WHEN}, "unknown indicator 'nope'"),
    ("report", "developer", {"indicator": "ai_code_share", "value": 7, "measured_at": WHEN}, "value 7 is outside"),
    ("report", "developer", VALID["report"] | {"subject": "lab-b"}, "no subject"),
    ("report", "monitor", {"indicator": "time_horizon_minutes", "value": 3, "measured_at": WHEN, "subject": "aisi"},
     "names a developer as subject"),
    ("report", "developer", VALID["report"] | {"measured_at": "2027-01-03T00:00:00Z"}, "after the statement's time"),
    ("attest", "developer", VALID["attest"] | {"level": "panic"}, "unknown level 'panic'"),
    ("propose", "developer", VALID["propose"] | {"party": "aisi"}, "party must be a developer"),
    ("ack", "monitor", VALID["ack"] | {"level": "panic"}, "unknown level 'panic'"),
])
def test_pact_rules_refuse_body_with_a_detail_naming_the_problem(type_: str, role: str, body: dict[str, Any],
                                                                 detail: str) -> None:
    with pytest.raises(Rejection) as e:
        read_body(type_, body, role, T, PACT)
    assert e.value.code == "body" and detail in e.value.detail, e.value.detail


def test_detail_names_the_member() -> None:
    with pytest.raises(Rejection) as e:
        read_body("run", {"run": "r", "event": "start"}, "developer", T, PACT)
    assert e.value.detail == "run: body lacks flop"
    with pytest.raises(Rejection) as e:
        read_body("run", VALID["run"] | {"gpus": 8}, "developer", T, PACT)
    assert e.value.detail == "run: body has unexpected gpus"


# ---- what the engine reads ----

def test_a_checked_statement_carries_its_typed_body_and_the_signed_json_unchanged() -> None:
    body = {"indicator": "ai_code_share", "value": 1, "measured_at": WHEN}
    ss = check(P("lab-a").sign("report", body, T, seq=1), PACT)
    assert isinstance(ss.statement.content, ReportBody) and ss.statement.content.value == 1.0
    assert ss.statement.body == body and type(ss.statement.body["value"]) is int  # the bytes signed stay as signed
    assert ss.statement.to_json()["body"] == body


def test_the_engine_applies_typed_bodies() -> None:
    engine = Engine(PACT)
    for i, party in enumerate(("lab-a", "lab-b", "lab-c")):
        engine.apply(i, check(P(party).sign("sign", {}, T + i, seq=1), PACT))
    engine.apply(3, check(P("lab-a").sign("run", VALID["run"], T + 10, seq=2), PACT))
    assert isinstance(engine.runs[("lab-a", "r1")].flop, float) and engine.runs[("lab-a", "r1")].flop == 1e20
    assert all(isinstance(TYPES[t].body.model_validate(VALID[t]), Body) for t in TYPES)
