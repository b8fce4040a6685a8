"""Confidential reports in the engine (contract v2, section 8): judges, verdicts, shares, reveals, disputes.

``SealedRules`` is the part of ``Engine`` that keeps sealed reports; ``Engine`` inherits it
so that the rules of section 8 read in one file. The engine never sees a sealed value: it
runs on the monitors' verdicts. Its rules, as this module applies them:

1. **Lookback validity** (``sealed_problem``): an ``opened: true`` verdict on a known sealed
   report must name exactly the red lines on its indicator but ``overdue`` ones, each with a
   word of its kind (else ``body``; the entry is rejected and consumes no seq).
2. **Void**: a sealed report whose commitment a counted sealed report already used; a
   verdict on an unknown report or by a monitor that is not one of its judges (the monitors
   it has members for, but its author); a judge's further verdict unless its latest verdict
   is ``opened: false``, a share to it was logged and ``verdict_within`` has not passed; a
   share by a non-judge, to a non-judge or itself, before the sharer's own ``opened: true``
   verdict, or after ``verdict_within``; a reveal by anyone but the developer that authored
   the report about itself, of an unknown or already revealed report, or that does not open
   its commitment.
3. **Assessed** at the moment ``verdict_quorum`` of its judges (counted over its judges)
   have given ``opened: true`` verdicts with identical words: the report joins its subject's
   series by its own time carrying the agreed words, and every red line on the indicator
   (but ``overdue``) is also judged on the series cut at the report's time
   (``held_at_assessment``): one that holds there raises at the assessment moment.
4. **At ``time + verdict_within``** (``_sealed_due``): a judge that opened and has not shared
   with every judge whose latest verdict is ``opened: false`` is named (``share-missing``);
   a report still pending names its silent judges (``verdict-missing``); it becomes
   ``unopenable`` (a ``sealed-unopenable`` violation by its author) when ``verdict_quorum``
   of its judges' latest verdicts are ``opened: false``, else ``disputed`` when its judges
   can no longer agree. ``disputed`` is also decided at a verdict, counting a judge whose
   ``opened: false`` may still be replaced as one that may still agree.
5. **Overdue** reads the duty series (``duty_series_for``): a developer's sealed report counts
   by its own time while pending, until ``time + verdict_within``, and again from its
   assessment on; unopenable and disputed reports never count again; a monitor's sealed
   report about a developer counts from when it is logged.
6. **Reveals** change no level; a revealed value that contradicts a judge's threshold word
   is a ``reveal-contradicts`` dispute at once, a doubling word once every report of its
   window is revealed.

Readings of the contract made here (docs/sealing.md): a pending report stops counting for
``overdue`` at ``time + verdict_within`` exactly (the instant's statements come first, so a
verdict timed then still counts); a judge that never gave a verdict may still give its first
one after ``verdict_within``; there is one round per report until amendments (section 9)
can change the red lines a report is judged under.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..bodies import RevealBody, SealedReportBody, ShareBody, VerdictBody
from ..durations import format_time
from ..redlines import KINDS, Report, doubling_word, meets, window
from ..rejection import Rejection
from ..sealing import commitment as commitment_of
from ..statement_types import members_problem
from ..statements import SignedStatement
from .versions import definition

if TYPE_CHECKING:
    from ..pact import Pact
    from .versions import Version

UNSETTLED = ("pending", "assessed")


@dataclass
class Verdict:
    """A judge's latest verdict on one sealed report."""

    index: int
    time: int
    opened: bool
    words: dict[str, str]
    after_share: bool = False


@dataclass
class SealedReport:
    """One counted sealed report and what its judges said; never its value unless revealed."""

    index: int
    digest: str
    author: str
    by_developer: bool
    subject: str
    indicator: str
    time: int
    measured_at: str
    commitment: str
    judges: tuple[str, ...]
    quorum: int
    verdict_within: int
    windows: dict[str, tuple[str, ...]] = field(default_factory=dict)  # doubling red line -> digests in its window
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    judged: list[str] = field(default_factory=list)  # judges in the order of their first verdict
    shares: set[tuple[str, str]] = field(default_factory=set)  # (from, to)
    state: str = "pending"
    agreed: dict[str, str] | None = None
    assessed_at: int | None = None
    final: bool = False  # verdict_within has passed
    value: float | None = None  # only once revealed

    @property
    def due(self) -> int:
        return self.time + self.verdict_within

    def opened_words(self) -> dict[str, list[str]]:
        """Judges' latest ``opened: true`` verdicts grouped by their words (canonical key)."""
        out: dict[str, list[str]] = {}
        for j in self.judged:
            v = self.verdicts[j]
            if v.opened:
                out.setdefault(_key(v.words), []).append(j)
        return out

    def unopened(self) -> list[str]:
        return [j for j in self.judged if not self.verdicts[j].opened]

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "party": self.author, "subject": self.subject, "indicator": self.indicator,
                "time": format_time(self.time), "state": self.state, "verdicts": list(self.judged),
                "value": self.value}


def _key(words: dict[str, str]) -> str:
    return "\x00".join(f"{k}\x01{v}" for k, v in sorted(words.items()))


def words_problem(pact: Pact, indicator: str, words: dict[str, str]) -> str | None:
    """None when ``words`` names exactly the red lines a verdict on ``indicator`` must name, each with a word of its kind."""
    lines = pact.red_lines_on(indicator)
    want = {rl.id for rl in lines}
    if set(words) != want:
        missing, extra = sorted(want - set(words)), sorted(set(words) - want)
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unexpected {', '.join(extra)}"] if extra else [])
        return f"verdict: red_lines names exactly the red lines on {indicator!r} but overdue ones: {'; '.join(parts)}"
    for rl in lines:
        allowed = KINDS[rl.kind].verdict_words
        if words[rl.id] not in allowed:
            return (f"verdict: red line {rl.id!r} is a {rl.kind} red line; its word is one of "
                    f"{', '.join(sorted(allowed))}, not {words[rl.id]!r}")
    return None


class SealedRules:
    """The sealed-report rules of ``Engine`` (see the module docstring); state lives on the engine."""

    # provided by Engine
    pact: Pact
    cutoff: dict[tuple[str, str], int]
    series: dict[tuple[str, str], list[Report]]

    def _init_sealed(self) -> None:
        self.sealed: dict[str, SealedReport] = {}  # payload digest -> record, in log order
        self.commitments: set[str] = set()
        self.sealed_series: dict[tuple[str, str], list[str]] = {}  # (subject, indicator) -> digests by time
        self.duty: dict[tuple[str, str], list[Report]] = {}  # what overdue reads for a sealed indicator
        self.assessed_now: list[tuple[str, str, int, int]] = []  # (subject, indicator, time, index) at this instant
        self.sealed_unsettled: set[str] = set()  # digests time alone may still change (until verdict_within passed)
        self.disputes_l: list[dict[str, Any]] = []

    def _fork_sealed(self, view: Any) -> None:
        view.sealed = dict(self.sealed)
        for d in self.sealed_unsettled:  # only these change by time: copy them, share the rest
            view.sealed[d] = _copy(self.sealed[d])
        view.duty = {k: list(v) for k, v in self.duty.items()}
        view.assessed_now = list(self.assessed_now)
        view.sealed_unsettled = set(self.sealed_unsettled)
        view.disputes_l = list(self.disputes_l)

    # ------------------------------------------------------------------ reading

    def duty_series_for(self, dev: str, indicator: str) -> Sequence[Report]:
        """What ``overdue`` reads: the series, or for a sealed indicator the reports counting as made."""
        ind = self.pact.indicators.get(indicator)
        if ind is not None and ind.sealed:
            return self.duty.get((dev, indicator), [])
        return self.series.get((dev, indicator), [])

    @property
    def disputes(self) -> list[dict[str, Any]]:
        return [dict(d) for d in self.disputes_l]

    def sealed_states(self) -> list[dict[str, Any]]:
        return [r.as_json() for r in self.sealed.values()]

    def sealed_problem(self, ss: SignedStatement, unapplied: Sequence[SignedStatement] = ()) -> Rejection | None:
        """The lookback part of Validity for a v2 statement (rule 1), or None.

        ``unapplied``: statements already in the log (in order) that this engine has not applied yet; a
        writer passes what it appended but its engine has not caught up with.
        """
        st = ss.statement
        if st.type == "sealed_report":
            sr = st.content
            assert isinstance(sr, SealedReportBody)
            pact = self.version_for(st.t).pact
            current = {m for m, k in pact.seal_keys.items() if k not in self.revoked_keys}
            members = members_problem(current, set(sr.sealed))
            return Rejection("body", f"sealed_report: {members}") if members else None
        if st.type != "verdict":
            return None
        body = st.content
        assert isinstance(body, VerdictBody)
        if not body.opened:
            return None
        rec = self.sealed.get(body.statement)
        indicator = rec.indicator if rec is not None else None
        if indicator is None:
            earlier = next((u for u in unapplied if u.digest == body.statement and u.statement.type == "sealed_report"), None)
            if earlier is None:
                return None
            assert isinstance(earlier.statement.content, SealedReportBody)
            indicator = earlier.statement.content.indicator
        judged_under = self.version_at(rec.time).pact if rec is not None else self.pact
        problem = words_problem(judged_under, indicator, dict(body.red_lines))
        return Rejection("body", problem) if problem else None

    # ------------------------------------------------------------------ statements

    def _on_sealed_report(self, index: int, ss: SignedStatement, body: SealedReportBody) -> None:
        st = ss.statement
        if body.commitment in self.commitments:
            self._void(index, "sealed_report whose commitment an earlier sealed report used (a replayed report)")
            return
        self.commitments.add(body.commitment)
        subject = body.subject if body.subject is not None else st.party
        ind = self.pact.indicators[body.indicator]
        judges = tuple(m for m in self.pact.seal_keys if m in body.sealed and m != st.party)
        assert ind.verdict_quorum is not None  # the pact's lint: a sealed indicator has one
        need = ind.verdict_quorum.required({"monitor": len(judges)}).get("monitor", 0)
        by_dev = self.pact.party_by_id[st.party].role == "developer"
        rec = SealedReport(index, ss.digest, st.party, by_dev, subject, body.indicator, st.t, body.measured_at,
                           body.commitment, judges, need, self.pact.oversight.verdict_within)
        key = (subject, body.indicator)
        mine = self.sealed_series.setdefault(key, [])
        mine.append(ss.digest)  # log order is time order
        self.sealed[ss.digest] = rec
        for rl in self.pact.red_lines_on(body.indicator):  # now that the record is known, its own window too
            if rl.kind == "doubling":
                assert rl.window is not None
                cut = self.cutoff.get((subject, rl.id))
                inside: list[str] = []
                for d in reversed(mine):  # in time order: walk back to the window's start, no further
                    t = self.sealed[d].time
                    if t < st.t - rl.window or (cut is not None and t <= cut):
                        break
                    inside.append(d)
                rec.windows[rl.id] = tuple(reversed(inside))
        self._duty_add(rec)
        self.sealed_unsettled.add(ss.digest)
        self._schedule(rec.due, "sealed", ss.digest)
        self.timeline_h.append({"at": st.time, "event": "sealed-report", "index": index, "party": st.party,
                                "subject": subject, "indicator": body.indicator})
        if len(judges) < need or need == 0:
            self._settle_disputed(rec, st.t)

    def _on_verdict(self, index: int, ss: SignedStatement, body: VerdictBody) -> None:
        st = ss.statement
        rec = self.sealed.get(body.statement)
        if rec is None:
            self._void(index, "verdict on an unknown sealed report")
            return
        if st.party not in rec.judges:
            self._void(index, f"{st.party} is not a judge of sealed report {rec.index}")
            return
        prev = rec.verdicts.get(st.party)
        after_share = False
        if prev is not None:
            shared = any(to == st.party for _, to in rec.shares)
            if prev.opened:
                self._void(index, f"{st.party} already gave an opened verdict on sealed report {rec.index}")
                return
            if rec.final or st.t > rec.due:
                self._void(index, f"verdict_within has passed for sealed report {rec.index}: its verdicts are final")
                return
            if not shared:
                self._void(index, f"a further verdict by {st.party} on sealed report {rec.index} needs a share to it first")
                return
            after_share = True
        else:
            rec.judged.append(st.party)
        v = Verdict(index, st.t, body.opened, dict(body.red_lines), after_share)
        rec.verdicts[st.party] = v
        if not v.opened:
            self._dispute(rec, "unopened-after-share" if after_share else "unopened", [st.party], st.t)
        if rec.state == "assessed":
            if v.opened and rec.agreed is not None and v.words != rec.agreed:
                self._dispute(rec, "verdicts-differ", [st.party], st.t)
        elif rec.state == "pending":
            self._judge(rec, st.t)
        if v.opened and rec.value is not None:
            self._reveal_check(rec, [st.party], st.t)

    def _on_share(self, index: int, ss: SignedStatement, body: ShareBody) -> None:
        st = ss.statement
        rec = self.sealed.get(body.statement)
        if rec is None:
            self._void(index, "share of an unknown sealed report")
            return
        if st.party not in rec.judges or body.to not in rec.judges or body.to == st.party:
            self._void(index, f"a share of sealed report {rec.index} goes from one of its judges to another")
            return
        if self.pact.seal_keys.get(body.to) in self.revoked_keys:
            self._void(index, f"{body.to}'s seal key was revoked: nothing may be sealed to it")
            return
        mine = rec.verdicts.get(st.party)
        if mine is None or not mine.opened:
            self._void(index, f"{st.party} shares sealed report {rec.index} before its own opened verdict")
            return
        if rec.final or st.t > rec.due:
            self._void(index, f"verdict_within has passed for sealed report {rec.index}: shares are void")
            return
        rec.shares.add((st.party, body.to))

    def _on_reveal(self, index: int, ss: SignedStatement, body: RevealBody) -> None:
        st = ss.statement
        rec = self.sealed.get(body.statement)
        if rec is None:
            self._void(index, "reveal of an unknown sealed report")
            return
        if rec.author != st.party or not rec.by_developer:
            self._void(index, f"only the developer that made sealed report {rec.index} may reveal it")
            return
        if rec.value is not None:
            self._void(index, f"sealed report {rec.index} was already revealed")
            return
        if not _opens(rec, body.value, body.salt):
            self._void(index, f"the reveal does not open the commitment of sealed report {rec.index}")
            return
        rec.value = body.value
        if rec.digest not in self.sealed_unsettled:
            self.sealed[rec.digest] = rec  # (views share settled records; a reveal is an entry, never in a view)
        self.timeline_h.append({"at": st.time, "event": "reveal", "index": index, "party": st.party,
                                "statement": rec.index})
        self._reveal_check(rec, list(rec.judged), st.t)
        # doubling words of later reports of the same series whose window holds this one
        for digest in self.sealed_series.get((rec.subject, rec.indicator), ()):
            other = self.sealed[digest]
            if other is not rec and any(rec.digest in w for w in other.windows.values()):
                self._reveal_check(other, list(other.judged), st.t, doubling_only=True)

    # ------------------------------------------------------------------ judging

    def _judge(self, rec: SealedReport, m: int) -> None:
        groups = rec.opened_words()
        best = max(groups.values(), key=len, default=[])
        if rec.quorum > 0 and len(best) >= rec.quorum:
            self._assess(rec, rec.verdicts[best[0]].words, m)
        elif not self._may_agree(rec):
            self._settle_disputed(rec, m)

    def _may_agree(self, rec: SealedReport) -> bool:
        """Whether the judges' latest verdicts can still form a quorum of identical opened ones."""
        undecided = sum(1 for j in rec.judges if j not in rec.verdicts
                        or (not rec.verdicts[j].opened and not rec.final))
        best = max((len(g) for g in rec.opened_words().values()), default=0)
        return rec.quorum > 0 and best + undecided >= rec.quorum

    def _assess(self, rec: SealedReport, words: dict[str, str], m: int) -> None:
        rec.state, rec.agreed, rec.assessed_at = "assessed", dict(words), m
        # a red line reads the words only where its definition is the one they were given under (section 8)
        judged_under = {rl.id: definition(rl) for rl in self.version_at(rec.time).pact.red_lines}
        current = {rl.id: definition(rl) for rl in self.pact.red_lines}
        counted = {k: w for k, w in words.items() if current.get(k) == judged_under.get(k)}
        report = Report(rec.time, rec.index, math.nan, rec.author, words=tuple(sorted(counted.items())))
        self._count(rec.subject, rec.indicator, report)
        self._duty_add(rec)
        self.assessed_now.append((rec.subject, rec.indicator, rec.time, rec.index))
        differ = [j for j in rec.judged if rec.verdicts[j].opened and rec.verdicts[j].words != rec.agreed]
        if differ:
            self._dispute(rec, "verdicts-differ", differ, m)
        self.timeline_h.append({"at": format_time(m), "event": "assessed", "index": rec.index, "subject": rec.subject,
                                "indicator": rec.indicator, "verdict": dict(words)})

    def _settle_disputed(self, rec: SealedReport, m: int) -> None:
        rec.state = "disputed"
        self._duty_remove(rec)
        self._dispute(rec, "verdicts-differ", list(rec.judged), m)

    def _sealed_due(self, m: int, digest: str) -> None:
        """``verdict_within`` after a sealed report's time (rule 4)."""
        rec = self.sealed.get(digest)
        if rec is None or rec.final:
            return
        rec.final = True
        self.sealed_unsettled.discard(digest)  # nothing but entries changes it from now on
        unopened = rec.unopened()
        missing = [j for j in rec.judged if rec.verdicts[j].opened
                   and any((j, k) not in rec.shares for k in unopened)]
        if missing:
            self._dispute(rec, "share-missing", missing, m)
        if rec.state != "pending":
            return
        silent = [j for j in rec.judges if j not in rec.verdicts]
        if silent:
            self._dispute(rec, "verdict-missing", silent, m)
        if rec.quorum > 0 and len(unopened) >= rec.quorum:
            rec.state = "unopenable"
            self._duty_remove(rec)
            self._violation(rec.author, "sealed-unopenable", None, rec.index, m)
        elif not self._may_agree(rec):
            self._settle_disputed(rec, m)
        elif rec.by_developer:
            self._duty_remove(rec)  # pending past verdict_within: it counts again only from its assessment

    def held_at_assessment(self, rl: Any, dev: str, m: int) -> int | None:
        """The log index of a report assessed at this instant on whose cut series ``rl`` holds, or None."""
        for subject, indicator, t, index in self.assessed_now:
            if subject == dev and indicator == rl.indicator:
                cut = _CutEvidence(self, t)
                if KINDS[rl.kind].holds(cut, rl, dev, t):
                    return index
        return None

    # ------------------------------------------------------------------ disputes and reveals

    def _dispute(self, rec: SealedReport, kind: str, monitors: list[str], m: int) -> None:
        d = {"index": rec.index, "kind": kind, "monitors": list(monitors), "at": format_time(m)}
        self.disputes_l.append(d)
        self.timeline_h.append({"at": format_time(m), "event": "dispute", **{k: d[k] for k in ("index", "kind", "monitors")}})

    def _reveal_check(self, rec: SealedReport, judges: list[str], m: int, doubling_only: bool = False) -> None:
        # the red lines its judges named: those of the version it was judged under
        lines = {rl.id: rl for rl in self.version_at(rec.time).pact.red_lines_on(rec.indicator)}
        wrong: list[str] = []
        for j in judges:
            v = rec.verdicts.get(j)
            if v is None or not v.opened:
                continue
            for rid, word in v.words.items():
                rl = lines.get(rid)
                if rl is None:
                    continue
                if rl.kind == "threshold" and not doubling_only and rec.value is not None:
                    truth = "meets" if meets(rl, rec.value) else "misses"
                elif rl.kind == "doubling":
                    truth_or_none = self._revealed_doubling_word(rec, rl)
                    if truth_or_none is None:
                        continue
                    truth = truth_or_none
                else:
                    continue
                if word != truth and j not in wrong:
                    wrong.append(j)
        if wrong:
            self._dispute(rec, "reveal-contradicts", wrong, m)

    def _revealed_doubling_word(self, rec: SealedReport, rl: Any) -> str | None:
        digests = rec.windows.get(rl.id, ())
        # as a judge counts them (core.verdicts): the report itself always, the others unless unopenable or disputed
        members = [self.sealed[d] for d in digests
                   if d == rec.digest or self.sealed[d].state not in ("unopenable", "disputed")]
        if any(r.value is None for r in members):
            return None
        series = [Report(r.time, r.index, float(r.value or 0.0), r.author) for r in members]
        return doubling_word(rl, window(rl, series, rec.time))

    # ------------------------------------------------------------------ the duty series

    def _duty_add(self, rec: SealedReport) -> None:
        series = self.duty.setdefault((rec.subject, rec.indicator), [])
        r = Report(rec.time, rec.index, 0.0, rec.author)  # overdue reads its time only
        i = bisect.bisect_left(series, r)
        if i == len(series) or series[i].index != rec.index:
            series.insert(i, r)

    def _duty_remove(self, rec: SealedReport) -> None:
        series = self.duty.get((rec.subject, rec.indicator), [])
        for i, r in enumerate(series):
            if r.index == rec.index:
                del series[i]
                return

    # Provided by Engine and its other parts. Declared for the type checker only: a method defined here would
    # shadow the real one of a part that comes later in Engine's bases.
    revoked_keys: set[str]
    timeline_h: Any

    if TYPE_CHECKING:
        def version_at(self, t: int) -> Version: ...
        def version_for(self, t: int) -> Version: ...
        def _void(self, index: int, reason: str) -> None: ...
        def _schedule(self, when: int, kind: str, key: Any) -> None: ...
        def _count(self, subject: str, indicator: str, report: Report) -> None: ...
        def _violation(self, party: str, kind: str, run: str | None, index: int, at: int) -> None: ...


class _CutEvidence:
    """The engine's evidence with every series cut at ``t`` (section 8, Assessed)."""

    def __init__(self, engine: SealedRules, t: int) -> None:
        self.engine, self.t = engine, t

    def series_for(self, dev: str, indicator: str) -> Sequence[Report]:
        series = self.engine.series.get((dev, indicator), [])
        return [r for r in series if r.time <= self.t]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


def _copy(rec: SealedReport) -> SealedReport:
    out = copy.copy(rec)
    out.verdicts, out.judged, out.shares, out.windows = dict(rec.verdicts), list(rec.judged), set(rec.shares), dict(rec.windows)
    return out


def _opens(rec: SealedReport, value: float, salt: str) -> bool:
    try:
        raw = base64.b64decode(salt, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 32 or not math.isfinite(value):
        return False
    return commitment_of(rec.indicator, rec.measured_at, salt, rec.subject, value) == rec.commitment
