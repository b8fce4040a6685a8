"""C2SP signed notes: the spec's own example verifies; checkpoints and cosignatures round-trip."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pausepact.core import notes


def test_signed_note_spec_example(vectors: Path) -> None:
    # the example at the end of C2SP's signed-note spec, shipped in tests/data/vectors/c2sp
    vkey = (vectors / "c2sp" / "signed-note-example.vkey").read_text().strip()
    note_text = (vectors / "c2sp" / "signed-note-example.note").read_bytes().decode()
    name, kid_hex, key_b64 = vkey.split("+")
    raw = base64.b64decode(key_b64)
    assert raw[0] == notes.SIG_ED25519
    pub = raw[1:]
    assert notes.key_id(name, notes.SIG_ED25519, pub).hex() == kid_hex
    note = notes.parse_note(note_text)
    assert notes.verify_note(note, name, pub)
    tampered = notes.Note(note.text.replace("example", "exampel"), note.signatures)
    assert not notes.verify_note(tampered, name, pub)


def _key() -> tuple[Ed25519PrivateKey, bytes]:
    k = Ed25519PrivateKey.generate()
    return k, k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_checkpoint_and_cosignature_round_trip() -> None:
    log, log_pub = _key()
    mon, mon_pub = _key()
    cp = notes.Checkpoint("pausepact.example/p", 42, bytes(range(32)))
    assert notes.parse_checkpoint(cp.text()) == cp
    note = notes.Note(cp.text(), (notes.sign_note(cp.text(), cp.origin, log, log_pub),))
    note = note.with_signature(notes.cosign(cp.text(), "aisi", mon, mon_pub, 1_800_000_000))
    parsed = notes.parse_note(note.render())
    assert notes.verify_note(parsed, cp.origin, log_pub)
    assert notes.verify_cosignature(parsed, "aisi", mon_pub) == 1_800_000_000
    assert notes.verify_cosignature(parsed, "eval-org", mon_pub) is None
    assert not notes.verify_note(parsed, cp.origin, mon_pub)


@pytest.mark.parametrize("bad", ["no blank line\n", "a\n\nnot a sig\n", "a\n\n\u2014 name !!!\n", "a\n\n", "a\x01\n\n\u2014 n AAAAAAA=\n"])
def test_malformed_notes(bad: str) -> None:
    with pytest.raises(notes.NoteError):
        notes.parse_note(bad)
