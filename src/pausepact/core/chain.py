"""Following a chain of pact versions, as a guard does (contract v2 section 9, Statuses across versions).

A guard pinned to version N accepts a status naming version M > N only with evidence for every
step k -> k+1 (k = N .. M-1), checked here from bytes alone (no I/O, no clock but the ``now`` given):

1. **The text** of version k+1, as served by ``GET /v1/pact?version=k+1``: a valid pact that passes
   ``core.amendments.chain_step_problems`` against version k (same ``pact`` and ``origin``,
   ``version`` + 1, levels kept, first level kept).
2. **The amend proposal**: a log entry whose envelope verifies with version k's keys and names version
   k's digest (``core.statements.check`` with version k's pact), an ``amend`` ``propose`` whose
   ``pact`` is exactly that text. So each step's digest is the one the next step names: version k+1's
   proposal names k+1's digest, and the status names M's.
3. **Yes votes** on it by ``status_quorum`` distinct monitors of version k: entries after the proposal,
   each verifying with version k's keys, a ``vote`` naming the proposal's id with choice ``yes``.
   Other votes given are not counted (and need no proof).
4. **A checkpoint** of version k's log: the note's log signature verifies under its ``origin`` with a
   key of version k's ``log`` party, and ``witness_quorum`` distinct monitors of version k cosign it.
5. **Inclusion**: the proposal and every counted vote are in that checkpoint's tree (RFC 6962
   inclusion proofs, leaf = the RFC 8785 bytes of the envelope).

``follow(pinned, steps, digest)`` checks the steps in order and returns the versions reached, the
last one with ``digest``; ``accept_status`` then requires the status to be valid for that version
(``core.status.verify_status``: ``status_quorum`` signatures of version M's monitors, and the
caller's rollback memory). Every failure raises ``ChainError`` (and nothing else) with a one-line
message naming the version that could not be reached and what is missing.

What a guard cannot see (docs/guard.md, "Following amendments"): it does not read the whole log, so
it cannot tell a yes vote that the engine counted from one that was void (a monitor's second vote),
withdrawn by a ``cancel``, or given to an earlier proposal that used the same id; the witnesses'
cosignatures and the new version's status quorum are what vouch for the rest.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import merkle
from .amendments import chain_step_problems
from .bodies import ProposeBody, VoteBody
from .canonical import JsonError, canonical, strict_loads
from .keys import b64decode_strict
from .notes import Checkpoint, NoteError, parse_checkpoint, parse_note, verify_cosignature, verify_note
from .pact import Pact
from .pactfile import parse_pact
from .rejection import Rejection
from .statements import SignedStatement, check
from .status import AcceptedStatus, StatusError, verify_status

MAX_STEPS = 64
"""The most versions a guard follows at once (a server naming a longer chain is refused; re-pin by hand)."""


class ChainError(ValueError):
    """A chain of versions that cannot be followed; the message says which version and why (one line)."""


@dataclass(frozen=True)
class Included:
    """One log entry and its inclusion proof in the step's checkpoint."""

    index: int
    envelope: Mapping[str, Any]
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class Step:
    """The evidence for one amendment: version ``k`` -> ``k + 1``."""

    text: bytes  # version k+1's exact file bytes
    checkpoint: str  # a signed, cosigned checkpoint note of version k
    proposal: Included
    votes: tuple[Included, ...]


def named_digest(envelope: Any) -> str | None:
    """The ``pact_digest`` a status envelope's payload names, read without checking anything else (None when it
    cannot be read). Only for choosing which version to verify the status with: ``verify_status`` checks it."""
    try:
        payload = envelope.get("payload") if isinstance(envelope, dict) else None
        core = strict_loads(b64decode_strict(payload)) if isinstance(payload, str) else None
        digest = core.get("pact_digest") if isinstance(core, dict) else None
    except (ValueError, JsonError, RecursionError):
        return None
    return digest if isinstance(digest, str) else None


def checkpoint_problem(pact: Pact, note_text: str) -> tuple[Checkpoint | None, str | None]:
    """(the checkpoint, None) when ``note_text`` is a checkpoint of ``pact``'s log signed with its ``log`` key and
    cosigned by ``witness_quorum`` distinct monitors of ``pact``; else (None, why not)."""
    try:
        note = parse_note(note_text)
        cp = parse_checkpoint(note.text)
    except NoteError as e:
        return None, f"the checkpoint is not a signed checkpoint note: {e}"
    if cp.origin != pact.origin:
        return None, f"the checkpoint's origin {cp.origin[:80]!r} is not the pact's {pact.origin!r}"
    keys = _party_keys(pact)
    if not any(verify_note(note, pact.origin, k) for k in keys.get(pact.log_party.id, [])):
        return None, f"the checkpoint of size {cp.size} is not signed by version {pact.version}'s log key"
    cosigners = [m for m in pact.monitors if any(verify_cosignature(note, m, k) is not None for k in keys.get(m, []))]
    if len(cosigners) < pact.oversight.witness_quorum:
        return None, (f"the checkpoint of size {cp.size} is cosigned by {len(cosigners)} monitor(s) of version {pact.version} "
                      f"({', '.join(cosigners) or 'none'}); witness_quorum is {pact.oversight.witness_quorum}")
    return cp, None


def verify_step(old: Pact, step: Step) -> Pact:
    """Version ``old.version + 1``, once ``step`` proves it follows ``old``; else ChainError saying why."""
    target = old.version + 1
    where = f"version {target}"

    def fail(why: str) -> ChainError:
        return ChainError(f"cannot follow the pact from version {old.version} to {target}: {why}")

    new, diagnostics = parse_pact(step.text)
    if new is None:
        first = next((d for d in diagnostics if d.severity == "error"), None)
        raise fail(f"the text served as {where} is not a valid pact"
                   + (f" (line {first.line}: {' '.join(first.message.split())[:200]})" if first else ""))
    problems = chain_step_problems(old, new)
    if problems:
        raise fail(f"the text served as {where} cannot follow version {old.version} ({problems[0].rule}: {problems[0].message})")
    proposal = _statement(old, step.proposal, "the amend proposal", fail)
    body = proposal.statement.content
    if proposal.statement.type != "propose" or not isinstance(body, ProposeBody) or body.action != "amend":
        raise fail(f"entry {step.proposal.index} is not an amend proposal")
    if body.text != step.text:
        raise fail(f"the amend proposal at entry {step.proposal.index} carries another text than the one served as {where} "
                   f"(digest {new.digest})")
    cp, why = checkpoint_problem(old, step.checkpoint)
    if cp is None:
        raise fail(str(why))
    problem = _inclusion_problem(cp, step.proposal)
    if problem is not None:
        raise fail(f"the amend proposal (entry {step.proposal.index}) {problem}")
    counted: dict[str, int] = {}
    unproven: list[str] = []
    for vote in step.votes:
        try:
            ss = _statement(old, vote, "a vote", fail)
        except ChainError:
            continue  # a vote that does not verify is not counted; the quorum below says what is missing
        content, party = ss.statement.content, ss.statement.party
        if ss.statement.type != "vote" or not isinstance(content, VoteBody) or content.proposal != body.id \
                or content.choice != "yes" or vote.index <= step.proposal.index \
                or old.party_by_id[party].role != "monitor" or party in counted:
            continue
        problem = _inclusion_problem(cp, vote)
        if problem is None:
            counted[party] = vote.index
        else:
            unproven.append(f"{party}'s vote (entry {vote.index}) {problem}")
    need = old.oversight.status_quorum
    if len(counted) < need:
        raise fail(f"amendment {body.id!r} (entry {step.proposal.index}) has proven yes votes of {len(counted)} monitor(s) of "
                   f"version {old.version} ({', '.join(sorted(counted)) or 'none'}); a guard follows an amendment only with yes "
                   f"votes of status_quorum ({need}) monitors of the version it amends" + (f"; {unproven[0]}" if unproven else ""))
    return new


def follow(pinned: Pact, steps: Sequence[Step], digest: str) -> list[Pact]:
    """The versions after ``pinned`` that ``steps`` prove, in order, the last with ``digest``; else ChainError."""
    if not steps:
        raise ChainError(f"no evidence given to follow the pact from version {pinned.version} to the version with digest {digest}")
    if len(steps) > MAX_STEPS:
        raise ChainError(f"the chain from version {pinned.version} has {len(steps)} steps; a guard follows at most {MAX_STEPS}")
    out: list[Pact] = []
    current, last_index = pinned, -1
    for step in steps:
        if step.proposal.index <= last_index:
            raise ChainError(f"cannot follow the pact from version {current.version}: its amend proposal (entry "
                             f"{step.proposal.index}) is not after the previous one (entry {last_index})")
        current = verify_step(current, step)
        last_index = step.proposal.index
        out.append(current)
    if current.digest != digest:
        raise ChainError(f"the chain from version {pinned.version} ends at version {current.version} ({current.digest}), "
                         f"not at the status's {digest}")
    return out


def accept_status(envelope: Any, pinned: Pact, steps: Sequence[Step], now: int, previous: AcceptedStatus | None = None,
                  max_skew: int = 300) -> tuple[AcceptedStatus, Pact]:
    """The status accepted and the version it is valid for: ``pinned`` when the status names its digest (``steps``
    unused), else the version ``steps`` lead to (``follow``). Raises StatusError (the status itself is not valid) or
    ChainError (its version cannot be followed), and nothing else."""
    digest = named_digest(envelope)
    if digest is None or digest == pinned.digest or not steps:
        return verify_status(envelope, pinned, now, previous, max_skew), pinned
    target = follow(pinned, steps, digest)[-1]
    try:
        return verify_status(envelope, target, now, previous, max_skew), target
    except StatusError as e:
        raise StatusError(f"status for version {target.version}: {e}") from None


# ---------------------------------------------------------------- parts

def _party_keys(pact: Pact) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for party, raw in pact.key_owner.values():
        out.setdefault(party, []).append(raw)
    return out


def _statement(pact: Pact, entry: Included, what: str, fail: Callable[[str], ChainError]) -> SignedStatement:
    try:
        return check(dict(entry.envelope), pact)
    except Rejection as r:
        raise fail(f"{what} at entry {entry.index} is not a statement of version {pact.version} ({r.code}: "
                   f"{str(r.detail)[:160]})") from None


def _inclusion_problem(cp: Checkpoint, entry: Included) -> str | None:
    if not 0 <= entry.index < cp.size:
        return f"is not in the checkpoint's tree of size {cp.size}"
    try:
        merkle.verify_inclusion(entry.index, cp.size, merkle.leaf_hash(canonical(dict(entry.envelope))), list(entry.proof), cp.root)
    except (merkle.ProofError, binascii.Error, ValueError) as e:
        return f"is not proven in the checkpoint of size {cp.size}: {e}"
    return None


__all__ = ["MAX_STEPS", "ChainError", "Included", "Step", "accept_status", "checkpoint_problem", "follow", "named_digest",
           "verify_step"]
