"""The signed status (contract section 5): what training infrastructure obeys.

A status is a DSSE envelope (payloadType ``application/vnd.pausepact.status+json``)
over the RFC 8785 bytes of the *status core*, with one signature per signing
monitor. ``check_core`` checks the closed core member by member (names, types
and formats, against the pinned pact); ``verify_status`` is the strict check a
guard makes (modelled on TUF's client): payload type; canonical payload; a core
that passes ``check_core``; valid signatures of at least ``status_quorum``
distinct monitor parties; not expired at ``now``; ``issued_at`` not later than
``now`` + ``max_skew``; neither ``tree_size`` nor ``issued_at`` lower than in a
status already accepted (rollback). Anything else raises ``StatusError`` (and
nothing else): treat it as no status.
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .canonical import JsonError, canonical, strict_loads
from .durations import parse_time
from .keys import b64decode_strict, keyid, verify_ed25519
from .pact import Pact
from .statements import pae

STATUS_TYPE = "application/vnd.pausepact.status+json"
CORE_MEMBERS = frozenset({"pact", "pact_digest", "tree_size", "root_hash", "as_of", "issued_at", "expires_at", "in_force",
                          "level", "since", "parties"})
PARTY_MEMBERS = frozenset({"level", "max_training_flop", "new_deployments"})
DEFAULT_MAX_SKEW = 300  # seconds; the contract's default --max-skew
_HEX64 = re.compile(r"[0-9a-f]{64}")


class StatusError(ValueError):
    """A status that must be treated as no status; the message says why."""


@dataclass(frozen=True)
class AcceptedStatus:
    """What a guard remembers of the last status it accepted (for rollback checks)."""

    tree_size: int
    issued_at: int
    expires_at: int
    core: dict[str, Any]


def status_signature(core: dict[str, Any], key: Ed25519PrivateKey, public_key: bytes) -> dict[str, str]:
    """One monitor's DSSE signature over the core."""
    sig = key.sign(pae(STATUS_TYPE, canonical(core)))
    return {"keyid": keyid(public_key), "sig": base64.b64encode(sig).decode()}


def status_envelope(core: dict[str, Any], signatures: list[dict[str, str]]) -> dict[str, Any]:
    return {"payloadType": STATUS_TYPE, "payload": base64.b64encode(canonical(core)).decode(), "signatures": signatures}


# ---------------------------------------------------------------- the core, member by member

def _time(core: dict[str, Any], name: str) -> int:
    value = core[name]
    if not isinstance(value, str):
        raise StatusError(f"status core: {name} is not a time")
    try:
        return parse_time(value)
    except (ValueError, OverflowError):  # TimeFormatError is a ValueError
        raise StatusError(f"status core: {name} {value!r} is not a time YYYY-MM-DDTHH:MM:SSZ") from None


def _level(pact: Pact, value: object, where: str) -> str:
    if not isinstance(value, str) or value not in pact.levels:
        raise StatusError(f"status core: {where} {value!r} is not a level of the pact")
    return value


def _party(pact: Pact, pid: str, value: object) -> None:
    if not isinstance(value, dict) or set(value) != PARTY_MEMBERS:
        raise StatusError(f"status core: parties.{pid} does not have exactly the members {sorted(PARTY_MEMBERS)}")
    _level(pact, value["level"], f"parties.{pid}.level")
    flop = value["max_training_flop"]
    if flop is not None and (isinstance(flop, bool) or not isinstance(flop, (int, float))
                             or not math.isfinite(flop) or flop < 0):
        raise StatusError(f"status core: parties.{pid}.max_training_flop {flop!r} is not a finite number >= 0 or null")
    if not isinstance(value["new_deployments"], bool):
        raise StatusError(f"status core: parties.{pid}.new_deployments is not a boolean")


def check_core(obj: object, pact: Pact) -> dict[str, Any]:
    """``obj`` as a status core of ``pact`` (contract section 5), checked member by member; else StatusError.

    Checks the exact member set; ``pact`` and ``pact_digest`` of the pinned pact; ``tree_size`` a
    non-negative integer (never a boolean); ``root_hash`` 64 lowercase hex digits; the times exact
    ``YYYY-MM-DDTHH:MM:SSZ`` with ``as_of == issued_at`` and ``expires_at == issued_at + status_ttl``;
    ``in_force`` a boolean; ``level`` and every party's level a level of the pact; ``since`` a time or
    null; ``parties`` exactly the pact's developers, each with exactly ``level``,
    ``max_training_flop`` (a finite number >= 0, or null) and ``new_deployments`` (a boolean).
    A core that passes can be read without any further type check.
    """
    if not isinstance(obj, dict):
        raise StatusError("status core is not a JSON object")
    if set(obj) != CORE_MEMBERS:
        missing, extra = sorted(CORE_MEMBERS - set(obj)), sorted(set(obj) - CORE_MEMBERS)
        raise StatusError(f"status core does not have exactly the contract's members (missing {missing}, extra {extra})")
    if obj["pact"] != pact.pact or obj["pact_digest"] != pact.digest:
        raise StatusError("status is for another pact (pact or pact_digest differs from the pinned pact)")
    size = obj["tree_size"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise StatusError(f"status core: tree_size {size!r} is not a non-negative integer")
    if not isinstance(obj["root_hash"], str) or not _HEX64.fullmatch(obj["root_hash"]):
        raise StatusError("status core: root_hash is not 64 lowercase hex digits")
    issued, as_of, expires = _time(obj, "issued_at"), _time(obj, "as_of"), _time(obj, "expires_at")
    if as_of != issued or expires != issued + pact.oversight.status_ttl:
        raise StatusError("status times do not follow the pact (as_of = issued_at, expires_at = issued_at + status_ttl)")
    if obj["since"] is not None:
        _time(obj, "since")
    if not isinstance(obj["in_force"], bool):
        raise StatusError("status core: in_force is not a boolean")
    _level(pact, obj["level"], "level")
    parties = obj["parties"]
    if not isinstance(parties, dict) or set(parties) != set(pact.developers):
        raise StatusError("status core: parties does not list exactly the pact's developers")
    for pid, value in parties.items():
        _party(pact, pid, value)
    return obj


def decode_core(envelope: Any, pact: Pact | None = None) -> tuple[dict[str, Any], bytes]:
    """The core and its payload bytes; StatusError if the envelope is not a well-formed status.

    With ``pact``, the core must also pass ``check_core`` for that pact; without it, only its
    member set is checked (callers must then check the core themselves before reading it).
    """
    if not isinstance(envelope, dict) or set(envelope) != {"payloadType", "payload", "signatures"}:
        raise StatusError("not a status envelope (an object with exactly payloadType, payload, signatures)")
    if envelope["payloadType"] != STATUS_TYPE:
        raise StatusError(f"payloadType is not {STATUS_TYPE}")
    if not isinstance(envelope["payload"], str):
        raise StatusError("payload is not a base64 string")
    if not isinstance(envelope["signatures"], list):
        raise StatusError("signatures is not a list")
    try:
        payload = b64decode_strict(envelope["payload"])
        core = strict_loads(payload)
        same = canonical(core) == payload
    except (ValueError, TypeError, ArithmeticError, JsonError) as e:
        raise StatusError(f"payload: {e}") from None
    if not isinstance(core, dict) or set(core) != CORE_MEMBERS or not same:
        raise StatusError("payload is not a canonical status core")
    if pact is not None:
        check_core(core, pact)
    return core, payload


def signing_monitors(envelope: dict[str, Any], payload: bytes, pact: Pact) -> list[str]:
    """Distinct monitor parties whose signature on the envelope verifies (others are ignored)."""
    parties: list[str] = []
    sigs = envelope.get("signatures")
    if not isinstance(sigs, list):
        return parties
    message = pae(STATUS_TYPE, payload)
    for s in sigs:
        if not isinstance(s, dict) or not isinstance(s.get("keyid"), str) or not isinstance(s.get("sig"), str):
            continue
        owner = pact.key_owner.get(s["keyid"])
        if owner is None or pact.party_by_id[owner[0]].role != "monitor" or owner[0] in parties:
            continue
        try:
            sig = b64decode_strict(s["sig"])
        except ValueError:
            continue
        if verify_ed25519(owner[1], sig, message):
            parties.append(owner[0])
    return parties


def verify_status(envelope: Any, pact: Pact, now: int, previous: AcceptedStatus | None = None,
                  max_skew: int = DEFAULT_MAX_SKEW) -> AcceptedStatus:
    """Accept ``envelope`` as the current status at ``now``, or raise StatusError (and nothing else) saying why not.

    ``previous`` is the status already accepted (or the durable memory of it): a lower
    ``tree_size`` or ``issued_at`` is a rollback. A status issued after ``now + max_skew`` is
    refused: accepting it would pin the guard to the future and refuse every honest status after.
    """
    core, payload = decode_core(envelope, pact)
    issued, expires = parse_time(core["issued_at"]), parse_time(core["expires_at"])
    signers = signing_monitors(envelope, payload, pact)
    if len(signers) < pact.oversight.status_quorum:
        raise StatusError(f"signed by {len(signers)} monitor(s) ({', '.join(signers) or 'none'}); "
                          f"status_quorum is {pact.oversight.status_quorum}")
    if expires <= now:
        raise StatusError(f"status expired at {core['expires_at']}")
    if issued > now + max_skew:
        raise StatusError(f"status issued at {core['issued_at']}, more than {max_skew}s after this clock's now")
    if previous is not None and (core["tree_size"] < previous.tree_size or issued < previous.issued_at):
        raise StatusError("rollback: older than a status already accepted")
    return AcceptedStatus(core["tree_size"], issued, expires, core)
