"""P7 quorums and P9 oversight: every approval and every signature count can be reached."""

from __future__ import annotations

from typing import Any

from ..quorum import Clause, Quorum, QuorumBoundError, QuorumError, parse_quorum
from ..yamldoc import Path
from .draft import Draft, as_dict, is_int
from .findings import Findings


def p7_quorums(draft: Draft, out: Findings) -> None:
    """Quorums can be met by the parties listed, each part at least 1; ``emergency.approval``,
    resumption approvals and ``verdict_quorum`` count monitors only (only monitors vote on them);
    ``amendment.approval`` and ``remove_approval`` may count both. A ``verdict_quorum`` is
    ``N of monitors``, ``N/M of monitors`` or ``all monitors`` (no ``and``), more than half of
    the monitors, and is counted over a report's judges: the monitors other than its author."""
    if not draft.has_parties():
        return
    _quorum(draft, out, ("emergency", "approval"), as_dict(draft.doc.get("emergency")).get("approval"), monitors_only=True)
    for lv, rule in draft.resumption().items():
        _quorum(draft, out, ("resumption", lv, "approval"), as_dict(rule).get("approval"), monitors_only=True)
    amendment = as_dict(draft.doc.get("amendment"))
    for field in ("approval", "remove_approval"):
        _quorum(draft, out, ("amendment", field), amendment.get(field), monitors_only=False)
    for name, raw in draft.indicators().items():
        ind = as_dict(raw)
        if ind.get("disclosure") == "sealed":  # on a public indicator verdict_quorum is P4's error alone
            _verdict_quorum(draft, out, name, ind)


def _verdict_quorum(draft: Draft, out: Findings, name: str, ind: dict[str, Any]) -> None:
    text = ind.get("verdict_quorum")
    path = ("indicators", name, "verdict_quorum")
    q = _parsed(out, path, text)
    if q is None:
        return
    monitors = draft.population("monitor")
    # the author of a monitor-reported report is no judge of it (section 8, Judges)
    judges = monitors - 1 if ind.get("reported_by") == "monitor" else monitors
    clause = q.clauses[0]
    need = clause.required(monitors)
    if len(q.clauses) > 1 or clause.role != "monitor":
        problem = (f"verdict_quorum {text!r} must count monitors only, in one part: "
                   "'N of monitors', 'N/M of monitors' or 'all monitors' (only monitors judge sealed reports)")
    elif monitors == 0:
        problem = f"verdict_quorum {text!r} counts monitors but the pact lists none: it can never be met"
    elif need > monitors:
        problem = f"verdict_quorum {text!r} needs {need} monitors but the pact lists only {monitors}: it can never be met"
    elif 2 * need <= monitors:
        problem = (f"verdict_quorum {text!r} needs {need} of the {monitors} monitors; it must be more than half of them "
                   f"(at least {monitors // 2 + 1}) so that a minority cannot assess a report alone")
    elif not verdict_quorum_fits_judges(clause, judges):
        problem = (f"verdict_quorum {text!r} needs {clause.required(judges)} judges, but a report by a monitor has only "
                   f"{judges} (the other monitors): it can never be met")
    else:
        return
    out.error("P7", path, problem)


def verdict_quorum_fits_judges(clause: Clause, judges: int) -> bool:
    """Whether a report with ``judges`` judges can meet the clause (``all``/fractions count over its judges)."""
    return judges >= 1 and clause.required(judges) <= judges


def _parsed(out: Findings, path: Path, text: Any) -> Quorum | None:
    """The quorum, or None: a part below 1 or above the whole is reported here (P7), the grammar
    is the schema's to report."""
    if not isinstance(text, str):
        return None
    try:
        return parse_quorum(text)
    except QuorumBoundError as e:
        out.error("P7", path, str(e))
    except QuorumError:
        pass
    return None


def _quorum(draft: Draft, out: Findings, path: Path, text: Any, monitors_only: bool) -> None:
    q = _parsed(out, path, text)
    if q is None:
        return
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
