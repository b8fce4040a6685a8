"""The independent verifier: trusts nothing the log operator says.

``verify_log`` checks, in order: every envelope (Validity, contract section 6,
including per-key seq and time order; for a pact that can be amended or has a
sealed indicator, the rules that look back in the log, contract v2 sections 8 and
9, by replaying the engine from the first version: no secret is needed), that the
recomputed tree matches the
checkpoint, the checkpoint's signature by the log key of the version in force at
its last entry under the origin, and that at least that version's
``oversight.witness_quorum`` distinct monitor parties cosigned it with keys not
revoked within the tree. The first failure is reported with the entry index and the reason.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..core import merkle
from ..core.canonical import canonical
from ..core.engine import Engine
from ..core.engine.versions import RECHECKED
from ..core.notes import Note, NoteError, parse_checkpoint, parse_note, verify_cosignature, verify_note
from ..core.pact import Pact
from ..core.sequence import Sequencer
from ..core.statements import Rejection
from ..errors import PausepactError
from .checking import EnvelopeChecker, decode_one


class VerificationFailed(PausepactError):
    """The log, or its checkpoint, is not what the pact requires."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


@dataclass
class VerifyReport:
    entries: int
    root: bytes
    cosigners: list[str] = field(default_factory=list)


def follows_the_log(pact: Pact, envelopes: Sequence[object] = ()) -> bool:
    """Whether Validity depends on what the log holds (v2): a pact that can be amended, one with a sealed indicator,
    or a log that holds a ``revoke`` (any pact's parties may revoke their keys)."""
    if pact.amendment is not None or any(ind.sealed for ind in pact.indicators.values()):
        return True
    return any(_is_revoke(e) for e in envelopes)


def _is_revoke(envelope: object) -> bool:
    """Whether an envelope's payload is a ``revoke`` statement (canonical JSON: the member reads exactly so)."""
    try:
        obj = json.loads(envelope) if isinstance(envelope, bytes | str) else envelope
        payload = obj["payload"] if isinstance(obj, dict) else None
        return isinstance(payload, str) and b'"type":"revoke"' in base64.b64decode(payload, validate=True)
    except (ValueError, TypeError, KeyError, RecursionError, binascii.Error):
        return False  # check_entries judges a malformed envelope


def check_entries(pact: Pact, envelopes: Sequence[object], checker: EnvelopeChecker) -> tuple[int, bytes]:
    """Validity of every entry, in order; returns the number of entries and the tree root.

    For a pact whose Validity follows the log (``follows_the_log``), a refusal a later version may
    overturn, and the order of seqs and times, are left to ``check_replayed``.
    """
    seq = Sequencer()
    cr = merkle.CompactRange()
    follows = follows_the_log(pact, envelopes)
    for i, c in enumerate(checker.check_for_order(envelopes)):
        if isinstance(c, Rejection):
            if not follows or c.code not in RECHECKED:
                raise VerificationFailed(f"entry {i}: {c.code}: {c.detail}", i)
            raw = envelopes[i]  # (JSON Lines give bytes: the leaf is the RFC 8785 form of the envelope they hold)
            cr.append(merkle.leaf_hash(canonical(json.loads(raw) if isinstance(raw, bytes | str) else raw)))
            continue
        keyid, n, t, leaf = c
        if not follows:
            try:
                seq.check_order(keyid, n, t)
            except Rejection as r:
                raise VerificationFailed(f"entry {i}: {r.code}: {r.detail}", i) from None
            seq.accept_order(keyid, n, t)
        cr.append(leaf)
    return cr.size, cr.root()


def check_replayed(pact: Pact, envelopes: Sequence[object]) -> Engine | None:
    """Validity where it depends on the log (v2): replays the engine from the first version, following
    amendments and revocations, and fails at the first entry it rejects (a verdict naming the wrong red
    lines, a statement naming a version not in force at its time, a revoked key, a developer's vote on
    anything but an amendment, a seq or time out of order). Returns the engine, or None when the pact's
    Validity does not follow the log (``check_entries`` alone decides). Needs no secret."""
    if not follows_the_log(pact, envelopes):
        return None
    engine = Engine(pact)
    for i, envelope in enumerate(envelopes):
        # signatures were verified by check_entries; a refusal it let through (RECHECKED) the engine checks anew,
        # signature included, under the version in force at the entry's time; apply judges the lookback rules too
        checked = decode_one(envelope, pact)
        before = len(engine.rejected_h)
        engine.apply(i, checked, envelope)
        if len(engine.rejected_h) > before:
            r = list(engine.rejected_h)[-1]
            raise VerificationFailed(f"entry {i}: {r['reason']}: {r['detail']}", i)
    return engine


def check_checkpoint(pact: Pact, note_text: str | bytes, size: int, root: bytes,
                     revoked: frozenset[str] = frozenset()) -> list[str]:
    """The checkpoint covers exactly (size, root), is signed by the log and cosigned by a quorum.

    ``pact`` is the version in force at the tree's last entry (its log key signs, its monitors cosign);
    a key in ``revoked`` (keyids revoked within the tree) counts for no cosignature. Returns the monitor
    parties whose cosignature verified.
    """
    try:
        note: Note = parse_note(note_text)
        cp = parse_checkpoint(note.text)
    except NoteError as e:
        raise VerificationFailed(f"checkpoint: malformed: {e}") from None
    if cp.origin != pact.origin:
        raise VerificationFailed(f"checkpoint: origin {cp.origin!r} is not the pact's {pact.origin!r}")
    log_keys = [raw for pid, raw in pact.key_owner.values() if pid == pact.log_party.id]
    if not any(verify_note(note, pact.origin, k) for k in log_keys):
        raise VerificationFailed("checkpoint: not signed by the pact's log key")
    if cp.size != size:
        raise VerificationFailed(f"checkpoint: covers {cp.size} entries, the entries file has {size}")
    if cp.root != root:
        raise VerificationFailed("checkpoint: root hash differs from the tree recomputed from the entries")
    cosigners = []
    for m in pact.monitors:
        keys = [raw for kid, (pid, raw) in pact.key_owner.items() if pid == m and kid not in revoked]
        if any(verify_cosignature(note, m, k) is not None for k in keys):
            cosigners.append(m)
    need = pact.oversight.witness_quorum
    if len(cosigners) < need:
        raise VerificationFailed(
            f"checkpoint: cosigned by {len(cosigners)} monitor(s) ({', '.join(cosigners) or 'none'}); witness_quorum is {need}")
    return cosigners


def verify_log(pact: Pact, envelopes: Sequence[object], checkpoint_note: str | bytes, checker: EnvelopeChecker) -> VerifyReport:
    """Verify entries then checkpoint; raises VerificationFailed (and nothing else) on any input."""
    size, root = check_entries(pact, envelopes, checker)
    engine = check_replayed(pact, envelopes)
    in_force = engine.pact if engine is not None else pact
    revoked = frozenset(engine.revoked_ids) if engine is not None else frozenset()
    try:
        cosigners = check_checkpoint(in_force, checkpoint_note, size, root, revoked)
    except VerificationFailed:
        raise
    except Exception:  # noqa: BLE001 - a hostile note is a failed verification, never a crash
        raise VerificationFailed("checkpoint: malformed: it cannot be read as a signed checkpoint note") from None
    return VerifyReport(size, root, cosigners)
