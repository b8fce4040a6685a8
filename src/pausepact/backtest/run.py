"""A whole backtest: series mapped to developers and indicators, the history, its replay, and sweeps.

A sweep varies one member of one red line (``RED_LINE.PARAM=START:STOP:STEP``; PARAM one of ``at_least``,
``at_most``, ``for``, ``window``, ``doubling_within``, ``overdue``; durations written as in a pact, ``30d``)
and replays, for each value, the pact with that red line alone, so that another red line's raise cannot hide
when it fires. Each value gets its own throw-away keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.durations import format_duration, format_time, parse_duration
from ..core.pact import Pact
from .history import Fed, History, Throwaway, build, indicator_for, party_of, resolve_map, throwaway
from .replay import Outcome, replay
from .series import BacktestError, Series

THRESHOLDS = ("at_least", "at_most")
DURATIONS = ("for", "window", "doubling_within", "overdue")
MAX_STEPS = 200


@dataclass
class Backtest:
    """Everything a backtest computed; ``as_json`` is the ``--json`` output."""

    real: Pact
    tw: Throwaway
    series: list[Series]
    fed_by: dict[str, str | None]  # source -> indicator fed (None: no indicator of its unit)
    history: History
    start: int
    to: int
    outcome: Outcome
    unmapped: dict[str, int] = field(default_factory=dict)
    sweeps: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "backtest": True,
            "notice": "BACKTEST: a replay of a throw-away copy of the pact on past data; not a real log",
            "pact": self.tw.pact.pact, "origin": self.tw.pact.origin, "real_pact": self.real.pact,
            "real_pact_digest": self.real.digest, "from": format_time(self.start), "to": format_time(self.to),
            "series": [{"source": s.source, "kind": s.kind, "unit": s.unit, "points": len(s.points),
                        "indicator": self.fed_by[s.source], "unmapped": self.unmapped.get(s.source, 0)} for s in self.series],
            "reports": len(self.history.fed),
            # a value the pact refuses (a ratio above 1...) is rejected by the engine, never silently dropped
            "rejected": self.outcome.state["rejected"],
            "transitions": self.outcome.transitions,
            "first_fired": self.outcome.first_fired,
            "fits": self.outcome.fits,
            "level": self.outcome.state["level"],
            "parties": {d: p["level"] for d, p in self.outcome.state["parties"].items()},
            **({"sweeps": self.sweeps} if self.sweeps else {}),
        }


def feed(pact: Pact, series: list[Series], mapping: list[tuple[str, str]], to: int | None,
         fed_by: dict[str, str | None], unmapped: dict[str, int]) -> list[Fed]:
    """The values the series give the pact's developers' indicators, up to ``to``."""
    out: list[Fed] = []
    for s in series:
        ind = indicator_for(pact, s)
        fed_by[s.source] = ind
        if ind is None:
            continue
        for p in s.points:
            if to is not None and p.t > to:
                continue
            party = party_of(p.org, mapping)
            if party is None:
                unmapped[s.source] = unmapped.get(s.source, 0) + 1
                continue
            out.append(Fed(p.t, party, ind, p.value, p.org, p.label, s.source))
    return out


def run(real: Pact, doc: dict[str, Any], series: list[Series], maps: list[str], start: int | None, to: int | None) -> Backtest:
    """Build and replay the history ``series`` imply for ``real`` (``doc`` its file's data)."""
    if not maps:
        raise BacktestError("no --map: say which developer each organisation is (--map ORG=PARTY, or --map '*=PARTY')")
    mapping = resolve_map(real, maps)
    if start is not None and to is not None and to < start:
        raise BacktestError("--to is before --from")
    fed_by: dict[str, str | None] = {}
    unmapped: dict[str, int] = {}
    fed = feed(real, series, mapping, to, fed_by, unmapped)
    if not fed:
        raise BacktestError("no value of any series reaches an indicator of the pact "
                            "(check the units, INDICATOR=FILE prefixes and --map)")
    start = min(f.t for f in fed) if start is None else start
    to = max([start] + [f.t for f in fed]) if to is None else to
    tw = throwaway(doc, real.digest)
    history = build(tw, fed, start)
    bt = Backtest(real, tw, series, fed_by, history, start, to, replay(tw.pact, history, to), unmapped)
    return bt


def parse_sweep(pact: Pact, spec: str) -> tuple[str, str, list[float]]:
    """``RED_LINE.PARAM=START:STOP:STEP`` as (red line, param, values); durations in seconds."""
    target, sep, rng = spec.partition("=")
    rl_id, dot, param = target.rpartition(".")
    parts = rng.split(":")
    if not sep or not dot or len(parts) != 3:
        raise BacktestError(f"--sweep {spec!r}: expected RED_LINE.PARAM=START:STOP:STEP")
    rl = next((r for r in pact.red_lines if r.id == rl_id), None)
    if rl is None:
        raise BacktestError(f"--sweep {spec!r}: the pact has no red line {rl_id!r}")
    if param not in THRESHOLDS + DURATIONS:
        raise BacktestError(f"--sweep {spec!r}: PARAM is one of {', '.join(THRESHOLDS + DURATIONS)}")
    attr = "for_" if param == "for" else param
    if getattr(rl, attr) is None and param not in ("for",):
        raise BacktestError(f"--sweep {spec!r}: red line {rl_id!r} states no {param}")
    try:
        a, b, step = ((float(x) for x in parts) if param in THRESHOLDS else (float(parse_duration(x.strip())) for x in parts))
    except Exception:
        raise BacktestError(f"--sweep {spec!r}: START, STOP and STEP must be "
                            + ("numbers" if param in THRESHOLDS else "durations such as 30d")) from None
    if step <= 0 or b < a or (b - a) / step > MAX_STEPS:
        raise BacktestError(f"--sweep {spec!r}: needs START <= STOP, STEP > 0 and at most {MAX_STEPS} steps")
    values, n = [], 0
    while a + n * step <= b + step * 1e-9:
        values.append(round(a + n * step, 10))
        n += 1
    return rl_id, param, values


def sweep(bt: Backtest, doc: dict[str, Any], spec: str) -> dict[str, Any]:
    """The first firing date of one red line, alone, per developer, for each value of one of its members."""
    rl_id, param, values = parse_sweep(bt.real, spec)
    rows = []
    for v in values:
        d = dict(doc)
        rl = next(dict(r) for r in doc["red_lines"] if r["id"] == rl_id)
        rl[param] = v if param in THRESHOLDS else format_duration(int(v))
        d["red_lines"] = [rl]
        tw = throwaway(d, bt.real.digest)
        history = build(tw, bt.history.fed, bt.start)
        first = replay(tw.pact, history, bt.to).first_fired[rl_id]
        rows.append({"value": v if param in THRESHOLDS else format_duration(int(v)), "first_fired": first})
    return {"red_line": rl_id, "param": param, "rows": rows}
