"""The table of statement types (contract section 2, and section 6 Validity).

``TYPES`` has one row per statement type: its body model (``core.bodies``), the
roles that may make it, and the rules it must meet against the pact. The engine
keeps one handler per row (``core.engine.machine.HANDLERS``) and refuses to import
unless its handlers name exactly these types (``require_every_type``): adding a type
is adding one row here and one handler there, and forgetting the handler fails at once.

| type | body model | made by | rules against the pact |
|---|---|---|---|
| sign | SignBody | developer, monitor | |
| report | ReportBody | developer, monitor | indicator exists; value in its unit's range; measured_at not after the statement's time; the author's role reports it (else ``role``); a developer names no subject, a monitor names a developer |
| countersign | CountersignBody | monitor | |
| attest | AttestBody | developer | level exists |
| propose | ProposeBody | developer, monitor | level exists; party, if given, is a developer |
| vote | VoteBody | monitor; v2: developer | a developer's only where the pact can be amended (which proposal: the engine) |
| cancel | CancelBody | monitor | |
| run | RunBody | developer | |
| ack | AckBody | developer, monitor | level exists |

The log party makes none. Refusals: an unknown type is ``malformed``; a role that
may not make the type, or may not report the indicator, is ``role``; anything else
about the body is ``body``.

v2 rows (contract section 8):

| type | body model | made by | rules against the pact |
|---|---|---|---|
| sealed_report | SealedReportBody | developer, monitor | as report, and the indicator is sealed (a report of a sealed indicator, or a sealed_report of a public one, is ``body``); ``sealed`` has exactly one member per monitor with a seal key |
| verdict | VerdictBody | monitor | (its red-line words are judged by the engine, which knows the report) |
| share | ShareBody | monitor | |
| reveal | RevealBody | developer | |

v2, contract section 9: ``revoke`` (RevokeBody; developer, monitor); ``propose`` with
``action: "amend"`` and the new text in ``pact`` (no level, no party); developers vote
on amend proposals. Whether an amendment is void, and whether a key may be revoked,
depends on the log: the engine judges them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from .bodies import (
    AckBody,
    AttestBody,
    Body,
    CancelBody,
    CountersignBody,
    ProposeBody,
    ReportBody,
    RevealBody,
    RevokeBody,
    RunBody,
    SealedReportBody,
    ShareBody,
    SignBody,
    VerdictBody,
    VoteBody,
    epoch,
)
from .durations import format_time
from .pact import Pact
from .rejection import Rejection

B = TypeVar("B", bound=Body)
Rule = Callable[[B, str, int, Pact], None]
"""A rule against the pact: (body, author's role, statement time in epoch seconds, pact); raises Rejection."""

# contract v2 section 8 "Opening", applied to public reports too (a deliberate change of v1 validity)
UNIT_RANGES: dict[str, tuple[float, float]] = {"ratio": (0, 1), "percent": (0, 100)}


@dataclass(frozen=True)
class StatementType(Generic[B]):
    """One row of the table: a statement type, its body model, who may make it, its rules.

    ``late`` names members whose *type* is judged after the rules, so that a role
    refusal keeps precedence over a malformed member checked after it (the order
    of error codes the log has always had).
    """

    name: str
    body: type[B]
    roles: frozenset[str]
    rules: Rule[B] | None = None
    late: frozenset[str] = frozenset()


def _problem(t: str, detail: str) -> Rejection:
    return Rejection("body", f"{t}: {detail}")


def _shown(value: float) -> str:
    value = float(value)  # an int is a number too (JSON has one kind)
    return repr(int(value)) if value.is_integer() and abs(value) < 2 ** 53 else repr(value)


def unit_range_problem(value: float, unit: str) -> str | None:
    """None when ``value`` lies in ``unit``'s range, else the problem: ratio [0, 1], percent [0, 100], other units >= 0."""
    low, high = UNIT_RANGES.get(unit, (0, math.inf))
    if low <= value <= high:
        return None
    shown = f"[{low:g}, {high:g}]" if math.isfinite(high) else f">= {low:g}"
    return f"value {_shown(value)} is outside the range of unit {unit!r}: {shown}"


def _level(level: str, pact: Pact, t: str) -> None:
    if level not in pact.levels:
        raise _problem(t, f"unknown level {level!r}")


def _reported(b: ReportBody | SealedReportBody, role: str, t: int, pact: Pact, t_: str) -> None:
    """What ``report`` and ``sealed_report`` share: the indicator, who reports it, when, about whom."""
    ind = pact.indicators.get(b.indicator)
    if ind is None:
        raise _problem(t_, f"unknown indicator {b.indicator!r}")
    if ind.reported_by != role:  # who may report comes first: a party's report of another's indicator is `role`
        raise Rejection("role", f"{b.indicator!r} is reported by a {ind.reported_by}, not a {role}")
    if ind.sealed != (t_ == "sealed_report"):  # contract section 8: refused `body`
        raise _problem(t_, f"indicator {b.indicator!r} is sealed: its values go in a sealed_report" if ind.sealed
                       else f"indicator {b.indicator!r} is public: its values go in a report")
    if isinstance(b, ReportBody) and (err := unit_range_problem(b.value, ind.unit)) is not None:
        raise _problem(t_, err)
    if epoch(b.measured_at) > t:
        raise _problem(t_, f"measured_at {b.measured_at} is after the statement's time {format_time(t)}: "
                           "nobody reports a future measurement")
    if role == "developer" and b.subject is not None:
        raise _problem(t_, "a developer reports about itself: no subject")
    if role == "monitor":
        subject = pact.party_by_id.get(b.subject) if b.subject is not None else None
        if subject is None or subject.role != "developer":
            raise _problem(t_, "a monitor's report names a developer as subject")


def _report(b: ReportBody, role: str, t: int, pact: Pact) -> None:
    _reported(b, role, t, pact, "report")


def _sealed_report(b: SealedReportBody, role: str, t: int, pact: Pact) -> None:
    _reported(b, role, t, pact, "sealed_report")
    problem = members_problem(set(pact.seal_keys), set(b.sealed), static=True)
    if problem is not None:
        raise _problem("sealed_report", problem)


def members_problem(current: set[str], have: set[str], static: bool = False) -> str | None:
    """None when a sealed report's members are exactly the monitors with a current seal key, else why not.

    ``static``: judged from the pact alone, which cannot know which seal keys were revoked since (the
    engine judges the rest): a member for a monitor without a seal key is refused, a missing one is not.
    """
    missing, extra = (set() if static else current - have), have - current
    if not missing and not extra:
        return None
    parts = ([f"missing {', '.join(sorted(missing))}"] if missing else []) + \
            ([f"unexpected {', '.join(sorted(extra))}"] if extra else [])
    return "sealed has exactly one member per monitor with a current seal key: " + "; ".join(parts)


def _attest(b: AttestBody, role: str, t: int, pact: Pact) -> None:
    _level(b.level, pact, "attest")


def _propose(b: ProposeBody, role: str, t: int, pact: Pact) -> None:
    if b.action == "amend":
        return  # whether the new text is void is the engine's to judge, on the log (section 9)
    assert b.level is not None
    _level(b.level, pact, "propose")
    if b.party is not None and b.party not in pact.developers:
        raise _problem("propose", "party must be a developer of the pact")


def _vote(b: VoteBody, role: str, t: int, pact: Pact) -> None:
    # v2: a developer votes only on an amend proposal known at that point of the log (the engine judges that);
    # a pact that cannot be amended keeps v1's refusal here
    if role == "developer" and pact.amendment is None:
        raise Rejection("role", "a developer votes only on amend proposals, and this pact cannot be amended")


def _ack(b: AckBody, role: str, t: int, pact: Pact) -> None:
    _level(b.level, pact, "ack")


DEVELOPER, MONITOR, BOTH = frozenset({"developer"}), frozenset({"monitor"}), frozenset({"developer", "monitor"})

TYPES: Mapping[str, StatementType[Any]] = {row.name: row for row in (
    StatementType("sign", SignBody, BOTH),
    StatementType("report", ReportBody, BOTH, _report, late=frozenset({"subject"})),
    StatementType("countersign", CountersignBody, MONITOR),
    StatementType("attest", AttestBody, DEVELOPER, _attest),
    StatementType("propose", ProposeBody, BOTH, _propose),
    StatementType("vote", VoteBody, BOTH, _vote),
    StatementType("cancel", CancelBody, MONITOR),
    StatementType("run", RunBody, DEVELOPER),
    StatementType("ack", AckBody, BOTH, _ack),
    # v2, contract section 8; what a verdict must name depends on its report: the engine judges it (lookback)
    StatementType("sealed_report", SealedReportBody, BOTH, _sealed_report, late=frozenset({"subject"})),
    StatementType("verdict", VerdictBody, MONITOR),
    StatementType("share", ShareBody, MONITOR),
    StatementType("reveal", RevealBody, DEVELOPER),
    # v2, contract section 9
    StatementType("revoke", RevokeBody, BOTH),
)}

ROLE_MAY: Mapping[str, frozenset[str]] = {
    role: frozenset(name for name, row in TYPES.items() if role in row.roles) for role in ("developer", "monitor", "log")
}
"""The types each role may make (contract section 6, Validity), read from the table."""


def _validation_problem(e: ValidationError) -> str:
    """One line a party can act on: the first problem, named by its member."""
    err = e.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    if err["type"] == "missing":
        return f"body lacks {where}"
    if err["type"] == "extra_forbidden":
        return f"body has unexpected {where}"
    # our own validators' messages, without pydantic's "Value error, " prefix
    msg = str(err["ctx"]["error"]) if err["type"] == "value_error" and "error" in err.get("ctx", {}) else err["msg"]
    return f"{where}: {msg}" if where else msg


def read_body(type_: str, raw: Mapping[str, Any], role: str, t: int, pact: Pact) -> Body:
    """The typed body of a statement of ``type_`` by a party of ``role`` at epoch ``t``.

    Raises Rejection: ``malformed`` for a type not in the table, ``role`` when the role
    may not make it (or report its indicator), ``body`` for any other problem.
    """
    row = TYPES.get(type_)
    if row is None:
        raise Rejection("malformed", f"unknown statement type {type_!r}")
    if role not in row.roles:
        raise Rejection("role", f"a {role} may not make a {type_!r} statement")
    try:
        body: Body = row.body.model_validate(raw)
    except ValidationError as e:
        problem = _problem(type_, _validation_problem(e))
        if row.late and row.rules and all(err["loc"][:1] and err["loc"][0] in row.late for err in e.errors()):
            # the rules before a late member's type may still refuse first (e.g. ``role``)
            try:
                early = row.body.model_validate({k: v for k, v in raw.items() if k not in row.late})
            except ValidationError:
                raise problem from None
            row.rules(early, role, t, pact)
        raise problem from None
    if row.rules is not None:
        row.rules(body, role, t, pact)
    return body


def require_every_type(handlers: Mapping[str, object], where: str) -> None:
    """Raise TypeError unless ``handlers`` has exactly one entry per statement type of the table."""
    missing, extra = TYPES.keys() - handlers.keys(), handlers.keys() - TYPES.keys()
    if missing or extra:
        raise TypeError(f"{where} must handle exactly the statement types of core.statement_types.TYPES: "
                        f"missing {sorted(missing)}, unknown {sorted(extra)}")


__all__ = ["ROLE_MAY", "TYPES", "UNIT_RANGES", "StatementType", "members_problem", "read_body", "require_every_type",
           "unit_range_problem"]
