"""Evidence: report series and the red-line conditions over them (contract section 6).

Pure functions over a series of reports ordered by their own ``time``. Every
condition is evaluated *at a moment* ``m`` (epoch seconds) on the reports made
after a cutoff (the last raise that reset this red line for this developer).

The doubling fit is ordinary least squares of ``log2(value)`` against time in
days, ``x_i = (t_i - t_0) / 86400`` where ``t_0`` is the earliest report in the
window, computed as ``slope = Σ(x-x̄)(y-ȳ) / Σ(x-x̄)²`` with means taken first.
It holds when ``slope > 0`` and ``1/slope < D`` (D in days), i.e. ``slope * D > 1``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..pact import RedLine

DAY = 86400


@dataclass(frozen=True, order=True)
class Report:
    """A counted report: ordered by its own time, then log index."""

    time: int
    index: int
    value: float
    author: str


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


def meets(rl: RedLine, value: float) -> bool:
    if rl.at_least is not None:
        return value >= rl.at_least
    assert rl.at_most is not None
    return value <= rl.at_most


def run_start(rl: RedLine, reports: Sequence[Report]) -> int | None:
    """Time the uninterrupted run of reports meeting the threshold began (None if the latest does not meet)."""
    start = None
    for r in reversed(reports):
        if not meets(rl, r.value):
            break
        start = r.time
    return start


def threshold_holds(rl: RedLine, reports: Sequence[Report], m: int) -> bool:
    start = run_start(rl, reports)
    if start is None:
        return False
    return rl.for_ is None or m - start >= rl.for_


def window(rl: RedLine, reports: Sequence[Report], m: int) -> Sequence[Report]:
    """Reports whose time lies within ``window`` before ``m`` (closed interval)."""
    assert rl.window is not None
    lo = m - rl.window
    return reports[_bisect_time(reports, lo - 1):]


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


def doubling_holds(rl: RedLine, reports: Sequence[Report], m: int) -> bool:
    assert rl.doubling_within is not None
    slope = doubling_slope(window(rl, reports, m))
    return slope is not None and slope > 0 and slope * (rl.doubling_within / DAY) > 1


def doubling_clear(rl: RedLine, reports: Sequence[Report], m: int) -> bool:
    """Positively shown not to hold: >= 3 reports in the window fitting a doubling time >= D, or slope <= 0."""
    assert rl.doubling_within is not None
    slope = doubling_slope(window(rl, reports, m))
    return slope is not None and (slope <= 0 or slope * (rl.doubling_within / DAY) <= 1)


def fitted_doubling_days(reports: Sequence[Report]) -> float | None:
    slope = doubling_slope(reports)
    return None if slope is None or slope <= 0 else 1 / slope
