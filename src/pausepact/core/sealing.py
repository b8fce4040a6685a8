"""Sealed values (contract v2 section 8): commitments, HPKE members and shares, and the opening rules.

A lab seals a report's value to every monitor: ``commitment`` binds the value
in public, ``seal`` encrypts ``{"salt", "value"}`` to one monitor's X25519
seal key under an ``info`` that names the pact and the commitment
(``seal_info``; ``share_info`` for a judge passing its opening to another),
and ``open_sealed`` applies the Opening rules: it returns ``Opened`` or
``NotOpened`` with a reason and never raises, whatever the bytes.

Pure: no I/O and no clock. The salt is the caller's (``party.sealing`` draws
it from the OS); the one randomness here is HPKE's ephemeral key, drawn inside
``cryptography``, so two seals of one value differ and both open.
No reason or error here carries the sealed value.
"""

from __future__ import annotations

import base64
import hashlib
import math
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from .canonical import JsonError, canonical, strict_loads
from .keys import b64decode_strict, raw_key
from .statement_types import unit_range_problem

SALT_BYTES = 32
SEAL_KEY_PREFIX = "x25519:"
MIN_SEALED_BYTES = 48
"""``enc`` (32 bytes) and the AEAD tag (16): the shortest member or share the contract admits."""

# the longest canonical {"salt","value"}: 44 base64 characters and a number of at most 25; a margin
# keeps a hostile megabyte from being parsed at all
MAX_PLAINTEXT_BYTES = 256

_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
_SEAL_LABEL = b"pausepact/v2/seal"
_SHARE_LABEL = b"pausepact/v2/share"


class SealKeyFormatError(ValueError):
    """A seal key string is not ``x25519:`` + canonical base64 of 32 bytes."""


def parse_seal_key(text: str) -> bytes:
    """The raw 32 bytes of an ``x25519:<base64>`` seal key; raises SealKeyFormatError saying why not."""
    return raw_key(text, SEAL_KEY_PREFIX.rstrip(":"), "seal key", SealKeyFormatError)


def format_seal_key(raw: bytes) -> str:
    """A seal key as a pact lists it: ``x25519:<base64 of 32 bytes>``."""
    return SEAL_KEY_PREFIX + base64.b64encode(raw).decode("ascii")


def commitment(indicator: str, measured_at: str, salt_b64: str, subject: str, value: float) -> str:
    """``sha256:<hex>`` of the RFC 8785 JSON of ``{"indicator", "measured_at", "salt", "subject", "value"}``.

    An integer is taken as the double it denotes (``10**25`` commits as ``1e+25``, as a report writes it).
    Raises JsonError for a value JSON cannot hold (NaN, infinity, an integer beyond the largest double).
    """
    doc = {"indicator": indicator, "measured_at": measured_at, "salt": salt_b64, "subject": subject, "value": _double(value)}
    return "sha256:" + hashlib.sha256(canonical(doc)).hexdigest()


def _double(value: float) -> float:
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise JsonError("an integer beyond the largest double") from None
    return value


def _info(label: bytes, *parts: str) -> bytes:
    return label + b"\n" + hashlib.sha256("\n".join(parts).encode("utf-8")).digest()


def seal_info(pact_digest: str, commitment: str) -> bytes:
    """HPKE info of a member: ``pausepact/v2/seal`` 0x0A SHA-256(pact_digest 0x0A commitment)."""
    return _info(_SEAL_LABEL, pact_digest, commitment)


def share_info(pact_digest: str, commitment: str, recipient: str) -> bytes:
    """HPKE info of a share: ``pausepact/v2/share`` 0x0A SHA-256(pact_digest 0x0A commitment 0x0A recipient)."""
    return _info(_SHARE_LABEL, pact_digest, commitment, recipient)


def opening(value: float, salt: bytes) -> bytes:
    """The plaintext a member carries: the RFC 8785 JSON of ``{"salt", "value"}``.

    Raises ValueError unless ``salt`` is 32 bytes and ``value`` a finite number.
    """
    if len(salt) != SALT_BYTES:
        raise ValueError(f"a salt is {SALT_BYTES} bytes, not {len(salt)}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("a sealed value is a finite number")
    return canonical({"salt": base64.b64encode(salt).decode("ascii"), "value": _double(value)})


def hpke_seal(plaintext: bytes, recipient_public_raw: bytes, info: bytes) -> bytes:
    """RFC 9180 base mode single-shot encryption in the contract's suite, empty aad: ``enc`` || ciphertext.

    Raises ValueError for a recipient key that is not 32 bytes or is of low order.
    """
    return _SUITE.encrypt(plaintext, X25519PublicKey.from_public_bytes(recipient_public_raw), info)


def seal(value: float, salt: bytes, recipient_public_raw: bytes, info: bytes) -> bytes:
    """A member (with ``seal_info``) or a share (with ``share_info``): ``value`` and ``salt`` sealed to one key.

    Raises ValueError for a salt that is not 32 bytes, a value that is not a finite
    number, or a recipient key that cannot be sealed to.
    """
    return hpke_seal(opening(value, salt), recipient_public_raw, info)


@dataclass(frozen=True)
class Opened:
    """A member or share that opened: its value and the salt (base64) that recomputed the commitment."""

    value: float
    salt: str


@dataclass(frozen=True)
class NotOpened:
    """A member or share that did not open, and why.

    ``kind`` is one of ``sealed`` (not canonical base64 or too short), ``decrypt``,
    ``plaintext``, ``salt``, ``value``, ``commitment``; ``reason`` is one line
    that never carries the value.
    """

    kind: str
    reason: str


def decode_sealed(text: str) -> bytes | NotOpened:
    """The bytes of a member or share as a statement writes it: canonical base64 of at least 48 bytes."""
    try:
        raw = b64decode_strict(text)
    except ValueError as e:
        return NotOpened("sealed", f"the sealed bytes are {e}")
    if len(raw) < MIN_SEALED_BYTES:
        return NotOpened("sealed", f"the sealed bytes are {len(raw)} long; a member or share is at least {MIN_SEALED_BYTES}")
    return raw


def open_sealed(
    sealed: bytes | str,
    private_key: X25519PrivateKey,
    info: bytes,
    unit: str,
    indicator: str,
    measured_at: str,
    subject: str,
    commitment: str,
) -> Opened | NotOpened:
    """Apply the Opening rules of contract v2 section 8 to a member or share; never raises.

    ``sealed`` is the raw bytes or the base64 text a statement carries. It opens
    only if decryption under ``info`` succeeds, the plaintext is exactly the RFC
    8785 JSON of ``{"salt", "value"}``, the salt decodes to exactly 32 bytes,
    the value is a finite number in ``unit``'s range (ratio [0, 1], percent
    [0, 100], other units >= 0), and the commitment recomputes.
    """
    if isinstance(sealed, str):
        decoded = decode_sealed(sealed)
        if isinstance(decoded, NotOpened):
            return decoded
        sealed = decoded
    if not isinstance(sealed, (bytes, bytearray, memoryview)):
        return NotOpened("sealed", f"the sealed member is {type(sealed).__name__}, not bytes")
    try:
        plaintext = _SUITE.decrypt(bytes(sealed), private_key, info)
    except (InvalidTag, ValueError, TypeError, OverflowError):
        # InvalidTag for another key or info and for garbled bytes alike: HPKE cannot tell them apart
        return NotOpened("decrypt", "does not decrypt with this seal key for this pact and commitment "
                                    "(another recipient, another pact or commitment, or damaged bytes)")
    return _read_opening(plaintext, unit, indicator, measured_at, subject, commitment)


def _read_opening(plaintext: bytes, unit: str, indicator: str, measured_at: str, subject: str,
                  commitment_: str) -> Opened | NotOpened:
    if len(plaintext) > MAX_PLAINTEXT_BYTES:
        return NotOpened("plaintext", f"the plaintext is {len(plaintext)} bytes: not an opening (at most {MAX_PLAINTEXT_BYTES})")
    try:
        doc = strict_loads(plaintext)
        exact = isinstance(doc, dict) and canonical(doc) == plaintext
    except JsonError:
        return NotOpened("plaintext", "the plaintext is not JSON")
    if not isinstance(doc, dict) or set(doc) != {"salt", "value"}:
        return NotOpened("plaintext", 'the plaintext is not an object of exactly "salt" and "value"')
    if not exact:
        return NotOpened("plaintext", "the plaintext is not in RFC 8785 canonical form")
    salt, value = doc["salt"], doc["value"]
    if not isinstance(salt, str):
        return NotOpened("salt", "the salt is not base64 text")
    try:
        salt_len = len(b64decode_strict(salt))
    except ValueError as e:
        return NotOpened("salt", f"the salt is {e}")
    if salt_len != SALT_BYTES:
        return NotOpened("salt", f"the salt is {salt_len} bytes; it must be exactly {SALT_BYTES}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return NotOpened("value", "the value is not a finite number")
    if (problem := unit_range_problem(float(value), unit)) is not None:
        # the table's message quotes the value; a reason must not
        return NotOpened("value", "the value is outside " + problem.partition(" is outside ")[2])
    try:
        recomputed = commitment(indicator, measured_at, salt, subject, value)
    except JsonError:  # unreachable for a finite number; kept so no input raises
        return NotOpened("value", "the value has no canonical JSON form")
    if recomputed != commitment_:
        return NotOpened("commitment", "the opening does not recompute the report's commitment")
    return Opened(float(value), salt)


__all__ = [
    "MIN_SEALED_BYTES", "SALT_BYTES", "NotOpened", "Opened", "SealKeyFormatError", "commitment", "decode_sealed",
    "format_seal_key", "hpke_seal", "open_sealed", "opening", "parse_seal_key", "seal", "seal_info", "share_info",
]
