"""A lab's side of a sealed report (contract v2 section 8): a fresh salt, the commitment, one member per monitor.

The salt comes from the OS CSPRNG here, so ``core.sealing`` stays pure. The
author keeps ``SealedValue.salt``: it is what a later ``reveal`` publishes.
"""

from __future__ import annotations

import base64
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from ..core.sealing import SALT_BYTES, commitment, seal, seal_info
from ..core.statement_types import unit_range_problem
from ..errors import InputError


def fresh_salt() -> bytes:
    """32 bytes from the OS CSPRNG: what makes a commitment hide a value from anyone who can guess it."""
    return secrets.token_bytes(SALT_BYTES)


@dataclass(frozen=True)
class SealedValue:
    """What a ``sealed_report`` body needs: the commitment and ``sealed`` (monitor id -> base64 member),
    and the salt (base64) its author keeps to reveal the value later. Never logged as a whole."""

    commitment: str
    sealed: dict[str, str]
    salt: str


def seal_value(
    value: float,
    *,
    unit: str,
    indicator: str,
    measured_at: str,
    subject: str,
    pact_digest: str,
    seal_keys: Mapping[str, bytes],
    salt: bytes | None = None,
) -> SealedValue:
    """Commit to ``value`` and seal it to every monitor of ``seal_keys`` (monitor id -> raw X25519 public key).

    ``salt`` is drawn fresh unless given (tests and vectors give one; a fresh one
    for every report, or equal values show as equal commitments). Raises
    InputError, without quoting the value, when no monitor opens it: a value
    that is not a finite number in ``unit``'s range, no seal keys, or a key that
    cannot be sealed to.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{indicator}: a sealed value must be a finite number")
    if (problem := unit_range_problem(float(value), unit)) is not None:
        raise InputError(f"{indicator}: the value is outside " + problem.partition(" is outside ")[2])
    if not seal_keys:
        raise InputError(f"{indicator}: no monitor has a seal key to seal the value to")
    salt = fresh_salt() if salt is None else salt
    if len(salt) != SALT_BYTES:
        raise InputError(f"{indicator}: a salt is {SALT_BYTES} bytes, not {len(salt)}")
    salt_b64 = base64.b64encode(salt).decode("ascii")
    c = commitment(indicator, measured_at, salt_b64, subject, value)
    info = seal_info(pact_digest, c)
    sealed: dict[str, str] = {}
    for monitor, key in seal_keys.items():
        try:
            sealed[monitor] = base64.b64encode(seal(value, salt, key, info)).decode("ascii")
        except ValueError:
            raise InputError(f"{indicator}: cannot seal to monitor {monitor!r}: its seal key is not a usable X25519 key") from None
    return SealedValue(commitment=c, sealed=sealed, salt=salt_b64)


__all__ = ["SealedValue", "fresh_salt", "seal_value"]
