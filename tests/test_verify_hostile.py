"""`pausepact verify` on crafted entries and checkpoints: exit 1 naming the first bad entry, never a traceback (L2, M1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.core import merkle
from pausepact.core.canonical import canonical
from pausepact.core.notes import Checkpoint, Note, cosign, sign_note
from pausepact.core.statements import Rejection, SignedStatement, sign_statement
from pausepact.keyfiles import public_raw
from pausepact.log.checking import EnvelopeChecker, check_one
from pausepact.log.verify import VerificationFailed, verify_log

from .factory import Parties, key, make_pact, pact_text

T0 = 1798761600  # 2027-01-01T00:00:00Z
PACT, PACT_BYTES = make_pact()


def note_for(lines: list[bytes], cosigners: tuple[str, ...] = ("aisi", "eval-org")) -> str:
    """A checkpoint over ``lines`` signed by the log and cosigned: only the entries can be wrong."""
    cr = merkle.CompactRange()
    for line in lines:
        cr.append(merkle.leaf_hash(line))
    cp = Checkpoint(PACT.origin, cr.size, cr.root())
    note = Note(cp.text(), (sign_note(cp.text(), PACT.origin, key("log"), public_raw(key("log"))),))
    for m in cosigners:
        note = note.with_signature(cosign(cp.text(), m, key(m), public_raw(key(m)), T0))
    return note.render()


def good_lines() -> list[bytes]:
    p = Parties(PACT)
    return [canonical(p(pid).sign("sign", {}, T0 + i)) for i, pid in enumerate(["lab-a", "lab-b", "lab-c"])]


def signed(time: str, party: str = "lab-d", **body: object) -> bytes:
    st_ = {"type": "sign", "pact": PACT.pact, "pact_digest": PACT.digest, "party": party, "seq": 1, "time": time,
           "body": dict(body)}
    return canonical(sign_statement(st_, key(party)))


HOSTILE_LINES = {
    "400-digit number as payload": b'{"payloadType":"x","payload":' + b"9" * 400 + b',"signatures":[]}',
    "400-digit number alone": b"9" * 400,
    "5000-digit number": b'{"a":' + b"1" * 5000 + b"}",
    "year 0000": signed("0000-01-01T00:00:00Z"),
    "year 9999 end": signed("9999-12-31T23:59:60Z"),
    "not JSON": b"this is not JSON",
    "JSON array": b"[1, 2, 3]",
    "JSON string": b'"envelope"',
    "NaN": b'{"payloadType": NaN}',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "invalid UTF-8": b'{"payloadType":"\xff\xfe"}',
}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pausepact", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def pact_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("verify")
    (d / "pact.yaml").write_text(pact_text())
    return d / "pact.yaml"


def run_verify(pact_file: Path, lines: list[bytes], note: str | bytes) -> subprocess.CompletedProcess[str]:
    d = pact_file.parent
    (d / "entries.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    (d / "cp.txt").write_bytes(note if isinstance(note, bytes) else note.encode())
    return cli("verify", "--pact", str(pact_file), "--entries", str(d / "entries.jsonl"), "--checkpoint", str(d / "cp.txt"))


@pytest.mark.parametrize("name", ["400-digit number as payload", "year 0000", "not JSON", "JSON array"])
def test_cli_names_the_first_bad_entry(pact_file: Path, name: str) -> None:
    lines = good_lines() + [HOSTILE_LINES[name]] + good_lines()[:1]
    r = run_verify(pact_file, lines, note_for(lines))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(("entry 3: malformed:", "entry 3: bad-time:")), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_cli_year_0_is_malformed_not_a_crash(pact_file: Path) -> None:
    lines = [signed("0000-01-01T00:00:00Z")]
    r = run_verify(pact_file, lines, note_for(lines))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("entry 0: "), r.stderr


def test_cli_empty_file_against_a_checkpoint_of_three(pact_file: Path) -> None:
    r = run_verify(pact_file, [], note_for(good_lines()))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "covers 3 entries, the entries file has 0" in r.stderr


def test_cli_empty_file_against_the_empty_checkpoint_is_an_empty_log(pact_file: Path) -> None:
    r = run_verify(pact_file, [], note_for([]))
    assert r.returncode == 0, r.stderr
    assert "0 entries verified" in r.stdout


@pytest.mark.parametrize("note", [
    b"", b"\x00\xff\xfe", b"not a note", "x\n" + "9" * 400 + "\nAAAA\n\n\u2014 log AAAA\n",
    f"{PACT.origin}\n{'9' * 5000}\nAAAA\n\n\u2014 log AAAA\n", f"{PACT.origin}\n-1\nAAAA\n\n\u2014 log AAAA\n",
    "\u2014" * 10_000,
])
def test_cli_hostile_checkpoint(pact_file: Path, note: str | bytes) -> None:
    r = run_verify(pact_file, good_lines(), note)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("checkpoint: "), r.stderr


@pytest.mark.parametrize("name", sorted(HOSTILE_LINES))
def test_check_one_never_raises(name: str) -> None:
    c = check_one(HOSTILE_LINES[name], PACT)
    assert isinstance(c, Rejection)
    assert c.code in ("malformed", "bad-time", "too-large", "payload-type", "unknown-key")
    # one line, no Python internals
    assert "\n" not in c.detail and "Error" not in c.detail and "Traceback" not in c.detail


def test_one_hostile_entry_in_a_pool_batch_is_its_own_fate() -> None:
    """M1 on the pool path: a batch big enough for the worker processes keeps every good entry."""
    p = Parties(PACT)
    good = [canonical(p(("lab-a", "lab-b", "lab-c", "lab-d")[i % 4]).sign("sign", {}, T0 + i)) for i in range(600)]
    batch = good[:300] + [HOSTILE_LINES["400-digit number alone"], HOSTILE_LINES["year 0000"]] + good[300:]
    with EnvelopeChecker(PACT, PACT_BYTES, workers=2) as checker:
        out = checker.check(batch)
        ordered = checker.check_for_order(batch)
    assert [i for i, c in enumerate(out) if isinstance(c, Rejection)] == [300, 301]
    assert all(isinstance(c, SignedStatement) for i, c in enumerate(out) if i not in (300, 301))
    assert [i for i, c in enumerate(ordered) if isinstance(c, Rejection)] == [300, 301]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=200) | st.from_regex(rb'\A\{"payloadType":.{0,40}\}\Z'), min_size=1, max_size=3))
def test_verify_log_raises_only_verification_failed(junk: list[bytes]) -> None:
    lines = good_lines() + junk
    with EnvelopeChecker(PACT, PACT_BYTES, workers=1) as checker:
        with pytest.raises(VerificationFailed) as e:
            verify_log(PACT, lines, note_for(lines), checker)
    assert e.value.index is not None and e.value.index >= 3


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600) | st.text(max_size=300))
def test_verify_log_hostile_checkpoint_raises_only_verification_failed(note: bytes | str) -> None:
    with EnvelopeChecker(PACT, PACT_BYTES, workers=1) as checker:
        with pytest.raises(VerificationFailed) as e:
            verify_log(PACT, good_lines(), note, checker)
    assert str(e.value).startswith("checkpoint: ")
