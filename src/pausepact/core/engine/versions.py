"""Amendments and key revocation in the engine (contract v2, section 9).

``AmendmentRules`` is the part of ``Engine`` that keeps the chain of versions; ``Engine``
inherits it so that the rules of section 9 read in one file. Its rules, as applied here:

1. **Validity per version** (``_in_version``): a statement is judged under the version in
   force at its time (a statement timed at an ``executes_at`` under the version before);
   one naming another version's digest is ``wrong-pact``. A statement by a revoked key is
   ``unknown-key`` from the entry after the ``revoke`` on. A developer's ``vote`` counts as
   valid only on an amend proposal known at that point of the log, else ``role``.
2. **Amend proposals** carry the new text; one that is void when proposed (``core.amendments``:
   not a valid pact, another id or origin, not version + 1, levels dropped or reordered,
   a revoked key or a key moved to another party, ``effective`` changed) is void. Monitors
   and bound developers vote; the quorum is ``amendment.approval`` of the version in force
   when proposed, and ``remove_approval`` as well when it drops or re-roles a signed party,
   both counted without those parties. Approved, it is ``queued`` (one at a time, in the
   order proposed) for ``amendment.timelock``, or the larger of that and both versions'
   ``status_ttl`` when the log key changes. At ``executes_at`` it is judged again: void
   then means ``cancelled``, an approval no longer met sends it back to ``active``.
3. **Cancel** of a queued amendment by a monitor withdraws its ``yes`` and counts as its
   ``no`` for the monitor part; the amendment is cancelled when that part cannot be met, or,
   for an approval without one, once a majority of monitors cancelled. A second cancel, or
   one by a monitor the amendment removes or re-keys, is void.
4. **Execution** (while in force): the new version applies from ``executes_at``; every other
   open amend proposal is cancelled. What carries over: every effect so far, seqs, levels,
   reasons, violations; a series only when its indicator keeps its ``unit``, ``reported_by``
   and ``disclosure`` (else it starts empty and ``overdue`` counts from ``executes_at``);
   cutoffs are recomputed from the raise history; open proposals lose the votes of parties no
   longer of the voting role, and are cancelled when the new version has no rule for them
   (a resume of a level without a rule, a raise above the new ``emergency.raise``, a party
   that left); a queued resumption stays queued only if the new rule still queues it.
5. **Revocation**: a party withdraws one of its current keys: a signing key it signs with or
   one listed after it (keys are ordered by authority), never its last one; or, a monitor,
   its seal key. A revoked key never returns, whatever a later version lists.

Reading (docs/amendments.md): a sealed report keeps the judges and quorum of the version it
was made under; the further rounds section 8 gives when an amendment changes its red lines are
not implemented: its verdicts keep naming the red lines of its own version.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..amendments import amendment_effects, key_holders, parsed_text, removal_quorum, timelock, void_reasons
from ..bodies import ProposeBody, RevokeBody
from ..durations import format_time, parse_time
from ..keys import keyid, parse_public_key
from ..pact import Pact
from ..rejection import Rejection
from ..statements import SignedStatement, check
from .model import EXPIRY, Proposal, Scope

RECHECKED = frozenset({"wrong-pact", "unknown-key", "role", "body"})
"""Refusals a checker made against another version that the version in force may overturn (never a signature
that does not verify: keys never move between parties, so no version makes it valid)."""


@dataclass(frozen=True)
class Version:
    """One version of the pact in the chain: in force from ``since`` (None: the first), by amend proposal ``index``."""

    version: int
    digest: str
    since: int | None
    index: int | None
    pact: Pact
    text: bytes | None = None  # the file's bytes (None for the first version: the caller holds them)

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "digest": self.digest,
                "since": None if self.since is None else format_time(self.since), "index": self.index}


class AmendmentRules:
    """The amendment and revocation rules of ``Engine`` (see the module docstring); state lives on the engine."""

    pact: Pact
    signed: dict[str, int]
    monitor_signed: dict[str, int]
    open: dict[str, Proposal]

    def _init_versions(self) -> None:
        self.versions: list[Version] = [Version(self.pact.version, self.pact.digest, None, None, self.pact)]
        self.revoked_l: list[dict[str, Any]] = []
        self.revoked_keys: set[str] = set()  # key texts, signing and seal
        self.revoked_ids: set[str] = set()  # keyids of revoked signing keys
        self.indicator_since: dict[str, int] = {}  # indicators whose series began anew at an amendment
        self._ahead: tuple[tuple[int, int], Version] | None = None  # version_for's last answer, by (size, t)

    # ------------------------------------------------------------------ reading

    @property
    def revoked(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.revoked_l]

    def version_at(self, t: int) -> Version:
        """The version in force for a statement timed ``t`` (at an ``executes_at``: the version before)."""
        for v in reversed(self.versions):
            if v.since is None or v.since < t:
                return v
        return self.versions[0]

    def version_for(self, t: int) -> Version:
        """The version in force for the next entry, timed ``t``: an amendment due before ``t`` has executed by then.

        The engine itself is settled only by counted entries (a refused entry's time moves nothing), so an
        amendment that may execute before ``t`` is executed on a view (only then: a view copies the live state).
        """
        if self.clock is None or t <= self.clock or not self.may_execute_before(t):
            return self.version_at(t)
        key = (self.size, t)
        if self._ahead is None or self._ahead[0] != key:
            self._ahead = (key, self.view(t - 1).version_at(t))
        return self._ahead[1]

    def amending(self) -> bool:
        """Whether an amend proposal is open (active or queued)."""
        return any(p.action == "amend" for p in self.open.values())

    def may_execute_before(self, t: int) -> bool:
        """Whether an amendment may execute before ``t``: one queued to execute before it, or one approved at the
        clock's instant (it queues when that instant settles) whose timelock ends before it."""
        assert self.clock is not None
        for p in self.open.values():
            if p.action != "amend":
                continue
            if p.state == "queued" and p.executes_at is not None and p.executes_at < t:
                return True
            if p.state == "active" and p.id in self.approved and self.clock + timelock(self.pact, p.new_pact) < t:
                return True
        return False

    def in_version(self, checked: SignedStatement | Rejection, envelope: Any) -> SignedStatement | Rejection:
        """Rule 1: ``checked`` as the version in force at its time, and the revoked keys, judge it."""
        if len(self.versions) > 1 or self.amending():
            if isinstance(checked, SignedStatement):
                v = self.version_for(checked.statement.t)
                if checked.statement.pact_digest != v.digest:
                    return Rejection("wrong-pact", f"statement names {checked.statement.pact_digest}, not version "
                                                   f"{v.version} in force at its time ({v.digest})")
            elif envelope is not None and checked.code in RECHECKED:
                t = _payload_time(envelope)
                if t is not None:
                    try:
                        checked = check(envelope, self.version_for(t).pact)
                    except Rejection as r:
                        return r
        if isinstance(checked, SignedStatement) and checked.keyid in self.revoked_ids:
            return Rejection("unknown-key", f"key {checked.keyid[:16]}... of {checked.statement.party} was revoked")
        return checked

    def versions_problem(self, ss: SignedStatement) -> Rejection | None:
        """Rule 1's part that looks at proposals: a developer votes only on a known amend proposal."""
        st = ss.statement
        if st.type == "vote" and self.version_for(st.t).pact.party_by_id[st.party].role == "developer":
            pid = st.content.proposal  # type: ignore[attr-defined]
            p = self.proposal(pid)
            if p is None or p.action != "amend":
                return Rejection("role", f"a developer votes only on amend proposals; {pid!r} is "
                                         + ("unknown" if p is None else f"a {p.action} proposal"))
        return None

    # ------------------------------------------------------------------ votes

    def _dropped(self, p: Proposal) -> frozenset[str]:
        """The signed parties amendment ``p`` drops or re-roles (counted neither as voters nor as members)."""
        if p.new_pact is None:
            return frozenset()
        effects = amendment_effects(self.pact, p.new_pact, {*self.signed, *self.monitor_signed})
        return frozenset((*effects.dropped, *effects.role_changed))

    def tally(self, p: Proposal, voters: list[str]) -> dict[str, int]:
        """Votes by role, as ``p``'s quorum counts them (bound developers only; dropped parties never)."""
        if p.action != "amend":
            return {"monitor": len(voters)}
        dropped, parties = self._dropped(p), self.pact.party_by_id
        return {"monitor": sum(1 for v in voters if v in parties and parties[v].role == "monitor" and v not in dropped),
                "developer": sum(1 for v in voters if v in self.signed and v not in dropped)}

    def populations_for(self, p: Proposal) -> dict[str, int]:
        dropped = self._dropped(p)
        return {"monitor": sum(1 for m in self.pact.monitors if m not in dropped),
                "developer": sum(1 for d in self.signed if d not in dropped)}

    def approval_met(self, p: Proposal) -> bool:
        """Whether ``p``'s yes votes meet its quorum (for an amendment dropping signed parties, ``remove_approval`` too)."""
        pops, yes = self.populations_for(p), self.tally(p, p.yes)
        if not self._quorum(p).met(yes, pops):
            return False
        if p.action == "amend" and self._dropped(p):
            return bool(removal_quorum(self.pact).met(yes, pops))
        return True

    def approval_unreachable(self, p: Proposal) -> bool:
        return not self._quorum(p).reachable(self.tally(p, p.no), self.populations_for(p))

    # ------------------------------------------------------------------ statements

    def _propose_amend(self, index: int, ss: SignedStatement, body: ProposeBody) -> None:
        st = ss.statement
        text = body.text
        voids = void_reasons(self.pact, text, holders=key_holders(v.pact for v in self.versions),
                             revoked=self.revoked_keys)
        if voids:
            self._void(index, "the amendment is void: " + "; ".join(f"{v.rule}: {v.message}" for v in voids[:3]))
            return
        new, _ = parsed_text(text)
        assert new is not None and self.pact.amendment is not None  # void_reasons: a valid pact, and amendable
        p = Proposal(body.id, "amend", "", None, st.party, index, st.t, last_index=index, text=text, new_pact=new,
                     quorum=self.pact.amendment.approval)
        self.open[p.id] = p
        self._votes_counted(p)
        self._schedule(p.made_at + EXPIRY, "expire", p.id)
        self.timeline_h.append({"at": st.time, "event": "proposal", "proposal": p.id, "state": "active", "index": index,
                                "action": "amend", "level": None, "party": None, "by": st.party,
                                "version": new.version, "pact_digest": new.digest})

    def _cancel_amend(self, index: int, ss: SignedStatement, p: Proposal) -> None:
        st = ss.statement
        if st.party in p.cancels:
            self._void(index, f"{st.party} already cancelled {p.id!r}")
            return
        effects = amendment_effects(self.pact, p.new_pact, {*self.signed, *self.monitor_signed})
        if st.party not in p.new_pact.party_by_id or st.party in effects.rekeyed:
            self._void(index, f"{st.party} may not cancel {p.id!r}: the amendment removes it or changes its keys")
            return
        p.cancels.append(st.party)
        p.last_index = index
        if st.party in p.yes:
            p.yes.remove(st.party)
        if st.party not in p.no:
            p.no.append(st.party)
        monitors_part = "monitor" in self._quorum(p).roles()
        pops = self.populations_for(p)
        if monitors_part:
            gone = not self._quorum(p).reachable({"monitor": self.tally(p, p.no)["monitor"], "developer": 0}, pops)
        else:
            gone = 2 * len(p.cancels) > pops["monitor"]
        if gone:
            self._close(p, "cancelled", st.t, f"cancelled by monitors ({', '.join(p.cancels)})")

    def _on_revoke(self, index: int, ss: SignedStatement, body: RevokeBody) -> None:
        st = ss.statement
        party = self.pact.party_by_id[st.party]
        key = body.key
        if key in self.revoked_keys:
            self._void(index, "the key was already revoked")
            return
        if key.startswith("ed25519:"):
            current = [k for k in party.keys if k not in self.revoked_keys]
            if key not in current:
                self._void(index, f"{key[:20]}... is not a current signing key of {st.party}")
                return
            signing = next(k for k in party.keys if _keyid_of(k) == ss.keyid)
            if party.keys.index(key) < party.keys.index(signing):
                self._void(index, "a key may revoke itself or a key listed after it, never one listed before it")
                return
            if len(current) == 1:
                self._void(index, f"revoking it would leave {st.party} with no current signing key")
                return
            self.revoked_ids.add(_keyid_of(key))
        elif party.role != "monitor" or party.seal_key != key:
            self._void(index, f"{key[:20]}... is not the current seal key of {st.party}")
            return
        self.revoked_keys.add(key)
        self.revoked_l.append({"party": st.party, "key": key, "index": index, "at": st.time})
        self.timeline_h.append({"at": st.time, "event": "revoke", "party": st.party, "key": key, "index": index,
                                "reason": body.reason})

    # ------------------------------------------------------------------ time

    def _amendments(self, m: int) -> bool:
        """Rule 2 at moment ``m``: execute, send back or cancel the queued amendment; queue the next approved one."""
        changed = False
        for p in [q for q in self.open.values() if q.action == "amend" and q.state == "queued"]:
            if p.executes_at is None or m < p.executes_at:
                continue
            voids = void_reasons(self.pact, p.text or b"", holders=key_holders(v.pact for v in self.versions),
                                 revoked=self.revoked_keys)
            if voids:
                self._close(p, "cancelled", m, "void at executes_at: " + "; ".join(f"{v.rule}: {v.message}" for v in voids[:3]))
            elif not self.approval_met(p):
                p.state, p.queued_at, p.executes_at = "active", None, None
                self.queued.discard(p.id)
                self._votes_counted(p)
                self.timeline_h.append({"at": format_time(m), "event": "proposal", "proposal": p.id, "state": "active",
                                        "reason": "its approval no longer holds at executes_at", "index": p.last_index})
                if m >= p.made_at + EXPIRY:  # active again after its 30 days: it expires as any active proposal
                    self._close(p, "expired", m, "30 days without reaching its conditions")
            else:
                self._execute(p, m)
            changed = True
        if any(q.action == "amend" and q.state == "queued" for q in self.open.values()):
            return changed
        for p in sorted((q for q in self.open.values() if q.action == "amend" and q.state == "active"), key=lambda q: q.index):
            if self.approval_met(p):
                p.state, p.queued_at, p.executes_at = "queued", m, m + timelock(self.pact, p.new_pact)
                for ids in (self.approved, self.defeatable, self.expiring):
                    ids.discard(p.id)
                self.queued.add(p.id)
                self._schedule(p.executes_at, "exec", p.id)
                self.timeline_h.append({"at": format_time(m), "event": "proposal", "proposal": p.id, "state": "queued",
                                        "executes_at": format_time(p.executes_at), "index": p.last_index})
                return True
        return changed

    def _execute(self, p: Proposal, m: int) -> None:
        old, new = self.pact, p.new_pact
        p.state, p.closed_at = "executed", m
        self.timeline_h.append({"at": format_time(m), "event": "proposal", "proposal": p.id, "state": "executed",
                                "index": p.last_index})
        self._retire(p)
        for other in [q for q in self.open.values() if q.action == "amend"]:
            self._close(other, "cancelled", m, f"amendment {p.id} executed")
        self.versions.append(Version(new.version, new.digest, m, p.index, new, p.text))
        self._switch(old, new, m)
        self.timeline_h.append({"at": format_time(m), "event": "amended", "version": new.version, "pact_digest": new.digest,
                                "index": p.index})

    def _switch(self, old: Pact, new: Pact, m: int) -> None:
        """Rule 4: the new version applies from ``m``; what carries over carries over."""
        self.pact = new
        self.rank = {lv: i for i, lv in enumerate(new.levels)}
        self.developers, self.monitors = new.developers, new.monitors
        for d in new.developers:
            self.party_scope.setdefault(d, Scope(new.resting))
            self.own_since.setdefault(d, None)
        for d in [d for d in self.party_scope if d not in new.developers]:
            del self.party_scope[d], self.own_since[d]
        for d in [d for d in self.signed if d not in new.developers]:
            del self.signed[d]
        for mo in [mo for mo in self.monitor_signed if mo not in new.monitors]:
            del self.monitor_signed[mo]
        for name, ind in new.indicators.items():
            before = old.indicators.get(name)
            if before is None or (before.unit, before.reported_by, before.disclosure) != (ind.unit, ind.reported_by, ind.disclosure):
                self.indicator_since[name] = m
                for store in (self.series, self.duty, self._pruned_len):
                    for key in [k for k in store if k[1] == name]:
                        del store[key]
        for key in [k for k in self.series if k[1] not in new.indicators]:
            del self.series[key]
        self._red_line_rank = {rl.id: self.rank[rl.raise_] for rl in new.red_lines}
        self._forget_words_of_changed_lines(old, new)
        self.cutoff = {}
        for r in self.reasons_h:  # cutoffs from the raise history, under the new red lines
            at, level = parse_time(r["at"]), self.rank[r["level"]]
            devs = [r["party"]] if r["scope"] == "party" else [d for d, t in self.signed.items() if t <= at]
            for d in devs:
                for rl in new.red_lines:
                    if self._red_line_rank[rl.id] <= level and self.cutoff.get((d, rl.id), at) <= at:
                        self.cutoff[(d, rl.id)] = at
        for q in list(self.open.values()):
            voters = {pid for pid, party in new.party_by_id.items() if party.role == "monitor"}
            q.yes, q.no = [v for v in q.yes if v in voters], [v for v in q.no if v in voters]
            why = None
            if q.action == "resume" and q.level not in new.resumption:
                why = f"version {new.version} has no resumption rule for {q.level}"
            elif q.action == "raise" and (new.emergency is None or self.rank[q.level] > self.rank[new.emergency.raise_]):
                why = f"version {new.version} allows no emergency raise to {q.level}"
            elif q.party is not None and q.party not in new.developers:
                why = f"{q.party} is no party of version {new.version}"
            if why is not None:
                self._close(q, "cancelled", m, why)
                continue
            if q.state == "queued" and self.missing_for(q, m):
                q.state, q.queued_at, q.executes_at = "active", None, None
                self.queued.discard(q.id)
                if m >= q.made_at + EXPIRY:  # active again after its 30 days: it expires as any active proposal
                    self._close(q, "expired", m, "30 days without reaching its conditions")
                    continue
            self._votes_counted(q)
        self.dirty_runs.update(self.runs)

    def _forget_words_of_changed_lines(self, old: Pact, new: Pact) -> None:
        """A sealed report's agreed words count only for red lines whose definition is unchanged (section 8: verdicts
        under another definition neither raise nor clear for it; the further rounds that would judge it again are not
        implemented, docs/engine.md)."""
        before = {rl.id: definition(rl) for rl in old.red_lines}
        changed = {rl.id for rl in new.red_lines if before.get(rl.id) not in (None, definition(rl))}
        if not changed:
            return
        for key, series in self.series.items():
            if any(r.words is not None for r in series):
                self.series[key] = [r if r.words is None else
                                    replace(r, words=tuple((k, w) for k, w in r.words if k not in changed))
                                    for r in series]

    # provided by Engine and its other parts (declared for the type checker)
    rank: dict[str, int]
    developers: list[str]
    monitors: list[str]
    party_scope: dict[str, Scope]
    own_since: dict[str, int | None]
    series: dict[Any, Any]
    duty: dict[Any, Any]
    _pruned_len: dict[Any, Any]
    cutoff: dict[tuple[str, str], int]
    _red_line_rank: dict[str, int]
    reasons_h: Any
    timeline_h: Any
    approved: set[str]
    defeatable: set[str]
    expiring: set[str]
    queued: set[str]
    dirty_runs: set[Any]
    runs: dict[Any, Any]

    clock: int | None
    size: int

    if TYPE_CHECKING:  # (a method defined here would shadow the real one of a part later in Engine's bases)
        def proposal(self, pid: str) -> Proposal | None: ...
        def _void(self, index: int, reason: str) -> None: ...
        def _schedule(self, when: int, kind: str, key: Any) -> None: ...
        def _votes_counted(self, p: Proposal) -> None: ...
        def _close(self, p: Proposal, state: str, m: int, why: str) -> None: ...
        def _retire(self, p: Proposal) -> None: ...
        def _quorum(self, p: Proposal) -> Any: ...
        def missing_for(self, p: Proposal, m: int) -> list[str]: ...
        def view(self, as_of: int) -> Any: ...




def definition(rl: Any) -> tuple[Any, ...]:
    """What makes two versions' red lines of one id the same red line for a verdict: its indicator and condition."""
    return (rl.indicator, rl.at_least, rl.at_most, rl.for_, rl.doubling_within, rl.window, rl.overdue)


def _payload_time(envelope: Any) -> int | None:
    """The ``time`` a statement envelope's payload claims (the envelope as an object, or its JSON bytes or text),
    or None when it cannot be read."""
    try:
        if isinstance(envelope, bytes | str):
            envelope = json.loads(envelope)
        obj = json.loads(base64.b64decode(envelope["payload"], validate=True))
        return parse_time(obj["time"])
    except (KeyError, TypeError, ValueError, RecursionError, binascii.Error):
        return None


def _keyid_of(text: str) -> str:
    """The keyid of a key as a valid pact or revoke body writes it (``ed25519:`` + canonical base64)."""
    return keyid(parse_public_key(text))
