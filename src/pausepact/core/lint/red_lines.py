"""P5 red lines: one condition, the members that go with it, an indicator that exists, a level.

What each condition makes and needs comes from the red-line kinds (``core.redlines.KINDS``):
a new kind brings its own members, and this rule checks them without a change here.
"""

from __future__ import annotations

from typing import Any

from ..redlines import CONDITIONS, KIND_OF, KINDS
from .draft import Draft, label, suggest
from .findings import Findings

# every member a kind requires or allows beside its condition (``window``, ``for``), with the
# conditions it goes with
_COMPANIONS: dict[str, tuple[str, ...]] = {}
for _kind in KINDS.values():
    for _member in _kind.requires + _kind.allows:
        _COMPANIONS[_member] = _COMPANIONS.get(_member, ()) + _kind.conditions


def p5_red_lines(draft: Draft, out: Findings) -> None:
    """Exactly one condition; ``window`` exactly with ``doubling_within``; ``for`` only with
    ``at_least``/``at_most``; an ``indicator`` that exists, required except for ``overdue``;
    ``raise`` names a level (P5 rather than P6 for a red line's ``raise``: the narrower rule)."""
    indicators = draft.indicators()
    for i, rl in draft.red_lines():
        base = ("red_lines", i)
        name = label(rl, i)
        conditions = [c for c in CONDITIONS if c in rl]
        _condition(out, base, name, rl, conditions)
        indicator = rl.get("indicator")
        if isinstance(indicator, str) and isinstance(draft.doc.get("indicators"), dict) and indicator not in indicators:
            out.error("P5", base + ("indicator",), f"{name}: unknown indicator {indicator!r}{suggest(indicator, indicators)}")
        elif "indicator" not in rl and conditions and not any(KINDS[KIND_OF[c]].indicator_optional for c in conditions):
            out.error("P5", base, f"{name}: an {conditions[0]} red line needs an indicator")
        unknown = draft.unknown_level(rl.get("raise"))
        if unknown:
            out.error("P5", base + ("raise",), unknown)


def _condition(out: Findings, base: tuple[str | int, ...], name: str, rl: dict[str, Any], conditions: list[str]) -> None:
    if len(conditions) > 1:
        out.error("P5", base + (conditions[1],), f"{name} states {' and '.join(conditions)}: a red line has exactly one condition", key=True)
    elif not conditions:
        options = [c + (f" (with {', '.join(KINDS[KIND_OF[c]].requires)})" if KINDS[KIND_OF[c]].requires else "") for c in CONDITIONS]
        out.error("P5", base, f"{name} has no condition: add {', '.join(options[:-1])} or {options[-1]}")
    for c in conditions:
        for member in KINDS[KIND_OF[c]].requires:
            if member not in rl:
                out.error("P5", base + (c,), f"{name}: {c} needs a {member}", key=True)
    for member, goes_with in _COMPANIONS.items():
        if member in rl and not set(goes_with) & set(conditions):
            out.error("P5", base + (member,), f"{name}: {member!r} only applies to {' / '.join(goes_with)}", key=True)
