"""P8 resumption: every level that can be raised has a way back down to the resting level."""

from __future__ import annotations

from .draft import Draft, as_dict
from .findings import Findings


def p8_resumption(draft: Draft, out: Findings) -> None:
    """A rule's level is not the resting level and its ``to`` is below it; every level that a
    red line or ``emergency`` can raise has a path of resumption rules back to the resting
    level; a rule with ``attestations`` needs developers."""
    down: dict[str, str] = {}
    rules = draft.resumption()
    for lv, raw in rules.items():
        rule = as_dict(raw)
        path = ("resumption", lv)
        if rule.get("attestations") and draft.has_parties() and draft.population("developer") == 0:
            out.error("P8", path + ("attestations",), f"resumption.{lv} requires attestations but the pact lists no developers")
        src, dst = draft.rank(lv), draft.rank(rule.get("to"))
        if src == 0:
            out.error("P8", path, f"resumption.{lv}: {lv!r} is the resting level; there is nothing to resume from", key=True)
        elif src is not None and dst is not None and dst >= src:
            out.error("P8", path + ("to",), f"resumption.{lv}.to is {rule['to']!r}, which is not below {lv!r}: a resumption must lower the level")
        elif src is not None and dst is not None:
            down[lv] = rule["to"]
    if not draft.levels:
        return
    resting = draft.levels[0]
    for lv in sorted(draft.raisable(), key=draft.levels.index):
        seen, cur = {lv}, lv
        while cur in down and down[cur] not in seen:
            cur = down[cur]
            seen.add(cur)
        if cur != resting:
            where = ("resumption", lv) if lv in rules else ("resumption",) if rules else ("levels",)
            out.error("P8", where, f"level {lv!r} can be raised but has no resumption path back to {resting!r} "
                                   f"(stops at {cur!r}): add resumption.{cur}", key=lv in rules)
