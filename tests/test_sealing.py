"""Sealed values (contract v2 section 8): the shared vectors, seal/open properties, hostile members, seal keys."""

from __future__ import annotations

import base64
import json
import math
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.cli import main
from pausepact.core.canonical import canonical
from pausepact.core.sealing import (
    NotOpened,
    Opened,
    SealKeyFormatError,
    commitment,
    format_seal_key,
    hpke_seal,
    open_sealed,
    opening,
    parse_seal_key,
    seal,
    seal_info,
    share_info,
)
from pausepact.errors import InputError
from pausepact.keyfiles import read_seal_key, seal_public_raw
from pausepact.party.sealing import seal_value

VECTORS = json.loads((Path(__file__).parent / "data" / "vectors" / "sealing" / "vectors.json").read_text())
KEYS = {m: X25519PrivateKey.from_private_bytes(base64.b64decode(k["private_raw_b64"])) for m, k in VECTORS["seal_keys"].items()}
# the vectors name no unit: their indicator is a share of code, a ratio
VECTOR_UNIT = "ratio"
# why each vector that must not open does not (by its name); a new one must be added here
NOT_OPENED_KIND = {
    "member sealed with the wrong info (unhashed tail) does not open": "decrypt",
    "member opens but the commitment does not recompute (value changed)": "commitment",
}

PACT = "sha256:" + "ab" * 32
OTHER_PACT = "sha256:" + "cd" * 32
IND, AT, SUBJECT = "ai_code_share", "2027-03-01T00:00:00Z", "lab-a"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def raw(key: X25519PrivateKey) -> bytes:
    return seal_public_raw(key)


# --- the shared vectors -------------------------------------------------------------------------

def test_vector_keys_are_the_public_keys_they_name() -> None:
    for m, k in VECTORS["seal_keys"].items():
        assert format_seal_key(raw(KEYS[m])) == k["public"]
        assert parse_seal_key(k["public"]) == raw(KEYS[m])


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_vector(case: dict[str, Any]) -> None:
    share = "share" in case
    info = (share_info(case["pact_digest"], case["commitment"], case["monitor"]) if share
            else seal_info(case["pact_digest"], case["commitment"]))
    if "info_hex" in case:
        assert info.hex() == case["info_hex"]
    if "salt" in case:
        assert commitment(case["indicator"], case["measured_at"], case["salt"], case["subject"], case["value"]) == case["commitment"]
    if "plaintext" in case:
        assert opening(case["value"], base64.b64decode(case["salt"])).decode() == case["plaintext"]
    got = open_sealed(case["share" if share else "member"], KEYS[case["monitor"]], info, VECTOR_UNIT,
                      case["indicator"], case["measured_at"], case["subject"], case["commitment"])
    if case["opens"]:
        assert got == Opened(case["value"], case["salt"])
    else:
        assert isinstance(got, NotOpened)
        assert got.kind == NOT_OPENED_KIND[case["name"]], got


def test_a_member_does_not_open_for_another_monitor_nor_as_a_share() -> None:
    case = VECTORS["cases"][0]
    assert case["opens"] and "member" in case
    args = (VECTOR_UNIT, case["indicator"], case["measured_at"], case["subject"], case["commitment"])
    info = seal_info(case["pact_digest"], case["commitment"])
    got = open_sealed(case["member"], KEYS["m2"], info, *args)
    assert isinstance(got, NotOpened) and got.kind == "decrypt", got
    as_share = share_info(case["pact_digest"], case["commitment"], case["monitor"])
    assert isinstance(open_sealed(case["member"], KEYS["m1"], as_share, *args), NotOpened)


# --- seal then open -----------------------------------------------------------------------------

salts = st.binary(min_size=32, max_size=32)
in_range = st.one_of(
    st.tuples(st.just("ratio"), st.floats(0, 1) | st.integers(0, 1)),
    st.tuples(st.just("percent"), st.floats(0, 100) | st.integers(0, 100)),
    st.tuples(st.sampled_from(["minutes", "flop", "score", "count"]),
              st.floats(0, allow_infinity=False) | st.integers(0, 2**53)),
)


def sealed_report(value: float, salt: bytes, key: X25519PrivateKey, pact: str = PACT) -> tuple[bytes, str]:
    c = commitment(IND, AT, base64.b64encode(salt).decode(), SUBJECT, value)
    return seal(value, salt, raw(key), seal_info(pact, c)), c


@SETTINGS
@given(unit_value=in_range, salt=salts)
def test_seal_then_open_round_trips(unit_value: tuple[str, float], salt: bytes) -> None:
    unit, value = unit_value
    key = X25519PrivateKey.generate()
    sealed, c = sealed_report(value, salt, key)
    got = open_sealed(sealed, key, seal_info(PACT, c), unit, IND, AT, SUBJECT, c)
    assert got == Opened(float(value), base64.b64encode(salt).decode())
    # the same bytes as a statement carries them
    assert open_sealed(base64.b64encode(sealed).decode(), key, seal_info(PACT, c), unit, IND, AT, SUBJECT, c) == got


@SETTINGS
@given(value=st.floats(0, 1), salt=salts)
def test_a_share_opens_for_its_recipient_only(value: float, salt: bytes) -> None:
    m2, m3 = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    c = commitment(IND, AT, base64.b64encode(salt).decode(), SUBJECT, value)
    shared = seal(value, salt, raw(m2), share_info(PACT, c, "m2"))
    assert isinstance(open_sealed(shared, m2, share_info(PACT, c, "m2"), "ratio", IND, AT, SUBJECT, c), Opened)
    for key, info in [(m2, share_info(PACT, c, "m3")), (m3, share_info(PACT, c, "m2")), (m2, seal_info(PACT, c)),
                      (m2, share_info(OTHER_PACT, c, "m2"))]:
        got = open_sealed(shared, key, info, "ratio", IND, AT, SUBJECT, c)
        assert isinstance(got, NotOpened) and got.kind == "decrypt", got


@SETTINGS
@given(value=st.floats(0, 1), salt=salts)
def test_the_wrong_key_pact_or_commitment_does_not_open(value: float, salt: bytes) -> None:
    key = X25519PrivateKey.generate()
    sealed, c = sealed_report(value, salt, key)
    other_c = commitment(IND, AT, base64.b64encode(salt).decode(), "lab-b", value)
    for k, info, claimed in [(X25519PrivateKey.generate(), seal_info(PACT, c), c), (key, seal_info(OTHER_PACT, c), c),
                             (key, seal_info(PACT, other_c), other_c)]:
        got = open_sealed(sealed, k, info, "ratio", IND, AT, SUBJECT, claimed)
        assert isinstance(got, NotOpened) and got.kind == "decrypt", got


@SETTINGS
@given(value=st.floats(0, 1), salt=salts, other=st.floats(0, 1))
def test_an_opening_that_is_not_the_committed_one_does_not_open(value: float, salt: bytes, other: float) -> None:
    """A lab seals one value under the info of a commitment to another: it decrypts, and is still refused."""
    key = X25519PrivateKey.generate()
    claimed = commitment(IND, AT, base64.b64encode(salt).decode(), SUBJECT, other)
    sealed = seal(value, salt, raw(key), seal_info(PACT, claimed))
    got = open_sealed(sealed, key, seal_info(PACT, claimed), "ratio", IND, AT, SUBJECT, claimed)
    if canonical(value) == canonical(other):
        assert got == Opened(value, base64.b64encode(salt).decode())
    else:
        assert isinstance(got, NotOpened) and got.kind == "commitment", got
    # the commitment binds the report's other members too
    for ind, at, subject in [("other", AT, SUBJECT), (IND, "2027-03-01T00:00:01Z", SUBJECT), (IND, AT, "lab-b")]:
        honest, c = sealed_report(value, salt, key)
        got = open_sealed(honest, key, seal_info(PACT, c), "ratio", ind, at, subject, c)
        assert isinstance(got, NotOpened) and got.kind == "commitment", got


@SETTINGS
@given(value=st.floats(0, 1), salt=salts, data=st.data())
def test_truncated_or_garbled_members_do_not_open(value: float, salt: bytes, data: st.DataObject) -> None:
    key = X25519PrivateKey.generate()
    sealed, c = sealed_report(value, salt, key)
    cut = data.draw(st.integers(0, len(sealed) - 1))
    at = data.draw(st.integers(0, len(sealed) - 1))
    flip = data.draw(st.integers(1, 255))
    garbled = sealed[:at] + bytes([sealed[at] ^ flip]) + sealed[at + 1:]
    for bad in (sealed[:cut], garbled, sealed + b"\0"):
        got = open_sealed(bad, key, seal_info(PACT, c), "ratio", IND, AT, SUBJECT, c)
        assert isinstance(got, NotOpened) and got.kind == "decrypt", got


@SETTINGS
@given(junk=st.binary(max_size=200) | st.text(max_size=200))
def test_any_bytes_or_text_as_a_member_is_not_opened_never_raises(junk: bytes | str) -> None:
    got = open_sealed(junk, X25519PrivateKey.generate(), seal_info(PACT, PACT), "ratio", IND, AT, SUBJECT, PACT)
    assert isinstance(got, NotOpened) and got.kind in ("sealed", "decrypt")


SALT = base64.b64encode(bytes(range(32))).decode()


def plaintext_case(plaintext: bytes | str, unit: str = "ratio", committed: float = 0.5) -> NotOpened | Opened:
    """``plaintext`` sealed as a member of a report committing to ``committed`` with SALT."""
    key = X25519PrivateKey.generate()
    c = commitment(IND, AT, SALT, SUBJECT, committed)
    data = plaintext.encode() if isinstance(plaintext, str) else plaintext
    return open_sealed(hpke_seal(data, raw(key), seal_info(PACT, c)), key, seal_info(PACT, c), unit, IND, AT, SUBJECT, c)


def test_the_honest_plaintext_opens() -> None:
    """The control of the hostile plaintexts below: they differ from this one only as each says."""
    assert plaintext_case(pt('{"salt":"$S","value":0.5}', SALT)) == Opened(0.5, SALT)


def pt(text: str, salt: str) -> str:
    """A plaintext written by hand with ``salt`` in place of ``$S``."""
    return text.replace("$S", salt)


SALT31 = base64.b64encode(bytes(31)).decode()
SALT33 = base64.b64encode(bytes(33)).decode()


@pytest.mark.parametrize("plaintext,kind,says", [
    (pt('{"salt":"$S", "value":0.5}', SALT), "plaintext", "RFC 8785 canonical form"),
    (pt('{"value":0.5,"salt":"$S"}', SALT), "plaintext", "RFC 8785 canonical form"),
    (pt('{"salt":"$S","value":0.50}', SALT), "plaintext", "RFC 8785 canonical form"),
    (pt('{"salt":"$S","value":5e-1}', SALT), "plaintext", "RFC 8785 canonical form"),
    (pt('{"salt":"$S","value":0.5}\n', SALT), "plaintext", "RFC 8785 canonical form"),
    (pt('{"salt":"\\u0041$S","value":0.5}', SALT[1:]), "plaintext", "RFC 8785 canonical form"),
    (pt('{"salt":"$S","value":0.5,"value":0.5}', SALT), "plaintext", "not JSON"),
    (pt('{"salt":"$S","value":0.5,"note":1}', SALT), "plaintext", 'exactly "salt" and "value"'),
    (pt('{"salt":"$S"}', SALT), "plaintext", 'exactly "salt" and "value"'),
    ('[0.5]', "plaintext", 'exactly "salt" and "value"'),
    ('0.5', "plaintext", 'exactly "salt" and "value"'),
    ('', "plaintext", "not JSON"),
    (b'\xff\xfe{}', "plaintext", "not JSON"),
    (pt('{"salt":"$S","value":NaN}', SALT), "plaintext", "not JSON"),
    (pt('{"salt":"$S","value":Infinity}', SALT), "plaintext", "not JSON"),
    (pt('{"salt":"$S","value":1e400}', SALT), "plaintext", "not JSON"),
    ("[" * 100_000, "plaintext", "not an opening"),
    (pt('{"salt":"$S","value":0.5}', SALT31), "salt", "31 bytes"),
    (pt('{"salt":"$S","value":0.5}', SALT33), "salt", "33 bytes"),
    (pt('{"salt":"$S","value":0.5}', SALT[:-2] + "9="), "salt", "not canonical base64"),
    (pt('{"salt":"$S","value":0.5}', SALT.rstrip("=")), "salt", "base64"),
    ('{"salt":32,"value":0.5}', "salt", "not base64 text"),
    (pt('{"salt":"$S","value":true}', SALT), "value", "not a finite number"),
    (pt('{"salt":"$S","value":"0.5"}', SALT), "value", "not a finite number"),
    (pt('{"salt":"$S","value":null}', SALT), "value", "not a finite number"),
    (pt('{"salt":"$S","value":1.5}', SALT), "value", "outside the range of unit 'ratio': [0, 1]"),
    (pt('{"salt":"$S","value":-0.25}', SALT), "value", "outside the range of unit 'ratio': [0, 1]"),
    (pt('{"salt":"$S","value":0.75}', SALT), "commitment", "does not recompute"),
])
def test_a_hostile_plaintext_is_not_opened_and_says_why(plaintext: str | bytes, kind: str, says: str) -> None:
    got = plaintext_case(plaintext)
    assert isinstance(got, NotOpened) and got.kind == kind and says in got.reason, got
    assert "\n" not in got.reason and "1.5" not in got.reason and "0.75" not in got.reason  # never the value


@pytest.mark.parametrize("unit,value,opens", [
    ("percent", 100, True), ("percent", 100.5, False), ("percent", -1, False), ("percent", 0, True),
    ("count", 1e300, True), ("count", -0.001, False), ("flop", 1e25, True), ("ratio", 1, True), ("ratio", 0, True),
])
def test_each_unit_has_the_statement_tables_range(unit: str, value: float, opens: bool) -> None:
    got = plaintext_case(canonical({"salt": SALT, "value": value}), unit, committed=value)
    assert isinstance(got, Opened) == opens, got
    if not opens:
        assert isinstance(got, NotOpened) and got.kind == "value" and unit in got.reason


@SETTINGS
@given(value=st.floats() | st.integers() | st.booleans() | st.none() | st.text(max_size=5),
       salt=st.binary(max_size=40), unit=st.sampled_from(["ratio", "percent", "count", "flop"]))
def test_any_opening_is_opened_exactly_when_the_rules_say(value: object, salt: bytes, unit: str) -> None:
    b64 = base64.b64encode(salt).decode()
    try:
        plaintext = canonical({"salt": b64, "value": value})
    except ValueError:  # NaN, infinity: no canonical form, so sealed as Python writes it
        plaintext = json.dumps({"salt": b64, "value": value}, separators=(",", ":")).encode()
    valid = (len(salt) == 32 and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
             and (value >= 0) and (value <= 1 if unit == "ratio" else value <= 100 if unit == "percent" else True))
    key = X25519PrivateKey.generate()
    c = commitment(IND, AT, b64, SUBJECT, value) if valid and isinstance(value, (int, float)) else PACT
    got = open_sealed(hpke_seal(plaintext, raw(key), seal_info(PACT, c)), key, seal_info(PACT, c), unit, IND, AT, SUBJECT, c)
    assert isinstance(got, Opened) == valid, (got, plaintext)


def test_seal_refuses_what_could_never_open() -> None:
    key = raw(X25519PrivateKey.generate())
    for value, salt in [(0.5, bytes(31)), (math.nan, bytes(32)), (math.inf, bytes(32)), (True, bytes(32))]:
        with pytest.raises(ValueError):
            seal(value, salt, key, b"info")
    with pytest.raises(ValueError):
        seal(0.5, bytes(32), bytes(31), b"info")


# --- seal keys ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,says", [
    ("ed25519:" + base64.b64encode(bytes(32)).decode(), "must start with 'x25519:'"),
    ("x25519:" + base64.b64encode(bytes(31)).decode(), "is 31 bytes"),
    ("x25519:" + base64.b64encode(bytes(32)).decode().rstrip("="), "base64"),
    ("x25519" + base64.b64encode(bytes(32)).decode(), "must start with 'x25519:'"),
    ("x25519:" + "A" * 10_000, "..."),
])
def test_a_seal_key_that_is_not_x25519_base64_of_32_bytes_is_refused(text: str, says: str) -> None:
    with pytest.raises(SealKeyFormatError, match=None) as e:
        parse_seal_key(text)
    assert says in str(e.value) and len(str(e.value)) < 200


# --- the lab's side: sealing one value to every monitor ------------------------------------------

def test_a_value_sealed_to_three_monitors_opens_for_each_with_a_fresh_salt() -> None:
    monitors = {m: X25519PrivateKey.generate() for m in ("m1", "m2", "m3")}
    keys = {m: raw(k) for m, k in monitors.items()}
    first = seal_value(0.42, unit="ratio", indicator=IND, measured_at=AT, subject=SUBJECT, pact_digest=PACT, seal_keys=keys)
    again = seal_value(0.42, unit="ratio", indicator=IND, measured_at=AT, subject=SUBJECT, pact_digest=PACT, seal_keys=keys)
    assert first.salt != again.salt and first.commitment != again.commitment  # equal values do not show as equal
    assert set(first.sealed) == {"m1", "m2", "m3"}
    for m, key in monitors.items():
        got = open_sealed(first.sealed[m], key, seal_info(PACT, first.commitment), "ratio", IND, AT, SUBJECT, first.commitment)
        assert got == Opened(0.42, first.salt)
        assert len(base64.b64decode(first.sealed[m])) >= 48
    assert first.commitment == commitment(IND, AT, first.salt, SUBJECT, 0.42)  # what a reveal will show


@pytest.mark.parametrize("value,unit,says", [(1.25, "ratio", "outside the range of unit 'ratio'"), (math.nan, "count", "finite"),
                                             (-3, "count", "outside"), (True, "count", "finite")])
def test_the_lab_cannot_seal_a_value_no_monitor_would_open(value: float, unit: str, says: str) -> None:
    with pytest.raises(InputError, match=says) as e:
        seal_value(value, unit=unit, indicator=IND, measured_at=AT, subject=SUBJECT, pact_digest=PACT,
                   seal_keys={"m1": raw(X25519PrivateKey.generate())})
    assert "1.25" not in str(e.value)


def test_the_lab_is_told_when_there_is_no_one_or_no_usable_key_to_seal_to() -> None:
    common: dict[str, Any] = dict(unit="ratio", indicator=IND, measured_at=AT, subject=SUBJECT, pact_digest=PACT)
    with pytest.raises(InputError, match="no monitor has a seal key"):
        seal_value(0.5, seal_keys={}, **common)
    with pytest.raises(InputError, match="monitor 'm1'"):
        seal_value(0.5, seal_keys={"m1": bytes(32)}, **common)  # a low-order point: nobody could open it


# --- pausepact keygen --seal ---------------------------------------------------------------------

def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(list(args))
    got = capsys.readouterr()
    return (e.value.code if isinstance(e.value.code, int) else 1), got.out, got.err


def test_keygen_seal_writes_an_x25519_key_a_monitor_can_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "keys" / "seal.pem"
    code, out, err = run(capsys, "keygen", "--seal", str(path))
    assert code == 0, err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    public = format_seal_key(raw(read_seal_key(path)))
    assert public in out and "seal_key" in out
    parse_seal_key(public)


def test_keygen_seal_json_and_never_over_a_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "seal.pem"
    code, out, _ = run(capsys, "keygen", "--seal", "--json", str(path))
    assert code == 0
    doc = json.loads(out)
    assert doc == {"private_key": str(path), "public_key": format_seal_key(raw(read_seal_key(path)))}
    before = path.read_bytes()
    code, _, err = run(capsys, "keygen", "--seal", str(path))
    assert code == 2 and "refusing to overwrite" in err and path.read_bytes() == before


def test_keygen_without_seal_still_makes_a_signing_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "keygen", "--json", str(tmp_path / "k.pem"))
    assert code == 0 and json.loads(out)["public_key"].startswith("ed25519:")
    with pytest.raises(InputError, match="a seal key must be X25519"):
        read_seal_key(tmp_path / "k.pem")
