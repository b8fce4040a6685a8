"""What the public page shows, gathered from the server's engine in one consistent moment.

``gather`` runs under the engine's lock (it reads live engine state) and returns plain data:
rendering then needs no lock, no I/O and no clock.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from ...core.durations import format_time, parse_time
from ...core.engine import Engine
from ...core.notes import NoteError, parse_checkpoint, parse_note, verify_cosignature
from ...core.pact import Pact
from ...core.redlines import after, fitted_doubling_days, run_start, window
from ...core.status import StatusError, decode_status, signing_monitors

CHART_POINTS = 400  # a chart draws at most the latest 400 reports: a paint stays cheap whatever the log's length


@dataclass(frozen=True)
class Indicator:
    """One party's series of one indicator, judged by each red line that reads it."""

    party: str
    indicator: str
    unit: str
    points: list[tuple[int, float]]  # (time, value), the latest CHART_POINTS
    count: int
    red_lines: list[dict[str, Any]]  # {"id", "kind", "raise", "threshold"?, "words", "holds"}
    sealed: bool = False  # v2: its values are sealed to the monitors; the page shows verdicts, never values


@dataclass(frozen=True)
class Trust:
    """The signed status and cosigned checkpoint as the server judges them (the browser judges again)."""

    status: dict[str, Any] | None
    core: dict[str, Any] | None
    signers: list[str]
    verdict: str  # "valid", "expired", "invalid", "none"
    detail: str
    checkpoint: str | None
    checkpoint_size: int | None
    cosigners: list[str]


@dataclass(frozen=True)
class Facts:
    pact: Pact
    state: dict[str, Any]
    now: int
    timeline: list[dict[str, Any]]
    indicators: list[Indicator]
    trust: Trust
    current_causes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bound_since: dict[str, str] = field(default_factory=dict)  # developer -> when its signature bound it  # scope ("all" or party) -> raises


def current_causes(timeline: list[dict[str, Any]], levels: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Per scope ("all" or a party), the raises that hold it where it is now.

    A drop to level L forgets every raise above L (those are history) and keeps the raises up to L,
    which still explain why the scope is at L rather than lower.
    """
    rank = {lv: i for i, lv in enumerate(levels)}
    out: dict[str, list[dict[str, Any]]] = {}
    for e in timeline:
        if e.get("event") == "raise":
            out.setdefault(e["scope"], []).append(e)
        elif e.get("event") == "drop":
            out[e["scope"]] = [r for r in out.get(e["scope"], []) if rank[r["to"]] <= rank[e["to"]]]
    return out


def _days(seconds: float) -> str:
    d = seconds / 86400
    return f"{d:.0f} day{'s' if round(d) != 1 else ''}" if d >= 1 else f"{seconds / 3600:.1f} hours"


def _judge(engine: Engine, pact: Pact, dev: str, now: int) -> list[Indicator]:
    out = []
    for name, ind in pact.indicators.items():
        series = engine.series_for(dev, name)
        judged = []
        for rl in pact.red_lines:
            if rl.kind != "overdue" and rl.indicator != name:
                continue
            if rl.kind == "overdue" and rl.indicator not in (None, name):
                continue
            if rl.kind == "overdue" and ind.reported_by != "developer" and rl.indicator is None:
                continue
            ev = after(series, engine.cutoff_for(dev, rl.id))
            item: dict[str, Any] = {"id": rl.id, "kind": rl.kind, "raise": rl.raise_, "scope": rl.scope}
            try:
                item["holds"] = engine.holds(rl, dev, now)
            except Exception:  # a view may refuse a moment before its clock; the page then says nothing about it
                item["holds"] = None
            if rl.kind == "threshold":
                x = rl.at_least if rl.at_least is not None else rl.at_most
                word = "at least" if rl.at_least is not None else "at most"
                item["threshold"] = x
                start = run_start(rl, ev) if ev else None
                if start is None:
                    item["words"] = f"latest report is not {word} {x:g}" if ev else "no report since the last raise"
                elif rl.for_:
                    item["words"] = (f"{_days(max(0, now - start))} of {_days(rl.for_)} {word} {x:g}"
                                     f" (since {format_time(start)})")
                else:
                    item["words"] = f"latest report is {word} {x:g}"
            elif rl.kind == "doubling" and ind.sealed:
                latest = ev[-1] if ev else None
                item["words"] = (f"the monitors' agreed verdict on the latest assessed report ({format_time(latest.time)}): "
                                 f"{latest.word(rl.id) or 'neither'}" if latest is not None else
                                 "no assessed report since the last raise")
            elif rl.kind == "doubling":
                assert rl.doubling_within is not None
                inside = window(rl, ev, now)
                fit = fitted_doubling_days(inside)
                limit = rl.doubling_within / 86400
                item["words"] = (f"fitted doubling time {fit:.0f} days against a limit of {limit:.0f} days "
                                 f"({len(inside)} reports in the window)" if fit is not None else
                                 f"no doubling fitted ({len(inside)} reports in the window; 3 positive ones needed)"
                                 f"; limit {limit:.0f} days")
            else:
                assert rl.overdue is not None
                duty = engine.duty_series_for(dev, name)
                last = duty[-1].time if duty else None
                base = last if last is not None else engine.in_force_at
                if base is None:
                    item["words"] = "no duty yet: the pact is not in force"
                else:
                    due = base + ind.every + rl.overdue
                    item["words"] = (f"next report due by {format_time(base + ind.every)}; overdue from {format_time(due)}"
                                     + (" (overdue now)" if due <= now else ""))
            judged.append(item)
        if series or judged:
            pts = [] if ind.sealed else [(r.time, r.value) for r in series[-CHART_POINTS:]]
            out.append(Indicator(dev, name, ind.unit, pts, len(series), judged, ind.sealed))
    return out


def judge_trust(pact: Pact, status: dict[str, Any] | None, checkpoint: str | None, now: int) -> Trust:
    """The server's own reading of the status and checkpoint it serves (the page shows it; the browser re-checks)."""
    core: dict[str, Any] | None = None
    signers: list[str] = []
    verdict, detail = "none", "no status has reached its quorum of monitor signatures yet"
    if status is not None:
        try:
            model, payload = decode_status(status, pact)
            core = model.to_json()
            signers = signing_monitors(status, payload, pact)
            if len(signers) < pact.oversight.status_quorum:
                verdict, detail = "invalid", f"signed by {len(signers)} monitor(s); status_quorum is {pact.oversight.status_quorum}"
            elif parse_time(model.expires_at) <= now:
                verdict, detail = "expired", f"expired at {model.expires_at}"
            else:
                verdict, detail = "valid", f"valid until {model.expires_at}"
        except StatusError as e:
            verdict, detail = "invalid", str(e)
    size, cosigners = None, []
    if checkpoint is not None:
        try:
            note = parse_note(checkpoint)
            size = parse_checkpoint(note.text).size
            for m in pact.monitors:
                for k in pact.party_by_id[m].keys:
                    if verify_cosignature(note, m, base64.b64decode(k.split(":", 1)[1])) is not None:
                        cosigners.append(m)
                        break
        except (NoteError, ValueError):
            pass
    return Trust(status, core, signers, verdict, detail, checkpoint, size, cosigners)


def gather(engine: Engine, pact: Pact, now: int, status: dict[str, Any] | None, checkpoint: str | None) -> Facts:
    """Everything the page shows as of ``now``. Call with the engine's lock held."""
    now = max(now, engine.last_time or 0)
    view = engine.view(now)
    pact = view.pact  # the version in force (contract section 9), whatever the server started with
    state = engine.state_at(now)
    timeline = list(view.timeline)
    indicators = []
    for dev in pact.developers:
        if state["parties"][dev]["bound"]:
            indicators += _judge(view, pact, dev, now)
    return Facts(pact, state, now, timeline, indicators, judge_trust(pact, status, checkpoint, now), current_causes(timeline, pact.levels),
                 {d: format_time(t) for d, t in engine.signed.items()})
