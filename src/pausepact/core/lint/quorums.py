"""P7 quorums and P9 oversight: every approval and every signature count can be reached."""

from __future__ import annotations

from typing import Any

from ..quorum import QuorumBoundError, QuorumError, parse_quorum
from ..yamldoc import Path
from .draft import Draft, as_dict, is_int
from .findings import Findings


def p7_quorums(draft: Draft, out: Findings) -> None:
    """Quorums can be met by the parties listed, each part at least 1; ``emergency.approval``
    and resumption approvals count monitors only (only monitors vote on them);
    ``amendment.approval`` may count both.

    v2: ``verdict_quorum`` (monitors only) and ``amendment.remove_approval`` (both) join here
    once those fields exist.
    """
    if not draft.has_parties():
        return
    _quorum(draft, out, ("emergency", "approval"), as_dict(draft.doc.get("emergency")).get("approval"), monitors_only=True)
    for lv, rule in draft.resumption().items():
        _quorum(draft, out, ("resumption", lv, "approval"), as_dict(rule).get("approval"), monitors_only=True)
    _quorum(draft, out, ("amendment", "approval"), as_dict(draft.doc.get("amendment")).get("approval"), monitors_only=False)


def _quorum(draft: Draft, out: Findings, path: Path, text: Any, monitors_only: bool) -> None:
    if not isinstance(text, str):
        return
    try:
        q = parse_quorum(text)
    except QuorumBoundError as e:
        out.error("P7", path, str(e))
        return
    except QuorumError:
        return  # the grammar is the schema's to report
    for c in q.clauses:
        population = draft.population(c.role)
        need = c.required(population)
        if monitors_only and c.role == "developer":
            out.error("P7", path, f"quorum {text!r} counts developers, but only monitors vote: it can never be met")
        elif population == 0:
            out.error("P7", path, f"quorum {text!r} counts {c.role}s but the pact lists none: it can never be met")
        elif need > population:
            out.error("P7", path, f"quorum {text!r} needs {need} {c.role}s but the pact lists only {population}: it can never be met")


def p9_oversight(draft: Draft, out: Findings) -> None:
    """``oversight.witness_quorum`` and ``status_quorum`` are each more than half of the
    monitors and at most their number."""
    if not draft.has_parties():
        return
    monitors = draft.population("monitor")
    oversight = as_dict(draft.doc.get("oversight"))
    for field in ("witness_quorum", "status_quorum"):
        n = oversight.get(field)
        if not is_int(n):
            continue
        if n > monitors:
            out.error("P9", ("oversight", field), f"{field} is {n} but the pact lists only {monitors} monitor(s)")
        elif 2 * n <= monitors:
            out.error("P9", ("oversight", field), f"{field} must be more than half of the {monitors} monitors "
                                                 f"(at least {monitors // 2 + 1}); {n} lets a minority vouch alone")
