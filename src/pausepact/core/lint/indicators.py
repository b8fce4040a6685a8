"""P4 indicators: somebody may report each indicator, and countersign it where required."""

from __future__ import annotations

from .draft import Draft, as_dict
from .findings import Findings


def p4_indicators(draft: Draft, out: Findings) -> None:
    """``reported_by`` names a role the pact has; ``countersigned_by: monitor`` needs a monitor
    other than the author (two monitors for a monitor-reported indicator).

    v2 (sealed indicators; the closed schema refuses ``disclosure`` and ``verdict_quorum`` until
    they exist, and their checks belong here): ``countersigned_by`` is an error on a sealed
    indicator; ``verdict_quorum`` is required on a sealed one and an error on a public one; a
    sealed indicator requires a ``seal_key`` on every monitor; a sealed ``reported_by: developer``
    indicator must be covered by an ``overdue`` red line of ``scope: party`` raising at least as
    high as every other red line on it.
    """
    if not draft.has_parties():
        return
    monitors = draft.population("monitor")
    for name, raw in draft.indicators().items():
        ind = as_dict(raw)
        by = ind.get("reported_by")
        if by in ("developer", "monitor") and draft.population(by) == 0:
            out.error("P4", ("indicators", name, "reported_by"), f"indicator {name!r} is reported by a {by} but the pact lists no {by}s")
        needed = 2 if by == "monitor" else 1
        if ind.get("countersigned_by") == "monitor" and monitors < needed:
            out.error("P4", ("indicators", name, "countersigned_by"),
                      f"indicator {name!r} needs a countersignature by a monitor other than its author, "
                      f"but the pact lists {monitors} monitor(s)")
