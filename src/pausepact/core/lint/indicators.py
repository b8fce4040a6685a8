"""P4 indicators: somebody may report each indicator, and countersign or judge it where required."""

from __future__ import annotations

from typing import Any

from .draft import Draft, as_dict
from .findings import Findings


def p4_indicators(draft: Draft, out: Findings) -> None:
    """``reported_by`` names a role the pact has; ``countersigned_by: monitor`` needs a monitor
    other than the author (two monitors for a monitor-reported indicator) and is an error on a
    sealed indicator; ``verdict_quorum`` is required on a sealed indicator and an error on a
    public one; a sealed indicator requires a ``seal_key`` on every monitor; a sealed
    ``reported_by: developer`` indicator must be covered by an ``overdue`` red line (naming it, or
    without ``indicator``) of ``scope: party`` raising at least as high as every other red line on
    that indicator."""
    if not draft.has_parties():
        return
    monitors = draft.population("monitor")
    for name, raw in draft.indicators().items():
        ind = as_dict(raw)
        base = ("indicators", name)
        by = ind.get("reported_by")
        sealed = ind.get("disclosure") == "sealed"
        public = ind.get("disclosure", "public") == "public"  # neither: the schema refuses the value
        if by in ("developer", "monitor") and draft.population(by) == 0:
            out.error("P4", base + ("reported_by",), f"indicator {name!r} is reported by a {by} but the pact lists no {by}s")
        needed = 2 if by == "monitor" else 1
        if "countersigned_by" in ind and sealed:
            # verdicts replace countersignatures: a countersign names the payload, which a sealed report hides
            out.error("P4", base + ("countersigned_by",), f"indicator {name!r} is sealed: monitors judge its reports in "
                      "verdicts, so countersigned_by does not apply to it", key=True)
        elif ind.get("countersigned_by") == "monitor" and monitors < needed:
            out.error("P4", base + ("countersigned_by",),
                      f"indicator {name!r} needs a countersignature by a monitor other than its author, "
                      f"but the pact lists {monitors} monitor(s)")
        if sealed and "verdict_quorum" not in ind:
            out.error("P4", base + ("disclosure",), f"indicator {name!r} is sealed but has no verdict_quorum: "
                      "say how many monitors' agreeing verdicts assess a report, e.g. verdict_quorum: 2/3 of monitors")
        elif public and "verdict_quorum" in ind:
            out.error("P4", base + ("verdict_quorum",), f"indicator {name!r} is public: verdict_quorum applies only to "
                      "disclosure: sealed (public reports are read as they are)", key=True)
        if sealed and by == "developer":
            _covered(draft, out, name)
    _seal_keys_for_sealed(draft, out)


def _covered(draft: Draft, out: Findings, name: str) -> None:
    """Without a covering overdue red line a lab could keep its sealed reports from being judged
    (garbled members, no reveal) and never be held at the level its values would have raised."""
    on: list[tuple[int, dict[str, Any]]] = [(i, rl) for i, rl in draft.red_lines() if rl.get("indicator") == name]
    candidates = [(i, rl) for i, rl in draft.red_lines()
                  if "overdue" in rl and rl.get("scope") == "party" and rl.get("indicator", name) == name]
    for i, rl in candidates:
        rank = draft.rank(rl.get("raise"))
        others = [draft.rank(o.get("raise")) for j, o in on if j != i]
        if rank is None or all(r is None or r <= rank for r in others):
            return  # an unknown level (P5's to report) is not also this rule's
    ranks = [r for _, o in on if (r := draft.rank(o.get("raise"))) is not None]
    top = draft.levels[max(ranks)] if ranks else None
    need = f"to {top!r} (the highest level a red line on it raises to)" if top else "to a level"
    have = ", ".join(repr(rl.get("id")) for _, rl in candidates)
    out.error("P4", ("indicators", name, "disclosure"),
              f"sealed indicator {name!r} is reported by developers, so an overdue red line of scope: party "
              f"(naming it, or without indicator) must raise {need}: a lab that keeps its reports from being judged "
              f"is held there" + (f" (red lines {have} raise lower)" if len(candidates) > 1 else
                                  f" (red line {have} raises lower)" if candidates else ""))


def _seal_keys_for_sealed(draft: Draft, out: Findings) -> None:
    sealed = [n for n, ind in draft.indicators().items() if as_dict(ind).get("disclosure") == "sealed"]
    if not sealed:
        return
    shown = ", ".join(repr(n) for n in sealed[:3]) + (" ..." if len(sealed) > 3 else "")
    for i, p in draft.parties():
        if p.get("role") == "monitor" and "seal_key" not in p:
            out.error("P4", ("parties", i), f"monitor {p.get('id')!r} has no seal_key, but {shown} "
                      f"{'is' if len(sealed) == 1 else 'are'} sealed: every monitor needs one (pausepact keygen --seal FILE)")
