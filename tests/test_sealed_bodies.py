"""The four v2 statement types (contract section 8) as the log judges them: hostile bodies, each refused with
the code the contract names, and the bodies that must pass. Signed envelopes are checked against the sealed
test pact (tests/data/sealed), so the codes are those a party gets back from the log."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pausepact.core.durations import parse_time
from pausepact.core.engine import Engine
from pausepact.core.statements import Rejection, check
from tests.factory import Parties, make_pact
from tests.sealed_world import sealed_pact

SEALED, _ = sealed_pact()
SP = Parties(SEALED)
PUBLIC, _ = make_pact()  # ai_code_share public, no seal keys
PP = Parties(PUBLIC)
T = parse_time("2027-01-02T00:00:00Z")
WHEN = "2027-01-01T00:00:00Z"
HEX = "ab" * 32
DIGEST = "sha256:" + "cd" * 32
MONITORS = ("aisi", "eval-org", "civic-audit")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


MEMBER = b64(bytes(range(48)))
SALT = b64(bytes(range(32)))
SEALED_BODY: dict[str, Any] = {"indicator": "ai_code_share", "measured_at": WHEN, "commitment": DIGEST,
                               "sealed": {m: MEMBER for m in MONITORS}}
VERDICT: dict[str, Any] = {"statement": HEX, "opened": True, "red_lines": {"models-write-the-code": "meets"}}
SHARE: dict[str, Any] = {"statement": HEX, "to": "eval-org", "sealed": MEMBER}
REVEAL: dict[str, Any] = {"statement": HEX, "value": 0.5, "salt": SALT}
BY = {"sealed_report": "lab-a", "verdict": "aisi", "share": "aisi", "reveal": "lab-a"}


def code(type_: str, body: Any, party: str | None = None, pact: Any = SEALED, parties: Parties = SP) -> str | None:
    """The log's refusal code for this statement, or None when it passes Validity's per-statement part."""
    try:
        check(parties(party or BY[type_]).sign(type_, body, T, seq=1), pact)
    except Rejection as e:
        return e.code
    return None


def non_canonical(data: bytes) -> str:
    """Base64 of ``data`` that decodes to it but is not its canonical form (unused bits set in the last digit)."""
    text = b64(data)
    assert text.endswith("=") and not text.endswith("=="), "needs len(data) % 3 == 2"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(text[-2])
    twisted = text[:-2] + alphabet[last | 0b11] + "="
    assert twisted != text and base64.b64decode(twisted) == data
    return twisted


def test_the_valid_bodies_pass() -> None:
    for type_, body in (("sealed_report", SEALED_BODY), ("verdict", VERDICT), ("share", SHARE), ("reveal", REVEAL)):
        assert code(type_, body) is None, type_
    assert code("verdict", {"statement": HEX, "opened": False, "red_lines": {}}) is None
    assert code("sealed_report", SEALED_BODY | {"evidence": {"digest": DIGEST, "source": "git added at abc"}}) is None
    monitor_report = SEALED_BODY | {"indicator": "uplift_percent", "subject": "lab-b"}
    assert code("sealed_report", monitor_report, "eval-org") is None


# ---- members and shares: canonical base64 of at least 48 bytes ----

@pytest.mark.parametrize("member,why", [
    ("!!!" + MEMBER[3:], "not base64"),
    (MEMBER[:-1], "cut short: not base64"),
    (MEMBER + "\n", "a trailing newline"),
    (MEMBER[:32] + " " + MEMBER[32:], "a space inside"),
    (b64(bytes(range(50))).rstrip("="), "padding left off"),
    (non_canonical(bytes(range(50))), "non-canonical (unused bits set)"),
    (b64(bytes(range(47))), "47 bytes: shorter than enc and tag"),
    (b64(b""), "empty"),
    (MEMBER.replace("A", "-"), "URL-safe alphabet"),
])
def test_a_member_or_share_that_is_not_canonical_base64_of_48_bytes_is_refused_body(member: str, why: str) -> None:
    assert code("sealed_report", SEALED_BODY | {"sealed": {**SEALED_BODY["sealed"], "eval-org": member}}) == "body", why
    assert code("share", SHARE | {"sealed": member}) == "body", why


def test_48_bytes_is_the_shortest_member() -> None:
    assert code("sealed_report", SEALED_BODY | {"sealed": {m: b64(b"\0" * 48) for m in MONITORS}}) is None
    assert code("share", SHARE | {"sealed": b64(b"\xff" * 48)}) is None


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=47))
def test_any_member_shorter_than_48_bytes_is_refused(short: bytes) -> None:
    assert code("share", SHARE | {"sealed": b64(short)}) == "body"


# ---- closed bodies: unknown members, and a value never beside its seal ----

@pytest.mark.parametrize("type_,body", [
    ("sealed_report", SEALED_BODY | {"value": 0.5}),
    ("sealed_report", SEALED_BODY | {"salt": SALT}),
    ("sealed_report", SEALED_BODY | {"note": "x"}),
    ("verdict", VERDICT | {"value": 0.5}),
    ("verdict", VERDICT | {"reason": "x"}),
    ("share", SHARE | {"value": 0.5}),
    ("reveal", REVEAL | {"indicator": "ai_code_share"}),
])
def test_an_unknown_member_is_refused_body(type_: str, body: dict[str, Any]) -> None:
    assert code(type_, body) == "body"


@pytest.mark.parametrize("type_,body", [
    ("sealed_report", {k: v for k, v in SEALED_BODY.items() if k != "commitment"}),
    ("sealed_report", {k: v for k, v in SEALED_BODY.items() if k != "sealed"}),
    ("sealed_report", SEALED_BODY | {"commitment": "sha256:" + "CD" * 32}),
    ("sealed_report", SEALED_BODY | {"commitment": "cd" * 32}),
    ("sealed_report", SEALED_BODY | {"sealed": [MEMBER] * 3}),
    ("sealed_report", SEALED_BODY | {"subject": None}),
    ("verdict", VERDICT | {"statement": HEX.upper()}),
    ("verdict", VERDICT | {"opened": "true"}),
    ("verdict", VERDICT | {"opened": 1}),
    ("verdict", {k: v for k, v in VERDICT.items() if k != "red_lines"}),
    ("share", SHARE | {"to": ""}),
    ("share", SHARE | {"to": 5}),
    ("reveal", REVEAL | {"value": True}),
    ("reveal", REVEAL | {"value": "0.5"}),
    ("reveal", REVEAL | {"salt": SALT.rstrip("=")}),
    ("reveal", REVEAL | {"salt": non_canonical(bytes(range(32)))}),
    ("reveal", REVEAL | {"salt": "not base64!"}),
])
def test_malformed_members_are_refused_body(type_: str, body: dict[str, Any]) -> None:
    assert code(type_, body) == "body"


# ---- verdicts: the five words, and nothing named when not opened ----

def test_opened_false_with_red_lines_is_refused_body() -> None:
    assert code("verdict", {"statement": HEX, "opened": False, "red_lines": {"models-write-the-code": "meets"}}) == "body"


@pytest.mark.parametrize("word", ["maybe", "MEETS", "Meets", "", "true", "held"])
def test_a_word_outside_the_five_is_refused_body(word: str) -> None:
    assert code("verdict", VERDICT | {"red_lines": {"models-write-the-code": word}}) == "body"


@pytest.mark.parametrize("words", [
    {"models-write-the-code": 1},
    {"models-write-the-code": ["meets"]},
    {"models-write-the-code": None},
])
def test_a_word_that_is_not_text_is_refused_body(words: dict[str, Any]) -> None:
    assert code("verdict", VERDICT | {"red_lines": words}) == "body"


def _engine_with_sealed_report() -> tuple[Engine, str]:
    engine = Engine(SEALED)
    ss = check(SP("lab-a").sign("sealed_report", SEALED_BODY, T, seq=1), SEALED)
    engine.apply(0, ss)
    return engine, ss.digest


@pytest.mark.parametrize("words,detail", [
    ({"models-write-the-code": "holds"}, "its word is one of"),  # a doubling word on a threshold red line
    ({}, "missing models-write-the-code"),
    ({"models-write-the-code": "meets", "uplift-high": "meets"}, "unexpected uplift-high"),
    ({"models-write-the-code": "meets", "code-share-withheld": "meets"}, "unexpected code-share-withheld"),  # overdue: never named
])
def test_a_verdict_naming_the_wrong_red_lines_or_word_kind_is_refused_body_on_lookback(words: dict[str, str],
                                                                                        detail: str) -> None:
    engine, digest = _engine_with_sealed_report()
    verdict = check(SP("aisi").sign("verdict", {"statement": digest, "opened": True, "red_lines": words}, T + 60, seq=1),
                    SEALED)
    problem = engine.lookback_problem(verdict)
    assert problem is not None and problem.code == "body" and detail in problem.detail, problem
    engine.apply(1, verdict)
    assert engine.state_at()["rejected"][-1]["index"] == 1


def test_a_verdict_with_the_right_words_passes_lookback() -> None:
    engine, digest = _engine_with_sealed_report()
    verdict = check(SP("aisi").sign("verdict", VERDICT | {"statement": digest}, T + 60, seq=1), SEALED)
    assert engine.lookback_problem(verdict) is None


# ---- sealed members: exactly one per monitor with a current seal key ----

def members_refusal(members: dict[str, str]) -> Rejection | None:
    """How the log refuses a sealed report with these members: from the pact alone (a member for a monitor
    without a seal key), else on lookback (which seal keys are current depends on the log's revocations)."""
    try:
        ss = check(SP("lab-a").sign("sealed_report", SEALED_BODY | {"sealed": members}, T, seq=1), SEALED)
    except Rejection as e:
        return e
    engine = Engine(SEALED)
    problem = engine.lookback_problem(ss)
    engine.apply(0, ss)
    rejected = engine.state_at()["rejected"]
    assert (problem is None) == (rejected == []), (problem, rejected)
    return problem


@pytest.mark.parametrize("members,detail", [
    ({"aisi": MEMBER, "eval-org": MEMBER}, "missing civic-audit"),
    ({}, "missing aisi, civic-audit, eval-org"),
    ({**{m: MEMBER for m in MONITORS}, "lab-b": MEMBER}, "unexpected lab-b"),
    ({**{m: MEMBER for m in MONITORS}, "nobody": MEMBER}, "unexpected nobody"),
    ({"aisi": MEMBER, "eval-org": MEMBER, "log": MEMBER}, "unexpected log"),
])
def test_sealed_members_missing_or_extra_are_refused_body(members: dict[str, str], detail: str) -> None:
    problem = members_refusal(members)
    assert problem is not None and problem.code == "body" and detail in problem.detail, problem


def test_one_member_per_monitor_passes_lookback() -> None:
    assert members_refusal({m: MEMBER for m in MONITORS}) is None


# ---- disclosure: a sealed indicator only sealed, a public one only in public ----

def test_a_report_of_a_sealed_indicator_is_refused_body() -> None:
    body = {"indicator": "ai_code_share", "value": 0.5, "measured_at": WHEN}
    try:
        check(SP("lab-a").sign("report", body, T, seq=1), SEALED)
    except Rejection as e:
        assert e.code == "body" and "sealed" in e.detail and "0.5" not in e.detail
    else:
        pytest.fail("accepted")
    monitor_report = {"indicator": "uplift_percent", "value": 12, "measured_at": WHEN, "subject": "lab-a"}
    assert code("report", monitor_report, "aisi") == "body"


def test_a_sealed_report_of_a_public_indicator_is_refused_body() -> None:
    public = SEALED_BODY | {"indicator": "ai_rnd_score"}  # public in the sealed pact
    assert code("sealed_report", public) == "body"
    # a pact with no sealed indicator (and no seal keys) at all
    assert code("sealed_report", SEALED_BODY | {"sealed": {}}, pact=PUBLIC, parties=PP) == "body"


def test_who_reports_and_about_whom_as_for_a_report() -> None:
    assert code("sealed_report", SEALED_BODY | {"subject": "lab-b"}) == "body"  # a developer names no subject
    assert code("sealed_report", SEALED_BODY | {"indicator": "uplift_percent"}, "eval-org") == "body"  # no subject
    assert code("sealed_report", SEALED_BODY | {"indicator": "uplift_percent", "subject": "aisi"}, "eval-org") == "body"
    assert code("sealed_report", SEALED_BODY | {"indicator": "uplift_percent"}) == "role"  # monitors report it
    assert code("sealed_report", SEALED_BODY, "aisi") == "role"  # developers report ai_code_share
    assert code("sealed_report", SEALED_BODY | {"indicator": "nope"}) == "body"
    assert code("sealed_report", SEALED_BODY | {"measured_at": "2027-01-03T00:00:00Z"}) == "body"  # after its time


@pytest.mark.parametrize("type_,party", [
    ("verdict", "lab-a"), ("share", "lab-a"), ("reveal", "aisi"),
    ("sealed_report", "log"), ("verdict", "log"), ("share", "log"), ("reveal", "log"),
])
def test_roles_of_the_v2_types(type_: str, party: str) -> None:
    body = {"sealed_report": SEALED_BODY, "verdict": VERDICT, "share": SHARE, "reveal": REVEAL}[type_]
    assert code(type_, body, party) == "role"
