"""The engine's mutable records. Plain data; the rules live in ``machine``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXPIRY = 30 * 86400
"""Contract section 6: an active proposal expires 30 days after it was made."""


@dataclass
class Scope:
    """A level, when it was last entered (by a raise or a drop) and when it was last raised.

    None: the resting level, never left.
    """

    level: str
    since: int | None = None
    raised_at: int | None = None


@dataclass
class PendingReport:
    """A report of a ``countersigned_by`` indicator, waiting for its countersignature."""

    subject: str
    indicator: str
    author: str
    time: int
    index: int
    value: float
    counted: bool = False


@dataclass
class Proposal:
    id: str
    action: str  # raise | resume | amend (v2)
    level: str  # "" for an amend proposal (shown as null)
    party: str | None
    proposer: str
    index: int
    made_at: int
    state: str = "active"
    yes: list[str] = field(default_factory=list)
    no: list[str] = field(default_factory=list)
    queued_at: int | None = None
    executes_at: int | None = None
    closed_at: int | None = None
    closed_by: str | None = None
    last_index: int = 0
    # v2 amend proposals: the new version, the quorum of the version in force when proposed, cancels
    text: bytes | None = None
    new_pact: Any = None
    quorum: Any = None
    cancels: list[str] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.state in ("active", "queued")

    def as_json(self, fmt: Any) -> dict[str, Any]:
        extra = {"pact_digest": self.new_pact.digest, "version": self.new_pact.version} if self.new_pact is not None else {}
        return {"id": self.id, "action": self.action, "level": self.level or None, "party": self.party, "state": self.state,
                "yes": list(self.yes), "no": list(self.no),
                "executes_at": fmt(self.executes_at) if self.executes_at is not None else None,
                "proposer": self.proposer, "index": self.index, "made_at": fmt(self.made_at),
                "closed_at": fmt(self.closed_at) if self.closed_at is not None else None, "closed_by": self.closed_by,
                **extra}


@dataclass
class Run:
    party: str
    run: str
    flop: float
    start_index: int
    last_index: int
    started_at: int
    forbidden_at: int | None = None
    grace: int = 3600
    not_stopped_reported: bool = False
    order: int = 0  # runs are judged in the order they were started
