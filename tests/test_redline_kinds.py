"""Red-line kinds (core.redlines): the registry is complete, and each kind judged alone on hand-made series."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pausepact.core import redlines
from pausepact.core.pact import RedLine
from pausepact.core.redlines import KINDS, Doubling, Kind, Overdue, Report, Threshold

DAY = 86400
T = 1_800_000_000


@dataclass
class Book:
    """A hand-made ``redlines.Evidence``: series, cutoffs and duties, without an engine."""

    series: dict[tuple[str, str], list[Report]] = field(default_factory=dict)
    cutoffs: dict[tuple[str, str], int] = field(default_factory=dict)
    duty: int = T
    periods: dict[str, int] = field(default_factory=lambda: {"share": 30 * DAY, "score": 7 * DAY})

    def series_for(self, dev: str, indicator: str) -> Sequence[Report]:
        return self.series.get((dev, indicator), [])

    def duty_series_for(self, dev: str, indicator: str) -> Sequence[Report]:
        return self.series_for(dev, indicator)  # public indicators: overdue reads the series

    def cutoff_for(self, dev: str, red_line: str) -> int | None:
        return self.cutoffs.get((dev, red_line))

    def duty_since(self, dev: str, red_line: str, indicator: str) -> int:
        return max(self.duty, self.cutoffs.get((dev, red_line), self.duty))

    def every(self, indicator: str) -> int:
        return self.periods[indicator]

    def duty_indicators(self) -> Sequence[str]:
        return list(self.periods)


def red_line(**members: Any) -> RedLine:
    return RedLine.model_validate({"id": "rl", "raise": "pause", **members})


def reports(*points: tuple[int, float]) -> list[Report]:
    """Reports at T + days, in order."""
    return [Report(T + int(d * DAY), i, float(v), "lab-a") for i, (d, v) in enumerate(points)]


def book(series: list[Report], indicator: str = "share", **kw: Any) -> Book:
    return Book(series={("lab-a", indicator): series}, **kw)


# ---------------------------------------------------------------------- the registry


def test_registry_covers_every_condition_a_pact_can_state() -> None:
    # contract section 1: at_least / at_most (optional for), doubling_within with window, overdue
    assert set(KINDS) == {"threshold", "doubling", "overdue"}
    assert redlines.CONDITIONS == ("at_least", "at_most", "doubling_within", "overdue")
    # every member of a red line is a condition, a companion of one kind, or common to all:
    # a condition added to the pact without a kind fails here
    common = {"id", "indicator", "raise", "scope"}
    companions = {m for k in KINDS.values() for m in (*k.requires, *k.allows)}
    members = {f.alias or name for name, f in RedLine.model_fields.items()}
    assert members == common | set(redlines.CONDITIONS) | companions
    assert companions == {"for", "window"}


@pytest.mark.parametrize(("members", "kind"), [
    ({"indicator": "share", "at_least": 0.95}, Threshold),
    ({"indicator": "share", "at_most": 0.1, "for": "7d"}, Threshold),
    ({"indicator": "score", "doubling_within": "60d", "window": "365d"}, Doubling),
    ({"overdue": "14d"}, Overdue),
    ({"indicator": "share", "overdue": "14d"}, Overdue),
])
def test_a_red_line_knows_its_kind_from_the_registry(members: dict[str, Any], kind: type[Kind]) -> None:
    rl = red_line(**members)
    assert isinstance(KINDS[rl.kind], kind)
    assert rl.kind == kind.name


def test_each_kind_answers_every_question() -> None:
    questions = {n for n, f in inspect.getmembers(Kind, inspect.isfunction) if getattr(f, "__isabstractmethod__", False)}
    assert questions == {"holds", "shown_clear", "next_change", "keep_from"}
    for k in KINDS.values():
        assert not inspect.isabstract(type(k)), k.name
        assert k.conditions and isinstance(k.verdict_words, frozenset) and k.verdict_meaning


def test_verdict_words_are_those_of_contract_section_8() -> None:
    assert KINDS["threshold"].verdict_words == {"meets", "misses"}
    assert KINDS["doubling"].verdict_words == {"holds", "clear", "neither"}
    assert KINDS["overdue"].verdict_words == frozenset()  # a verdict names no overdue red line
    assert redlines.VERDICT_WORDS == {"meets", "misses", "holds", "clear", "neither"}


def test_a_kind_missing_an_answer_or_claiming_a_taken_condition_fails_at_once() -> None:
    class Halfway(Kind):
        name = "halfway"
        conditions = ("halfway",)
        verdict_words = frozenset()
        verdict_meaning = "-"

        def holds(self, ev: Any, rl: RedLine, dev: str, m: int) -> bool:
            return False

    with pytest.raises(TypeError):
        Halfway()  # type: ignore[abstract]
    with pytest.raises(TypeError, match="distinct"):
        redlines._registry(Threshold(), Doubling(), Overdue(), Threshold())


def test_the_pact_model_asks_the_registry_for_one_condition_and_the_indicator() -> None:
    with pytest.raises(ValidationError, match="exactly one condition: at_least, at_most, doubling_within or overdue"):
        red_line(indicator="share", at_least=0.5, overdue="1d")
    with pytest.raises(ValidationError, match=r"\(found none\)"):
        red_line(indicator="share")
    with pytest.raises(ValidationError, match="only an overdue red line may omit it"):
        red_line(at_least=0.5)
    assert red_line(overdue="1d").indicator is None


# ---------------------------------------------------------------------- threshold


def test_threshold_holds_on_the_latest_report_after_the_cutoff() -> None:
    rl, k = red_line(indicator="share", at_least=0.95), KINDS["threshold"]
    ev = book(reports((1, 0.5), (2, 0.96)))
    assert k.holds(ev, rl, "lab-a", T + 2 * DAY)
    assert k.next_change(ev, rl, "lab-a", T) is None  # without `for`, only a report changes it
    ev.cutoffs[("lab-a", "rl")] = T + 2 * DAY  # raised at the meeting report's time: it no longer counts
    assert not k.holds(ev, rl, "lab-a", T + 3 * DAY)
    assert not k.holds(book([]), rl, "lab-a", T)


def test_threshold_at_most_meets_at_or_below() -> None:
    rl, k = red_line(indicator="share", at_most=0.1), KINDS["threshold"]
    assert k.holds(book(reports((0, 0.1))), rl, "lab-a", T)
    assert not k.holds(book(reports((0, 0.11))), rl, "lab-a", T)


def test_threshold_for_needs_an_uninterrupted_run_and_says_when_it_completes() -> None:
    rl, k = red_line(indicator="share", at_least=0.95, **{"for": "10d"}), KINDS["threshold"]
    ev = book(reports((0, 0.96), (3, 0.5), (4, 0.97), (8, 0.99)))
    # the run began at day 4 (day 3 interrupted it): it holds from day 14, not before
    assert k.next_change(ev, rl, "lab-a", T + 8 * DAY) == T + 14 * DAY
    assert not k.holds(ev, rl, "lab-a", T + 14 * DAY - 1)
    assert k.holds(ev, rl, "lab-a", T + 14 * DAY)
    ev.series[("lab-a", "share")].append(Report(T + 9 * DAY, 9, 0.2, "lab-a"))
    assert k.next_change(ev, rl, "lab-a", T + 9 * DAY) is None
    assert not k.holds(ev, rl, "lab-a", T + 30 * DAY)


def test_threshold_is_shown_clear_only_by_a_report_after_the_raise_that_does_not_meet() -> None:
    rl, k = red_line(indicator="share", at_least=0.95), KINDS["threshold"]
    ev = book(reports((1, 0.2)))
    assert k.shown_clear(ev, rl, "lab-a", T + 2 * DAY, None)
    assert not k.shown_clear(ev, rl, "lab-a", T + 2 * DAY, T + 1 * DAY)  # no report after the raise: absence is not clear
    ev.cutoffs[("lab-a", "rl")] = T + DAY
    assert not k.shown_clear(ev, rl, "lab-a", T + 2 * DAY, None)  # its own cutoff is a raise too
    ev.series[("lab-a", "share")].append(Report(T + 2 * DAY, 1, 0.99, "lab-a"))
    assert not k.shown_clear(ev, rl, "lab-a", T + 2 * DAY, None)  # the latest meets


def test_threshold_keeps_the_series_back_to_its_last_report_that_does_not_meet() -> None:
    rl, k = red_line(indicator="share", at_least=0.95, **{"for": "10d"}), KINDS["threshold"]
    s = reports((0, 0.99), (1, 0.2), (2, 0.99), (3, 0.99))
    assert k.keep_from(rl, s, None, T + 5 * DAY) == T + DAY
    assert k.keep_from(rl, s, T + 2 * DAY, T + 5 * DAY) == T + 2 * DAY + 1  # nothing at or before the cutoff counts
    assert k.keep_from(rl, reports((0, 0.99)), None, T) == -(2**62)  # a run from the start: keep all


# ---------------------------------------------------------------------- doubling


DOUBLING = {"indicator": "score", "doubling_within": "60d", "window": "100d"}


def test_doubling_holds_when_the_fit_doubles_faster_than_d() -> None:
    rl, k = red_line(**DOUBLING), KINDS["doubling"]
    fast = book(reports((0, 1), (10, 2), (20, 4)), "score")  # doubles every 10 days
    slow = book(reports((0, 1), (50, 1.2), (100, 1.4)), "score")
    m = T + 20 * DAY
    assert k.holds(fast, rl, "lab-a", m) and not k.shown_clear(fast, rl, "lab-a", m, None)
    assert not k.holds(slow, rl, "lab-a", T + 100 * DAY) and k.shown_clear(slow, rl, "lab-a", T + 100 * DAY, None)


def test_doubling_is_neither_on_too_few_or_non_positive_reports() -> None:
    rl, k = red_line(**DOUBLING), KINDS["doubling"]
    for series in (reports((0, 1), (10, 4)), reports((0, 1), (10, 0), (20, 4)), []):
        ev = book(series, "score")
        assert not k.holds(ev, rl, "lab-a", T + 20 * DAY)
        assert not k.shown_clear(ev, rl, "lab-a", T + 20 * DAY, None)


def test_doubling_changes_when_its_oldest_report_leaves_the_window() -> None:
    rl, k = red_line(**DOUBLING), KINDS["doubling"]
    ev = book(reports((0, 1), (10, 2), (20, 4)), "score")
    leaves = T + 100 * DAY + 1
    assert k.next_change(ev, rl, "lab-a", T + 20 * DAY) == leaves
    assert k.holds(ev, rl, "lab-a", leaves - 1)  # the window is a closed interval
    assert not k.holds(ev, rl, "lab-a", leaves)
    assert k.next_change(book([], "score"), rl, "lab-a", T) is None


def test_doubling_clear_needs_three_reports_after_the_raise() -> None:
    rl, k = red_line(**DOUBLING), KINDS["doubling"]
    ev = book(reports((0, 1), (50, 1.2), (100, 1.4)), "score")
    assert not k.shown_clear(ev, rl, "lab-a", T + 100 * DAY, T + 10 * DAY)


def test_doubling_keeps_its_window_after_its_cutoff() -> None:
    rl, k = red_line(**DOUBLING), KINDS["doubling"]
    assert k.keep_from(rl, [], None, T + 200 * DAY) == T + 100 * DAY
    assert k.keep_from(rl, [], T + 150 * DAY, T + 200 * DAY) == T + 150 * DAY + 1


# ---------------------------------------------------------------------- overdue


def test_overdue_counts_from_the_duty_without_reports_and_from_the_latest_report() -> None:
    rl, k = red_line(indicator="share", overdue="14d"), KINDS["overdue"]
    ev = book([])
    due = T + 30 * DAY + 14 * DAY
    assert k.next_change(ev, rl, "lab-a", T) == due
    assert not k.holds(ev, rl, "lab-a", due - 1) and k.holds(ev, rl, "lab-a", due)
    assert k.shown_clear(ev, rl, "lab-a", due - 1, None) and not k.shown_clear(ev, rl, "lab-a", due, None)
    ev.series[("lab-a", "share")] = reports((40, 0.1))
    assert k.next_change(ev, rl, "lab-a", T) == T + 84 * DAY
    ev.cutoffs[("lab-a", "rl")] = T + 50 * DAY  # raised after it: the duty counts from the raise
    assert k.next_change(ev, rl, "lab-a", T) == T + 94 * DAY


def test_overdue_without_indicator_watches_every_indicator_developers_report() -> None:
    rl, k = red_line(overdue="1d"), KINDS["overdue"]
    ev = Book(series={("lab-a", "share"): reports((0, 0.1))})
    assert k.indicators(ev, rl) == ["share", "score"]
    assert k.next_change(ev, rl, "lab-a", T) == T + 8 * DAY  # score (every 7d) has never been reported
    assert k.keep_from(rl, ev.series[("lab-a", "share")], None, T) is None


# ---------------------------------------------------------------------- properties over hand-made series


def _series(points: list[tuple[int, float]]) -> list[Report]:
    return sorted(Report(T + t, i, v, "lab-a") for i, (t, v) in enumerate(points))


RED_LINES = [
    red_line(indicator="share", at_least=0.5),
    red_line(indicator="share", at_most=0.5, **{"for": "3d"}),
    red_line(indicator="share", doubling_within="5d", window="10d"),
    red_line(indicator="share", overdue="2d"),
]
points = st.lists(st.tuples(st.integers(0, 30 * DAY), st.sampled_from([0.0, 0.1, 0.4, 0.5, 0.6, 1.0, 2.0, 8.0, 64.0])),
                  max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(RED_LINES), points, st.one_of(st.none(), st.integers(0, 30 * DAY)),
       st.integers(0, 40 * DAY))
def test_nothing_changes_by_time_before_next_change(rl: RedLine, pts: list[tuple[int, float]], cut: int | None,
                                                    later: int) -> None:
    k = KINDS[rl.kind]
    ev = book(_series(pts), periods={"share": DAY})
    if cut is not None:
        ev.cutoffs[("lab-a", "rl")] = T + cut
    t = T + 30 * DAY  # every report is at or before t
    nc = k.next_change(ev, rl, "lab-a", t)
    m = t + later
    if nc is None or nc <= t or m < nc:
        assert k.holds(ev, rl, "lab-a", m) == k.holds(ev, rl, "lab-a", t)
        assert k.shown_clear(ev, rl, "lab-a", m, None) == k.shown_clear(ev, rl, "lab-a", t, None)
    assert not (k.holds(ev, rl, "lab-a", m) and k.shown_clear(ev, rl, "lab-a", m, None))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(RED_LINES), points, st.one_of(st.none(), st.integers(0, 30 * DAY)),
       st.integers(0, 40 * DAY))
def test_pruning_to_keep_from_changes_no_answer(rl: RedLine, pts: list[tuple[int, float]], cut: int | None,
                                               later: int) -> None:
    k = KINDS[rl.kind]
    series = _series(pts)
    if not series:
        return
    clock = T + 30 * DAY
    keep = k.keep_from(rl, series, None if cut is None else T + cut, clock)
    bound = series[-1].time if keep is None else min(series[-1].time, keep)
    first = next((i for i, r in enumerate(series) if r.time >= bound), len(series) - 1)
    whole, pruned = book(series, periods={"share": DAY}), book(series[first:], periods={"share": DAY})
    for ev in (whole, pruned):
        if cut is not None:
            ev.cutoffs[("lab-a", "rl")] = T + cut
    m = clock + later
    assert k.holds(whole, rl, "lab-a", m) == k.holds(pruned, rl, "lab-a", m)
    assert k.shown_clear(whole, rl, "lab-a", m, None) == k.shown_clear(pruned, rl, "lab-a", m, None)
    assert k.next_change(whole, rl, "lab-a", m) == k.next_change(pruned, rl, "lab-a", m)
