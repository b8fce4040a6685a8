"""P6 levels and durations: every level named exists; durations are in bounds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..pact import MAX_DURATION
from ..yamldoc import Path
from .draft import Draft, as_dict, as_list, seconds
from .findings import Findings, dotted

# durations that must be longer than zero where given; ``grace``, ``min_duration`` and
# ``timelock`` (of a resumption or of the amendment; advice warns at a zero amendment one) may be zero
_POSITIVE = frozenset({"every", "for", "window", "doubling_within", "overdue", "status_ttl", "verdict_within"})


def p6_levels(draft: Draft, out: Findings) -> None:
    """Every level named anywhere exists (a red line's ``raise`` is P5's); ``restrictions``
    only for levels; durations longer than zero where given (``every``, ``for``, ``window``,
    ``doubling_within``, ``overdue``, ``status_ttl``, ``verdict_within``); every duration at most
    3650 days; ``grace``, ``min_duration`` and ``timelock`` may be zero."""
    named: list[tuple[Path, Any, bool]] = [(("restrictions", lv), lv, True) for lv in as_dict(draft.doc.get("restrictions"))]
    named.append((("emergency", "raise"), as_dict(draft.doc.get("emergency")).get("raise"), False))
    for lv, rule in draft.resumption().items():
        named += [(("resumption", lv), lv, True), (("resumption", lv, "to"), as_dict(rule).get("to"), False)]
    for path, value, key in named:
        unknown = draft.unknown_level(value)
        if unknown:
            out.error("P6", path, unknown, key=key)
    for path, name, value in _durations(draft.doc):
        n = seconds(value)
        if n is None:
            continue  # malformed: the schema says so
        if n > MAX_DURATION:
            out.error("P6", path, f"{dotted(path)}: duration {value!r} is longer than 3650 days, the longest a pact may state")
        elif n == 0 and name in _POSITIVE:
            out.error("P6", path, f"{dotted(path)}: duration {value!r} must be longer than zero")


def _durations(doc: dict[str, Any]) -> Iterator[tuple[Path, str, Any]]:
    """Every duration field of the pact: (path, field name, raw value)."""
    sections: list[tuple[Path, Any, tuple[str, ...]]] = [(("oversight",), doc.get("oversight"), ("status_ttl", "verdict_within")),
                                                         (("amendment",), doc.get("amendment"), ("timelock",))]
    for name, ind in as_dict(doc.get("indicators")).items():
        sections.append((("indicators", name), ind, ("every",)))
    for i, rl in enumerate(as_list(doc.get("red_lines"))):
        sections.append((("red_lines", i), rl, ("for", "window", "doubling_within", "overdue")))
    for lv, r in as_dict(doc.get("restrictions")).items():
        sections.append((("restrictions", lv), r, ("grace",)))
    for lv, r in as_dict(doc.get("resumption")).items():
        sections.append((("resumption", lv), r, ("min_duration", "timelock")))
    for base, section, fields in sections:
        for f in fields:
            if f in as_dict(section):
                yield base + (f,), f, section[f]
