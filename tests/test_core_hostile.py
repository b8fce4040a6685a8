"""Hostile input at the core: JSON, times, envelopes, report bodies and checkpoint notes.

Whatever bytes arrive, each parser raises its own error type (JsonError, TimeFormatError,
Rejection, NoteError) and nothing else, so one hostile input can never fail a batch or kill
a thread (security review 2026-11-27: M1, L2, M2's NoteError path).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.core.canonical import JsonError, canonical, strict_loads
from pausepact.core.durations import MAX_TIME, MIN_TIME, TimeFormatError, format_time, is_time, parse_time
from pausepact.core.notes import Checkpoint, Note, NoteError, parse_checkpoint, parse_note, sign_note, verify_note
from pausepact.core.statements import STATEMENT_TYPE, Rejection, b64, check, decode_envelope, sign_statement
from tests.factory import Parties, key, make_pact

T = parse_time("2027-01-01T00:00:00Z")
PACT, _ = make_pact(overdue=False, replace=[["unit: score", "unit: percent"]])  # ai_rnd_score in percent
P = Parties(PACT)


# ---- strict JSON (M1) ----

@pytest.mark.parametrize("text", [
    '{"x": ' + "9" * 400 + "}",          # beyond the largest double: float() raised OverflowError
    '{"x": -' + "9" * 400 + "}",
    "9" * 5000,                           # beyond Python's int digit limit
    "1e400", "-1e400", "[1e999]",         # parse to inf, which no JSON number denotes
    "[" * 100_000 + "]" * 100_000,        # deeper than the interpreter follows
    "NaN", "Infinity", '{"a": 1, "a": 2}',
])
def test_strict_loads_refuses_with_json_error(text: str) -> None:
    with pytest.raises(JsonError):
        strict_loads(text)
    with pytest.raises(JsonError):
        strict_loads(text.encode())


def test_strict_loads_reads_utf8_only() -> None:
    with pytest.raises(JsonError, match="not UTF-8"):
        strict_loads(b'{"a": "\xff"}')
    with pytest.raises(JsonError):
        strict_loads('{"a": 1}'.encode("utf-16"))  # json.loads alone would guess UTF-16


def test_strict_loads_keeps_reading_what_the_contract_allows() -> None:
    largest = str(int(1.7976931348623157e308))  # 309 digits: the largest double, written as an integer
    assert strict_loads(f'{{"n": 1e308, "m": {largest}}}') == {"n": 1e308, "m": 1.7976931348623157e308}
    assert strict_loads("12345678901234567890") == 1.2345678901234567e19
    assert strict_loads("[-0, 2.5]") == [0, 2.5]


@given(st.binary(max_size=300) | st.text(max_size=300))
def test_strict_loads_raises_only_json_error(data: bytes | str) -> None:
    try:
        strict_loads(data)
    except JsonError:
        pass


def test_canonical_raises_only_json_error() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    for bad in (deep, float("inf"), {"a": object()}, {1: 2}, "\ud800"):
        with pytest.raises(JsonError):
            canonical(bad)


# ---- times (M1, L2) ----

@pytest.mark.parametrize("text", ["0000-01-01T00:00:00Z", "0000-02-29T12:00:00Z", "0000-12-31T23:59:59Z"])
def test_year_zero_is_a_time_format_error(text: str) -> None:
    with pytest.raises(TimeFormatError):
        parse_time(text)
    assert not is_time(text)


def test_format_time_covers_exactly_the_years_parse_time_reads() -> None:
    assert format_time(MIN_TIME) == "0001-01-01T00:00:00Z"  # four digits, which glibc's %Y omits
    assert format_time(MAX_TIME) == "9999-12-31T23:59:59Z"
    assert parse_time(format_time(MIN_TIME)) == MIN_TIME
    for seconds in (MIN_TIME - 1, MAX_TIME + 1, 10**20, -(10**20)):
        with pytest.raises(TimeFormatError):
            format_time(seconds)


@given(st.text(alphabet="0123456789-:TZ+. ", max_size=24) | st.text(max_size=30))
def test_parse_time_raises_only_time_format_error(text: str) -> None:
    try:
        seconds = parse_time(text)
    except TimeFormatError:
        assert not is_time(text)
    else:
        assert is_time(text) and format_time(seconds) == text


# ---- envelopes (M1, L2) ----

def envelope_of(payload: bytes, signer_key: Any = None) -> dict[str, Any]:
    """An envelope carrying arbitrary payload bytes, signed (or not) by lab-a's first key."""
    from pausepact.core.statements import pae

    k = signer_key or key("lab-a")
    return {"payloadType": STATEMENT_TYPE, "payload": b64(payload),
            "signatures": [{"keyid": P("lab-a").keyid, "sig": b64(k.sign(pae(STATEMENT_TYPE, payload)))}]}


def statement(**over: Any) -> dict[str, Any]:
    st_: dict[str, Any] = {"type": "sign", "pact": PACT.pact, "pact_digest": PACT.digest, "party": "lab-a",
                           "seq": 1, "time": "2027-01-01T00:00:00Z", "body": {}}
    st_.update(over)
    return st_


@pytest.mark.parametrize("payload,code", [
    (b'{"seq":' + b"1" * 400 + b"}", "malformed"),                        # the review's M1 and M2 payload
    (b'{"x":' + b"9" * 5000 + b"}", "malformed"),
    (b"[" * 50_000 + b"]" * 50_000, "too-large"),
    (b"[" * 30_000 + b"]" * 30_000, "malformed"),
    (canonical(statement(time="0000-01-01T00:00:00Z")), "bad-time"),
    (canonical(statement(body={"n": 1e308})), "body"),
])
def test_hostile_payloads_are_rejections(payload: bytes, code: str) -> None:
    env = envelope_of(payload)
    for form in (env, json.dumps(env), json.dumps(env).encode()):
        with pytest.raises(Rejection) as e:
            check(form, PACT)
        assert e.value.code == code, e.value


def test_a_huge_number_anywhere_in_the_envelope_is_malformed() -> None:
    raw = b'{"payloadType": "x", "payload": ' + b"9" * 400 + b', "signatures": []}'
    with pytest.raises(Rejection) as e:
        decode_envelope(raw, PACT)
    assert e.value.code == "malformed"


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from([STATEMENT_TYPE, "lab-a", "2027-01-01T00:00:00Z", "0000-01-01T00:00:00Z", 10**400, -(10**30)]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["payloadType", "payload", "signatures", "keyid", "sig", "type", "pact", "pact_digest",
                         "party", "seq", "time", "body", "indicator", "value", "measured_at", "level", "x"]),
        inner, max_size=7),
    max_leaves=20,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSONISH)
def test_decode_envelope_on_anything_returns_or_raises_rejection(obj: Any) -> None:
    try:
        decode_envelope(obj, PACT)
    except Rejection:
        pass


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400) | st.text(max_size=400))
def test_decode_envelope_on_any_bytes_returns_or_raises_rejection(raw: bytes | str) -> None:
    try:
        decode_envelope(raw, PACT)
    except Rejection:
        pass


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["sign", "report", "countersign", "attest", "propose", "run", "ack", "vote", "zzz"]), JSONISH,
       st.sampled_from([1, 0, 10**30, 1e300, True, "1"]), st.sampled_from(["2027-01-01T00:00:00Z", "0000-01-01T00:00:00Z", 5]))
def test_signed_statements_with_hostile_members_raise_only_rejection(type_: str, body: Any, seq: Any, time: Any) -> None:
    """Correctly signed, so every check runs down to the body rules."""
    try:
        payload = canonical(statement(type=type_, body=body, seq=seq, time=time))
    except JsonError:
        return
    try:
        check(envelope_of(payload), PACT)
    except Rejection:
        pass


VALID_MEMBERS = {"type": '"report"', "pact": json.dumps(PACT.pact), "pact_digest": json.dumps(PACT.digest), "party": '"lab-a"',
                 "seq": "1", "time": '"2027-01-01T00:00:00Z"',
                 "body": '{"indicator":"ai_code_share","measured_at":"2027-01-01T00:00:00Z","value":0.5}'}
HOSTILE_LITERALS = st.sampled_from([
    "9" * 400, "-" + "9" * 400, "1" * 5000, "1e400", "-1e999", '"0000-01-01T00:00:00Z"', '"9999-12-31T23:59:60Z"',
    "[" * 3000 + "]" * 3000, '{"a":' * 3000 + "1" + "}" * 3000, "true", "null", "0", "1.5", '"\\ud800"', "{}", "[]",
    '{"indicator":"ai_code_share","measured_at":"0000-01-01T00:00:00Z","value":0.5}',
    '{"indicator":"ai_code_share","measured_at":"2027-01-01T00:00:00Z","value":' + "9" * 400 + "}",
    '{"indicator":"ai_code_share","measured_at":"2027-01-01T00:00:00Z","value":1e400}',
    '{"indicator":' + "9" * 400 + ',"measured_at":"2027-01-01T00:00:00Z","value":0.5}',
])


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(VALID_MEMBERS)), HOSTILE_LITERALS, min_size=1, max_size=3))
def test_signed_payloads_with_hostile_literals_raise_only_rejection(hostile: dict[str, str]) -> None:
    """Payload text written by hand (no Python value can hold these), signed by a real key."""
    members = dict(VALID_MEMBERS, **hostile)
    payload = ("{" + ",".join(f'"{k}":{members[k]}' for k in sorted(members)) + "}").encode()
    try:
        check(envelope_of(payload), PACT)
    except Rejection:
        pass


# ---- reports: unit ranges and measured_at (contract v2 section 8 "Opening", applied to report) ----

def report(indicator: str, value: Any, measured_at: str = "2027-01-01T00:00:00Z", t: int = T,
           party: str = "lab-a", subject: str | None = None) -> dict[str, Any]:
    body = {"indicator": indicator, "value": value, "measured_at": measured_at}
    if subject:
        body["subject"] = subject
    return sign_statement(P(party).statement("report", body, t, seq=1), key(party))


@pytest.mark.parametrize("indicator,value,unit,shown", [
    ("ai_code_share", 7, "ratio", "[0, 1]"),
    ("ai_code_share", 1.0000001, "ratio", "[0, 1]"),
    ("ai_code_share", -0.1, "ratio", "[0, 1]"),
    ("ai_rnd_score", 100.5, "percent", "[0, 100]"),
    ("ai_rnd_score", -1, "percent", "[0, 100]"),
])
def test_report_value_outside_its_units_range_is_refused_body(indicator: str, value: float, unit: str, shown: str) -> None:
    with pytest.raises(Rejection) as e:
        check(report(indicator, value), PACT)
    assert e.value.code == "body"
    assert f"unit {unit!r}" in e.value.detail and shown in e.value.detail, e.value.detail


def test_monitor_report_in_minutes_must_not_be_negative() -> None:
    with pytest.raises(Rejection) as e:
        check(report("time_horizon_minutes", -5, party="aisi", subject="lab-a"), PACT)
    assert e.value.code == "body" and "'minutes'" in e.value.detail and ">= 0" in e.value.detail


@pytest.mark.parametrize("indicator,value", [("ai_code_share", 0), ("ai_code_share", 1), ("ai_code_share", 0.97),
                                             ("ai_rnd_score", 0), ("ai_rnd_score", 100)])
def test_report_values_at_the_range_bounds_are_accepted(indicator: str, value: float) -> None:
    assert check(report(indicator, value), PACT).statement.body["value"] == value


def test_unbounded_units_take_any_finite_value_from_zero() -> None:
    ss = check(report("time_horizon_minutes", 1e300, party="aisi", subject="lab-a"), PACT)
    assert ss.statement.body["value"] == 1e300


def test_measured_at_after_the_statement_time_is_refused_body() -> None:
    with pytest.raises(Rejection) as e:
        check(report("ai_code_share", 0.5, measured_at="2035-01-01T00:00:00Z"), PACT)
    assert e.value.code == "body" and "after the statement's time" in e.value.detail
    with pytest.raises(Rejection) as e:
        check(report("ai_code_share", 0.5, measured_at="2027-01-01T00:00:01Z"), PACT)
    assert e.value.code == "body"
    assert check(report("ai_code_share", 0.5, measured_at="2027-01-01T00:00:00Z"), PACT)  # the same second is fine


# ---- checkpoint notes (M2's NoteError path) ----

ROOT = bytes(range(32))


def note_text(body: str) -> str:
    k = key("log")
    from pausepact.keyfiles import public_raw

    return Note(body, (sign_note(body, "pausepact.test/test-pact", k, public_raw(k)),)).render()


@pytest.mark.parametrize("body", [
    "o\n99999999999999999999\n" + base64.b64encode(ROOT).decode() + "\n",    # beyond 2^63: SQLite OverflowError
    "o\n9223372036854775808\n" + base64.b64encode(ROOT).decode() + "\n",
    "o\n" + "1" * 5000 + "\n" + base64.b64encode(ROOT).decode() + "\n",
    "o\nabc\n" + base64.b64encode(ROOT).decode() + "\n",
    "o\n-1\n" + base64.b64encode(ROOT).decode() + "\n",
    "o\n01\n" + base64.b64encode(ROOT).decode() + "\n",
    "o\n\u0661\n" + base64.b64encode(ROOT).decode() + "\n",                 # an Arabic-Indic one
    "o\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n",                 # wrong root length
    "o\n1\n" + base64.b64encode(ROOT + b"x").decode() + "\n",
    "o\n1\n" + "é" * 44 + "\n",                                             # non-ASCII base64
    "o\n1\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n",          # unpadded
    "o\n1\n",                                                               # missing root line
    "o\n",
    "\n1\n" + base64.b64encode(ROOT).decode() + "\n",                       # empty origin
    "o\n1\n" + base64.b64encode(ROOT).decode(),                             # no final newline
    "o\n1\n" + base64.b64encode(ROOT).decode() + "\n\n",                    # empty extension line
    "o\x1b[2K\n1\n" + base64.b64encode(ROOT).decode() + "\n",               # control character
])
def test_malformed_checkpoint_bodies_raise_note_error(body: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(body)
    try:
        note = parse_note(note_text(body))
    except NoteError:
        return
    with pytest.raises(NoteError):
        parse_checkpoint(note.text)


def test_largest_tree_size_parses() -> None:
    cp = Checkpoint("o", 2**63 - 1, ROOT)
    assert parse_checkpoint(cp.text()) == cp


@pytest.mark.parametrize("data", [
    None, 5, ["x"], "\ud800\n\n\u2014 a AAAAAAAA\n", b"\xff\xfe", "x\n\n\u2014 a \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\n",
    "x\n\n\u2014 a AAAA\n", "x\n\n\u2014 a AAAAAAB=\n", b"x" * (2 << 20), "x\r\n\n\u2014 a AAAAAAAA\n",
])
def test_malformed_notes_raise_note_error(data: Any) -> None:
    with pytest.raises(NoteError):
        parse_note(data)
    with pytest.raises(NoteError):
        parse_checkpoint(data)


@given(st.text(max_size=200) | st.binary(max_size=200))
def test_note_parsers_raise_only_note_error(data: str | bytes) -> None:
    try:
        note = parse_note(data)
    except NoteError:
        return
    # whatever parsed can be verified and its body read without another kind of error
    assert verify_note(note, "o", bytes(32)) in (True, False)
    try:
        parse_checkpoint(note.text)
    except NoteError:
        pass


@given(st.text(alphabet="o0123456789\n+/=AQZaz\u2014 ", max_size=80))
def test_checkpoint_parser_raises_only_note_error(text: str) -> None:
    try:
        cp = parse_checkpoint(text)
    except NoteError:
        return
    assert 0 <= cp.size < 2**63 and len(cp.root) == 32 and parse_checkpoint(cp.text()) == cp


# ---- exactly means exactly: `$` in a Python pattern also matches before a final newline ----

def test_a_trailing_newline_is_no_time_duration_or_quorum() -> None:
    from pausepact.core.durations import DurationError, parse_duration
    from pausepact.core.quorum import QuorumError, parse_quorum

    with pytest.raises(TimeFormatError):
        parse_time("2027-01-01T00:00:00Z\n")
    assert not is_time("2027-01-01T00:00:00Z\n")
    with pytest.raises(DurationError):
        parse_duration("30d\n")
    with pytest.raises(QuorumError):
        parse_quorum("1 of monitors\n")


@pytest.mark.parametrize("type_,body,code", [
    ("sign", {}, "bad-time"),  # the statement's own time, below
    ("report", {"indicator": "ai_code_share", "value": 0.5, "measured_at": "2027-01-01T00:00:00Z\n"}, "body"),
    ("report", {"indicator": "ai_code_share", "value": 0.5, "measured_at": "2027-01-01T00:00:00Z",
                "evidence": {"digest": "sha256:" + "0" * 64 + "\n", "source": "s"}}, "body"),
    ("ack", {"level": "normal", "since": "2027-01-01T00:00:00Z\n"}, "body"),
])
def test_statements_with_a_trailing_newline_in_a_fixed_form_are_refused(type_: str, body: dict[str, Any], code: str) -> None:
    time = "2027-01-01T00:00:00Z\n" if type_ == "sign" else "2027-01-01T00:00:00Z"
    with pytest.raises(Rejection) as e:
        check(envelope_of(canonical(statement(type=type_, body=body, time=time))), PACT)
    assert e.value.code == code, e.value


def test_countersign_names_a_digest_exactly() -> None:
    env = sign_statement(P("aisi").statement("countersign", {"statement": "0" * 64 + "\n"}, T, seq=1), key("aisi"))
    with pytest.raises(Rejection) as e:
        check(env, PACT)
    assert e.value.code == "body"


@pytest.mark.parametrize("value", [None, 5, 1.5, b"2027-01-01T00:00:00Z", ["2027-01-01T00:00:00Z"], {"t": 1}])
def test_time_and_duration_parsers_refuse_other_types_with_their_own_error(value: Any) -> None:
    """A server's answer may put anything where a time belongs (review M2, L3)."""
    from pausepact.core.durations import DurationError, parse_duration

    with pytest.raises(TimeFormatError):
        parse_time(value)
    with pytest.raises(DurationError):
        parse_duration(value)
    assert not is_time(value)
