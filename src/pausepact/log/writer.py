"""The append path: validate, then sequence, then store, then sign a checkpoint.

A statement is appended only if it passes Validity (contract section 6), comes
after the log's last entry in time, is not earlier than any issued status's
``as_of``, is at most ``max_skew`` behind the log's clock and at most
``max_lead`` ahead of it (the caller passes ``now``; this module reads no
clock). A refused statement gets its contract error code, is never stored and
consumes no seq. Signatures of a batch are verified on every core; while they
are, this process sequences the results already verified against the log's head
as read before the batch (no lock). The locked section then only checks that the
head, the floor and the key seqs are unchanged and stores the batch in one
transaction with its checkpoint; if another writer moved the head, the batch is
sequenced again there, so the outcome is the same as sequencing under the lock.

Each statement's fate is its own: no input in one envelope can fail the other
envelopes of its batch (a fault while checking one is that envelope's own
``malformed``). Only the store's own failures escape ``append``.

Across versions (contract v2, section 9), the caller's hooks decide what depends on the log:
``lookback`` judges each statement as the version in force at its time does (it may overturn the
checker's refusal, which was made against the first version, or refuse what the checker accepted);
``settles`` names statements that may change that judgement for later ones (an amend vote, a
revocation): the writer stores what it holds right after such a statement, before judging the next,
so that the caller judges on a log that holds it. ``version_at`` gives the version in force at a
time: each checkpoint is signed with a key of that version's ``log`` party at the time of the
tree's last entry, and a statement whose version's log key this writer does not hold is refused
``unavailable`` (answered 503) rather than signed with a wrong key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..core import merkle
from ..core.durations import format_time
from ..core.keys import keyid
from ..core.notes import Checkpoint, Note, sign_note
from ..core.pact import Pact
from ..core.sequence import Sequencer
from ..core.statements import Rejection, SignedStatement
from ..keyfiles import public_raw
from .checking import Checked, EnvelopeChecker, check_one
from .store.base import LogStore, StoreError

DEFAULT_MAX_SKEW = 300
DEFAULT_MAX_LEAD = 10
UNCHECKABLE = "the envelope could not be checked"
log = logging.getLogger("pausepact.log.writer")


@dataclass(frozen=True)
class Accepted:
    index: int
    leaf_hash: bytes


@dataclass(frozen=True)
class Refused:
    error: str
    detail: str
    log_time: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.error, "detail": self.detail}
        if self.log_time is not None:
            out["log_time"] = self.log_time
        return out


Result = Accepted | Refused

Lookback = Callable[[Checked, Any, Sequence[SignedStatement]], Checked]
"""Validity as the log decides it (v2): (the checker's result against the first version, the envelope as submitted,
the statements this plan holds before it) -> the result that stands (a statement to sequence, or its refusal)."""
NO_LOG_KEY = "unavailable"  # the writer holds no key of the log party in force: answered 503, nothing appended


class _Plan:
    """One batch sequenced against the log's head as read when the plan was made."""

    def __init__(self, store: LogStore, keyids: list[str]) -> None:
        self.store = store
        self.keyids = list(keyids)
        self.size, self.last_time = store.head()
        self.floor = store.floor()
        self.seqs = store.last_seqs(keyids)
        self.seq = Sequencer(dict(self.seqs), self.last_time, self.floor)
        self.cr = store.compact_range(self.size)
        self.leaves: list[bytes] = []
        self.nodes: list[tuple[int, int, bytes]] = []
        self.appended: list[tuple[int, SignedStatement]] = []

    def admit(self, ss: SignedStatement, now: int | None) -> Result:
        """Sequence ``ss`` after what this plan holds; a refused statement changes nothing."""
        if ss.keyid not in self.seqs and ss.keyid not in self.keyids:  # a key of a later version: read its seq now
            self.keyids.append(ss.keyid)
            self.seqs.update(self.store.last_seqs([ss.keyid]))
            if ss.keyid in self.seqs:
                self.seq.last_seq.setdefault(ss.keyid, self.seqs[ss.keyid])
        try:
            self.seq.admit(ss)
        except Rejection as r:
            log_time = format_time(max(now, self.seq.last_time, self.seq.floor)) if now is not None else None
            return Refused(r.code, r.detail, log_time if r.code == "time-order" else None)
        lh = merkle.leaf_hash(ss.leaf)
        self.nodes.extend(self.cr.append(lh))
        index = self.size + len(self.leaves)
        self.appended.append((index, ss))
        self.leaves.append(ss.leaf)
        return Accepted(index, lh)

    def current(self, store: LogStore) -> bool:
        """True when the log still has the head, floor and key seqs this plan was made against."""
        return (store.head() == (self.size, self.last_time) and store.floor() == self.floor
                and store.last_seqs(self.keyids) == self.seqs)

    def changed_seqs(self) -> dict[str, int]:
        return {k: v for k, v in self.seq.last_seq.items() if self.seqs.get(k) != v}


class LogWriter:
    """Appends statements of one pact to one store; signs a checkpoint per batch (see the module docstring)."""

    def __init__(self, store: LogStore, pact: Pact, log_key: Ed25519PrivateKey, checker: EnvelopeChecker, *,
                 max_skew: int = DEFAULT_MAX_SKEW, max_lead: int = DEFAULT_MAX_LEAD,
                 lookback: Lookback | None = None, settles: Callable[[SignedStatement], bool] | None = None,
                 version_at: Callable[[int], Pact] | None = None,
                 later_keys: Sequence[Ed25519PrivateKey] = ()) -> None:
        """``pact`` is the first version; ``log_key`` and ``later_keys`` are the log keys this writer may sign with
        (a key of the first version's log party is needed to start a new log; later keys may belong to later versions)."""
        keys = [log_key, *later_keys]
        first = [k for k in keys if pact.key_owner.get(keyid(public_raw(k)), ("",))[0] == pact.log_party.id]
        foreign = [k for k in keys if keyid(public_raw(k)) in pact.key_owner and k not in first]
        if foreign or (not first and store.checkpoint() is None):
            raise StoreError("the key given is not a key of the pact's log party: it cannot sign this log's checkpoints")
        self.store, self.pact, self.key, self.max_skew, self.checker = store, pact, first[0] if first else log_key, max_skew, checker
        self.keys = {keyid(public_raw(k)): k for k in keys}
        self.max_lead = max_lead
        self.lookback, self.settles, self.version_at = lookback, settles, version_at
        self.last_checkpoint: str | None = None  # the note signed for the last batch that appended
        self.appended: list[tuple[int, SignedStatement]] = []  # (index, statement) durably appended by the last call
        self._keyids = sorted(pact.key_owner)  # every key's seq is read in one query per batch (later keys when met)
        store.bind(pact.pact, pact.digest, pact.origin)
        if store.checkpoint() is None:
            with store.write():
                store.put_checkpoint(0, self.sign_checkpoint(0, merkle.EMPTY_ROOT).render())

    def signing_key(self, t: int) -> Ed25519PrivateKey | None:
        """The key that signs a checkpoint whose tree's last entry is timed ``t``: one of the log party's keys in the
        version in force then (the first one this writer holds); None when it holds none."""
        pact = self.version_at(t) if self.version_at is not None else self.pact
        return next((self.keys[k] for k, (pid, _) in pact.key_owner.items()
                     if pid == pact.log_party.id and k in self.keys), None)

    def append(self, envelopes: Sequence[Any], now: int | None) -> list[Result]:
        """Append what is valid, in order; one result per envelope.

        ``now`` is the log's clock. ``None`` imports history (backtests, migrations):
        skew is then not checked, every other rule is.
        """
        self.appended = []
        results: list[Result | None] = [None] * len(envelopes)
        good: list[tuple[int, SignedStatement]] = []
        signers: dict[int, Ed25519PrivateKey] = {}  # envelope -> the key a checkpoint ending with it is signed with
        # Sequenced as results stream in, against the head read now (no lock), so that this
        # process sequences while the pool still verifies; under the lock the batch is stored
        # as planned if the head has not moved, else sequenced again there.
        plan = _Plan(self.store, self._keyids)
        for i, c in enumerate(self._checked(envelopes)):
            if plan.appended and self.settles is not None and self.settles(plan.appended[-1][1]):
                # what follows is judged on a log that holds it (an amend vote, a revocation)
                self._store(plan, good, results, now, signers)
                plan, good = _Plan(self.store, self._keyids), []
            ss = self.lookback(c, envelopes[i], [s for _, s in plan.appended]) if self.lookback is not None else c
            if isinstance(ss, Rejection):
                results[i] = Refused(ss.code, ss.detail)
            elif now is not None and now - ss.statement.t > self.max_skew:
                results[i] = Refused("skew", f"time {ss.statement.time} is more than {self.max_skew}s behind the log's clock",
                                     format_time(now))
            elif now is not None and ss.statement.t - now > self.max_lead:
                results[i] = Refused("skew", f"time {ss.statement.time} is more than {self.max_lead}s ahead of the log's clock",
                                     format_time(now))
            elif (signer := self.signing_key(ss.statement.t)) is None:
                results[i] = Refused(NO_LOG_KEY, self._no_key(ss.statement.t))
            else:
                signers[i] = signer
                good.append((i, ss))
                results[i] = plan.admit(ss, now)
        if good:
            self._store(plan, good, results, now, signers)
        return [r if r is not None else Refused("malformed", "internal: no result") for r in results]

    def _no_key(self, t: int) -> str:
        pact = self.version_at(t) if self.version_at is not None else self.pact
        return (f"this server holds no private key of the log party's keys in version {pact.version} of the pact, "
                f"in force at {format_time(t)}: it cannot sign the checkpoint; its operator restarts it with "
                f"--key for that version's log key. Nothing was appended")

    def _checked(self, envelopes: Sequence[Any]) -> Iterator[Checked]:
        """One result per envelope, in order; a fault checking one envelope is its own ``malformed``, never the batch's."""
        done = 0
        try:
            for c in self.checker.stream(envelopes):
                yield c
                done += 1
        except Exception:  # noqa: BLE001 - a checker fault: check the rest alone so only its author is refused
            log.debug("the checker failed; checking the rest of the batch one by one", exc_info=True)
            for e in envelopes[done:]:
                yield self._check_alone(e)

    def _check_alone(self, envelope: Any) -> Checked:
        try:
            return check_one(envelope, self.pact)
        except Exception:  # noqa: BLE001 - hostile bytes met a decoder bug: this envelope's own refusal
            log.debug("checking one envelope failed", exc_info=True)
            return Rejection("malformed", UNCHECKABLE)

    def _store(self, plan: _Plan, good: list[tuple[int, SignedStatement]], results: list[Result | None],
               now: int | None, signers: dict[int, Ed25519PrivateKey]) -> None:
        with self.store.write():
            if not plan.current(self.store):  # another writer appended, or a status raised the floor
                plan = _Plan(self.store, self._keyids)
                for i, ss in good:
                    results[i] = plan.admit(ss, now)
            if not plan.leaves:
                return
            last = max(i for i, _ in good if isinstance(results[i], Accepted))  # the tree's last entry (time order)
            self.store.put_entries(plan.size, plan.leaves, plan.nodes, plan.changed_seqs(), plan.seq.last_time)
            note = self.sign_checkpoint(plan.cr.size, plan.cr.root(), signers[last]).render()
            self.store.put_checkpoint(plan.cr.size, note)
            self.last_checkpoint = note
        self.appended = [*self.appended, *plan.appended]  # committed

    def sign_checkpoint(self, size: int, root: bytes, key: Ed25519PrivateKey | None = None) -> Note:
        """The checkpoint note of (size, root), signed with ``key`` (default: the first version's log key)."""
        key = key if key is not None else self.key
        cp = Checkpoint(self.pact.origin, size, root)
        return Note(cp.text(), (sign_note(cp.text(), self.pact.origin, key, public_raw(key)),))
