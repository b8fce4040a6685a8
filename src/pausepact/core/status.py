"""The signed status (contract section 5): what training infrastructure obeys.

A status is a DSSE envelope (payloadType ``application/vnd.pausepact.status+json``)
over the RFC 8785 bytes of the *status core*, with one signature per signing
monitor. ``StatusCore`` is the closed core as a typed model: ``from_json`` refuses
any deviation (a member missing or extra, a string where a number belongs, a
level the pinned pact does not have) and ``to_json`` gives back the exact object
monitors sign. ``check_core`` is that check on a JSON object; ``verify_status`` is the strict check a
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
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, ValidationError

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


# ---------------------------------------------------------------- the core, as a typed model

def _time_text(value: str) -> str:
    try:
        parse_time(value)
    except (ValueError, OverflowError):  # TimeFormatError is a ValueError
        raise ValueError("not a time YYYY-MM-DDTHH:MM:SSZ") from None
    return value


def _hex64(value: str) -> str:
    if not _HEX64.fullmatch(value):
        raise ValueError("not 64 lowercase hex digits")
    return value


def _flop(value: object) -> object:
    # before the type check, so that every wrong value gets the one message a reader needs
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not math.isfinite(value) or value < 0):
        raise ValueError("not a finite number >= 0 or null")
    return value


Time = Annotated[str, AfterValidator(_time_text)]
"""A contract time, kept as its text (``YYYY-MM-DDTHH:MM:SSZ``) so that the core's bytes never change."""

_CLOSED = ConfigDict(strict=True, extra="forbid", frozen=True)


class PartyStatus(BaseModel):
    """One developer's entry in the status core: its level and what that level restricts."""

    model_config = _CLOSED

    level: str
    # int or float as the JSON had it (strict: never a bool, never a string); null is no limit
    max_training_flop: Annotated[StrictInt | StrictFloat | None, BeforeValidator(_flop)]
    new_deployments: StrictBool


class StatusCore(BaseModel):
    """The closed status core (contract section 5): exactly these members, of exactly these types.

    ``from_json(obj, pact)`` is the only way in from the wire: strict (no coercion, no member
    missing or extra) and checked against the pinned pact. ``to_json()`` is the JSON object whose
    RFC 8785 bytes monitors sign; for a core that came in through ``from_json`` it equals the
    input, so its canonical bytes are the payload's.
    """

    model_config = _CLOSED

    pact: str
    pact_digest: str
    tree_size: Annotated[StrictInt, Field(ge=0)]
    root_hash: Annotated[str, AfterValidator(_hex64)]
    as_of: Time
    issued_at: Time
    expires_at: Time
    in_force: StrictBool
    level: str
    since: Time | None
    parties: dict[str, PartyStatus]

    @classmethod
    def from_json(cls, obj: object, pact: Pact) -> StatusCore:
        """``obj`` as a status core of ``pact``, or StatusError naming the first member at fault."""
        if not isinstance(obj, dict):
            raise StatusError("status core is not a JSON object")
        if set(obj) != CORE_MEMBERS:
            missing, extra = sorted(CORE_MEMBERS - set(obj)), sorted(set(obj) - CORE_MEMBERS)
            raise StatusError(f"status core does not have exactly the contract's members (missing {missing}, extra {extra})")
        try:
            core = cls.model_validate(obj)
        except ValidationError as e:
            raise StatusError(f"status core: {_first_error(e)}") from None
        core.check_pact(pact)
        return core

    def check_pact(self, pact: Pact) -> None:
        """StatusError unless this core fits ``pact``: its name and digest, levels, developers and ttl."""
        if self.pact != pact.pact or self.pact_digest != pact.digest:
            raise StatusError("status is for another pact (pact or pact_digest differs from the pinned pact)")
        issued = parse_time(self.issued_at)
        if parse_time(self.as_of) != issued or parse_time(self.expires_at) != issued + pact.oversight.status_ttl:
            raise StatusError("status times do not follow the pact (as_of = issued_at, expires_at = issued_at + status_ttl)")
        if self.level not in pact.levels:
            raise StatusError(f"status core: level {self.level!r} is not a level of the pact")
        if set(self.parties) != set(pact.developers):
            raise StatusError("status core: parties does not list exactly the pact's developers")
        for pid, party in self.parties.items():
            if party.level not in pact.levels:
                raise StatusError(f"status core: parties.{pid}.level {party.level!r} is not a level of the pact")

    def to_json(self) -> dict[str, Any]:
        """The core as the JSON object monitors sign (RFC 8785 of it is the status payload)."""
        return self.model_dump()


def _first_error(e: ValidationError) -> str:
    err = e.errors(include_url=False)[0]
    where = ".".join(str(part) for part in err["loc"])
    what = err["msg"].removeprefix("Value error, ")
    what = what[:1].lower() + what[1:]
    return f"{where}: {what}" if err["type"] == "missing" else f"{where}: {what} (got {_shown(err['input'])})"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_core(obj: object, pact: Pact) -> dict[str, Any]:
    """``obj`` as a status core of ``pact`` (contract section 5), checked member by member; else StatusError.

    ``StatusCore.from_json`` does the checking: the exact member set; ``pact`` and ``pact_digest``
    of the pinned pact; ``tree_size`` a non-negative integer (never a boolean); ``root_hash`` 64
    lowercase hex digits; the times exact ``YYYY-MM-DDTHH:MM:SSZ`` with ``as_of == issued_at`` and
    ``expires_at == issued_at + status_ttl``; ``in_force`` a boolean; ``level`` and every party's
    level a level of the pact; ``since`` a time or null; ``parties`` exactly the pact's developers,
    each with exactly ``level``, ``max_training_flop`` (a finite number >= 0, or null) and
    ``new_deployments`` (a boolean). The core returned can be read without any further type check.
    """
    return StatusCore.from_json(obj, pact).to_json()


def decode_core(envelope: Any, pact: Pact | None = None) -> tuple[dict[str, Any], bytes]:
    """The core and its payload bytes; StatusError if the envelope is not a well-formed status.

    With ``pact``, the core must also pass ``check_core`` for that pact; without it, only its
    member set is checked (callers must then check the core themselves before reading it).
    """
    core, payload = _payload(envelope)
    if pact is not None:
        core = check_core(core, pact)
    return core, payload


def decode_status(envelope: Any, pact: Pact) -> tuple[StatusCore, bytes]:
    """The typed core of a status envelope for ``pact`` and its payload bytes; else StatusError."""
    core, payload = _payload(envelope)
    return StatusCore.from_json(core, pact), payload


def _payload(envelope: Any) -> tuple[dict[str, Any], bytes]:
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
    core, payload = decode_status(envelope, pact)
    issued, expires = parse_time(core.issued_at), parse_time(core.expires_at)
    signers = signing_monitors(envelope, payload, pact)
    if len(signers) < pact.oversight.status_quorum:
        raise StatusError(f"signed by {len(signers)} monitor(s) ({', '.join(signers) or 'none'}); "
                          f"status_quorum is {pact.oversight.status_quorum}")
    if expires <= now:
        raise StatusError(f"status expired at {core.expires_at}")
    if issued > now + max_skew:
        raise StatusError(f"status issued at {core.issued_at}, more than {max_skew}s after this clock's now")
    if previous is not None and (core.tree_size < previous.tree_size or issued < previous.issued_at):
        raise StatusError("rollback: older than a status already accepted")
    return AcceptedStatus(core.tree_size, issued, expires, core.to_json())
