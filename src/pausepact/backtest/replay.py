"""Replaying a backtest's history with the engine, and what the result says.

``first_fired`` is, per red line and developer, the first moment that red line raised a level for that
developer in the replay (the engine's timeline, ``raise`` events); null when it never did, including when
another red line had already raised the same or a higher level. ``fits`` is the engine's own doubling fit
(``core.redlines.window`` and ``fitted_doubling_days``) of every ``doubling_within`` red line per developer,
on every value reported in its window ending at ``to`` (whatever the red line's cutoffs: the data's trend).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.durations import format_time
from ..core.engine import Engine
from ..core.pact import Pact
from ..core.redlines import Report, fitted_doubling_days, window
from .history import History


@dataclass
class Outcome:
    """A replay's result, as the JSON output and the report show it."""

    transitions: list[dict[str, Any]]
    first_fired: dict[str, dict[str, str | None]]
    fits: list[dict[str, Any]]
    state: dict[str, Any]


def replay(pact: Pact, history: History, to: int) -> Outcome:
    """Apply the history's entries up to ``to`` and settle the engine at ``to``."""
    engine = Engine(pact)
    for i, c in enumerate(history.entries):
        if isinstance(c, Exception):  # a Rejection: the engine lists it as rejected
            engine.apply(i, c)
            continue
        if c.statement.t > to:
            break
        engine.apply(i, c)
    if engine.clock is not None and engine.clock > to:
        to = engine.clock
    view = engine.view(to)
    timeline = view.timeline
    first: dict[str, dict[str, str | None]] = {rl.id: {d: None for d in pact.developers} for rl in pact.red_lines}
    for e in timeline:
        if e["event"] == "raise" and e.get("red_line") in first and e.get("party") in pact.developers:
            first[e["red_line"]][e["party"]] = first[e["red_line"]][e["party"]] or e["at"]
    return Outcome(timeline, first, fits(pact, history, to), view.state_at(to))


def series_of(history: History, party: str, indicator: str, to: int) -> list[Report]:
    """The values reported about ``party``'s ``indicator`` up to ``to``, as the engine's reports."""
    return [Report(f.t, n, f.value, f.org) for n, f in enumerate(history.fed)
            if f.party == party and f.indicator == indicator and f.t <= to]


def fits(pact: Pact, history: History, to: int) -> list[dict[str, Any]]:
    """The fitted doubling time of every ``doubling_within`` red line per developer at ``to``."""
    out = []
    for rl in pact.red_lines:
        if rl.doubling_within is None or rl.indicator is None:
            continue
        for d in pact.developers:
            pts = window(rl, sorted(series_of(history, d, rl.indicator, to)), to)
            days = fitted_doubling_days(pts)
            out.append({"red_line": rl.id, "party": d, "at": format_time(to),
                        "doubling_days": None if days is None else round(days, 3), "points": len(pts)})
    return out


def levels(pact: Pact, transitions: list[dict[str, Any]], party: str) -> list[tuple[int, str]]:
    """``party``'s own level over time, (moment, level) at each change: the higher of coordinated and party level."""
    from ..core.durations import parse_time

    rank = {lv: i for i, lv in enumerate(pact.levels)}
    coord = own = pact.resting
    steps: list[tuple[int, str]] = []
    for e in transitions:
        if e["event"] not in ("raise", "drop"):
            continue
        if e["scope"] == "all":
            coord = e["to"]
        elif e["scope"] == party:
            own = e["to"]
        else:
            continue
        level = coord if rank[coord] >= rank[own] else own
        if not steps or steps[-1][1] != level:
            steps.append((parse_time(e["at"]), level))
    return steps
