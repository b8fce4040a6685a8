"""Fetching the evidence a guard needs to follow its pact to a newer version (contract v2 section 9).

``fetch_steps(client, pinned, digest)`` reads, for each version k = pinned + 1, ... until one whose
text has ``digest``: the text (``GET /v1/pact?version=k``), where the evidence for its amendment is
(``GET /v1/amendments?version=k``, an extension: the amend proposal's index, the indices of the
monitors' yes votes and a checkpoint of version k-1 covering them), those entries
(``GET /v1/entries``) and their inclusion proofs (``GET /v1/proof/inclusion``). It checks nothing
but the shape of the answers; ``core.chain`` judges the evidence, step by step as it arrives. Any failure raises ``ChainError``
with one line saying what could not be fetched.
"""

from __future__ import annotations

from typing import Any

from ...core.chain import MAX_STEPS, ChainError, Included, Step, verify_step
from ...core.notes import NoteError, parse_checkpoint, parse_note
from ...core.pact import Pact
from ..client import ClientError, PactClient

MAX_VOTES = 64  # vote indices read per amendment (a pact has far fewer monitors; a hostile answer is cut short)


def _index(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53 else None


def _included(client: PactClient, index: int, size: int) -> Included:
    got = client.entries(index, index + 1)
    if not got:
        raise ChainError(f"the server has no entry {index}")
    return Included(index, got[0]["envelope"], tuple(client.inclusion_proof(index, size)))


def fetch_step(client: PactClient, version: int) -> Step:
    """The evidence for the amendment that made ``version``, as the server gives it; ChainError when it cannot."""
    try:
        text = client._request("GET", "/v1/pact", params={"version": version})
        info = client._object("GET", "/v1/amendments", params={"version": version})
    except ClientError as e:
        raise ChainError(f"cannot fetch version {version} of the pact or the evidence for its amendment: {e}") from None
    proposal, votes, note = _index(info.get("proposal")), info.get("votes"), info.get("checkpoint")
    if proposal is None or not isinstance(votes, list) or not isinstance(note, (str, type(None))):
        raise ChainError(f"the server's answer for version {version}'s amendment lacks proposal, votes or checkpoint")
    if note is None:
        raise ChainError(f"the server has no checkpoint cosigned by the witnesses of version {version - 1} that covers "
                         f"the amendment to version {version} yet")
    try:
        size = parse_checkpoint(parse_note(note).text).size
    except NoteError as e:
        raise ChainError(f"the checkpoint given for version {version}'s amendment is malformed: {e}") from None
    try:
        entries = [_included(client, proposal, size)]
        entries += [_included(client, i, size) for i in (_index(v) for v in votes[:MAX_VOTES]) if i is not None and i < size]
    except ClientError as e:
        raise ChainError(f"cannot fetch the entries of version {version}'s amendment: {e}") from None
    return Step(text, note, entries[0], tuple(entries[1:]))


def fetch_steps(client: PactClient, pinned: Pact, digest: str, max_steps: int = MAX_STEPS) -> list[Step]:
    """Evidence for versions ``pinned.version + 1`` up to the one whose text has ``digest``; ChainError if none has
    within ``max_steps`` versions, or at the first step that does not hold (``core.chain.verify_step``: nothing
    more is fetched for a chain that is already broken)."""
    steps: list[Step] = []
    current = pinned
    for version in range(pinned.version + 1, pinned.version + 1 + max_steps):
        step = fetch_step(client, version)
        current = verify_step(current, step)
        steps.append(step)
        if current.digest == digest:
            return steps
    raise ChainError(f"no version of the pact from {pinned.version + 1} to {pinned.version + max_steps} has the digest "
                     f"{digest[:80]} that the status names")


__all__ = ["fetch_step", "fetch_steps"]
