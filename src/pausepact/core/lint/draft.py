"""A tolerant view of a pact draft: what the rules need, read from the raw YAML document.

The rules run even when the schema has refused parts of the draft, so that every problem is
reported at once; each view skips what is malformed (the schema reports that).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from ..durations import DurationError, parse_duration


def as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []

def as_dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}

def is_int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)

def seconds(value: Any) -> int | None:
    """A duration's seconds, or None when it is malformed (the schema reports that)."""
    try:
        return parse_duration(value) if isinstance(value, str) else None
    except DurationError:
        return None

def suggest(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""

@dataclass
class Draft:
    """The raw document and the views of it that several rules share."""

    doc: dict[str, Any]
    roles: dict[str, str] = field(default_factory=dict)  # party id -> role, first listing wins
    levels: list[str] = field(default_factory=list)      # distinct level ids, in order

    def __post_init__(self) -> None:
        for p in self.parties():
            pid, role = p[1].get("id"), p[1].get("role")
            if isinstance(pid, str) and pid not in self.roles and isinstance(role, str):
                self.roles[pid] = role
        for lv in as_list(self.doc.get("levels")):
            if isinstance(lv, str) and lv not in self.levels:
                self.levels.append(lv)

    def parties(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return ((i, p) for i, p in enumerate(as_list(self.doc.get("parties"))) if isinstance(p, dict))

    def has_parties(self) -> bool:
        return bool(as_list(self.doc.get("parties")))

    def ids(self, role: str) -> list[str]:
        return [pid for pid, r in self.roles.items() if r == role]

    def population(self, role: str) -> int:
        return len(self.ids(role))

    def indicators(self) -> dict[str, Any]:
        return as_dict(self.doc.get("indicators"))

    def red_lines(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return ((i, r) for i, r in enumerate(as_list(self.doc.get("red_lines"))) if isinstance(r, dict))

    def resumption(self) -> dict[str, Any]:
        return as_dict(self.doc.get("resumption"))

    def rank(self, level: Any) -> int | None:
        """The level's place (0 = resting), or None when it is not a level."""
        return self.levels.index(level) if isinstance(level, str) and level in self.levels else None

    def unknown_level(self, value: Any) -> str | None:
        """Why ``value`` names no level, or None when it does (or is not text, or there are no levels)."""
        if not isinstance(value, str) or not self.levels or value in self.levels:
            return None
        return f"unknown level {value!r}; levels are {', '.join(self.levels)}{suggest(value, self.levels)}"

    def raised_by_red_lines(self) -> set[str]:
        return {r["raise"] for _, r in self.red_lines() if self.rank(r.get("raise")) is not None}

    def raisable(self) -> set[str]:
        """Levels a red line or the emergency rule can raise to."""
        emergency = as_dict(self.doc.get("emergency")).get("raise")
        return self.raised_by_red_lines() | ({emergency} if isinstance(emergency, str) and emergency in self.levels else set())

def label(rl: dict[str, Any], i: int) -> str:
    rid = rl.get("id")
    return f"red line {rid!r}" if isinstance(rid, str) else f"red_lines[{i}]"
