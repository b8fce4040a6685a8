"""Expectations of a rehearsal script, checked against what a user would see at that virtual time:
the server's state (``GET /v1/state``), the status as ``pausepact status`` judges it on the
rehearsal's clock, and the guards' runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .script import Expect


@dataclass(frozen=True)
class Check:
    what: str
    ok: bool
    got: str

    def as_json(self) -> dict[str, Any]:
        return {"what": self.what, "ok": self.ok, "got": self.got}


def _matches(item: dict[str, Any], want: dict[str, str]) -> bool:
    return all(k in item and str(item[k]) == v for k, v in want.items())


def _spelled(want: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in want.items())


def check(expect: Expect, state: dict[str, Any], status: dict[str, Any] | None, guards: dict[str, str],
          ids: dict[str, int] | None = None) -> list[Check]:
    """One ``Check`` per member of ``expect``; ``status`` is ``pausepact status --json``'s answer (None: no status);
    ``ids``: step id -> the log index of the statement it made."""
    out: list[Check] = []

    def add(what: str, ok: bool, got: object) -> None:
        out.append(Check(what, ok, str(got)))

    if expect.in_force is not None:
        add(f"in force: {str(expect.in_force).lower()}", state["in_force"] == expect.in_force, str(state["in_force"]).lower())
    if expect.level is not None:
        add(f"level {expect.level}", state["level"] == expect.level, state["level"])
    for party, level in (expect.parties or {}).items():
        got = state["parties"].get(party, {}).get("level")
        add(f"{party} at level {level}", got == level, got)
    for want in expect.reasons or []:
        add(f"a reason with {_spelled(want)}", any(_matches(r, want) for r in state["reasons"]),
            "; ".join(f"{r['level']} by {r['red_line'] or r['proposal']} ({r['party']})" for r in state["reasons"]) or "no reasons")
    proposals = {p["id"]: p["state"] for p in state["proposals"]}
    for pid, pstate in (expect.proposals or {}).items():
        add(f"proposal {pid} {pstate}", proposals.get(pid) == pstate, proposals.get(pid, "no such proposal"))
    shown_violations = "; ".join(f"{v['kind']} by {v['party']}" for v in state["violations"]) or "no violations"
    for want in expect.violations or []:
        add(f"a violation with {_spelled(want)}", any(_matches(v, want) for v in state["violations"]), shown_violations)
    for want in expect.no_violations or []:
        add(f"no violation with {_spelled(want)}", not any(_matches(v, want) for v in state["violations"]), shown_violations)
    if expect.rejected is not None:
        add(f"{expect.rejected} rejected entries", len(state["rejected"]) == expect.rejected, len(state["rejected"]))
    if expect.status is not None:
        got = "none" if status is None else str(status.get("state"))
        # a stale status is valid, only behind the log: "valid" asks whether guards may run under it
        add(f"status {expect.status}", got == expect.status or (expect.status, got) == ("valid", "stale"), got)
    if expect.status_level is not None:
        got = None if status is None else status.get("level")
        add(f"status level {expect.status_level}", got == expect.status_level, got)
    for name, gstate in (expect.guards or {}).items():
        add(f"guard {name} {gstate}", guards.get(name) == gstate, guards.get(name, "not started"))
    if expect.pact_version is not None:
        add(f"version {expect.pact_version} in force", state.get("pact_version") == expect.pact_version, state.get("pact_version"))
    revoked = state.get("revoked", [])
    for want in expect.revoked or []:
        add(f"a revoked key with {_spelled(want)}", any(_matches(r, want) for r in revoked),
            "; ".join(f"{r['party']} {r['key'][:20]}…" for r in revoked) or "no key revoked")
    sealed = {item["index"]: item["state"] for item in state.get("sealed", [])}
    for sid, sstate in (expect.sealed or {}).items():
        index = (ids or {}).get(sid)
        got = "not accepted" if index is None else sealed.get(index, "not a counted sealed report")
        add(f"sealed report {sid} {sstate}", got == sstate, got)
    if expect.disputes is not None:
        disputes = state.get("disputes", [])
        add(f"{expect.disputes} disputes", len(disputes) == expect.disputes,
            "; ".join(f"{d['kind']} on #{d['index']}" for d in disputes) or 0)
    return out
