"""The pact model (contract section 1).

``Pact`` is the validated, typed form of a pact file. Durations are held as
integer seconds, quorums as parsed ``Quorum`` values, and the pact's digest is
the SHA-256 of the file's exact bytes (``pact_digest``). Construct it with
``pausepact.core.pactfile.parse_pact``, which also reports every problem with
its position; ``Pact.model_validate`` alone checks only the schema.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .durations import DURATION_PATTERN, parse_duration
from .quorum import QUORUM_PATTERN, Quorum, parse_quorum
from .redlines import CONDITIONS, KIND_OF, KINDS, kind_of

ID_PATTERN = r"^[a-z0-9-]+$"
NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
KEY_PATTERN = r"^ed25519:[A-Za-z0-9+/]{43}=$"
SEAL_KEY_PATTERN = r"^x25519:[A-Za-z0-9+/]{43}=$"
DAY = 86400


MAX_DURATION = 3650 * 86400  # contract P6: every duration at most 3650 days


def _duration(value: Any) -> int:
    if not isinstance(value, str):
        raise ValueError("a duration must be a string such as '30d'")
    seconds = parse_duration(value)
    if seconds > MAX_DURATION:
        raise ValueError(f"duration {value!r} is longer than 3650 days, the longest a pact may state")
    return seconds


def _positive_duration(value: Any) -> int:
    seconds = _duration(value)
    if seconds == 0:
        raise ValueError(f"duration {value!r} must be longer than zero")
    return seconds


def _quorum(value: Any) -> Quorum:
    if isinstance(value, Quorum):
        return value
    if not isinstance(value, str):
        raise ValueError("a quorum must be a string such as '2/3 of monitors'")
    return parse_quorum(value)


def _seconds_text(seconds: int) -> str:
    from .durations import format_duration

    return format_duration(seconds)


Duration = Annotated[
    int,
    PlainValidator(_duration),
    PlainSerializer(_seconds_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "description": "integer and unit s, m, h or d, e.g. 30d"}),
]
# contract P6: longer than zero where zero is meaningless (`every`, `for`, `window`,
# `doubling_within`, `overdue`, `status_ttl`, `verdict_within`); `grace`, `min_duration` and `timelock` may be zero
PositiveDuration = Annotated[
    int,
    PlainValidator(_positive_duration),
    PlainSerializer(_seconds_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "description": "integer and unit s, m, h or d, longer than zero, e.g. 30d"}),
]
QuorumField = Annotated[
    Quorum,
    PlainValidator(_quorum),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": QUORUM_PATTERN, "description": "e.g. '2/3 of monitors', 'all developers and 1 of monitors'"}),
]
Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=64)]
Name = Annotated[str, Field(pattern=NAME_PATTERN, min_length=1, max_length=64)]
Number = Annotated[float, Field(allow_inf_nan=False)]

PartyRole = Literal["developer", "monitor", "log"]
Unit = Literal["ratio", "percent", "minutes", "flop", "score", "count"]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # every field of the table has a type and null is none of them: an optional field is
        # left out, never written empty (`seal_key:` would otherwise pass for "no seal key")
        if value is None:
            raise ValueError("null is not a value here: give one, or leave the field out")
        return value


class Effective(_Strict):
    min_developers: int = Field(ge=1, description="distinct developers whose `sign` puts the pact in force")


class Party(_Strict):
    id: Name  # P1: party ids match [A-Za-z0-9_.-]+ (they are also note key names: no space or +)
    name: str = Field(min_length=1)
    role: PartyRole
    keys: list[Annotated[str, Field(pattern=KEY_PATTERN)]] = Field(min_length=1)
    # v2 (section 8): monitors only; the X25519 key sealed reports are encrypted to
    seal_key: Annotated[str, Field(pattern=SEAL_KEY_PATTERN)] | None = Field(
        default=None, description="v2, monitors only: x25519: + base64 of the 32-byte X25519 public key values are sealed to; "
                                  "distinct; required of every monitor when any indicator is sealed")


class Indicator(_Strict):
    description: str
    unit: Unit
    reported_by: Literal["developer", "monitor"]
    every: PositiveDuration
    countersigned_by: Literal["monitor"] | None = None
    # v2 (section 8): a sealed indicator's values are sealed to the monitors and judged in verdicts
    disclosure: Literal["public", "sealed"] = Field(
        default="public", description="v2: sealed values are sealed to the monitors and judged in verdicts")
    verdict_quorum: QuorumField | None = Field(
        default=None, description="v2, required on sealed indicators only: 'N of monitors', 'N/M of monitors' or "
                                  "'all monitors', more than half of the monitors")

    @property
    def sealed(self) -> bool:
        return self.disclosure == "sealed"


class Restriction(_Strict):
    max_training_flop: Number | None = Field(default=None, ge=0)
    new_deployments: bool | None = None
    grace: Duration = 3600


class RedLine(_Strict):
    model_config = ConfigDict(populate_by_name=True)

    id: Name
    indicator: Name | None = None
    at_least: Number | None = None
    at_most: Number | None = None
    for_: PositiveDuration | None = Field(default=None, alias="for")
    doubling_within: PositiveDuration | None = None
    window: PositiveDuration | None = None
    overdue: PositiveDuration | None = None
    raise_: Name = Field(alias="raise")
    scope: Literal["all", "party"] = "all"

    @property
    def kind(self) -> str:
        """``threshold``, ``doubling`` or ``overdue``: the kind its one condition makes (a key of ``redlines.KINDS``)."""
        return kind_of(self)

    @model_validator(mode="after")
    def _one_condition(self) -> RedLine:
        # Positioned, friendlier versions of these checks live in pactfile; this keeps the
        # model honest when built directly.
        conditions = [c for c in CONDITIONS if getattr(self, c) is not None]
        if len(conditions) != 1:
            raise ValueError(
                f"a red line states exactly one condition: {', '.join(CONDITIONS[:-1])} or {CONDITIONS[-1]}"
                + (f" (found {', '.join(conditions)})" if conditions else " (found none)")
            )
        if self.indicator is None and not KINDS[KIND_OF[conditions[0]]].indicator_optional:
            raise ValueError("a red line needs an indicator (only an overdue red line may omit it)")
        return self


class Emergency(_Strict):
    raise_: Name = Field(alias="raise")
    approval: QuorumField


class Resumption(_Strict):
    to: Name
    approval: QuorumField
    min_duration: Duration = 0
    clear: bool = False
    attestations: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    timelock: Duration = 0


class Oversight(_Strict):
    witness_quorum: int = Field(ge=1)
    status_quorum: int = Field(ge=1)
    status_ttl: PositiveDuration
    verdict_within: PositiveDuration = Field(default=7 * DAY, description="v2, default 7d: how long monitors have to judge a sealed report")


class Amendment(_Strict):
    approval: QuorumField
    timelock: Duration = Field(default=2 * DAY, description="v2, default 2d: the window in which monitors can cancel an approved amendment")
    remove_approval: QuorumField | None = Field(
        default=None, description="v2, default 'all developers and all monitors': the approval an amendment dropping a "
                                  "party that signed also needs, counted without the dropped parties")


class Pact(_Strict):
    """A pact, validated against the schema. ``digest`` is set by the loader."""

    model_config = ConfigDict(json_schema_extra={"title": "pausepact pact (contract v2)"})

    pact: Id
    version: int = Field(ge=1)
    title: str
    # the origin is a checkpoint note's first line, and notes refuse control characters (C2SP)
    origin: str = Field(min_length=1, pattern=r"^[^\s:\x00-\x1f\x7f]+(/[^\s\x00-\x1f\x7f]*)?$", description="schema-less URL")
    effective: Effective
    parties: list[Party] = Field(min_length=1)
    indicators: dict[Name, Indicator]
    levels: list[Name] = Field(min_length=1)
    restrictions: dict[str, Restriction] = Field(default_factory=dict)
    red_lines: list[RedLine] = Field(default_factory=list)
    emergency: Emergency | None = None
    resumption: dict[str, Resumption] = Field(default_factory=dict)
    oversight: Oversight
    amendment: Amendment | None = None
    digest: str = Field(default="", exclude=True, description="sha256 of the file's bytes; not in the file")

    # --- derived views (cheap, cached; the model is frozen) ---

    @cached_property
    def party_by_id(self) -> dict[str, Party]:
        return {p.id: p for p in self.parties}

    @cached_property
    def key_owner(self) -> dict[str, tuple[str, bytes]]:
        """keyid (hex SHA-256 of the raw key) -> (party id, raw 32-byte public key)."""
        import base64

        out: dict[str, tuple[str, bytes]] = {}
        for p in self.parties:
            for k in p.keys:
                raw = base64.b64decode(k.split(":", 1)[1])
                out[hashlib.sha256(raw).hexdigest()] = (p.id, raw)
        return out

    def ids(self, role: PartyRole) -> list[str]:
        """Party ids with ``role``, in file order."""
        return [p.id for p in self.parties if p.role == role]

    @property
    def developers(self) -> list[str]:
        return self.ids("developer")

    @property
    def monitors(self) -> list[str]:
        return self.ids("monitor")

    @cached_property
    def seal_keys(self) -> dict[str, str]:
        """Monitor id -> its ``x25519:`` seal key, for the monitors that have one (file order)."""
        return {p.id: p.seal_key for p in self.parties if p.role == "monitor" and p.seal_key is not None}

    def red_lines_on(self, indicator: str) -> list[RedLine]:
        """The red lines on ``indicator`` that a verdict names: every one but ``overdue`` ones (section 8)."""
        return [rl for rl in self.red_lines if rl.indicator == indicator and rl.kind != "overdue"]

    @property
    def log_party(self) -> Party:
        return next(p for p in self.parties if p.role == "log")

    def rank(self, level: str) -> int:
        """Position of ``level`` in ``levels`` (0 = resting level)."""
        return self.levels.index(level)

    @property
    def resting(self) -> str:
        return self.levels[0]

    def restriction(self, level: str) -> Restriction:
        """What ``level`` forbids (an empty restriction if the pact names none)."""
        return self.restrictions.get(level) or Restriction()


def pact_digest(data: bytes) -> str:
    """``sha256:`` + hex SHA-256 of the pact file's exact bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def pact_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the pact file format: closed (every object refuses unknown
    members), no member may be null, and defaults are written as the file writes them."""
    schema = Pact.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.get("properties", {}).pop("digest", None)
    tidy: dict[str, Any] = _as_file_writes_it(schema)
    return tidy


def _as_file_writes_it(node: Any) -> Any:
    """Drop the ``null`` pydantic allows for optional members (a file leaves them out), and write a
    duration's default as text (the model holds it in seconds)."""
    if isinstance(node, list):
        return [_as_file_writes_it(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _as_file_writes_it(v) for k, v in node.items()}
    options = out.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        del out["anyOf"]
        out = {**rest[0], **out} if len(rest) == 1 else {**out, "anyOf": rest}
    if "default" in out and out["default"] is None:
        del out["default"]
    if out.get("pattern") == DURATION_PATTERN and isinstance(out.get("default"), int):
        out["default"] = _seconds_text(out["default"])
    return out
