"""Hostile pact files and key files: one positioned line each, never a traceback, never slow.

Security review 2026-11-27, L1 (hostile pact YAML, status_ttl bounds) and L7 (private keys
readable by others); contract section 1 rule P6 (durations).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from pausepact.core.pactfile import parse_pact
from pausepact.core.yamldoc import MAX_DEPTH
from pausepact.errors import InputError
from pausepact.keyfiles import generate, read_private_key, write_private_key
from tests.factory import pact_text

BASE = pact_text(replace=[["slowdown: {max_training_flop: 1.0e+26}", "slowdown: {max_training_flop: 1.0e+26, grace: 2h}"]])


def located(text: str) -> list[tuple[int, int, str, str]]:
    pact, diags = parse_pact(text.encode())
    assert (pact is None) == any(d.severity == "error" for d in diags)
    return [(d.line, d.col, d.severity, d.message) for d in diags]


def position(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """1-based line and column of ``needle`` (plus ``offset`` characters) in ``text``."""
    i = text.index(needle) + offset
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


def only_error(text: str) -> tuple[int, int, str]:
    errors = [(line, col, msg) for line, col, sev, msg in located(text) if sev == "error"]
    assert len(errors) == 1, errors
    return errors[0]


# ---- hostile YAML (L1) ----

def test_deep_flow_nesting_is_refused_at_the_bracket_past_the_bound() -> None:
    text = BASE + "extra: " + "[" * 1000 + "]" * 1000 + "\n"
    line, col, msg = only_error(text)
    assert (line, col) == position(text, "extra: [", len("extra: ") + MAX_DEPTH - 1)
    assert f"nested more than {MAX_DEPTH} levels deep" in msg


def test_deep_nesting_is_refused_before_composing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ruamel composer recurses once per level (1000 levels took 9 s, then RecursionError):
    it must never see a deep document. Counting work, not time."""
    from ruamel.yaml import YAML

    composed: list[int] = []
    real = YAML.compose_all

    def spy(self: Any, stream: Any) -> Any:
        composed.append(1)
        return real(self, stream)

    monkeypatch.setattr(YAML, "compose_all", spy)
    for deep in ("[" * 50_000 + "]" * 50_000, "{a: " * 50_000 + "1" + "}" * 50_000, "\n" + "- " * 50_000 + "x"):
        pact, diags = parse_pact((BASE + "extra: " + deep + "\n").encode())
        assert pact is None and "levels deep" in diags[0].message, diags
    assert composed == []
    parse_pact(BASE.encode())
    assert composed == [1]


def test_deep_block_mappings_are_refused() -> None:
    text = BASE + "extra:\n" + "".join(" " * i + "k:\n" for i in range(1, 40)) + " " * 40 + "v\n"
    line, col, msg = only_error(text)
    assert "levels deep" in msg and line == text.count("\n", 0, text.index("extra:")) + 1 + MAX_DEPTH  # top level is depth 1


@pytest.mark.parametrize("old,new,needle", [
    ("version: 1", "version: " + "9" * 5000, "9999"),                   # ValueError: int digit limit
    ("max_training_flop: 1.0e+24", "max_training_flop: 1" + "0" * 400, "1000"),  # OverflowError to float
    ("max_training_flop: 1.0e+24", "max_training_flop: 0x" + "f" * 300_000, "0xff"),
    ("min_developers: 3", "min_developers: 0o" + "7" * 400, "0o77"),
])
def test_numbers_beyond_a_double_are_positioned_errors(old: str, new: str, needle: str) -> None:
    text = BASE.replace(old, new, 1)
    line, col, msg = only_error(text)
    assert (line, col) == position(text, needle) and "number too large" in msg


def test_the_largest_double_written_out_is_still_a_number() -> None:
    text = BASE.replace("max_training_flop: 1.0e+24", "max_training_flop: " + str(int(1.7976931348623157e308)), 1)
    assert [m for _, _, sev, m in located(text) if sev == "error"] == []


# ---- durations (contract P6) ----

@pytest.mark.parametrize("old,new,needle,fragment", [
    ("status_ttl: 10m", "status_ttl: 00m", "00m", "longer than zero"),
    ("status_ttl: 10m", "status_ttl: 0s", "0s", "longer than zero"),
    ("every: 30d", "every: 00d", "00d", "longer than zero"),
    ("window: 365d", "window: 0h", "0h", "longer than zero"),
    ("doubling_within: 60d", "doubling_within: 0d", "0d", "longer than zero"),
    ("overdue: 14d", "overdue: 0m", "0m", "longer than zero"),
    ("for: 60d", "for: 0s", "0s", "longer than zero"),
    ("status_ttl: 10m", "status_ttl: 999999999999d", "999999999999d", "longer than 3650 days"),
    ("status_ttl: 10m", "status_ttl: 3651d", "3651d", "longer than 3650 days"),
    ("every: 30d", "every: 87601h", "87601h", "longer than 3650 days"),
    ("grace: 2h", "grace: 5256001m", "5256001m", "longer than 3650 days"),
    ("timelock: 3d", "timelock: 315360001s", "315360001s", "longer than 3650 days"),
])
def test_duration_bounds_are_errors_at_the_value(old: str, new: str, needle: str, fragment: str) -> None:
    assert old in BASE, old
    text = BASE.replace(old, new, 1)
    line, col, msg = only_error(text)
    assert (line, col) == position(text, new, new.index(needle)) and fragment in msg, (line, col, msg)
    assert msg.startswith("P6: "), msg  # the rule of contract section 1 it breaks


@pytest.mark.parametrize("old,new", [
    ("grace: 2h", "grace: 0s"), ("min_duration: 14d", "min_duration: 0d"), ("timelock: 3d", "timelock: 0m"),
    ("status_ttl: 10m", "status_ttl: 3650d"), ("every: 30d", "every: 1s"),
])
def test_zero_where_zero_means_something_and_the_bounds_themselves_are_fine(old: str, new: str) -> None:
    assert old in BASE, old
    assert [m for _, _, sev, m in located(BASE.replace(old, new, 1)) if sev == "error"] == []


def test_a_status_ttl_over_a_day_is_a_warning() -> None:
    for ttl, warned in (("1d", False), ("86401s", True), ("36500h", True), ("3650d", True)):
        text = BASE.replace("status_ttl: 10m", f"status_ttl: {ttl}")
        warnings = [(line, col, m) for line, col, sev, m in located(text) if sev == "warning" and "status_ttl" in m]
        assert bool(warnings) == warned, (ttl, warnings)
        if warned:
            assert warnings[0][:2] == position(text, ttl) and "defeat fail-closed" in warnings[0][2]


# ---- control characters in text (a warning: the contract's validity does not forbid them) ----

@pytest.mark.parametrize("field,escaped,codepoint", [
    ("title: Test pact", "\\e[31mred", "U+001B"),
    ("title: Test pact", "a\\u202Eb", "U+202E"),            # right-to-left override
    ("title: Test pact", "a\\x9b2J", "U+009B"),              # C1 CSI
    ("name: LAB-B", "LAB\\x07B", "U+0007"),
    ("description: AI-written share of code", "share\\x7f", "U+007F"),
])
def test_control_characters_in_text_draw_a_warning_at_the_field(field: str, escaped: str, codepoint: str) -> None:
    key, _, _ = field.partition(": ")
    text = BASE.replace(field, f'{key}: "{escaped}"', 1)
    assert text != BASE
    found = [(line, col, m) for line, col, sev, m in located(text) if codepoint in m]
    assert len(found) == 1 and found[0][:2] == position(text, f'"{escaped}"'), found
    assert all(sev != "error" for _, _, sev, m in located(text) if codepoint in m)


def test_tabs_and_newlines_in_text_are_fine() -> None:
    text = BASE.replace("title: Test pact", 'title: "a\\tb\\nc"')
    assert not [m for *_, m in located(text) if "control character" in m]


# ---- the command: one line per problem, no traceback, bounded work ----

def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pausepact", *args], capture_output=True, text=True, timeout=timeout)


HOSTILE = {
    "deep": BASE + "extra: " + "[" * 50_000 + "]" * 50_000 + "\n",
    "digits": BASE.replace("version: 1", "version: " + "9" * 5000),
    "overflow": BASE.replace("max_training_flop: 1.0e+24", "max_training_flop: 1" + "0" * 400),
    "ttl": BASE.replace("status_ttl: 10m", "status_ttl: 999999999999d"),
    "zero": BASE.replace("every: 30d", "every: 00d"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_check_on_hostile_pacts_prints_positioned_errors(tmp_path: Path, name: str) -> None:
    f = tmp_path / f"{name}.yaml"
    f.write_text(HOSTILE[name])
    r = run_cli("check", str(f))  # a generous deadline: before the fix "deep" never finished within 60 s
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    errors = [ln for ln in r.stdout.splitlines() if ": error: " in ln]
    assert errors and all(ln.startswith(f"{f}:") and ln.split(":")[1].isdigit() for ln in errors), r.stdout


@pytest.mark.parametrize("make,fragment,code", [
    (lambda p: p.mkdir(), "is a directory", 2),
    (lambda p: p.write_bytes(b""), "exactly one YAML document", 1),
    (lambda p: p.write_bytes(BASE.encode("utf-16")), "not UTF-8", 1),
    (lambda p: p.write_bytes(b"pact: x\n\xff\n"), "not UTF-8", 1),
    (lambda p: p.write_bytes(b"\x00" * 100), "not valid YAML", 1),
])
def test_check_on_files_that_are_no_pact(tmp_path: Path, make: Any, fragment: str, code: int) -> None:
    f = tmp_path / "pact.yaml"
    make(f)
    r = run_cli("check", str(f))
    assert r.returncode == code and fragment in r.stdout + r.stderr, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr


# ---- private key files (L7 and beyond) ----

def test_keys_are_written_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_private_key(tmp_path / "k.pem", generate())
    finally:
        os.umask(old)
    assert (tmp_path / "k.pem").stat().st_mode & 0o777 == 0o600
    read_private_key(tmp_path / "k.pem")


def test_test_worlds_write_owner_only_keys(tmp_path: Path) -> None:
    from tests.live import write_world

    write_world(tmp_path)
    pems = list(tmp_path.glob("*.pem"))
    assert pems and all(p.stat().st_mode & 0o777 == 0o600 for p in pems)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o666, 0o660, 0o610, 0o701])
def test_private_keys_others_may_read_are_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "lab.pem"
    write_private_key(path, generate())
    path.chmod(mode)
    with pytest.raises(InputError) as e:
        read_private_key(path)
    msg = e.value.diagnostics()
    assert "\n" not in msg and str(path) in msg and f"{mode:04o}" in msg and f"chmod 600 {path}" in msg
    path.chmod(0o600)
    read_private_key(path)
    path.chmod(0o400)
    read_private_key(path)
    path.chmod(0o700)  # owner bits only, as ssh allows
    read_private_key(path)


def _pem(key: Any, fmt: Any = serialization.PrivateFormat.PKCS8, enc: Any = None) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, enc or serialization.NoEncryption())


@pytest.mark.parametrize("content,fragment", [
    (b"", "not a PEM file"),
    (b"hello\n", "not a PEM file"),
    (b"\xff\xfe\x00garbage", "not a PEM file"),
    (b"-----BEGIN PRIVATE KEY-----\n\xff\xfe\n-----END PRIVATE KEY-----\n", "not a PEM PKCS#8 private key"),
    (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a PEM PKCS#8 private key"),
    (lambda: _pem(x25519.X25519PrivateKey.generate()), "an X25519 private key"),
    (lambda: ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), "not a PEM PKCS#8 private key"),
    (lambda: _pem(ed25519.Ed25519PrivateKey.generate(), enc=serialization.BestAvailableEncryption(b"pw")), "encrypted"),
    (lambda: _pem(ed25519.Ed25519PrivateKey.generate(), serialization.PrivateFormat.OpenSSH), "OpenSSH"),
    (b"-----BEGIN PRIVATE KEY-----\n" + b"A" * 100_000, "over 64 KiB"),
])
def test_unusable_key_files_are_one_line(tmp_path: Path, content: Any, fragment: str) -> None:
    path = tmp_path / "k.pem"
    path.write_bytes(content() if callable(content) else content)
    path.chmod(0o600)
    with pytest.raises(InputError) as e:
        read_private_key(path)
    msg = e.value.diagnostics()
    assert "\n" not in msg and str(path) in msg and fragment in msg, msg


def test_key_paths_that_are_no_file(tmp_path: Path) -> None:
    (tmp_path / "dir.pem").mkdir()
    os.mkfifo(tmp_path / "fifo.pem", 0o600)  # opening a FIFO with no writer must not hang
    for name, fragment in (("dir.pem", "is a directory"), ("fifo.pem", "a special file"), ("none.pem", "cannot read")):
        with pytest.raises(InputError, match=fragment):
            read_private_key(tmp_path / name)


def test_statement_with_a_world_readable_key_is_one_clear_line(tmp_path: Path) -> None:
    from tests.live import write_world

    write_world(tmp_path)
    (tmp_path / "lab-a.pem").chmod(0o666)
    r = run_cli("statement", "sign", "--pact", str(tmp_path / "pact.yaml"), "--as", "lab-a", "--key", str(tmp_path / "lab-a.pem"),
                "--seq", "1", "--time", "2027-01-01T00:00:00Z")
    out = r.stdout + r.stderr
    assert r.returncode == 2 and "Traceback" not in out, out
    assert f"chmod 600 {tmp_path / 'lab-a.pem'}" in out and "0666" in out and r.stdout == ""


def test_an_origin_with_a_control_character_is_an_error() -> None:
    """The origin is a checkpoint note's first line; notes refuse control characters, so the log
    could never publish a checkpoint anyone accepts."""
    text = BASE.replace("origin: pausepact.test/test-pact", 'origin: "pausepact.test/\\e[2Ktest"')
    line, col, msg = only_error(text)
    assert (line, col) == position(text, '"pausepact.test') and msg.startswith("origin:")


def test_a_huge_value_is_not_echoed_whole() -> None:
    text = BASE.replace("version: 1", "version: " + "x" * 500_000).replace(
        public := BASE.split('keys: ["', 1)[1].split('"', 1)[0], "ed25519:" + "A" * 500_000, 1)
    assert public.startswith("ed25519:")
    lines = [m for *_, m in located(text)]
    assert any(m.startswith("version:") for m in lines) and any("key 'ed25519:AAA" in m for m in lines), lines
    assert all(len(m) < 300 for m in lines), [len(m) for m in lines]


@pytest.mark.parametrize("old,new", [("pact: test-pact", 'pact: "test-pact\\n"'), ("status_ttl: 10m", 'status_ttl: "10m\\n"'),
                                     ("approval: 1 of monitors", 'approval: "1 of monitors\\n"')])
def test_a_trailing_newline_in_a_fixed_form_is_an_error(old: str, new: str) -> None:
    text = BASE.replace(old, new, 1)
    line, col, _ = only_error(text)
    assert (line, col) == position(text, new, new.index('"'))


def test_seal_keys_are_x25519_under_the_same_file_rules(tmp_path: Path) -> None:
    from pausepact.keyfiles import read_seal_key

    seal, sign = tmp_path / "seal.pem", tmp_path / "sign.pem"
    seal.write_bytes(_pem(x25519.X25519PrivateKey.generate()))
    seal.chmod(0o600)
    write_private_key(sign, generate())
    assert isinstance(read_seal_key(seal), x25519.X25519PrivateKey)
    with pytest.raises(InputError, match="holds an Ed25519 private key; a seal key must be X25519"):
        read_seal_key(sign)
    with pytest.raises(InputError, match="holds an X25519 private key; a signing key must be Ed25519"):
        read_private_key(seal)
    seal.chmod(0o640)
    with pytest.raises(InputError, match="chmod 600"):
        read_seal_key(seal)
