"""The full state JSON (contract section 5) and the signed status core.

The builders read an engine settled to ``as_of`` through ``SettledEngine``, the few
members they need, so that this module depends on the engine's parts (``model``,
``evidence``) and never on ``machine``: the engine imports its state, not the
other way round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..durations import format_time
from ..pact import Pact
from ..status import StatusCore
from .evidence import Report
from .model import Proposal, Scope


class SettledEngine(Protocol):
    """What the state builders read of an engine (``Engine.view(as_of)`` gives one)."""

    @property
    def pact(self) -> Pact: ...
    @property
    def size(self) -> int: ...
    @property
    def in_force_at(self) -> int | None: ...
    @property
    def signed(self) -> Mapping[str, int]: ...
    @property
    def monitor_signed(self) -> Mapping[str, int]: ...
    @property
    def series(self) -> Mapping[tuple[str, str], Sequence[Report]]: ...
    @property
    def coord(self) -> Scope: ...
    @property
    def party_scope(self) -> Mapping[str, Scope]: ...
    @property
    def own_since(self) -> Mapping[str, int | None]: ...
    @property
    def open(self) -> Mapping[str, Proposal]: ...
    @property
    def proposals(self) -> Mapping[str, Proposal]: ...
    @property
    def reasons(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def violations(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def void(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def rejected(self) -> Sequence[Mapping[str, Any]]: ...

    @property
    def disputes(self) -> Sequence[Mapping[str, Any]]: ...

    def own_level(self, dev: str) -> str: ...

    def duty_series_for(self, dev: str, indicator: str) -> Sequence[Report]: ...

    def sealed_states(self) -> list[dict[str, Any]]: ...

    @property
    def versions(self) -> Sequence[Any]: ...
    @property
    def revoked(self) -> Sequence[Mapping[str, Any]]: ...

    def missing_for(self, p: Proposal, m: int) -> list[str]: ...


def _t(x: int | None) -> str | None:
    return None if x is None else format_time(x)


def _restrictions(engine: SettledEngine, level: str) -> dict[str, Any]:
    r = engine.pact.restriction(level)
    return {"max_training_flop": r.max_training_flop,
            "new_deployments": r.new_deployments if r.new_deployments is not None else True}


def _overdue(engine: SettledEngine, dev: str, m: int) -> list[str]:
    """Indicators about ``dev`` whose latest report is older than their ``every`` (none before in force)."""
    if engine.in_force_at is None or dev not in engine.signed:
        return []
    out = []
    for name, ind in engine.pact.indicators.items():
        series = engine.duty_series_for(dev, name)
        base = series[-1].time if series else max(engine.in_force_at, engine.signed[dev])
        if m - base > ind.every:
            out.append(name)
    return out


def _resumption(engine: SettledEngine, party: str | None, m: int) -> dict[str, Any] | None:
    """What stands between a raised scope and its resumption, in words a person can follow."""
    scope = engine.coord if party is None else engine.party_scope[party]
    if engine.in_force_at is None or scope.level == engine.pact.resting:
        return None
    rule = engine.pact.resumption.get(scope.level)
    if rule is None:
        return {"level": scope.level, "to": None, "missing": ["the pact has no resumption rule for this level"], "proposal": None}
    open_ = [p for p in engine.open.values() if p.action == "resume" and p.open and p.party == party]
    if not open_:
        probe = Proposal("", "resume", scope.level, party, "", 0, m)
        return {"level": scope.level, "to": rule.to, "proposal": None,
                "missing": ["no resume proposal is open"] + engine.missing_for(probe, m)}
    p = open_[0]
    if p.state == "queued":
        missing = [f"queued; executes {format_time(p.executes_at or m)} unless cancelled"]
    else:
        missing = engine.missing_for(p, m)
    return {"level": scope.level, "to": rule.to, "proposal": p.id, "missing": missing}


def full_state(engine: SettledEngine, as_of: int) -> dict[str, Any]:
    """The contract's full state, plus extensions (``resumption``, ``in_force_at``, details)."""
    pact = engine.pact
    parties: dict[str, Any] = {}
    for d in pact.developers:
        level = engine.own_level(d)
        bound = d in engine.signed
        parties[d] = {
            "bound": bound,
            "level": level,
            "since": _t(engine.own_since[d]) if bound else None,
            "party_level": engine.party_scope[d].level,
            "overdue": _overdue(engine, d, as_of),
            "restrictions": _restrictions(engine, level),
            "resumption": _resumption(engine, d, as_of) if engine.party_scope[d].level != pact.resting else None,
        }
    return {
        "pact": pact.pact,
        "pact_digest": pact.digest,
        "tree_size": engine.size,
        "in_force": engine.in_force_at is not None,
        "in_force_at": _t(engine.in_force_at),
        "as_of": format_time(as_of),
        "level": engine.coord.level,
        "since": _t(engine.coord.since),
        "reasons": [dict(r) for r in engine.reasons],
        "parties": parties,
        "restrictions": _restrictions(engine, engine.coord.level),
        "resumption": _resumption(engine, None, as_of),
        "proposals": [p.as_json(_t) for p in engine.proposals.values()],
        "violations": [dict(v) for v in engine.violations],
        "void": [dict(v) for v in engine.void],
        "rejected": [dict(r) for r in engine.rejected],
        # v2 (section 8): always present; never a value that was not revealed
        "sealed": engine.sealed_states(),
        "disputes": [dict(d) for d in engine.disputes],
        # v2 (section 9): always present; pact_digest above is the version in force
        "pact_version": pact.version,
        "versions": [v.as_json() for v in engine.versions],
        "revoked": [dict(r) for r in engine.revoked],
        "signatories": {"developers": list(engine.signed), "monitors": list(engine.monitor_signed)},
    }


def light_state(engine: SettledEngine, as_of: int) -> dict[str, Any]:
    """The part of the state a status core is made of: cheap whatever the log's history."""
    return {
        "pact": engine.pact.pact,
        "pact_digest": engine.pact.digest,
        "tree_size": engine.size,
        "in_force": engine.in_force_at is not None,
        "level": engine.coord.level,
        "since": _t(engine.coord.since),
        "parties": {d: {"level": engine.own_level(d), "restrictions": _restrictions(engine, engine.own_level(d))}
                    for d in engine.pact.developers},
    }


def status_core(state: dict[str, Any], root_hash: bytes, issued_at: int, ttl: int) -> dict[str, Any]:
    """The closed status core a monitor signs (contract section 5), from a full state at ``issued_at``."""
    return StatusCore.model_validate({
        "pact": state["pact"],
        "pact_digest": state["pact_digest"],
        "tree_size": state["tree_size"],
        "root_hash": root_hash.hex(),
        "as_of": format_time(issued_at),
        "issued_at": format_time(issued_at),
        "expires_at": format_time(issued_at + ttl),
        "in_force": state["in_force"],
        "level": state["level"],
        "since": state["since"],
        "parties": {d: {"level": p["level"], "max_training_flop": p["restrictions"]["max_training_flop"],
                        "new_deployments": p["restrictions"]["new_deployments"]}
                    for d, p in state["parties"].items()},
    }).to_json()
