"""The words a judge gives (core.verdicts, contract v2 section 8): the public red-line rules on opened values,
doubling words only with every counted value of the window, and words the engine accepts."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from pausepact.core.engine.sealed import words_problem
from pausepact.core.redlines import KINDS, Evidence, Report, meets
from pausepact.core.verdicts import WindowReport, doubling_verdict, judge_report, missing_values, verdict_words

from .sealed_log import DAY, T0, SealedLog, sealed_pact

PACT, _ = sealed_pact()
CODE, HORIZON = "ai_code_share", "time_horizon_minutes"
THRESHOLDS = PACT.red_lines_on(CODE)
DOUBLING = next(rl for rl in PACT.red_lines if rl.id == "runaway-self-improvement")


@dataclass
class Public:
    """The public engine's evidence for one developer's series (what ``Doubling.holds`` reads)."""

    series: list[Report]
    cutoffs: dict[tuple[str, str], int] = field(default_factory=dict)

    def series_for(self, dev: str, indicator: str) -> Sequence[Report]:
        return self.series

    def cutoff_for(self, dev: str, red_line: str) -> int | None:
        return None


values = st.floats(0.0, 1.0, allow_nan=False)
series_points = st.lists(st.tuples(st.integers(0, 200 * DAY), st.floats(0.5, 5000.0, allow_nan=False)),
                         min_size=1, max_size=12)


@settings(max_examples=200)
@given(values)
def test_threshold_words_are_the_value_against_the_threshold(value: float) -> None:
    words = verdict_words(THRESHOLDS, T0, 0, value, {})
    assert words is not None and set(words) == {rl.id for rl in THRESHOLDS}
    for rl in THRESHOLDS:
        assert words[rl.id] == ("meets" if meets(rl, value) else "misses")
    assert words_problem(PACT, CODE, words) is None  # exactly what the engine admits


def _window(points: list[tuple[int, float]]) -> tuple[list[WindowReport], WindowReport]:
    reports = [WindowReport(T0 + t, i, "pending", v) for i, (t, v) in enumerate(sorted(points))]
    return reports, reports[-1]


@settings(max_examples=200)
@given(series_points)
def test_a_doubling_word_is_what_the_public_rule_says_at_the_reports_time(points: list[tuple[int, float]]) -> None:
    reports, me = _window(points)
    assert me.value is not None
    word = doubling_verdict(DOUBLING, me.time, me.value, me.index, reports)
    public = cast(Evidence, Public([Report(r.time, r.index, r.value or 0.0, "aisi") for r in reports]))
    kind = KINDS["doubling"]
    # the same fit the public engine runs: holds when it holds at that moment, clear when shown clear
    assert (word == "holds") == kind.holds(public, DOUBLING, "lab-a", me.time)
    assert (word == "clear") == kind.shown_clear(public, DOUBLING, "lab-a", me.time, None)
    words = verdict_words(PACT.red_lines_on(HORIZON), me.time, me.index, me.value, {DOUBLING.id: reports})
    assert words == {DOUBLING.id: word} and words_problem(PACT, HORIZON, words) is None


@settings(max_examples=200)
@given(series_points, st.data())
def test_no_doubling_word_while_a_counted_value_is_unknown_and_not_counted_ones_are_left_out(
        points: list[tuple[int, float]], data: st.DataObject) -> None:
    reports, me = _window(points)
    assert me.value is not None
    others = reports[:-1]
    hidden = data.draw(st.sets(st.sampled_from(range(len(others))) if others else st.nothing()))
    gone = data.draw(st.sets(st.sampled_from(range(len(others))) if others else st.nothing()))
    seen = [WindowReport(r.time, r.index, "unopenable" if i in gone else r.state, None if i in hidden else r.value)
            for i, r in enumerate(others)] + [me]
    random.Random(len(points)).shuffle(seen)  # the order given never matters
    word = doubling_verdict(DOUBLING, me.time, me.value, me.index, seen)
    if hidden - gone:
        assert word is None
    else:
        kept = [r for i, r in enumerate(others) if i not in gone] + [me]
        assert word == doubling_verdict(DOUBLING, me.time, me.value, me.index, kept)
        assert verdict_words(PACT.red_lines_on(HORIZON), me.time, me.index, me.value, {DOUBLING.id: seen}) == \
            {DOUBLING.id: word}


def test_reports_outside_the_window_or_after_the_report_are_not_read() -> None:
    assert DOUBLING.window is not None
    me = WindowReport(T0 + 400 * DAY, 10, "pending", 64.0)
    old = WindowReport(me.time - DOUBLING.window - 1, 1, "pending", None)  # unknown, but out of the window
    later = WindowReport(me.time, 11, "pending", None)                    # same time, logged after it
    inside = [WindowReport(me.time - 20 * DAY, 5, "assessed", 8.0), WindowReport(me.time - 10 * DAY, 6, "pending", 16.0)]
    assert doubling_verdict(DOUBLING, me.time, 64.0, me.index, [old, later, *inside, me]) == "holds"
    assert doubling_verdict(DOUBLING, me.time, 64.0, me.index, [me]) == "neither"  # an undefined slope never holds
    assert doubling_verdict(DOUBLING, me.time, 64.0, me.index, [*inside[:1], WindowReport(me.time - 10 * DAY, 6,
                                                                                           "disputed", None)]) == "neither"


def test_judge_report_reads_the_engines_window_and_says_what_it_waits_for() -> None:
    log = SealedLog(PACT)
    for d in ("lab-a", "lab-b", "lab-c"):
        log.add(d, "sign", {}, T0)
    ds = [log.sealed_report("aisi", HORIZON, v, T0 + (i + 1) * 10 * DAY, subject="lab-a")
          for i, v in enumerate([10.0, 20.0, 40.0])]
    engine = log.engine()
    recs = engine.sealed
    last = recs[ds[-1]]
    assert set(last.windows[DOUBLING.id]) == set(ds)
    everything = {d: log.openings[d][0] for d in ds}
    words = judge_report(PACT, last, recs, everything)
    assert words == {DOUBLING.id: "holds"}  # doubling every 10 days, within 60
    assert missing_values(last, recs, everything) == []
    partial = {ds[0]: 10.0, ds[2]: 40.0}
    assert judge_report(PACT, last, recs, partial) is None
    assert missing_values(last, recs, partial) == [recs[ds[1]].index]
    # the opened verdicts with those words are what the log admits, and they assess the report
    for m in ("eval-org", "civic-audit"):
        log.verdict(m, ds[-1], words, T0 + 31 * DAY)
    state = log.replay()
    assert state["rejected"] == [] and state["sealed"][-1]["state"] == "assessed"
