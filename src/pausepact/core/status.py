"""The signed status (contract section 5): what training infrastructure obeys.

A status is a DSSE envelope (payloadType ``application/vnd.pausepact.status+json``)
over the RFC 8785 bytes of the *status core*, with one signature per signing
monitor. ``verify_status`` is the strict check a guard makes (modelled on TUF's
client): payload type; canonical payload with exactly the core's members; pact
and digest of the pinned pact; every developer present; ``as_of == issued_at``
and ``expires_at == issued_at + status_ttl``; valid signatures of at least
``status_quorum`` distinct monitor parties; not expired at ``now``; neither
``tree_size`` nor ``issued_at`` lower than in a status already accepted
(rollback). Anything else raises ``StatusError``: treat it as no status.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .canonical import JsonError, canonical, strict_loads
from .durations import TimeFormatError, parse_time
from .keys import b64decode_strict, keyid, verify_ed25519
from .pact import Pact
from .statements import pae

STATUS_TYPE = "application/vnd.pausepact.status+json"
CORE_MEMBERS = frozenset({"pact", "pact_digest", "tree_size", "root_hash", "as_of", "issued_at", "expires_at", "in_force",
                          "level", "since", "parties"})


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


def decode_core(envelope: Any) -> tuple[dict[str, Any], bytes]:
    """The core and its payload bytes; StatusError if the envelope is not a well-formed status."""
    if not isinstance(envelope, dict) or set(envelope) != {"payloadType", "payload", "signatures"}:
        raise StatusError("not a status envelope")
    if envelope["payloadType"] != STATUS_TYPE:
        raise StatusError(f"payloadType is not {STATUS_TYPE}")
    try:
        payload = b64decode_strict(envelope["payload"])
        core = strict_loads(payload)
    except (ValueError, TypeError, JsonError) as e:
        raise StatusError(f"payload: {e}") from None
    if not isinstance(core, dict) or set(core) != CORE_MEMBERS or canonical(core) != payload:
        raise StatusError("payload is not a canonical status core")
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


def verify_status(envelope: Any, pact: Pact, now: int, previous: AcceptedStatus | None = None) -> AcceptedStatus:
    """Accept ``envelope`` as the current status, or raise StatusError saying why not."""
    core, payload = decode_core(envelope)
    if core["pact"] != pact.pact or core["pact_digest"] != pact.digest:
        raise StatusError("status is for another pact")
    try:
        issued, as_of, expires = parse_time(core["issued_at"]), parse_time(core["as_of"]), parse_time(core["expires_at"])
    except (TimeFormatError, TypeError):
        raise StatusError("status times are malformed") from None
    if as_of != issued or expires != issued + pact.oversight.status_ttl:
        raise StatusError("status times do not follow the pact (as_of = issued_at, expires_at = issued_at + status_ttl)")
    parties = core["parties"]
    if not isinstance(parties, dict) or set(parties) != set(pact.developers):
        raise StatusError("status does not list exactly the pact's developers")
    if not isinstance(core["tree_size"], int) or isinstance(core["tree_size"], bool):
        raise StatusError("status tree_size is not an integer")
    signers = signing_monitors(envelope, payload, pact)
    if len(signers) < pact.oversight.status_quorum:
        raise StatusError(f"signed by {len(signers)} monitor(s) ({', '.join(signers) or 'none'}); "
                          f"status_quorum is {pact.oversight.status_quorum}")
    if expires <= now:
        raise StatusError(f"status expired at {core['expires_at']}")
    if previous is not None and (core["tree_size"] < previous.tree_size or issued < previous.issued_at):
        raise StatusError("rollback: older than a status already accepted")
    return AcceptedStatus(core["tree_size"], issued, expires, core)
