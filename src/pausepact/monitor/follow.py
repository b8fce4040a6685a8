"""An independent monitor: follows a log it does not trust, cosigns checkpoints, signs statuses.

Each ``step()`` (one round):

1. reads the status core the server proposes (checked member by member) and the
   newest checkpoint (its log signature must verify under the pinned pact);
2. judges the checkpoint first: its origin; not smaller than the checkpoint this
   monitor cosigned last nor than a status it signed (its high-water mark, kept
   in its state file across restarts); the same root at the same size; and an
   RFC 6962 consistency proof from the mark to it;
3. fetches new entries and replays them itself: each entry's leaf recomputed
   into its own tree (which must pass through the mark's root), each entry
   checked for Validity (contract section 6) and for the log's time promise
   (section 3), the engine applied;
4. signs the proposed core only when its tree is no smaller than the mark, it
   equals the core of its own replay of the first ``tree_size`` entries (same
   root), and ``issued_at`` is within ``max_skew`` of its own clock, not before
   the time of its last entry, and not before a status it already signed;
5. cosigns the checkpoint (C2SP tlog-cosignature v1) once its own tree has the
   checkpoint's root;
6. with seal keys (contract v2 section 8), once its replay has reached the
   checkpoint: gives its verdicts on the sealed reports it judges and shares its
   openings (``verdicts.Judge``).

Each mark is written to the state file before the signature leaves the monitor.

Across versions (contract v2, section 9): the replay starts from the first version and follows the
amendments and revocations in the log. An entry the first version refuses but a later one may accept is
judged when the engine applies it (an entry the engine rejects is evidence: Alarm), and every entry of a
checkpoint's tree is applied before it is cosigned. A checkpoint is cosigned only when signed by the log
key of the version in force at its last entry, and a core only when it names the version in force at its
``as_of``; both are signed only while this monitor is a monitor of that version with a key not revoked
(otherwise it signs nothing and says why, once).

Evidence against the log operator (a fork, a rollback below the mark, an entry
that fails Validity, a malformed signed checkpoint, an entry with no canonical
form) raises ``Alarm``: the alarm is written to the state file, and a monitor with
an alarm on file signs nothing until a person clears it (``--clear-alarm``).
Answers that are merely unusable (transport errors, refusals, malformed unsigned
answers) raise ``ServerFault``: a warning; nothing is signed that round.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ..clock import Clock
from ..core import merkle
from ..core.canonical import JsonError, canonical
from ..core.durations import format_time, parse_time
from ..core.engine import Engine, light_state, status_core
from ..core.engine.versions import RECHECKED
from ..core.keys import keyid
from ..core.notes import Checkpoint, Note, NoteError, cosign, parse_checkpoint, verify_note
from ..core.pact import Pact
from ..core.sequence import Sequencer
from ..core.statements import Rejection, SignedStatement
from ..core.status import status_envelope, status_signature
from ..errors import PausepactError
from ..keyfiles import public_raw
from ..log.checking import Checked, check_one
from ..party.client import PactClient
from .feed import Feed, ServerFault
from .state import MonitorState
from .verdicts import Judge

log = logging.getLogger("pausepact.monitor")

KEEP = 8192          # recent roots and entry times kept in memory (more than BATCH): enough to judge recent cores
BATCH = 5000         # entries fetched and replayed per round at most: a restart on a long log catches up in rounds
AHEAD = 1000         # how far beyond the newest checkpoint a proposed core may reach and still be judged


class Alarm(PausepactError):
    """The log showed this monitor evidence against its operator (a fork, a rollback, an invalid entry)."""

    exit_code = 3


ForkDetected = Alarm  # the name earlier versions used; a fork is one kind of alarm


class Monitor:
    """One monitor party following one log; ``step()`` is one round. Not thread-safe."""

    def __init__(self, client: PactClient, party: str, key: Ed25519PrivateKey, clock: Clock,
                 state: MonitorState, max_skew: int = 300, request_deadline: float = 60.0,
                 seal_keys: Sequence[X25519PrivateKey] = ()) -> None:
        """``seal_keys``: this monitor's seal keys, the pact's current one first, then retired ones; without
        them it gives no verdicts on sealed reports."""
        self.client, self.pact, self.party, self.key, self.clock = client, client.pact, party, key, clock
        self.public = public_raw(key)
        self.state = state
        self.max_skew = max_skew
        self.request_deadline = request_deadline
        state.bind(self.pact.origin, self.pact.pact, party)
        if state.alarm:
            raise Alarm(self._alarm_text())
        self.engine = Engine(self.pact)
        self.tree = merkle.CompactRange()
        self.roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
        self.times: dict[int, int] = {}                       # entry index -> its statement time (recent entries)
        self.sequence = Sequencer()                           # Validity's per-key seq and time order, at fetch time
        self.pending: list[tuple[int, Checked, Any]] = []  # fetched (with the envelope), not yet applied to the engine
        self.refusals: set[str] = set()  # why this monitor may not sign, each said once
        self.signed_cores: set[bytes] = set()
        self.cosigned: set[int] = set()
        self.judge = Judge(client, party, key, seal_keys, state, clock) if seal_keys else None

    # ------------------------------------------------------------------ alarms

    def _alarm_text(self) -> str:
        return (f"monitor {self.party} holds an alarm and signs nothing: {self.state.alarm}"
                f"{' (since ' + self.state.alarm_at + ')' if self.state.alarm_at else ''}. "
                "Investigate (docs/monitor.md), then restart with --clear-alarm.")

    def _alarm(self, what: str, evidence: str | None = None) -> Alarm:
        """Record ``what`` as this monitor's alarm (durably) and return the exception to raise."""
        self.state.alarm, self.state.alarm_at = what, format_time(self.clock.now())
        self.state.alarm_evidence = evidence[:64 * 1024] if evidence else None
        log.critical("%s: ALARM, REFUSING TO SIGN: %s", self.party, what)
        try:
            self.state.save()
        except PausepactError as e:  # the refusal must not depend on the disk
            log.critical("%s: the alarm could not be written: %s", self.party, e.diagnostics())
        return Alarm(self._alarm_text())

    def record(self, problem: str) -> None:
        """Note a problem that is not evidence (a warning) in the state file, for the people who run the monitor."""
        try:
            self.state.record_incident(format_time(self.clock.now()), problem)
        except PausepactError as e:
            log.error("%s: %s", self.party, e.diagnostics())

    # ------------------------------------------------------------------ one round

    def step(self) -> dict[str, Any]:
        """One round; returns what it did (for logs and tests). Raises Alarm or ServerFault (nothing signed then)."""
        if self.state.alarm:
            raise Alarm(self._alarm_text())
        try:
            return self._round()
        except (Alarm, ServerFault):
            raise
        except Exception:
            # a fault of this monitor's own (a bug met by odd data) may have left the replay half-done:
            # start it over from entry 0 next round rather than judge anything on it
            self._forget_replay()
            raise

    def _forget_replay(self) -> None:
        self.engine = Engine(self.pact)
        self.tree = merkle.CompactRange()
        self.roots = {0: merkle.EMPTY_ROOT}
        self.times = {}
        self.sequence = Sequencer()
        self.pending = []

    def _versions(self) -> list[Pact]:
        """The versions a core may name or whose log key may sign a checkpoint: the chain the replay followed, and a
        queued amendment's version (its checkpoints may come before this monitor has the entries that execute it)."""
        queued = [p.new_pact for p in self.engine.open.values() if p.action == "amend" and p.new_pact is not None]
        return [*(v.pact for v in self.engine.versions), *queued]

    def _may_sign(self, pact: Pact) -> str | None:
        """Why this monitor may not sign as a monitor of ``pact`` with its key (None: it may); warned once."""
        kid = keyid(self.public)
        why = None
        if pact.key_owner.get(kid, ("",))[0] != self.party or self.party not in pact.monitors:
            why = f"its key is not a key of monitor {self.party} in version {pact.version} of the pact"
        elif kid in self.engine.revoked_ids:
            why = f"its key {kid[:16]}... was revoked: it signs nothing more with it (give it a current key)"
        if why is not None and why not in self.refusals:
            self.refusals.add(why)
            log.warning("%s: signs nothing: %s", self.party, why)
            self.record(f"signs nothing: {why}")
        return why

    def _round(self) -> dict[str, Any]:
        feed = Feed(self.client, self.request_deadline, self._versions())
        try:
            core, unusable = feed.proposed_core(), None
        except ServerFault as e:
            # (it may name a version this replay has not reached yet: the replay still goes on this round)
            core, unusable = None, e
        try:
            note = feed.checkpoint()
        except ServerFault:
            self._read_ahead(feed)  # it may be signed by the log key of a version this replay has not reached yet
            raise
        cp = self._judge_checkpoint(feed, note)
        if unusable is not None:
            self._fetch(feed, cp.size)
            self._apply(self.tree.size)
            raise unusable
        target = cp.size
        if core is not None and cp.size < core["tree_size"] <= cp.size + AHEAD:
            target = core["tree_size"]
        self._fetch(feed, target)
        ready = self._judge_checkpoint_root(cp, note)
        did: dict[str, Any] = {}
        if core is not None:
            did["status"] = self._consider_core(feed, core)
        if ready is None:  # every entry of its tree judged by the engine (Validity across versions) first
            self._apply(cp.size)
            ready = self._judge_signer(cp, note)
        did["checkpoint"] = self._cosign(feed, note, cp) if ready is None else ready
        self._apply(self.tree.size)
        if self.judge is not None and self.engine.size >= cp.size:  # judged on the whole log it was shown
            try:
                sent = self.judge.round(self.engine)
            except PausepactError as e:  # its state file could not be written: nothing more is sent this round
                log.error("%s: sealed reports: %s", self.party, e.diagnostics())
                self.record(e.diagnostics())
                sent = []
            if sent:
                did["sealed"] = "; ".join(sent)
        return did

    # ------------------------------------------------------------------ the checkpoint, judged first

    def _judge_checkpoint(self, feed: Feed, note: Note) -> Checkpoint:
        """The checkpoint, or Alarm if it contradicts what this monitor signed before."""
        try:
            cp = parse_checkpoint(note.text)
        except NoteError as e:
            raise self._alarm(f"the log signed a malformed checkpoint ({e})", note.render()) from None
        if cp.origin != self.pact.origin:
            raise self._alarm(f"the log signed a checkpoint for origin {cp.origin!r}, not {self.pact.origin!r}", note.render())
        st = self.state
        for size, what in ((st.cosigned_size, "the checkpoint this monitor cosigned"),
                           (st.status_size, "the tree of a status this monitor signed")):
            if cp.size < size:
                raise self._alarm(f"the log's newest checkpoint has size {cp.size}, smaller than {what} (size {size}): "
                                  "the log was rolled back or shows this monitor a split view", note.render())
        if st.cosigned_size and cp.size == st.cosigned_size and cp.root.hex() != st.cosigned_root:
            raise self._alarm(f"checkpoint of size {cp.size} has root {cp.root.hex()}, but this monitor cosigned root "
                              f"{st.cosigned_root} at that size: the log is not consistent with itself", note.render())
        if st.cosigned_size and cp.size > st.cosigned_size:
            proof = feed.consistency_proof(st.cosigned_size, cp.size)
            try:
                merkle.verify_consistency(st.cosigned_size, cp.size, bytes.fromhex(st.cosigned_root), cp.root, proof)
            except merkle.ProofError as e:
                raise self._alarm(f"checkpoint of size {cp.size} is not consistent with the one of size "
                                  f"{st.cosigned_size} this monitor cosigned: {e}", note.render()) from None
        return cp

    def _judge_checkpoint_root(self, cp: Checkpoint, note: Note) -> str | None:
        """None when the checkpoint may be cosigned; else why not (Alarm when its root differs from the replay)."""
        if cp.size == 0:
            return "nothing to cosign (empty log)"
        if self.tree.size < cp.size:
            return f"not judged yet (replayed {self.tree.size} of {cp.size} entries)"
        mine = self.roots.get(cp.size)
        if mine is None:
            return "not judged (older than what this monitor keeps)"
        if mine != cp.root:
            raise self._alarm(f"checkpoint of size {cp.size} has root {cp.root.hex()}, but the entries served recompute "
                              f"to {mine.hex()}: the log shows different histories (not consistent)", note.render())
        return None

    def _judge_signer(self, cp: Checkpoint, note: Note) -> str | None:
        """None when the checkpoint is signed by a log key of the version in force at its last entry and this monitor
        may cosign as a monitor of that version; else why not (a warning: nothing is cosigned)."""
        t = self.times.get(cp.size - 1)
        if t is None or self.engine.size < cp.size:
            return "not judged (older than what this monitor keeps)"
        pact = self.engine.version_at(t).pact
        if not any(verify_note(note, pact.origin, raw) for pid, raw in pact.key_owner.values() if pid == pact.log_party.id):
            log.warning("%s: checkpoint %d is not signed by the log key of version %d, in force at its last entry",
                        self.party, cp.size, pact.version)
            return f"refused: not signed by the log key of version {pact.version}, in force at its last entry"
        why = self._may_sign(pact)
        return None if why is None else f"refused: {why}"

    def _cosign(self, feed: Feed, note: Note, cp: Checkpoint) -> str:
        if cp.size in self.cosigned:
            return "already cosigned"
        # the mark is durable before the cosignature leaves: after a crash the monitor never signs below it
        if cp.size > self.state.cosigned_size:
            self.state.cosigned_size, self.state.cosigned_root = cp.size, cp.root.hex()
            self.state.save()
        sig = cosign(note.text, self.party, self.key, self.public, self.clock.now())
        self.cosigned.add(cp.size)
        feed.post_cosignature(Note(note.text, note.signatures).with_signature(sig).render())
        return f"cosigned {cp.size}"

    # ------------------------------------------------------------------ entries

    def _read_ahead(self, feed: Feed) -> None:
        """Replay the entries the log serves beyond this replay, at most BATCH, with no checkpoint to bound them.

        Entries are signed by their parties, so they may be judged before a checkpoint covers them (an invalid
        one is still an Alarm): a monitor learns from them the amendments that change the log key or the
        version a core names. Nothing is signed on them until a checkpoint it can verify covers them."""
        budget = BATCH
        while budget > 0:
            try:
                envelopes = feed.entries(self.tree.size, self.tree.size + min(budget, 256))
            except ServerFault:
                break
            for env in envelopes:
                self._take(env)
            budget -= len(envelopes)
            if len(envelopes) < 256:
                break
        self._apply(self.tree.size)

    def _fetch(self, feed: Feed, upto: int) -> None:
        """Fetch and judge entries up to ``upto`` (exclusive), at most BATCH this round."""
        budget = BATCH
        while self.tree.size < upto and budget > 0:
            envelopes = feed.entries(self.tree.size, min(upto, self.tree.size + budget))
            for env in envelopes:
                self._take(env)
            budget -= len(envelopes)
        for table in (self.roots, self.times):
            if len(table) > 2 * KEEP:
                for k in sorted(table)[:-KEEP]:
                    del table[k]

    def _take(self, envelope: Any) -> None:
        """One entry: into the tree (which must pass through the mark), then Validity; Alarm on any evidence."""
        index, st = self.tree.size, self.state
        try:
            leaf = canonical(envelope)
        except JsonError as e:
            raise self._alarm(f"entry {index} has no canonical JSON form, so it cannot be a leaf of the log ({e})",
                              repr(envelope)[:4096]) from None
        self.tree.append(merkle.leaf_hash(leaf))
        size, root = self.tree.size, self.tree.root()
        self.roots[size] = root
        for mark, mark_root, what in ((st.cosigned_size, st.cosigned_root, "checkpoint this monitor cosigned"),
                                      (st.status_size, st.status_root, "status this monitor signed")):
            if size == mark and root.hex() != mark_root:
                raise self._alarm(f"the entries served recompute to root {root.hex()} at size {size}, not to the root "
                                  f"{mark_root} of the {what}: the log is not consistent with what this monitor signed")
        checked = check_one(envelope, self.pact)
        if isinstance(checked, Rejection) and checked.code in RECHECKED and self.pact.amendment is not None:
            # a later version may accept it: the engine judges it when it applies it (an Alarm if it rejects it)
            t_claimed = _claimed_time(envelope)
            if t_claimed is not None:
                self._after_status(index, t_claimed, leaf)
                self.times[index] = t_claimed
                self.pending.append((index, checked, envelope))
                return
        try:
            if isinstance(checked, Rejection):
                raise checked
            self.sequence.check(checked)
        except Rejection as r:
            raise self._alarm(f"the log contains entry {index}, which fails Validity ({r}): evidence against the log "
                              "operator", leaf.decode()) from None
        self.sequence.accept(checked)
        t = checked.statement.t
        self._after_status(index, t, leaf)
        self.times[index] = t
        self.pending.append((index, checked, envelope))

    def _after_status(self, index: int, t: int, leaf: bytes) -> None:
        """Alarm when entry ``index``, outside the tree of a status this monitor signed, is timed before its as_of."""
        st = self.state
        if index >= st.status_size and st.status_issued_at is not None and t < parse_time(st.status_issued_at):
            raise self._alarm(f"entry {index} is timed {format_time(t)}, before the as_of {st.status_issued_at} of the status "
                              f"this monitor signed for tree size {st.status_size} (contract section 3)", leaf.decode())

    def _apply(self, upto: int) -> None:
        """Apply judged entries to the engine up to ``upto`` (exclusive); Alarm on an entry the engine rejects."""
        done = 0
        for index, checked, envelope in self.pending:
            if index >= upto:
                break
            done += 1
            if index < self.engine.size:
                continue
            if isinstance(checked, Rejection):  # the version in force at its time judges it (section 9)
                checked = self.engine.in_version(checked, envelope)
            before = len(self.engine.rejected_h)
            self.engine.apply(index, checked)
            if len(self.engine.rejected_h) > before:
                del self.pending[:done]
                why = list(self.engine.rejected_h)[-1]
                self._forget_replay()  # (the engine holds the entry; a cleared alarm replays from the start)
                raise self._alarm(f"the log contains entry {index}, which fails Validity ({why['reason']}: {why['detail']}): "
                                  "evidence against the log operator", canonical(envelope).decode())
            if self.judge is not None and isinstance(checked, SignedStatement):
                self.judge.take(index, checked, self.engine)
        del self.pending[:done]

    # ------------------------------------------------------------------ the status core

    def _consider_core(self, feed: Feed, core: dict[str, Any]) -> str:
        payload = canonical(core)
        if payload in self.signed_cores:
            return "already signed"
        size, issued = core["tree_size"], parse_time(core["issued_at"])
        st = self.state
        last_signed = parse_time(st.status_issued_at) if st.status_issued_at else None
        mark = max(st.cosigned_size, st.status_size)
        if size < mark:
            return self._below_mark(core, size, issued, mark, last_signed)
        if last_signed is not None and issued < last_signed:
            return "refused: issued_at is before that of a status this monitor signed"
        if size < self.engine.size:
            return "not judged (for a tree this monitor has passed)"
        if size > self.tree.size:
            return f"not judged yet (replayed {self.tree.size} of {size} entries)"
        now = self.clock.now()
        if abs(issued - now) > self.max_skew:
            return "refused: issued_at is not within max-skew of this monitor's clock"
        if size and self.times.get(size - 1) is None:
            return "not judged (older than what this monitor keeps)"
        if size and issued < self.times[size - 1]:
            return f"refused: issued_at is before the time of entry {size - 1}, the last of its tree"
        self._apply(size)
        try:
            view = self.engine.view(issued)  # the version in force at issued_at: its digest, ttl and monitors
            own = status_core(light_state(view, issued), self.roots[size], issued, view.pact.oversight.status_ttl)
        except ValueError as e:  # a state as of a moment the engine has passed
            return f"refused: {e}"
        if (why := self._may_sign(view.pact)) is not None:
            return f"refused: {why}"
        if canonical(own) != payload:
            log.error("%s: refusing a status core that differs from its own replay: %s vs %s", self.party, core, own)
            return "refused: differs from this monitor's replay"
        # the mark is durable before the signature leaves: after a crash the monitor never signs below it
        st.status_size, st.status_root, st.status_issued_at = size, core["root_hash"], core["issued_at"]
        st.save()
        self.signed_cores.add(payload)
        feed.post_status_signature(status_envelope(core, [status_signature(core, self.key, self.public)]))
        return f"signed status at {size}"

    def _below_mark(self, core: dict[str, Any], size: int, issued: int, mark: int, last_signed: int | None) -> str:
        """A core for a tree smaller than the mark is never signed; when it is provably fresh it is a rollback: Alarm.

        An honest server proposes a core for its whole tree and, before it does, raises its floor
        (contract section 3): every later entry is timed at or after the core's ``issued_at``. So a
        core is merely late when ``issued_at`` is at most the time of entry ``tree_size`` (the first
        entry outside its tree); later than that, it claims a state as of a moment when the log
        already held more: an older prefix presented as current.
        """
        refusal = f"refused: for tree size {size}, smaller than the tree this monitor already signed for (size {mark})"
        if last_signed is not None and issued <= last_signed:
            return refusal
        next_time = self.times.get(size)
        if next_time is None:
            return refusal
        if issued > next_time:
            raise self._alarm(f"the log proposes a fresh status (issued_at {core['issued_at']}) for tree size {size}, "
                              f"older than the tree of size {mark} this monitor signed, whose entry {size} is timed "
                              f"{format_time(next_time)}: an older prefix of the log presented as current",
                              canonical(core).decode())
        return refusal


def _claimed_time(envelope: Any) -> int | None:
    """The ``time`` an envelope's statement claims, or None when it cannot be read (the entry is then judged at once)."""
    try:
        return parse_time(json.loads(base64.b64decode(envelope["payload"], validate=True))["time"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None


__all__ = ["Alarm", "ForkDetected", "Monitor", "ServerFault"]
