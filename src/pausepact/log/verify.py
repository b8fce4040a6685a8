"""The independent verifier: trusts nothing the log operator says.

``verify_log`` checks, in order: every envelope (Validity, contract section 6,
including per-key seq and time order, and for a pact with sealed indicators the
rules that look back in the log, contract v2 section 8, by replaying the engine:
no secret is needed), that the recomputed tree matches the
checkpoint, the checkpoint's signature by the pact's log key under its origin,
and that at least ``oversight.witness_quorum`` distinct monitor parties cosigned
it. The first failure is reported with the entry index and the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..core import merkle
from ..core.notes import Note, NoteError, parse_checkpoint, parse_note, verify_cosignature, verify_note
from ..core.engine import Engine
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


def check_entries(pact: Pact, envelopes: Sequence[object], checker: EnvelopeChecker) -> tuple[int, bytes]:
    """Validity of every entry, in order; returns the number of entries and the tree root."""
    seq = Sequencer()
    cr = merkle.CompactRange()
    for i, c in enumerate(checker.check_for_order(envelopes)):
        if isinstance(c, Rejection):
            raise VerificationFailed(f"entry {i}: {c.code}: {c.detail}", i)
        keyid, n, t, leaf = c
        try:
            seq.check_order(keyid, n, t)
        except Rejection as r:
            raise VerificationFailed(f"entry {i}: {r.code}: {r.detail}", i) from None
        seq.accept_order(keyid, n, t)
        cr.append(leaf)
    return cr.size, cr.root()


def check_lookback(pact: Pact, envelopes: Sequence[object]) -> None:
    """The Validity rules that look back in the log (v2: a verdict names the red lines of its report's
    indicator): replays the engine over entries already checked by ``check_entries`` and fails at the
    first entry it rejects. Needed only for a pact with a sealed indicator; a no-op otherwise."""
    if not any(ind.sealed for ind in pact.indicators.values()):
        return
    engine = Engine(pact)
    for i, envelope in enumerate(envelopes):
        checked = decode_one(envelope, pact)  # signatures were verified by check_entries
        if not isinstance(checked, Rejection) and (problem := engine.lookback_problem(checked)) is not None:
            raise VerificationFailed(f"entry {i}: {problem.code}: {problem.detail}", i)
        engine.apply(i, checked)


def check_checkpoint(pact: Pact, note_text: str | bytes, size: int, root: bytes) -> list[str]:
    """The checkpoint covers exactly (size, root), is signed by the log and cosigned by a quorum.

    Returns the monitor parties whose cosignature verified.
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
        keys = [raw for pid, raw in pact.key_owner.values() if pid == m]
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
    check_lookback(pact, envelopes)
    try:
        cosigners = check_checkpoint(pact, checkpoint_note, size, root)
    except VerificationFailed:
        raise
    except Exception:  # noqa: BLE001 - a hostile note is a failed verification, never a crash
        raise VerificationFailed("checkpoint: malformed: it cannot be read as a signed checkpoint note") from None
    return VerifyReport(size, root, cosigners)
