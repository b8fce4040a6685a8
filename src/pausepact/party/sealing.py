"""A lab's side of a sealed report (contract v2 section 8): a fresh salt, the commitment, one member per monitor.

The salt comes from the OS CSPRNG here, so ``core.sealing`` stays pure. The
author keeps ``SealedValue.salt``: it is what a later ``reveal`` publishes.
``seal_report`` turns a report body into a ``sealed_report`` body for a pact and
returns the ``Opening`` its author keeps (``party.openings``).
"""

from __future__ import annotations

import base64
import math
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..core.pact import Pact
from ..core.sealing import SALT_BYTES, SealKeyFormatError, commitment, parse_seal_key, seal, seal_info
from ..core.statement_types import unit_range_problem
from ..errors import InputError
from .openings import Opening


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


_REPORT_MEMBERS = frozenset({"indicator", "value", "measured_at", "subject", "evidence"})


def seal_keys_of(pact: Pact, revoked: Collection[str] = ()) -> dict[str, bytes]:
    """Monitor id -> raw X25519 seal key, for every monitor of ``pact`` with a current seal key (the members a
    ``sealed_report`` must have: none for a key in ``revoked``, section 9); InputError for a key that is not one
    (the pact's lint refuses those)."""
    keys: dict[str, bytes] = {}
    for monitor, text in pact.seal_keys.items():
        if text in revoked:
            continue
        try:
            keys[monitor] = parse_seal_key(text)
        except SealKeyFormatError as e:
            raise InputError(f"pact {pact.pact!r}: monitor {monitor!r}: {e}") from None
    return keys


def seal_report(pact: Pact, party: str, report: Mapping[str, Any], salt: bytes | None = None,
                revoked: Collection[str] = ()) -> tuple[dict[str, Any], Opening]:
    """The ``sealed_report`` body for ``report`` (a ``report`` body: indicator, value, measured_at, optional subject
    and evidence) by ``party`` under ``pact``, and the opening its author keeps.

    Sealed to every monitor with a seal key, under the info the statement will name (``pact.digest``); the
    commitment's subject is ``subject`` or, without one, the author. Raises InputError, never quoting the value,
    when the indicator is unknown or public, the value is missing, not a finite number or outside its unit's
    range, or no monitor has a seal key.
    """
    name = report.get("indicator")
    ind = pact.indicators.get(name) if isinstance(name, str) else None
    if ind is None or not isinstance(name, str):
        raise InputError(f"unknown indicator {name!r} in pact {pact.pact!r}")
    if not ind.sealed:
        raise InputError(f"indicator {name!r} is public in pact {pact.pact!r}: its values go in a report, not a sealed_report")
    if "value" not in report:
        raise InputError(f"{name}: a sealed report needs the value to seal")
    if extra := sorted(set(report) - _REPORT_MEMBERS):
        raise InputError(f"{name}: a report has no member {', '.join(map(repr, extra))}")
    measured_at, subject = report.get("measured_at"), report.get("subject", party)
    if not isinstance(measured_at, str) or not isinstance(subject, str):
        raise InputError(f"{name}: measured_at and subject are text")
    value = report["value"]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2 ** 1024:
        raise InputError(f"{name}: a sealed value must be a finite number")  # beyond every double
    sealed = seal_value(value, unit=ind.unit, indicator=name, measured_at=measured_at, subject=subject,
                        pact_digest=pact.digest, seal_keys=seal_keys_of(pact, revoked), salt=salt)
    body: dict[str, Any] = {"indicator": name, "measured_at": measured_at, "commitment": sealed.commitment,
                            "sealed": sealed.sealed}
    for optional in ("subject", "evidence"):
        if optional in report:
            body[optional] = report[optional]
    opening = Opening(pact=pact.pact, pact_digest=pact.digest, party=party, indicator=name, subject=subject,
                      measured_at=measured_at, value=float(value), salt=sealed.salt, commitment=sealed.commitment)
    return body, opening


__all__ = ["SealedValue", "fresh_salt", "seal_keys_of", "seal_report", "seal_value"]
