"""The engine: a pact's state as a pure function of its log (contract section 6).

``Engine`` is a deterministic state machine. It is fed log entries in order
(``apply``), each already decoded and signature-checked by
``core.statements`` (or a ``Rejection``), and answers "what is the state at
moment m" (``state_at``). It reads no clock and does no I/O: time advances only
through statement times and the ``as_of`` a caller asks for, so any two replays
of one log give byte-identical states.

Rules it enforces, in the order it applies them:

1. **Validity.** Rejected entries and entries failing per-key seq or time order
   are listed in ``rejected`` and change nothing else.
2. **Time.** Before an entry timed t is applied, every change due before t
   happens at its exact moment. Entries at one instant are applied first, in
   log order; then every change due at that instant (``_evaluate``).
3. **In force.** The pact is in force from the moment the
   ``effective.min_developers``-th distinct developer signs; only signed
   (bound) developers are subjects, attest, and count in quorums. Before that
   no level moves and no proposal executes.
4. **Evidence.** A subject's series per indicator holds its counted reports in
   order of their own time; a ``countersigned_by`` report counts from its first
   valid countersignature by a monitor other than its author.
5. **Raising latches** (``_red_lines``; pact order of red lines, then of
   developers). A red line that holds for a bound developer raises its scope
   (``all``: the coordinated level; ``party``: that developer's party level) if
   it names a higher level. Afterwards, red lines raising to that level or lower
   consider, for the developers raised, only reports made after the raise.
6. **Emergency** raise proposals execute when their quorum of monitor ``yes``
   votes is reached (or when the pact comes into force, if later).
7. **Resumption** (``_resumptions``): a ``resume`` proposal is queued at the
   first moment its approval quorum, ``min_duration``, ``clear`` and every
   attestation hold together; it executes after its timelock unless cancelled
   by a monitor, by ``clear`` ceasing to hold, or by its scope's level changing
   first. It is defeated once ``no`` votes make the quorum unreachable, and
   expires 30 days after it was made if still active. ``clear`` for leaving
   level L judges every red line raising to L or higher, for every developer of
   the scope, on reports made after the later of its own cutoff and the last
   moment the scope was raised (``shown_clear``).
8. **Runs** (``_runs``): a run's flop is the largest ever declared for it (a
   ``start`` of an open run carries a flop like a heartbeat). A run is
   forbidden from the first moment its flop exceeds the ``max_training_flop``
   binding its party; ``run-over-limit`` for a start while the run's flop is
   above the limit or a heartbeat more than ``grace`` after it became
   forbidden; ``run-not-stopped`` at forbidden + ``grace`` without a stop,
   naming the run's latest entry.

Cost: an entry costs the live state, not the history. Closed proposals and the
history lists are append-only ``Chronicle``s that views share; what time alone
may change waits in ``agenda`` (a heap); a pass judges only the proposals whose
votes meet or defeat their quorum, queued ones, and runs whose flop or limit
changed. Module ``snapshot`` (``dump``/``load``) saves and restores
the whole state.

Example::

    engine = Engine(pact)
    for index, checked in enumerate(checked_entries):
        engine.apply(index, checked)
    state = engine.state_at(parse_time("2027-06-01T00:00:00Z"))
    state["level"], state["reasons"]
"""

from __future__ import annotations

import copy
import heapq
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..bodies import AckBody, AttestBody, CancelBody, ProposeBody, SignBody, VoteBody
from ..durations import format_time
from ..pact import Pact
from ..sequence import Sequencer
from ..statement_types import require_every_type
from ..statements import Rejection, SignedStatement
from .evidence import KINDS, EvidenceRules, Report
from .history import Chronicle
from .model import EXPIRY, PendingReport, Proposal, Run, Scope
from .runs import RunRules
from .sealed import SealedRules
from .state import full_state, light_state
from .versions import AmendmentRules


class Engine(EvidenceRules, RunRules, SealedRules, AmendmentRules):
    """Incremental replay of one pact's log; see the module docstring for the rules.

    Its parts, one module each: evidence (``EvidenceRules``, module ``evidence``), runs (``RunRules``,
    ``runs``), sealed reports (section 8: ``SealedRules``, ``sealed``), the chain of versions and revoked
    keys (section 9: ``AmendmentRules``, ``versions``). ``pact`` is the version in force.
    """

    def __init__(self, pact: Pact) -> None:
        self.pact = pact
        self.rank = {lv: i for i, lv in enumerate(pact.levels)}
        self.developers = pact.developers
        self.monitors = pact.monitors
        self.seq = Sequencer()
        self.size = 0
        self.clock: int | None = None  # the instant of the last applied statement or evaluated change
        self.pending = False  # statements at ``clock`` not yet followed by their instant's changes
        self.last_time: int | None = None
        self.signed: dict[str, int] = {}
        self.monitor_signed: dict[str, int] = {}
        self.in_force_at: int | None = None
        self.coord = Scope(pact.resting)
        self.party_scope: dict[str, Scope] = {d: Scope(pact.resting) for d in self.developers}
        self.own_since: dict[str, int | None] = {d: None for d in self.developers}
        self.cutoff: dict[tuple[str, str], int] = {}
        self.series: dict[tuple[str, str], list[Report]] = {}
        self.countersignable: dict[str, PendingReport] = {}
        self.attests: dict[tuple[str, str, str], int] = {}
        # live: open proposals in the order they were made; closed ones move to the history
        self.open: dict[str, Proposal] = {}
        self.runs: dict[tuple[str, str], Run] = {}
        # history: append-only, shared by views (see history.Chronicle)
        self.closed: Chronicle[Proposal] = Chronicle(key=lambda p: p.id)
        self.reasons_h: Chronicle[dict[str, Any]] = Chronicle()
        self.violations_h: Chronicle[dict[str, Any]] = Chronicle()
        self.void_h: Chronicle[dict[str, Any]] = Chronicle()
        self.rejected_h: Chronicle[dict[str, Any]] = Chronicle()
        self.timeline_h: Chronicle[dict[str, Any]] = Chronicle()
        self._red_line_rank = {rl.id: self.rank[rl.raise_] for rl in pact.red_lines}
        self._pruned_len: dict[tuple[str, str], int] = {}
        # what may change, indexed so that an entry costs the live state, not the history (M5):
        # the agenda is a heap of (moment, n, kind, key) at which time alone may change something;
        # stale items are dropped when met. The sets name the proposals and runs a pass must look at.
        self.agenda: list[tuple[int, int, str, Any]] = []
        self._agenda_n = 0
        self.approved: set[str] = set()  # active proposals whose yes votes meet their quorum
        self.defeatable: set[str] = set()  # active proposals whose no votes make their quorum unreachable
        self.expiring: set[str] = set()  # active proposals whose 30 days have passed
        self.queued: set[str] = set()
        self.dirty_runs: set[tuple[str, str]] = set()  # runs whose flop or limit changed
        self.grace_due: set[tuple[str, str]] = set()
        self.run_order = 0
        self.is_view = False
        self._init_sealed()
        self._init_versions()

    # ------------------------------------------------------------------ history (lists built on demand)

    @property
    def timeline(self) -> list[dict[str, Any]]:
        return list(self.timeline_h)

    @property
    def reasons(self) -> list[dict[str, Any]]:
        return list(self.reasons_h)

    @property
    def violations(self) -> list[dict[str, Any]]:
        return list(self.violations_h)

    @property
    def void(self) -> list[dict[str, Any]]:
        return list(self.void_h)

    @property
    def rejected(self) -> list[dict[str, Any]]:
        return list(self.rejected_h)

    @property
    def proposals(self) -> dict[str, Proposal]:
        """Every proposal ever made, open or closed, in the order they were made."""
        every = sorted([*self.closed, *self.open.values()], key=lambda p: p.index)
        return {p.id: p for p in every}

    def proposal(self, pid: str) -> Proposal | None:
        return self.open.get(pid) or self.closed.find(pid)

    # ------------------------------------------------------------------ feeding

    def apply(self, index: int, checked: SignedStatement | Rejection, envelope: Any = None) -> None:
        """Apply log entry ``index`` (entries must come in log order, from 0).

        ``checked`` is the entry checked against some version of the pact; once the pact was amended,
        the engine judges it again under the version in force at its time, for which a refused entry
        needs its ``envelope`` (without it, a refusal stands).
        """
        if self.is_view:
            raise ValueError("a view of the engine takes no entries; apply them to the engine")
        if index != self.size:
            raise ValueError(f"entry {index} applied out of order; expected {self.size}")
        self.size += 1
        checked = self.in_version(checked, envelope)
        if isinstance(checked, Rejection):
            self.rejected_h.append({"index": index, "reason": checked.code, "detail": checked.detail})
            return
        try:
            self.seq.check(checked)
            looked_back = self.lookback_problem(checked)
            if looked_back is not None:
                raise looked_back
        except Rejection as r:
            self.rejected_h.append({"index": index, "reason": r.code, "detail": r.detail})
            return
        self.seq.accept(checked)
        t = checked.statement.t
        if self.clock is not None and t > self.clock:
            self._settle(t, inclusive=False)
        self.clock = t
        self.last_time = t
        self.pending = True
        self._statement(index, checked)

    def lookback_problem(self, checked: SignedStatement, unapplied: Sequence[SignedStatement] = ()) -> Rejection | None:
        """The part of Validity that looks back in the log (v2), for a statement that would come next; None if none.

        ``unapplied`` are statements already in the log, in order, that this engine has not applied yet. The
        server asks before appending, so that what the engine would reject is refused instead.
        """
        return self.sealed_problem(checked, unapplied) or self.versions_problem(checked)

    def settle(self, until: int) -> None:
        """Apply every change due up to and including ``until`` (no statement may follow before it)."""
        self._settle(until, inclusive=True)

    def state_at(self, as_of: int | None = None, light: bool = False) -> dict[str, Any]:
        """The full state (contract section 5) as of ``as_of`` (default: the last statement's time).

        ``light=True`` gives only what a status core needs (levels and restrictions), without the
        history lists. Does not change the engine: later entries may still be applied.
        Raises ValueError when ``as_of`` is before the last applied statement's time (or a moment
        the engine was settled to): the engine cannot rewind, so a caller wanting an earlier state
        replays the prefix of the log timed up to it.
        """
        if as_of is None:
            as_of = self.last_time if self.last_time is not None else 0
        return (light_state if light else full_state)(self.view(as_of), as_of)

    def view(self, as_of: int) -> Engine:
        """A copy settled up to ``as_of`` (its ``timeline`` then includes changes due by then).

        The copy shares what only entries change (evidence, attestations, seqs) and the
        append-only history, and copies the rest of the live state: a view costs the size of
        the live state (open proposals and runs), not of the log's history. A view takes no
        entries; use it before applying further entries to the engine. Raises ValueError if
        ``as_of`` is before the clock.
        """
        if self.clock is not None and as_of < self.clock:
            # the engine holds only the present: entries and changes up to its clock are applied
            raise ValueError(f"state as of {format_time(as_of)} is before the engine's clock "
                             f"{format_time(self.clock)}: a state cannot be rewound; replay a prefix instead")
        view = copy.copy(self)
        view.is_view = True
        view.coord = copy.copy(self.coord)
        view.party_scope = {d: copy.copy(sc) for d, sc in self.party_scope.items()}
        view.own_since = dict(self.own_since)
        view.cutoff = dict(self.cutoff)
        # yes/no lists change only by entries: a shallow copy of each open proposal suffices
        view.open = {k: copy.copy(p) for k, p in self.open.items()}
        view.runs = {k: copy.copy(r) for k, r in self.runs.items()}
        for name in ("closed", "reasons_h", "violations_h", "void_h", "rejected_h", "timeline_h"):
            setattr(view, name, getattr(self, name).fork())
        view.agenda = list(self.agenda)
        for name in ("approved", "defeatable", "expiring", "queued", "dirty_runs", "grace_due"):
            setattr(view, name, set(getattr(self, name)))
        self._fork_sealed(view)
        if self.amending():  # an amendment may execute while the view settles: it changes what entries alone change
            view.signed, view.monitor_signed = dict(self.signed), dict(self.monitor_signed)
            view.series, view._pruned_len = dict(view.series), dict(self._pruned_len)
            view.versions, view.indicator_since = list(self.versions), dict(self.indicator_since)
        view.settle(as_of)
        return view

    # ------------------------------------------------------------------ time

    def _settle(self, until: int, inclusive: bool) -> None:
        if self.clock is None:
            self.clock = until
            self.pending = False
            return
        if self.pending:
            self._evaluate(self.clock)
            self.pending = False
        while True:
            due = self._next_due(self.clock)
            if due is None or due > until or (due == until and not inclusive):
                break
            self.clock = due
            self._evaluate(due)
        if inclusive and until > self.clock:
            self.clock = until
            self._evaluate(until)

    def _next_due(self, t: int) -> int | None:
        """The earliest moment after ``t`` at which time alone may change the state."""
        best: int | None = None

        def consider(x: int | None) -> None:
            nonlocal best
            if x is not None and x > t and (best is None or x < best):
                best = x

        # what is due for proposals and runs: the agenda, without what is past or stale
        while self.agenda and (self.agenda[0][0] <= t or not self._current(*self.agenda[0])):
            heapq.heappop(self.agenda)
        if self.agenda:
            consider(self.agenda[0][0])
        if self.in_force_at is not None:
            for rl in self.pact.red_lines:
                kind = KINDS[rl.kind]
                for d in self.signed:
                    consider(kind.next_change(self, rl, d, t))
        return best

    def _schedule(self, when: int, kind: str, key: Any) -> None:
        self._agenda_n += 1
        heapq.heappush(self.agenda, (when, self._agenda_n, kind, key))

    def _current(self, when: int, _n: int, kind: str, key: Any) -> bool:
        """Whether an agenda item still names something that may change at ``when``."""
        if kind == "sealed":
            rec = self.sealed.get(key)
            return rec is not None and not rec.final and rec.due == when
        if kind == "grace":
            run = self.runs.get(key)
            return (run is not None and run.forbidden_at is not None and not run.not_stopped_reported
                    and run.forbidden_at + run.grace == when)
        p = self.open.get(key)
        if p is None:
            return False
        if kind == "exec":
            return p.state == "queued" and p.executes_at == when
        return p.state == "active"  # expire, or wake (a resumption's min_duration ending)

    def _take_due(self, m: int) -> None:
        """Move what the agenda holds for moments up to ``m`` into the sets a pass looks at."""
        while self.agenda and self.agenda[0][0] <= m:
            item = heapq.heappop(self.agenda)
            if not self._current(*item):
                continue
            if item[2] == "expire":
                self.expiring.add(item[3])
            elif item[2] == "grace":
                self.grace_due.add(item[3])
            elif item[2] == "sealed":
                self._sealed_due(item[0], item[3])
            # exec and wake: queued and approved proposals are looked at in every pass anyway

    # ------------------------------------------------------------------ levels

    def _scope(self, party: str | None) -> Scope:
        return self.coord if party is None else self.party_scope[party]

    def own_level(self, dev: str) -> str:
        if dev not in self.signed or self.in_force_at is None:
            return self.pact.resting
        p = self.party_scope[dev].level
        return p if self.rank[p] > self.rank[self.coord.level] else self.coord.level

    def _set_level(self, party: str | None, level: str, m: int, how: dict[str, Any]) -> None:
        scope = self._scope(party)
        before = {d: self.own_level(d) for d in self.signed}
        old = scope.level
        scope.level, scope.since = level, m
        changed = {d for d in self.signed if self.own_level(d) != before[d]}
        for d in changed:
            self.own_since[d] = m
        self._limits_changed(changed)
        raising = self.rank[level] > self.rank[old]
        if raising:
            scope.raised_at = m
            for d in ([party] if party else list(self.signed)):
                for rl in self.pact.red_lines:
                    if self._red_line_rank[rl.id] <= self.rank[level]:
                        self.cutoff[(d, rl.id)] = m
            self.reasons_h.append({"red_line": how.get("red_line"), "proposal": how.get("proposal"),
                                 "party": how.get("party"), "index": how.get("index"), "at": format_time(m),
                                 "level": level, "scope": "all" if party is None else "party"})
        self.timeline_h.append({"at": format_time(m), "event": "raise" if raising else "drop",
                              "scope": "all" if party is None else party, "from": old, "to": level, **how})
        for p in list(self.open.values()):
            if p.open and p.action == "resume" and p.party == party and p.level != level:
                self._close(p, "cancelled", m, f"the level it would leave is no longer current (now {level})")

    def _close(self, p: Proposal, state: str, m: int, why: str) -> None:
        p.state, p.closed_at, p.closed_by = state, m, why
        self.timeline_h.append({"at": format_time(m), "event": "proposal", "proposal": p.id, "state": state, "reason": why,
                                "index": p.last_index})
        self._retire(p)

    def _retire(self, p: Proposal) -> None:
        """A proposal reached its final state: it leaves the live state for the history."""
        del self.open[p.id]
        self.closed.append(p)
        for ids in (self.approved, self.defeatable, self.expiring, self.queued):
            ids.discard(p.id)

    def _votes_counted(self, p: Proposal) -> None:
        """Whether ``p``'s votes now meet its quorum, or make it unreachable."""
        if self.approval_met(p):
            self.approved.add(p.id)
        else:
            self.approved.discard(p.id)
        if self.approval_unreachable(p):
            self.defeatable.add(p.id)
        else:
            self.defeatable.discard(p.id)

    def _by_index(self, ids: Iterable[str]) -> list[Proposal]:
        return sorted((self.open[i] for i in ids if i in self.open), key=lambda p: p.index)

    # ------------------------------------------------------------------ instant

    def _evaluate(self, m: int) -> None:
        for _ in range(64):  # a fixpoint: each pass can only raise, queue, execute or close
            self._take_due(m)
            changed = False
            if self.in_force_at is not None:
                changed |= self._emergencies(m)
                changed |= self._red_lines(m)
                changed |= self._resumptions(m)
                changed |= self._amendments(m)
            changed |= self._closures(m)
            self._runs(m)
            if not changed:
                break
        self.assessed_now = []  # judged on their cut series at this instant only (section 8)

    def _red_lines(self, m: int) -> bool:
        changed = False
        for rl in self.pact.red_lines:
            for d in self.developers:
                if d not in self.signed:
                    continue
                scope = self.coord if rl.scope == "all" else self.party_scope[d]
                if self.rank[rl.raise_] <= self.rank[scope.level]:
                    continue
                at_assessment = self.held_at_assessment(rl, d, m) if self.assessed_now else None
                if at_assessment is not None or self.holds(rl, d, m):
                    index = at_assessment if at_assessment is not None else self._latest_report_index(rl, d)
                    self._set_level(None if rl.scope == "all" else d, rl.raise_, m,
                                    {"red_line": rl.id, "party": d, "index": index})
                    changed = True
        return changed

    def _quorum(self, p: Proposal) -> Any:
        if p.action == "amend":
            return p.quorum
        if p.action == "raise":
            assert self.pact.emergency is not None
            return self.pact.emergency.approval
        return self.pact.resumption[p.level].approval

    def _populations(self) -> dict[str, int]:
        return {"monitor": len(self.monitors), "developer": len(self.signed)}

    def _emergencies(self, m: int) -> bool:
        changed = False
        for p in self._by_index(self.approved):
            if p.state == "active" and p.action == "raise":
                if self.approval_met(p):
                    p.state, p.executes_at, p.closed_at = "executed", m, m
                    self.timeline_h.append({"at": format_time(m), "event": "proposal", "proposal": p.id, "state": "executed",
                                            "index": p.last_index})
                    self._retire(p)
                    if self.rank[p.level] > self.rank[self.coord.level]:
                        self._set_level(None, p.level, m, {"proposal": p.id, "index": p.last_index})
                    changed = True
        return changed

    def missing_for(self, p: Proposal, m: int) -> list[str]:
        """What still keeps resume proposal ``p`` from being queued at ``m`` (empty: ready)."""
        rule = self.pact.resumption[p.level]
        scope = self._scope(p.party)
        out: list[str] = []
        need = rule.approval.required(self._populations())
        have = len(p.yes)
        if not rule.approval.met({"monitor": have}, self._populations()):
            out.append(f"{have} of {need.get('monitor', 0)} monitor approvals")
        since = scope.since if scope.since is not None else 0
        if rule.min_duration and m < since + rule.min_duration:
            out.append(f"min_duration ends {format_time(since + rule.min_duration)}")
        if rule.clear:
            for rl, d in self.clear_for(p.level, p.party, m):
                out.append(f"not yet clear: {rl.id} for {d}")
        devs = [p.party] if p.party else list(self.signed)
        for claim in rule.attestations:
            for d in devs:
                t = self.attests.get((d, claim, p.level))
                if t is None or t <= since:
                    out.append(f"{d} has not attested {claim}")
        return out

    def _resumptions(self, m: int) -> bool:
        changed = False
        # only approved (active) and queued proposals can move; others lack their votes
        for p in self._by_index(self.approved | self.queued):
            if p.action != "resume" or not p.open:
                continue
            rule = self.pact.resumption[p.level]
            if p.state == "active":
                if not self.missing_for(p, m):
                    p.state, p.queued_at, p.executes_at = "queued", m, m + rule.timelock
                    self.timeline_h.append({"at": format_time(m), "event": "proposal", "proposal": p.id, "state": "queued",
                                            "executes_at": format_time(p.executes_at), "index": p.last_index})
                    for ids in (self.approved, self.defeatable, self.expiring):
                        ids.discard(p.id)
                    self.queued.add(p.id)
                    self._schedule(p.executes_at, "exec", p.id)
                    changed = True
            if p.state == "queued":
                if rule.clear and self.clear_for(p.level, p.party, m):
                    self._close(p, "cancelled", m, "clear stopped holding")
                    changed = True
                elif p.executes_at is not None and m >= p.executes_at:
                    p.state, p.closed_at = "executed", m
                    self.timeline_h.append({"at": format_time(m), "event": "proposal", "proposal": p.id, "state": "executed",
                                            "index": p.last_index})
                    self._retire(p)
                    self._set_level(p.party, rule.to, m, {"proposal": p.id, "party": p.party, "index": p.last_index})
                    for other in list(self.open.values()):
                        if other is not p and other.open and other.action == "resume" and other.party == p.party:
                            self._close(other, "cancelled", m, f"resumption {p.id} executed")
                    changed = True
        return changed

    def _closures(self, m: int) -> bool:
        """Defeat (no votes make the quorum unreachable) and expiry (30 days active) of any proposal."""
        changed = False
        for p in self._by_index(self.defeatable | self.expiring):
            if p.state != "active":
                continue
            if self.approval_unreachable(p):
                self._close(p, "defeated", m, "no votes make the quorum unreachable")
                changed = True
            elif m >= p.made_at + EXPIRY:
                self._close(p, "expired", m, "30 days without reaching its conditions")
                changed = True
        return changed

    # ------------------------------------------------------------------ statements

    def _void(self, index: int, reason: str) -> None:
        self.void_h.append({"index": index, "reason": reason})

    def _statement(self, index: int, ss: SignedStatement) -> None:
        HANDLERS[ss.statement.type](self, index, ss, ss.statement.content)

    def _on_sign(self, index: int, ss: SignedStatement, body: SignBody) -> None:
        st = ss.statement
        if self.pact.party_by_id[st.party].role == "monitor":
            self.monitor_signed.setdefault(st.party, st.t)
            return
        if st.party in self.signed:
            return
        before = {d: self.own_level(d) for d in self.developers}
        self.signed[st.party] = st.t
        self.timeline_h.append({"at": st.time, "event": "signed", "party": st.party, "index": index})
        if self.in_force_at is None and len(self.signed) >= self.pact.effective.min_developers:
            self.in_force_at = st.t
            self.timeline_h.append({"at": st.time, "event": "in-force", "index": index,
                                  "signatories": list(self.signed)})
        elif self.in_force_at is not None and self.coord.level != self.pact.resting:
            self.own_since[st.party] = st.t
        self._limits_changed(d for d in self.developers if self.own_level(d) != before[d])
        for p in self.open.values():  # the developer population changed: quorums may have too
            if p.state == "active":
                self._votes_counted(p)

    def _on_attest(self, index: int, ss: SignedStatement, body: AttestBody) -> None:
        st = ss.statement
        self.attests[(st.party, body.claim, body.level)] = st.t

    def _on_propose(self, index: int, ss: SignedStatement, body: ProposeBody) -> None:
        st, b = ss.statement, body
        if self.proposal(b.id) is not None:
            self._void(index, f"proposal id {b.id!r} was used before")
            return
        if b.action == "amend":
            self._propose_amend(index, ss, b)
            return
        assert b.level is not None  # the body model: raise and resume name a level
        party = b.party
        if b.action == "raise":
            em = self.pact.emergency
            if party is not None:
                self._void(index, "an emergency raise is coordinated: it names no party")
                return
            if em is None:
                self._void(index, "the pact has no emergency raise")
                return
            if self.rank[b.level] > self.rank[em.raise_]:
                self._void(index, f"a raise above emergency.raise ({em.raise_})")
                return
        else:
            scope = self._scope(party)
            current = scope.level if self.in_force_at is not None else self.pact.resting
            if b.level != current or b.level not in self.pact.resumption:
                self._void(index, f"resume of {b.level!r}, which is not the current level of its scope ({current})")
                return
        p = Proposal(b.id, b.action, b.level, party, st.party, index, st.t, last_index=index)
        self.open[p.id] = p
        self._votes_counted(p)
        self._schedule(p.made_at + EXPIRY, "expire", p.id)
        rule = self.pact.resumption.get(p.level) if p.action == "resume" else None
        since = self._scope(party).since
        if rule is not None and since is not None:
            # a scope's since stays put while its resumptions are open: any level change cancels them
            self._schedule(since + rule.min_duration, "wake", p.id)
        self.timeline_h.append({"at": st.time, "event": "proposal", "proposal": p.id, "state": "active", "index": index,
                              "action": p.action, "level": p.level, "party": party, "by": st.party})

    def _on_vote(self, index: int, ss: SignedStatement, body: VoteBody) -> None:
        st, b = ss.statement, body
        p = self.proposal(b.proposal)
        if p is None or p.state != "active":
            self._void(index, f"vote on proposal {b.proposal!r}, which is {'unknown' if p is None else p.state}")
            return
        if st.party in p.yes or st.party in p.no:
            self._void(index, f"{st.party} already voted on {p.id!r}")
            return
        (p.yes if b.choice == "yes" else p.no).append(st.party)
        p.last_index = index
        self._votes_counted(p)

    def _on_cancel(self, index: int, ss: SignedStatement, body: CancelBody) -> None:
        st, b = ss.statement, body
        p = self.open.get(b.proposal)
        if p is not None and p.state == "queued" and p.action == "amend":
            self._cancel_amend(index, ss, p)
            return
        if p is None or p.state != "queued" or p.action != "resume":
            self._void(index, f"cancel of {b.proposal!r}, which is not a queued resumption or amendment")
            return
        p.last_index = index
        self._close(p, "cancelled", st.t, f"cancelled by {st.party}: {b.reason}")

    def _on_ack(self, index: int, ss: SignedStatement, body: AckBody) -> None:
        return None


Handler = Callable[[Engine, int, SignedStatement, Any], None]
"""A statement's effect: (engine, log index, the checked statement, its typed body)."""

# one handler per row of core.statement_types.TYPES, named here (never found by name at run time):
# a type without its handler stops the engine from importing
HANDLERS: dict[str, Handler] = {
    "sign": Engine._on_sign,
    "report": Engine._on_report,
    "countersign": Engine._on_countersign,
    "attest": Engine._on_attest,
    "propose": Engine._on_propose,
    "vote": Engine._on_vote,
    "cancel": Engine._on_cancel,
    "run": Engine._on_run,
    "ack": Engine._on_ack,
    "sealed_report": Engine._on_sealed_report,
    "verdict": Engine._on_verdict,
    "share": Engine._on_share,
    "reveal": Engine._on_reveal,
    "revoke": Engine._on_revoke,
}
require_every_type(HANDLERS, "core.engine.machine.HANDLERS")


def replay(pact: Pact, entries: Sequence[SignedStatement | Rejection], as_of: int | None = None) -> dict[str, Any]:
    """Full state after applying ``entries`` (those timed after ``as_of`` are left out)."""
    engine = Engine(pact)
    for i, e in enumerate(entries):
        if as_of is not None and isinstance(e, SignedStatement) and e.statement.t > as_of:
            break
        engine.apply(i, e)
    return engine.state_at(as_of)
