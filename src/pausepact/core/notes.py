"""C2SP signed notes, tlog-checkpoints and tlog-cosignatures (Ed25519).

- A note is UTF-8 text ending in a newline, a blank line, then signature lines
  ``— <name> base64(key ID || signature)``.
- Ed25519 note signatures (type 0x01): key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4],
  signature over the note text.
- Cosignatures v1 (type 0x04): key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[:4];
  signature = u64 big-endian timestamp ‖ Ed25519 signature over
  ``cosignature/v1\\ntime <t>\\n`` + the note text.
- A checkpoint's text is ``<origin>\\n<size>\\n<base64 root>\\n`` plus optional
  extension lines.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .keys import b64decode_strict, verify_ed25519

SIG_ED25519 = 0x01
SIG_COSIGNATURE_V1 = 0x04
_DASH = "\u2014 "
MAX_NOTE_BYTES = 1 << 20
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")  # C2SP: no control characters but newline


class NoteError(ValueError):
    """Text that is not a well-formed signed note or checkpoint."""


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes  # 4 bytes
    signature: bytes

    def line(self) -> str:
        return f"{_DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[NoteSignature, ...]

    def render(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def with_signature(self, sig: NoteSignature) -> Note:
        if any(s.name == sig.name and s.key_id == sig.key_id for s in self.signatures):
            return self
        return Note(self.text, self.signatures + (sig,))


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def _text(data: object, what: str) -> str:
    """``data`` as note text: UTF-8, at most 1 MiB, no control characters but newline; else NoteError."""
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError:
            raise NoteError(f"{what} is not UTF-8 (lone surrogate)") from None
    elif isinstance(data, (bytes, bytearray)):
        raw = bytes(data)
    else:
        raise NoteError(f"{what} is not text")
    if len(raw) > MAX_NOTE_BYTES:
        raise NoteError(f"{what} too large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError(f"{what} is not UTF-8") from None
    if _CONTROL.search(text):
        raise NoteError(f"{what} contains control characters")
    return text


def _b64(text: str, what: str) -> bytes:
    try:
        return b64decode_strict(text)
    except ValueError:
        raise NoteError(f"{what} is not standard padded base64") from None


def parse_note(data: str | bytes) -> Note:
    """Parse a signed note; raises NoteError, and nothing else, on any input. Signature lines are not verified here."""
    data = _text(data, "note")
    sep = data.rfind("\n\n")
    if sep < 0:
        raise NoteError("note has no blank line before its signatures")
    text, sig_block = data[: sep + 1], data[sep + 2:]
    if not sig_block.endswith("\n"):
        raise NoteError("signature block must end with a newline")
    sigs = []
    for line in sig_block[:-1].split("\n"):
        if not line.startswith(_DASH):
            raise NoteError(f"not a signature line: {line[:40]!r}")
        name, _, b64 = line[len(_DASH):].rpartition(" ")
        if not name or " " in name or "+" in name:
            raise NoteError("malformed signature key name")
        raw = _b64(b64, "signature")
        if len(raw) < 5:
            raise NoteError("signature too short")
        sigs.append(NoteSignature(name, raw[:4], raw[4:]))
    if not sigs:
        raise NoteError("note has no signatures")
    return Note(text, tuple(sigs))


def sign_note(text: str, name: str, key: Ed25519PrivateKey, public_key: bytes) -> NoteSignature:
    """An Ed25519 (type 0x01) note signature of ``text`` under ``name``."""
    return NoteSignature(name, key_id(name, SIG_ED25519, public_key), key.sign(text.encode()))


def verify_note(note: Note, name: str, public_key: bytes) -> bool:
    """True when some signature line by (name, key) verifies over the note text."""
    kid = key_id(name, SIG_ED25519, public_key)
    return any(s.name == name and s.key_id == kid and verify_ed25519(public_key, s.signature, note.text.encode())
               for s in note.signatures)


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def cosign(text: str, name: str, key: Ed25519PrivateKey, public_key: bytes, timestamp: int) -> NoteSignature:
    """A tlog-cosignature/v1 signature line over a checkpoint's text."""
    if not 0 <= timestamp < 2**63:
        raise ValueError("timestamp out of range")
    sig = key.sign(_cosigned_message(text, timestamp))
    return NoteSignature(name, key_id(name, SIG_COSIGNATURE_V1, public_key), timestamp.to_bytes(8, "big") + sig)


def verify_cosignature(note: Note, name: str, public_key: bytes) -> int | None:
    """The timestamp of a valid cosignature by (name, key), or None."""
    kid = key_id(name, SIG_COSIGNATURE_V1, public_key)
    for s in note.signatures:
        if s.name == name and s.key_id == kid and len(s.signature) == 72:
            ts = int.from_bytes(s.signature[:8], "big")
            if ts < 2**63 and verify_ed25519(public_key, s.signature[8:], _cosigned_message(note.text, ts)):
                return ts
    return None


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n" + "".join(e + "\n" for e in self.extensions)


_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")
MAX_TREE_SIZE = 2**63 - 1  # what every store can hold; a real log never comes near it


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body (the note text); raises NoteError, and nothing else, on any input."""
    text = _text(text, "checkpoint")
    if not text.endswith("\n"):
        raise NoteError("checkpoint must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint has origin, size and root lines")
    origin, size, root_b64, *ext = lines
    if not origin:
        raise NoteError("checkpoint origin is empty")
    if not _SIZE.fullmatch(size) or int(size) > MAX_TREE_SIZE:
        raise NoteError(f"checkpoint size {size[:24]!r} is not a decimal tree size below 2^63")
    root = _b64(root_b64, "checkpoint root")
    if len(root) != 32:
        raise NoteError(f"checkpoint root is {len(root)} bytes; a SHA-256 root is 32")
    if any(not e for e in ext):
        raise NoteError("checkpoint extension lines must be non-empty")
    return Checkpoint(origin, int(size), root, tuple(ext))
