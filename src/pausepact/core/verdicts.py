"""The words a judge gives for a sealed report (contract v2 section 8, Verdict).

A monitor that opened a sealed report names every red line on its indicator but
``overdue`` ones (``Pact.red_lines_on``), each with a word of its kind:

- a threshold red line: ``meets`` or ``misses``, this report's value against the
  threshold (``redlines.meets``), nothing else;
- a doubling red line: ``holds``, ``clear`` or ``neither`` (``redlines.doubling_word``)
  on the values of the subject's sealed reports in the red line's window at the
  report's time, after its cutoff, up to and including this report, leaving out
  those that are unopenable or disputed. Until the judge knows the value of every
  other report it must count, it gives no verdict: ``None``.

The engine lists a report's window (``SealedReport.windows``: red line id ->
digests, as of the report's time); ``judge_report`` reads it with the values the
judge has opened. Pure: no I/O, no clock; the same red-line code the engine runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from .bodies import SealedReportBody, ShareBody
from .engine.sealed import SealedReport
from .pact import Pact
from .redlines import RedLine, Report, doubling_word, kind_of, meets, window
from .sealing import NotOpened, Opened, open_sealed, seal_info, share_info
from .statements import SignedStatement

NOT_COUNTED = frozenset({"unopenable", "disputed"})
"""States of a window report whose value a doubling word leaves out (and so need not be known)."""


@dataclass(frozen=True)
class WindowReport:
    """One sealed report in a doubling red line's window, as the judge knows it: ``value`` None when unknown."""

    time: int
    index: int
    state: str
    value: float | None


def threshold_word(rl: RedLine, value: float) -> str:
    """``meets`` or ``misses``: ``value`` against a threshold red line."""
    return "meets" if meets(rl, value) else "misses"


def doubling_verdict(rl: RedLine, time: int, value: float, index: int,
                     others: Sequence[WindowReport]) -> str | None:
    """The doubling word for the report at ``time`` (log ``index``) of ``value``, with ``others`` of its window.

    ``others`` may hold the report itself (it is taken once, with ``value``) and reports
    outside the window or after ``time`` (left out). None while a counted report's value is unknown.
    """
    assert rl.window is not None
    series = [Report(time, index, value, "")]
    for r in others:
        if r.index == index or r.state in NOT_COUNTED or not time - rl.window <= r.time <= time:
            continue
        if r.index > index:
            continue  # up to this report: a later one, even at the same time, is not in its window
        if r.value is None:
            return None
        series.append(Report(r.time, r.index, r.value, ""))
    series.sort()
    return doubling_word(rl, window(rl, series, time))


def verdict_words(red_lines: Sequence[RedLine], time: int, index: int, value: float,
                  windows: Mapping[str, Sequence[WindowReport]]) -> dict[str, str] | None:
    """The ``red_lines`` member of an opened verdict on the report at ``time`` (log ``index``) of ``value``.

    ``red_lines`` are those a verdict names (``Pact.red_lines_on``); ``windows`` maps a doubling
    red line's id to the reports of its window (missing: the report alone). None while the
    judge lacks a value a doubling word needs.
    """
    words: dict[str, str] = {}
    for rl in red_lines:
        kind = kind_of(rl)
        if kind == "threshold":
            words[rl.id] = threshold_word(rl, value)
        elif kind == "doubling":
            word = doubling_verdict(rl, time, value, index, windows.get(rl.id, ()))
            if word is None:
                return None
            words[rl.id] = word
    return words


def judge_report(pact: Pact, rec: SealedReport, records: Mapping[str, SealedReport],
                 values: Mapping[str, float]) -> dict[str, str] | None:
    """The words of an opened verdict on the engine's record ``rec``, given the values the judge opened.

    ``records`` are the engine's sealed reports (digest -> record, states as of now) and ``values``
    digest -> opened value; ``values`` must hold ``rec``'s own. None while a doubling word lacks a value.
    """
    windows = {rl_id: [_known(records[d], values) for d in digests if d in records]
               for rl_id, digests in rec.windows.items()}
    return verdict_words(pact.red_lines_on(rec.indicator), rec.time, rec.index, values[rec.digest], windows)


def missing_values(rec: SealedReport, records: Mapping[str, SealedReport], values: Mapping[str, float]) -> list[int]:
    """Log indexes of the counted reports in ``rec``'s windows whose value the judge lacks (what it waits for)."""
    out: set[int] = set()
    for digests in rec.windows.values():
        for d in digests:
            r = records.get(d)
            if r is not None and d != rec.digest and r.state not in NOT_COUNTED and d not in values:
                out.add(r.index)
    return sorted(out)


def _known(r: SealedReport, values: Mapping[str, float]) -> WindowReport:
    return WindowReport(r.time, r.index, r.state, values.get(r.digest))


__all__ = ["NOT_COUNTED", "WindowReport", "doubling_verdict", "judge_report", "missing_values", "threshold_word",
           "verdict_words"]


def open_addressed(ss: SignedStatement, rec: SealedReport, party: str, keys: Sequence[X25519PrivateKey], unit: str,
                   report_pact_digest: str) -> Opened | NotOpened | None:
    """Open what ``ss`` addresses to monitor ``party``: its member of a sealed report, or a share to it.

    ``rec`` is the engine's record of the sealed report concerned; ``report_pact_digest`` the pact digest
    the sealed report's statement names (members and shares are sealed under it; a share is also tried
    under its own statement's, should a careless sharer use that). Each key is tried in turn (a current
    key, then retired ones). None when ``ss`` addresses nothing to ``party``. Never raises.
    """
    body = ss.statement.content
    if isinstance(body, SealedReportBody):
        member = body.sealed.get(party)
        if member is None:
            return None
        infos = [seal_info(report_pact_digest, rec.commitment)]
        sealed = member
    elif isinstance(body, ShareBody):
        if body.to != party:
            return None
        infos = [share_info(pd, rec.commitment, party)
                 for pd in dict.fromkeys([report_pact_digest, ss.statement.pact_digest])]
        sealed = body.sealed
    else:
        return None
    first: NotOpened | None = None
    for info in infos:
        for key in keys:
            got = open_sealed(sealed, key, info, unit, rec.indicator, rec.measured_at, rec.subject, rec.commitment)
            if isinstance(got, Opened):
                return got
            first = first or got
    return first or NotOpened("decrypt", "no seal key to open it with")
