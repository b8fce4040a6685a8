"""Evidence as the engine keeps it (contract section 6, Evidence): series of counted reports.

``EvidenceRules`` is the part of ``Engine`` that takes reports in and answers what the red-line
kinds ask: the engine is ``redlines.Evidence`` (``series_for``, ``cutoff_for``, ``duty_since``,
``every``, ``duty_indicators``, ``duty_series_for``). A subject's series per indicator holds its
counted reports in order of their own time; a ``countersigned_by`` report counts from its first
valid countersignature by a monitor other than its author, then takes its place by its own time.
The red-line kinds and the series arithmetic (``after`` a cutoff, ``window``, the doubling fit)
live in ``core.redlines``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..bodies import CountersignBody, ReportBody
from ..pact import Pact, RedLine
from ..redlines import KINDS, Evidence, Kind, Report, after
from ..statements import SignedStatement
from .model import PendingReport, Scope

__all__ = ["KINDS", "Evidence", "EvidenceRules", "Kind", "Report", "after"]


class EvidenceRules:
    """The evidence rules of ``Engine`` (see the module docstring); state lives on the engine."""

    pact: Pact
    series: dict[tuple[str, str], list[Report]]
    cutoff: dict[tuple[str, str], int]
    countersignable: dict[str, PendingReport]
    _pruned_len: dict[tuple[str, str], int]
    in_force_at: int | None
    signed: dict[str, int]
    indicator_since: dict[str, int]
    clock: int | None
    rank: dict[str, int]

    if TYPE_CHECKING:  # provided by Engine and its other parts
        def duty_series_for(self, dev: str, indicator: str) -> Sequence[Report]: ...
        def _scope(self, party: str | None) -> Scope: ...
        def _void(self, index: int, reason: str) -> None: ...

    def series_for(self, dev: str, indicator: str) -> Sequence[Report]:
        return self.series.get((dev, indicator), [])

    def cutoff_for(self, dev: str, red_line: str) -> int | None:
        return self.cutoff.get((dev, red_line))

    def duty_since(self, dev: str, red_line: str, indicator: str) -> int:
        # never reported since the last raise: count from when the duty began for this developer (and, for an
        # indicator an amendment made anew, from its executes_at)
        assert self.in_force_at is not None
        return max(self.in_force_at, self.signed[dev], self.cutoff.get((dev, red_line), self.in_force_at),
                   self.indicator_since.get(indicator, self.in_force_at))

    def every(self, indicator: str) -> int:
        return self.pact.indicators[indicator].every

    def report_due(self, dev: str, indicator: str) -> int | None:
        """When bound developer ``dev``'s next report of ``indicator`` is due: ``every`` after its latest
        report, or after its duty began (the pact in force, its signature); None before the pact is in force."""
        if self.in_force_at is None or dev not in self.signed:
            return None
        series = self.duty_series_for(dev, indicator)
        return (series[-1].time if series else max(self.in_force_at, self.signed[dev])) + self.every(indicator)

    def duty_indicators(self) -> list[str]:
        return [name for name, ind in self.pact.indicators.items() if ind.reported_by == "developer"]

    def holds(self, rl: RedLine, dev: str, m: int) -> bool:
        """Whether ``rl`` holds for bound developer ``dev`` at moment ``m``."""
        return KINDS[rl.kind].holds(self, rl, dev, m)

    def shown_clear(self, rl: RedLine, dev: str, m: int, raised_at: int | None = None) -> bool:
        """``clear`` for one red line and developer: positively shown not to hold on evidence after the raise.

        "The raise" is the later of the red line's own cutoff for ``dev`` and ``raised_at`` (the last
        moment the scope being left was raised): a red line raising above the level being left, never
        cut, does not clear on reports older than the raise (contract v2, section 6 Clear).
        """
        return KINDS[rl.kind].shown_clear(self, rl, dev, m, raised_at)

    def clear_for(self, level: str, party: str | None, m: int) -> list[tuple[RedLine, str]]:
        """The (red line, developer) pairs not yet shown clear for leaving ``level``; empty means clear.

        Every developer of the scope counts, including developers bound after the raise.
        """
        devs = [party] if party is not None else list(self.signed)
        raised_at = self._scope(party).raised_at
        return [(rl, d) for rl in self.pact.red_lines if self.rank[rl.raise_] >= self.rank[level]
                for d in devs if not self.shown_clear(rl, d, m, raised_at)]

    def _latest_report_index(self, rl: RedLine, dev: str) -> int | None:
        kind = KINDS[rl.kind]
        best: Report | None = None
        for name in kind.indicators(self, rl):
            reports = kind.evidence(self, rl, dev, name)
            if reports and (best is None or reports[-1] > best):
                best = reports[-1]
        return best.index if best else None

    def _on_report(self, index: int, ss: SignedStatement, body: ReportBody) -> None:
        st = ss.statement
        subject = body.subject if body.subject is not None else st.party
        ind = self.pact.indicators[body.indicator]
        if ind.countersigned_by:
            self.countersignable[ss.digest] = PendingReport(subject, body.indicator, st.party, st.t, index, body.value)
            return
        self._count(subject, body.indicator, Report(st.t, index, body.value, st.party))

    def _count(self, subject: str, indicator: str, report: Report) -> None:
        series = self.series.setdefault((subject, indicator), [])
        if not series or series[-1] <= report:
            series.append(report)
        else:  # a countersigned report takes its place by its own time
            bisect.insort(series, report)
        if report.words is None and len(series) > 2 * self._pruned_len.get((subject, indicator), 0) + 8:
            # (a sealed series is never pruned: a report assessed late is judged on the series cut at its time)
            self._prune(subject, indicator, series)
            self._pruned_len[(subject, indicator)] = len(series)

    def _prune(self, subject: str, indicator: str, series: list[Report]) -> None:
        """Drop the prefix of a series that no rule can consult again.

        Safe because cutoffs and the clock only move forward, and a late
        (countersigned) report older than the bound lands where it cannot matter:
        before a threshold's last non-meeting report, outside every window, or
        at or before a cutoff. Keeps the state's size bounded by the pact's
        windows rather than the log's length.
        """
        clock = self.clock if self.clock is not None else 0
        bound = series[-1].time  # the latest report is always needed
        for rl in self.pact.red_lines:
            kind = KINDS[rl.kind]
            if indicator not in kind.indicators(self, rl):
                continue
            keep = kind.keep_from(rl, series, self.cutoff.get((subject, rl.id)), clock)
            if keep is not None:
                bound = min(bound, keep)
        first = next((i for i, r in enumerate(series) if r.time >= bound), len(series) - 1)
        del series[:first]

    def _on_countersign(self, index: int, ss: SignedStatement, body: CountersignBody) -> None:
        st = ss.statement
        pending = self.countersignable.get(body.statement)
        if pending is None:
            self._void(index, "countersign of an unknown report, or of one whose indicator has no countersigned_by")
            return
        if pending.author == st.party:
            self._void(index, "a monitor may not countersign its own report")
            return
        if not pending.counted:
            pending.counted = True
            self._count(pending.subject, pending.indicator, Report(pending.time, pending.index, pending.value, pending.author))
