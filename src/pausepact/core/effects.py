"""What a statement did, or would do: the engine's own replay, read entry by entry.

``outcome`` says what entry N did once the engine applied it (counted, void with the
engine's reason, rejected with the contract's code, or held for a countersignature).
``preview`` replays a log with one more statement appended as if accepted at a given
moment and compares it with the log as it is: the state at that moment and the
events due within a horizon after it. Both are pure: the caller brings the checked
entries (``log.checking``) and the moment; nothing here trusts a server's word.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .canonical import canonical
from .durations import format_time
from .engine import Engine
from .keys import b64decode_strict
from .pact import Pact
from .rejection import Rejection
from .statements import STATEMENT_TYPE, SignedStatement, b64, decode_envelope

Checked = SignedStatement | Rejection

HORIZON = 90 * 86400
"""How far after the moment ``preview`` looks for changes that time alone brings (a ``for`` run, a timelock)."""


def replayed(pact: Pact, checked: Sequence[Checked]) -> Engine:
    """An engine fed ``checked`` in log order."""
    engine = Engine(pact)
    for i, c in enumerate(checked):
        engine.apply(i, c)
    return engine


def outcome(engine: Engine, index: int) -> dict[str, Any]:
    """What entry ``index`` did in ``engine``, which must have applied entries up to it (later ones change nothing here).

    ``{"effect": "counted" | "void" | "rejected" | "pending", "reason": text or None, "code": contract code or None}``;
    ``pending``: a report of a ``countersigned_by`` indicator that no monitor has countersigned yet.
    """
    # the newest records come last; an entry is at most one of them
    for r in reversed(list(engine.rejected_h)):
        if r["index"] == index:
            return {"effect": "rejected", "code": r["reason"], "reason": r["detail"]}
        if r["index"] < index:
            break
    for v in reversed(list(engine.void_h)):
        if v["index"] == index:
            return {"effect": "void", "code": None, "reason": v["reason"]}
        if v["index"] < index:
            break
    for p in engine.countersignable.values():
        if p.index == index and not p.counted:
            return {"effect": "pending", "code": None, "reason": "counts once a monitor other than its author countersigns it"}
    return {"effect": "counted", "code": None, "reason": None}


def unsigned(statement: Mapping[str, Any], keyid: str, pact: Pact) -> Checked:
    """``statement`` checked against the pact as ``decode_envelope`` checks it, but never signed.

    The envelope carries an all-zero signature that no one verifies: it exists only for a local replay.
    """
    envelope = {"payloadType": STATEMENT_TYPE, "payload": b64(canonical(dict(statement))),
                "signatures": [{"keyid": keyid, "sig": b64(bytes(64))}]}
    try:
        return decode_envelope(envelope, pact)
    except Rejection as r:
        return r


def payload_of(envelope: Mapping[str, Any]) -> bytes | None:
    """The payload bytes of an envelope, or None when it has none readable."""
    try:
        return b64decode_strict(str(envelope["payload"]))
    except (KeyError, ValueError):
        return None


@dataclass(frozen=True)
class Preview:
    """What appending a statement would do; see ``preview``."""

    outcome: dict[str, Any]
    changes: list[str]
    happens: list[dict[str, Any]]
    no_longer: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "changes": self.changes, "would_happen": self.happens, "would_no_longer_happen": self.no_longer}


def _scopes(state: Mapping[str, Any]) -> dict[str, str]:
    levels = {"coordinated level": str(state["level"])}
    levels.update({f"level of {d}": str(p["level"]) for d, p in state["parties"].items()})
    return levels


def _proposals(state: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in state["proposals"]}


def state_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The differences people act on between two states of one pact, in words (party text unescaped)."""
    out: list[str] = []
    if before["in_force"] != after["in_force"]:
        out.append("the pact comes into force")
    b_lv, a_lv = _scopes(before), _scopes(after)
    out += [f"{k}: {b_lv.get(k, '-')} -> {v}" for k, v in a_lv.items() if b_lv.get(k) != v]
    b_p, a_p = _proposals(before), _proposals(after)
    for pid, p in a_p.items():
        old = b_p.get(pid)
        if old is None:
            out.append(f"proposal {pid}: new, {p['state']} ({p['action']} {p['level']})")
            continue
        if old["state"] != p["state"]:
            when = f", executes at {p['executes_at']}" if p["state"] == "queued" and p["executes_at"] else ""
            why = f" ({p['closed_by']})" if p.get("closed_by") and p["state"] not in ("queued", "executed") else ""
            out.append(f"proposal {pid}: {old['state']} -> {p['state']}{when}{why}")
        for side in ("yes", "no"):
            if old[side] != p[side]:
                out.append(f"proposal {pid}: {side} votes {len(old[side])} -> {len(p[side])} ({', '.join(p[side])})")
    for label, key in (("violation", "violations"), ("raise", "reasons")):
        for item in after[key][len(before[key]):]:
            out.append(f"new {label}: " + ", ".join(f"{k} {v}" for k, v in item.items() if v is not None))
    return out


def _key(event: Mapping[str, Any]) -> str:
    return json.dumps(event, sort_keys=True, default=str)


def preview(pact: Pact, checked: Sequence[Checked], statement: Checked, at: int, horizon: int = HORIZON) -> Preview:
    """The log ``checked`` with ``statement`` appended, as if the log accepted it at ``at``, against the log as it is.

    ``changes``: the state at ``at`` (with its own instant's consequences) compared; ``happens`` and
    ``no_longer``: timeline events due up to ``at + horizon`` that appending makes happen or prevents.
    """
    base = replayed(pact, checked)
    known = len(base.timeline_h)  # both replays share these events; what follows may differ
    start = max(at, base.clock if base.clock is not None else at)
    with_it = replayed(pact, checked)
    with_it.apply(len(checked), statement)
    start = max(start, with_it.clock if with_it.clock is not None else start)
    before, after = base.state_at(start), with_it.state_at(start)
    later_b = list(base.view(start + horizon).timeline)[known:]
    later_a = list(with_it.view(start + horizon).timeline)[known:]
    # an event the statement only renumbers (a raise naming the latest report) is the same event
    strip = [{k: v for k, v in e.items() if k != "index"} for e in later_b]
    stripped_a = [{k: v for k, v in e.items() if k != "index"} for e in later_a]
    cb, ca = Counter(_key(e) for e in strip), Counter(_key(e) for e in stripped_a)
    happens, no_longer = [], []
    for e, s in zip(later_a, stripped_a, strict=True):
        if cb[_key(s)] > 0:
            cb[_key(s)] -= 1
        else:
            happens.append(e)
    for e, s in zip(later_b, strip, strict=True):
        if ca[_key(s)] > 0:
            ca[_key(s)] -= 1
        else:
            no_longer.append(e)
    return Preview(outcome(with_it, len(checked)), state_changes(before, after), happens, no_longer)


__all__ = ["HORIZON", "Preview", "format_time", "outcome", "payload_of", "preview", "replayed", "state_changes", "unsigned"]
