"""Red-line kinds: each kind of red line in one place (contract sections 1, 6 and 8).

A red line states exactly one condition, and its condition makes its kind:

- ``threshold``: ``at_least: x`` or ``at_most: x``, optionally ``for: d``;
- ``doubling``: ``doubling_within: D`` with ``window: W``;
- ``overdue``: ``overdue: d`` (its ``indicator`` is optional).

``KINDS`` maps each kind's name to the one object that answers every question
the pact model, the lint and the engine ask about it: which members make it
(``conditions``), which it needs (``requires``) or admits (``allows``) beside,
whether it may omit its indicator, which series it reads (``indicators``),
whether it holds at a moment (``holds``), whether it is positively shown not to
hold (``shown_clear``), the next moment time alone may change that
(``next_change``), how much of a series it may still consult (``keep_from``),
and what a sealed verdict on it says (``verdict_words``). ``KINDS`` is checked
complete when this module is imported: a kind missing an answer, or two kinds
claiming one condition, fail at once.

Everything here is pure: the evidence a kind reads comes through the small
``Evidence`` protocol (the engine implements it), so a kind can be judged alone
on a hand-made series.

The doubling fit is ordinary least squares of ``log2(value)`` against time in
days, ``x_i = (t_i - t_0) / 86400`` where ``t_0`` is the earliest report in the
window, computed as ``slope = Σ(x-x̄)(y-ȳ) / Σ(x-x̄)²`` with means taken first.
It holds when ``slope > 0`` and ``1/slope < D`` (D in days), i.e. ``slope * D > 1``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol


class RedLine(Protocol):
    """What a kind reads of a red line: its terms as the pact states them (``core.pact.RedLine`` is one).

    A protocol rather than the pact's model, so that the pact can ask this module which kind a red line is
    without an import circle.
    """

    @property
    def id(self) -> str: ...
    @property
    def indicator(self) -> str | None: ...
    @property
    def at_least(self) -> float | None: ...
    @property
    def at_most(self) -> float | None: ...
    @property
    def for_(self) -> int | None: ...
    @property
    def doubling_within(self) -> int | None: ...
    @property
    def window(self) -> int | None: ...
    @property
    def overdue(self) -> int | None: ...

DAY = 86400


@dataclass(frozen=True, order=True)
class Report:
    """A counted report: ordered by its own time, then log index.

    A sealed report (contract section 8) carries no value (NaN) but the agreed ``words``
    of its verdicts, one per red line on its indicator but ``overdue`` ones.
    """

    time: int
    index: int
    value: float
    author: str
    words: tuple[tuple[str, str], ...] | None = field(default=None, compare=False)

    def word(self, red_line: str) -> str | None:
        """The agreed verdict word for ``red_line`` (None: a public report, or a red line its verdicts do not name)."""
        if self.words is None:
            return None
        return next((w for rid, w in self.words if rid == red_line), None)


class Evidence(Protocol):
    """What a kind may consult about a pact's evidence (``Engine`` implements it)."""

    def series_for(self, dev: str, indicator: str) -> Sequence[Report]:
        """Every counted report of ``indicator`` about ``dev``, in order (empty when none)."""
        ...

    def cutoff_for(self, dev: str, red_line: str) -> int | None:
        """The last moment ``dev`` was raised to the red line's level or higher (None: never)."""
        ...

    def duty_since(self, dev: str, red_line: str, indicator: str) -> int:
        """When ``dev``'s duty to report ``indicator`` began, for an overdue red line with no report since its cutoff."""
        ...

    def every(self, indicator: str) -> int:
        """The indicator's reporting period, in seconds."""
        ...

    def duty_series_for(self, dev: str, indicator: str) -> Sequence[Report]:
        """The reports ``overdue`` counts (for a sealed indicator: pending ones within verdict_within, assessed ones)."""
        ...

    def duty_indicators(self) -> Sequence[str]:
        """The indicators developers report (an overdue red line without ``indicator`` watches them all)."""
        ...


# ---------------------------------------------------------------------- series


def after(series: Sequence[Report], cutoff: int | None) -> Sequence[Report]:
    """Reports whose own time is strictly after ``cutoff`` (all when None)."""
    if cutoff is None:
        return series
    return series[_bisect_time(series, cutoff):]


def _bisect_time(series: Sequence[Report], cutoff: int) -> int:
    """Position of the first report with time > cutoff."""
    lo, hi = 0, len(series)
    while lo < hi:
        mid = (lo + hi) // 2
        if series[mid].time <= cutoff:
            lo = mid + 1
        else:
            hi = mid
    return lo


def judged_for(rl: RedLine, series: Sequence[Report]) -> Sequence[Report]:
    """The reports that speak for ``rl``: every public report, and the sealed ones whose agreed words name it (a
    sealed report judged under another definition of ``rl`` neither raises nor clears it, section 8)."""
    if not series or (series[0].words is None and series[-1].words is None):
        return series  # a public series (sealed and public reports never share one)
    return [r for r in series if r.words is None or r.word(rl.id) is not None]


def meets(rl: RedLine, value: float) -> bool:
    """Whether ``value`` meets a threshold red line's ``at_least`` / ``at_most``."""
    if rl.at_least is not None:
        return value >= rl.at_least
    assert rl.at_most is not None
    return value <= rl.at_most


def report_meets(rl: RedLine, r: Report) -> bool:
    """Whether report ``r`` meets threshold red line ``rl``: its value, or for a sealed report the agreed word."""
    if r.words is not None:
        return r.word(rl.id) == "meets"
    return meets(rl, r.value)


def run_start(rl: RedLine, reports: Sequence[Report]) -> int | None:
    """Time the uninterrupted run of reports meeting the threshold began (None if the latest does not meet)."""
    start = None
    for r in reversed(reports):
        if not report_meets(rl, r):
            break
        start = r.time
    return start


def window(rl: RedLine, reports: Sequence[Report], m: int) -> Sequence[Report]:
    """Reports whose time lies within ``window`` before ``m`` (closed interval)."""
    assert rl.window is not None
    return reports[_bisect_time(reports, m - rl.window - 1):]


def doubling_slope(reports: Sequence[Report]) -> float | None:
    """Least-squares slope of log2(value) per day; None when undefined (<3 reports, a value <= 0, one instant)."""
    if len(reports) < 3 or any(r.value <= 0 for r in reports):
        return None
    t0 = reports[0].time
    xs = [(r.time - t0) / DAY for r in reports]
    ys = [math.log2(r.value) for r in reports]
    n = len(xs)
    xbar = sum(xs) / n
    ybar = sum(ys) / n
    sxx = sum((x - xbar) * (x - xbar) for x in xs)
    if sxx == 0:
        return None
    sxy = sum((x - xbar) * (y - ybar) for x, y in zip(xs, ys, strict=True))
    return sxy / sxx


def doubling_word(rl: RedLine, reports: Sequence[Report]) -> str:
    """The verdict word for a doubling red line on the reports of its window (contract section 8).

    ``holds`` when the fit holds (section 6); ``clear`` when at least 3 reports fit a doubling
    time of at least D or a non-positive slope; else ``neither`` (an undefined slope is never holds).
    """
    assert rl.doubling_within is not None
    slope = doubling_slope(reports)
    if slope is None:
        return "neither"
    if slope > 0 and slope * (rl.doubling_within / DAY) > 1:
        return "holds"
    return "clear"


def fitted_doubling_days(reports: Sequence[Report]) -> float | None:
    """The fitted doubling time in days (None when the slope is undefined or not positive)."""
    slope = doubling_slope(reports)
    return None if slope is None or slope <= 0 else 1 / slope


# ---------------------------------------------------------------------- kinds


class Kind(ABC):
    """One kind of red line; see the module docstring. Instances are stateless."""

    name: ClassVar[str]
    conditions: ClassVar[tuple[str, ...]]  # pact members, any one of which makes a red line of this kind
    requires: ClassVar[tuple[str, ...]] = ()  # members it must state beside its condition
    allows: ClassVar[tuple[str, ...]] = ()  # members it may state beside its condition
    indicator_optional: ClassVar[bool] = False
    # contract section 8: the words a verdict on a sealed report may give for a red line of this kind
    # (empty: a verdict names no red line of this kind), and what they mean
    verdict_words: ClassVar[frozenset[str]]
    verdict_meaning: ClassVar[str]

    def indicators(self, ev: Evidence, rl: RedLine) -> Sequence[str]:
        """The indicators whose series this red line reads."""
        return [rl.indicator or ""]

    def evidence(self, ev: Evidence, rl: RedLine, dev: str, indicator: str | None = None) -> Sequence[Report]:
        """``dev``'s reports of ``indicator`` (default: the red line's) made after the red line's cutoff."""
        name = (rl.indicator or "") if indicator is None else indicator
        return judged_for(rl, after(ev.series_for(dev, name), ev.cutoff_for(dev, rl.id)))

    def after_raise(self, ev: Evidence, rl: RedLine, dev: str, raised_at: int | None) -> Sequence[Report]:
        """Reports made after "the raise": the later of the red line's cutoff for ``dev`` and ``raised_at``."""
        cut = ev.cutoff_for(dev, rl.id)
        if raised_at is not None and (cut is None or raised_at > cut):
            cut = raised_at
        return judged_for(rl, after(ev.series_for(dev, rl.indicator or ""), cut))

    @abstractmethod
    def holds(self, ev: Evidence, rl: RedLine, dev: str, m: int) -> bool:
        """Whether ``rl`` holds for bound developer ``dev`` at moment ``m`` (contract section 6)."""

    @abstractmethod
    def shown_clear(self, ev: Evidence, rl: RedLine, dev: str, m: int, raised_at: int | None) -> bool:
        """Whether ``rl`` is positively shown not to hold for ``dev`` at ``m`` (section 6, Clear).

        ``raised_at`` is the last moment the scope being left was raised (None: never).
        """

    @abstractmethod
    def next_change(self, ev: Evidence, rl: RedLine, dev: str, t: int) -> int | None:
        """A moment at which, with no new report, ``holds`` or ``shown_clear`` may change; None if none.

        It may lie at or before ``t`` (a caller looking after ``t`` ignores it); a moment after ``t``
        is the earliest such moment after ``t``.
        """

    @abstractmethod
    def keep_from(self, rl: RedLine, series: Sequence[Report], cut: int | None, clock: int) -> int | None:
        """The earliest report time this red line may still consult in ``series`` (one of its indicators').

        ``cut`` is its cutoff for the series' subject and ``clock`` the present; cutoffs and the clock
        only move forward. None: it consults nothing but the latest report, which is always kept.
        """


class Threshold(Kind):
    name = "threshold"
    conditions = ("at_least", "at_most")
    allows = ("for",)
    verdict_words = frozenset({"meets", "misses"})
    verdict_meaning = "this report's value against the threshold, nothing else"

    def holds(self, ev: Evidence, rl: RedLine, dev: str, m: int) -> bool:
        start = run_start(rl, self.evidence(ev, rl, dev))
        if start is None:
            return False
        return rl.for_ is None or m - start >= rl.for_

    def shown_clear(self, ev: Evidence, rl: RedLine, dev: str, m: int, raised_at: int | None) -> bool:
        reports = self.after_raise(ev, rl, dev, raised_at)
        return bool(reports) and not report_meets(rl, reports[-1])

    def next_change(self, ev: Evidence, rl: RedLine, dev: str, t: int) -> int | None:
        if rl.for_ is None:
            return None  # only a report changes a threshold without `for`
        start = run_start(rl, self.evidence(ev, rl, dev))
        return None if start is None else start + rl.for_

    def keep_from(self, rl: RedLine, series: Sequence[Report], cut: int | None, clock: int) -> int | None:
        # the run of meeting reports after the cutoff, back to the last report that does not meet
        for r in reversed(series):
            if cut is not None and r.time <= cut:
                break
            if not report_meets(rl, r):
                return r.time
        return cut + 1 if cut is not None else -(2**62)


class Doubling(Kind):
    name = "doubling"
    conditions = ("doubling_within",)
    requires = ("window",)
    verdict_words = frozenset({"holds", "clear", "neither"})
    verdict_meaning = ("section 6's rules for the red line at the report's time, on the subject's sealed reports "
                       "within its window and after its cutoff, up to this report; an undefined slope is never holds")

    # A sealed series (section 8) is judged on its latest assessed report's agreed word, for `window`
    # after that report's time: it changes only when a report is assessed or a word lapses.

    def _sealed_word(self, rl: RedLine, reports: Sequence[Report], m: int) -> str | None:
        """For a sealed series: the latest report's word while ``m`` is within ``window`` of its time, else
        ``neither``; None for a public series."""
        if not reports or reports[-1].words is None:
            return None
        assert rl.window is not None
        latest = reports[-1]
        return (latest.word(rl.id) or "neither") if m <= latest.time + rl.window else "neither"

    def holds(self, ev: Evidence, rl: RedLine, dev: str, m: int) -> bool:
        assert rl.doubling_within is not None
        reports = self.evidence(ev, rl, dev)
        sealed = self._sealed_word(rl, reports, m)
        if sealed is not None:
            return sealed == "holds"
        slope = doubling_slope(window(rl, reports, m))
        return slope is not None and slope > 0 and slope * (rl.doubling_within / DAY) > 1

    def shown_clear(self, ev: Evidence, rl: RedLine, dev: str, m: int, raised_at: int | None) -> bool:
        # >= 3 reports after the raise in the window, fitting a doubling time >= D, or a slope <= 0
        assert rl.doubling_within is not None
        reports = self.after_raise(ev, rl, dev, raised_at)
        sealed = self._sealed_word(rl, reports, m)
        if sealed is not None:
            return sealed == "clear"
        slope = doubling_slope(window(rl, reports, m))
        return slope is not None and (slope <= 0 or slope * (rl.doubling_within / DAY) <= 1)

    def next_change(self, ev: Evidence, rl: RedLine, dev: str, t: int) -> int | None:
        assert rl.window is not None
        reports = self.evidence(ev, rl, dev)
        if reports and reports[-1].words is not None:
            return reports[-1].time + rl.window + 1  # the agreed word lapses
        inside = window(rl, reports, t)
        return inside[0].time + rl.window + 1 if inside else None  # the oldest report leaves the window

    def keep_from(self, rl: RedLine, series: Sequence[Report], cut: int | None, clock: int) -> int | None:
        assert rl.window is not None
        return clock - rl.window if cut is None else max(clock - rl.window, cut + 1)


class Overdue(Kind):
    name = "overdue"
    conditions = ("overdue",)
    indicator_optional = True
    verdict_words = frozenset()
    verdict_meaning = "no verdict names it: a sealed report counts by its time while pending, and from its assessment"

    def indicators(self, ev: Evidence, rl: RedLine) -> Sequence[str]:
        return [rl.indicator] if rl.indicator is not None else ev.duty_indicators()

    def due_at(self, ev: Evidence, rl: RedLine, dev: str, indicator: str) -> int:
        """The moment it starts to hold for (dev, indicator) unless a report comes first."""
        assert rl.overdue is not None
        reports = after(ev.duty_series_for(dev, indicator), ev.cutoff_for(dev, rl.id))
        base = reports[-1].time if reports else ev.duty_since(dev, rl.id, indicator)
        return base + ev.every(indicator) + rl.overdue

    def holds(self, ev: Evidence, rl: RedLine, dev: str, m: int) -> bool:
        return any(m >= self.due_at(ev, rl, dev, ind) for ind in self.indicators(ev, rl))

    def shown_clear(self, ev: Evidence, rl: RedLine, dev: str, m: int, raised_at: int | None) -> bool:
        # judged from its own cutoff: counting from the scope's raise would only delay it (docs/engine.md)
        return not self.holds(ev, rl, dev, m)

    def next_change(self, ev: Evidence, rl: RedLine, dev: str, t: int) -> int | None:
        dues = [self.due_at(ev, rl, dev, ind) for ind in self.indicators(ev, rl)]
        return min(dues) if dues else None

    def keep_from(self, rl: RedLine, series: Sequence[Report], cut: int | None, clock: int) -> int | None:
        return None


def _registry(*kinds: Kind) -> dict[str, Kind]:
    names = [k.name for k in kinds]
    claimed = [c for k in kinds for c in k.conditions]
    if len(set(names)) != len(names) or len(set(claimed)) != len(claimed):
        raise TypeError("red-line kinds must have distinct names and conditions")
    for k in kinds:
        missing = [a for a in ("conditions", "verdict_words", "verdict_meaning") if not hasattr(k, a)]
        if missing or not k.conditions:
            raise TypeError(f"red-line kind {k.name!r} does not say its {', '.join(missing) or 'conditions'}")
    return {k.name: k for k in kinds}


# Instantiating an ABC with an unanswered abstract method raises TypeError: the registry is complete at import.
KINDS: dict[str, Kind] = _registry(Threshold(), Doubling(), Overdue())

CONDITIONS: tuple[str, ...] = tuple(c for k in KINDS.values() for c in k.conditions)
"""Every member that states a red line's condition, in the order the pact's messages name them."""

KIND_OF: dict[str, str] = {c: k.name for k in KINDS.values() for c in k.conditions}
"""The kind each condition member makes."""

VERDICT_WORDS: frozenset[str] = frozenset().union(*(k.verdict_words for k in KINDS.values()))
"""Every word a sealed verdict may give for a red line (contract section 8)."""

_BY_CONDITION: tuple[tuple[str, str], ...] = tuple(KIND_OF.items())


def kind_of(rl: RedLine) -> str:
    """The kind ``rl``'s condition makes (a key of ``KINDS``); the first condition decides if it states several."""
    for member, kind in _BY_CONDITION:
        if getattr(rl, member) is not None:
            return kind
    raise ValueError(f"red line {rl.id!r} states no condition")
