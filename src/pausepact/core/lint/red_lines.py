"""P5 red lines: one condition, the members that go with it, an indicator that exists, a level.

The condition names are the red-line kinds' (threshold: ``at_least``/``at_most``, doubling:
``doubling_within`` with ``window``, overdue: ``overdue``). They are listed here, self-contained;
when the core has one registry of red-line kinds, this rule should read them from it.
"""

from __future__ import annotations

from .draft import Draft, label, suggest
from .findings import Findings

CONDITIONS = ("at_least", "at_most", "doubling_within", "overdue")


def p5_red_lines(draft: Draft, out: Findings) -> None:
    """Exactly one condition; ``window`` exactly with ``doubling_within``; ``for`` only with
    ``at_least``/``at_most``; an ``indicator`` that exists, required except for ``overdue``;
    ``raise`` names a level (P5 rather than P6 for a red line's ``raise``: the narrower rule)."""
    indicators = draft.indicators()
    for i, rl in draft.red_lines():
        base = ("red_lines", i)
        name = label(rl, i)
        conditions = [c for c in CONDITIONS if c in rl]
        if len(conditions) > 1:
            out.error("P5", base + (conditions[1],), f"{name} states {' and '.join(conditions)}: a red line has exactly one condition", key=True)
        elif not conditions:
            out.error("P5", base, f"{name} has no condition: add at_least, at_most, doubling_within (with window) or overdue")
        if "doubling_within" in rl and "window" not in rl:
            out.error("P5", base + ("doubling_within",), f"{name}: doubling_within needs a window (the span of reports the doubling time is fitted over)", key=True)
        if "window" in rl and "doubling_within" not in rl:
            out.error("P5", base + ("window",), f"{name}: window only applies to doubling_within", key=True)
        if "for" in rl and not ({"at_least", "at_most"} & set(rl)):
            out.error("P5", base + ("for",), f"{name}: 'for' only applies to at_least / at_most", key=True)
        indicator = rl.get("indicator")
        if isinstance(indicator, str) and isinstance(draft.doc.get("indicators"), dict) and indicator not in indicators:
            out.error("P5", base + ("indicator",), f"{name}: unknown indicator {indicator!r}{suggest(indicator, indicators)}")
        elif "indicator" not in rl and "overdue" not in rl and conditions:
            out.error("P5", base, f"{name}: an {conditions[0]} red line needs an indicator")
        unknown = draft.unknown_level(rl.get("raise"))
        if unknown:
            out.error("P5", base + ("raise",), unknown)
