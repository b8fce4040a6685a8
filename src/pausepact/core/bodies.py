"""Statement bodies (contract section 2) as closed, typed models.

Each model has exactly the members the contract lists for its statement type, of
exactly their types: validation is strict (no coercion: a bool is not a number, a
string is not a number, ``"1"`` is not ``1``), unknown members are refused, and an
optional member is either absent or of its type (never ``null``). Numbers are finite
and read as ``float``; times stay their text (``YYYY-MM-DDTHH:MM:SSZ``, checked).
Formats: ``sha256:<64 lowercase hex>`` evidence digests, 64 lowercase hex statement
digests. What depends on the pact (an indicator or level that exists, who may report
what, unit ranges) is judged by the statement table, ``core.statement_types``.

The models are what the engine reads; the signed bytes remain the statement's raw
JSON body (``Statement.body``), so reading a model never changes a replay.
"""

from __future__ import annotations

import base64
import binascii
import functools
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

from .durations import TimeFormatError, parse_time

HEX64_PATTERN = r"^[0-9a-f]{64}$"
DIGEST_PATTERN = r"^sha256:[0-9a-f]{64}$"


@functools.lru_cache(maxsize=4096)
def epoch(text: str) -> int:
    """``parse_time`` remembered: many statements of a log carry the same times (a pure function, so safe)."""
    return parse_time(text)


def _time(text: str) -> str:
    try:
        epoch(text)
    except TimeFormatError as e:
        raise ValueError(str(e)) from None
    return text


def _present(value: object) -> object:
    # runs only for a member the body has (pydantic never validates a default): an explicit null is refused
    if value is None:
        raise ValueError("an optional member is absent or of its type, never null")
    return value


Time = Annotated[StrictStr, AfterValidator(_time)]
"""A contract time, kept as its text."""
Text = Annotated[StrictStr, Field(min_length=1)]
"""Text of at least one code point (ids, names, claims)."""
Number = Annotated[float, Field(allow_inf_nan=False)]
"""A finite number; strict: an int is read as its float, a bool or a string is refused."""


def _sealed_member(text: str) -> str:
    # contract section 8: canonical base64 (standard, padded) of at least 48 bytes (enc 32 + tag 16)
    raw = _b64_bytes(text)
    if len(raw) < 48:
        raise ValueError(f"{len(raw)} bytes; a sealed member is at least 48 bytes")
    return text


def _b64_bytes(text: str) -> bytes:
    """The bytes of canonical (standard, padded) base64 ``text``; ValueError naming what is wrong."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if base64.b64encode(raw).decode() != text:
        raise ValueError("not canonical base64")
    return raw


def _canonical_b64(text: str) -> str:
    _b64_bytes(text)
    return text


SealedMember = Annotated[StrictStr, AfterValidator(_sealed_member)]
"""v2: an HPKE ``enc`` ‖ ciphertext, canonical base64 of at least 48 bytes."""
StatementDigest = Annotated[StrictStr, Field(pattern=HEX64_PATTERN)]
"""Lowercase hex SHA-256 of a statement's DSSE payload bytes."""
VerdictWord = Literal["meets", "misses", "holds", "clear", "neither"]


Rationale = Annotated[StrictStr | None, AfterValidator(_present), Field(max_length=2000)]
"""v2: why a party proposes or votes, at most 2,000 code points (contract section 2); optional, never null."""


class Body(BaseModel):
    """A statement body: closed, strict and immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


class Evidence(Body):
    """Where a value or claim comes from: a digest of the material, its source, optionally a URI."""

    digest: Annotated[StrictStr, Field(pattern=DIGEST_PATTERN)]
    source: StrictStr
    uri: Annotated[StrictStr | None, AfterValidator(_present)] = None


class SignBody(Body):
    """``sign``: ``{}``; the party signs the pact named by the statement's ``pact_digest``."""


class ReportBody(Body):
    """``report``: an indicator's value as measured at ``measured_at``, about ``subject`` if a monitor reports."""

    indicator: StrictStr
    value: Number
    measured_at: Time
    subject: Annotated[StrictStr | None, AfterValidator(_present)] = None
    evidence: Annotated[Evidence | None, AfterValidator(_present)] = None


class CountersignBody(Body):
    """``countersign``: names a report by the hex SHA-256 of its DSSE payload bytes."""

    statement: Annotated[StrictStr, Field(pattern=HEX64_PATTERN)]


class AttestBody(Body):
    """``attest``: a developer's claim, for leaving ``level``."""

    claim: Text
    level: StrictStr
    evidence: Annotated[Evidence | None, AfterValidator(_present)] = None


MAX_AMENDMENT_BYTES = 32 * 1024  # v2 section 9: an amend proposal's text, decoded


def _amendment_text(text: str) -> str:
    _canonical_b64(text)
    size = len(base64.b64decode(text))
    if size > MAX_AMENDMENT_BYTES:
        raise ValueError(f"the new version is {size} bytes; an amend proposal carries at most {MAX_AMENDMENT_BYTES} (32 KiB)")
    return text


class ProposeBody(Body):
    """``propose``: an emergency ``raise`` to ``level``, or a ``resume`` leaving ``level`` (``party``: its party scope);
    v2: an ``amend`` carrying the new version's exact bytes in ``pact`` (base64, at most 32 KiB), no level, no party."""

    id: Text
    action: Literal["raise", "resume", "amend"]
    level: Annotated[StrictStr | None, AfterValidator(_present)] = None
    party: Annotated[StrictStr | None, AfterValidator(_present)] = None
    pact: Annotated[StrictStr | None, AfterValidator(_present), AfterValidator(_amendment_text)] = None
    rationale: Rationale = None

    @model_validator(mode="after")
    def _members_of_its_action(self) -> ProposeBody:
        if self.action == "amend":
            if self.level is not None or self.party is not None:
                raise ValueError("an amend proposal names no level and no party")
            if self.pact is None:
                raise ValueError("body lacks pact: an amend proposal carries the new version's text (base64)")
        else:
            if self.pact is not None:
                raise ValueError(f"a {self.action} proposal carries no pact (only an amend proposal does)")
            if self.level is None:
                raise ValueError("body lacks level")
        return self

    @property
    def text(self) -> bytes:
        """An amend proposal's new version, its exact bytes (empty for other actions)."""
        return base64.b64decode(self.pact) if self.pact is not None else b""


class VoteBody(Body):
    """``vote``: a monitor's ``yes`` or ``no`` on a proposal (v2: a developer's, on an amend proposal)."""

    proposal: Text
    choice: Literal["yes", "no"]
    rationale: Rationale = None


class CancelBody(Body):
    """``cancel``: a monitor stops a queued resumption, saying why."""

    proposal: Text
    reason: StrictStr


class RunBody(Body):
    """``run``: a guard's declaration of a training run's ``start``, ``heartbeat`` or ``stop`` and its size."""

    run: Text
    event: Literal["start", "heartbeat", "stop"]
    flop: Annotated[Number, Field(ge=0)]


class AckBody(Body):
    """``ack``: a party acknowledges that ``level`` was entered at ``since``."""

    level: StrictStr
    since: Time


class SealedReportBody(Body):
    """v2 ``sealed_report``: a report whose value is sealed to the monitors and bound by ``commitment``."""

    indicator: StrictStr
    measured_at: Time
    subject: Annotated[StrictStr | None, AfterValidator(_present)] = None
    commitment: Annotated[StrictStr, Field(pattern=DIGEST_PATTERN)]
    sealed: dict[StrictStr, SealedMember]
    evidence: Annotated[Evidence | None, AfterValidator(_present)] = None


class VerdictBody(Body):
    """v2 ``verdict``: a monitor's judgement of a sealed report; ``opened: false`` names no red line."""

    statement: StatementDigest
    opened: StrictBool
    red_lines: dict[StrictStr, VerdictWord]

    @model_validator(mode="after")
    def _unopened_names_nothing(self) -> VerdictBody:
        if not self.opened and self.red_lines:
            raise ValueError("a verdict with opened false names no red line (red_lines must be {})")
        return self


class ShareBody(Body):
    """v2 ``share``: a judge's opening of a sealed report, sealed to another judge ``to``."""

    statement: StatementDigest
    to: Text
    sealed: SealedMember


class RevealBody(Body):
    """v2 ``reveal``: the author of a sealed report publishes its value and salt."""

    statement: StatementDigest
    value: Number
    salt: Annotated[StrictStr, AfterValidator(_canonical_b64)]


def _key_text(text: str) -> str:
    kind, _, rest = text.partition(":")
    if kind not in ("ed25519", "x25519"):
        raise ValueError("a key is 'ed25519:' or 'x25519:' followed by the base64 of its 32 bytes")
    _canonical_b64(rest)
    if len(base64.b64decode(rest)) != 32:
        raise ValueError("a key is 32 bytes")
    return text


class RevokeBody(Body):
    """v2 ``revoke``: a party withdraws one of its own current keys (a signing key, or a monitor's seal key)."""

    key: Annotated[StrictStr, AfterValidator(_key_text)]
    reason: StrictStr
