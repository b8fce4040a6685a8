"""Ed25519 public keys as the contract writes them: ``ed25519:`` + base64(32 bytes)."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

_P = 2**255 - 19
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


class KeyFormatError(ValueError):
    """A public key string is not a valid contract Ed25519 key."""


def b64decode_strict(text: str) -> bytes:
    """Standard, padded, canonical base64; raises ValueError on anything else."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except UnicodeEncodeError:
        raise ValueError("not standard padded base64: not ASCII") from None
    except binascii.Error as e:
        raise ValueError(f"not standard padded base64: {e}") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not canonical base64 (padding bits or padding differ)")
    return raw


def is_on_curve(raw: bytes) -> bool:
    """True when ``raw`` is the canonical encoding of a point of edwards25519 (RFC 8032 5.1.3)."""
    if len(raw) != 32:
        return False
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    sign = raw[31] >> 7
    if y >= _P:
        return False
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x2 = u * pow(v, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
        if (x * x - x2) % _P != 0:
            return False
    return not (x == 0 and sign == 1)


def raw_key(text: str, algorithm: str, what: str, error: type[ValueError]) -> bytes:
    """The raw 32 bytes of an ``<algorithm>:<base64>`` key as pacts write them; raises ``error`` saying why not."""
    shown = repr(text) if len(text) <= 60 else repr(text[:56] + "...")  # never echo a megabyte
    prefix, sep, b64 = text.partition(":")
    if prefix != algorithm or not sep:
        raise error(f"{what} {shown} must start with '{algorithm}:'")
    try:
        raw = b64decode_strict(b64)
    except ValueError as e:
        raise error(f"{what} {shown}: {e}") from None
    if len(raw) != 32:
        raise error(f"{what} {shown} is {len(raw)} bytes; an {algorithm.capitalize()} public key is 32 bytes")
    return raw


def parse_public_key(text: str) -> bytes:
    """The raw 32 bytes of an ``ed25519:<base64>`` key; raises KeyFormatError saying why not."""
    raw = raw_key(text, "ed25519", "key", KeyFormatError)
    shown = repr(text) if len(text) <= 60 else repr(text[:56] + "...")
    if not is_on_curve(raw):
        raise KeyFormatError(f"key {shown} is not a valid Ed25519 public key (not a point on the curve)")
    return raw


def format_public_key(raw: bytes) -> str:
    return "ed25519:" + base64.b64encode(raw).decode("ascii")


def keyid(raw: bytes) -> str:
    """Contract key id: lowercase hex SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(raw).hexdigest()


def verify_ed25519(raw_public: bytes, signature: bytes, message: bytes) -> bool:
    """Strict RFC 8032 verification as OpenSSL performs it."""
    if len(signature) != 64:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(raw_public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
