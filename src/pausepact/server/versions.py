"""What the server reads from the chain of versions of its pact (contract v2, section 9).

The server's checkers judge envelopes against the first version; once the pact was amended (or a
key revoked), the engine (``core.engine.versions``) judges them again under the version in force at
their time. These helpers are that second judgement and the other questions the server asks the
engine: which version signs a checkpoint, whose cosignatures and status signatures count, and the
text of each version (``GET /v1/pact``). Every function here takes the engine as it is (the caller
holds its lock) and does no I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ..core.durations import parse_time
from ..core.engine import Engine
from ..core.engine.versions import RECHECKED, Version
from ..core.keys import keyid, parse_public_key
from ..core.pact import Pact
from ..core.rejection import Rejection
from ..core.statements import SignedStatement, parse_envelope_json

Checked = SignedStatement | Rejection

SETTLING_TYPES = frozenset({"sign", "propose", "vote", "cancel", "revoke"})
"""Statement types after which the version in force, or the keys that count, may differ for the next statement:
an amend proposal, a vote or cancel that queues or withdraws one, a signature that changes who counts, a revocation."""


def settles(ss: SignedStatement) -> bool:
    """Whether statements after ``ss`` must be judged on a log (and an engine) that holds it."""
    return ss.statement.type in SETTLING_TYPES


def may_differ(engine: Engine) -> bool:
    """Whether the first version's judgement of a statement may differ from the engine's: the pact was amended,
    an amendment is open, or a key was revoked."""
    return len(engine.versions) > 1 or engine.amending() or bool(engine.revoked_ids)


def judged(engine: Engine, checked: Checked, envelope: Any) -> Checked:
    """``checked`` (the checker's result against the first version) as the version in force at its time judges it,
    on the log the engine has applied: a refusal may be overturned (a statement naming the new digest, by a key
    the new version lists), a statement naming a version no longer in force is ``wrong-pact``, one by a revoked
    key is ``unknown-key``. ``envelope`` is the envelope as submitted (bytes or its JSON object)."""
    if not may_differ(engine):
        return checked
    if isinstance(checked, Rejection):
        if checked.code not in RECHECKED:
            return checked
        obj = envelope_object(envelope)
        if obj is None:
            return checked
        return engine.in_version(checked, obj)
    return engine.in_version(checked, None)


def envelope_object(envelope: Any) -> Any:
    """The envelope as a JSON object (parsed when given as bytes or text), or None when it is not one."""
    if isinstance(envelope, dict):
        return envelope
    try:
        obj = parse_envelope_json(envelope)
    except Rejection:
        return None
    return obj if isinstance(obj, dict) else None


def leaf_time(leaf: bytes) -> int | None:
    """The ``time`` of the statement in a stored leaf (the RFC 8785 envelope), or None when it cannot be read."""
    try:
        envelope = json.loads(leaf)
        return parse_time(json.loads(base64.b64decode(envelope["payload"], validate=True))["time"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None


def version_in_force(engine: Engine, t: int) -> Version:
    """The version in force for an entry timed ``t`` (an amendment due before ``t`` counts as executed)."""
    return engine.version_for(t)


def revoked_within(engine: Engine, size: int) -> frozenset[str]:
    """Keyids of signing keys revoked by an entry of the first ``size`` entries: they count for no cosignature and
    no status signature over that tree (section 9, Revocation)."""
    out = set()
    for r in engine.revoked_l:
        if r["index"] < size and r["key"].startswith("ed25519:"):
            out.add(keyid(parse_public_key(r["key"])))
    return frozenset(out)


def monitor_keys(pact: Pact, monitor: str, revoked: frozenset[str]) -> list[bytes]:
    """The raw signing keys of ``monitor`` in ``pact``, less revoked ones."""
    return [raw for kid, (pid, raw) in pact.key_owner.items() if pid == monitor and kid not in revoked]


def without_revoked(envelope: dict[str, Any], revoked: frozenset[str]) -> dict[str, Any]:
    """A status envelope with the signatures of revoked keys left out."""
    sigs = envelope.get("signatures")
    if not isinstance(sigs, list) or not revoked:
        return envelope
    return {**envelope, "signatures": [s for s in sigs if not (isinstance(s, dict) and s.get("keyid") in revoked)]}


def settled_versions(engine: Engine, now: int) -> list[Version]:
    """Every version in force by ``now`` (an amendment whose ``executes_at`` has passed counts, though no entry
    followed it yet), oldest first."""
    at = max(now, engine.clock if engine.clock is not None else now)
    if not engine.amending() or engine.clock is None or not engine.may_execute_before(at + 1):
        return list(engine.versions)  # (a view copies the live state: only when an amendment may have executed)
    settled: list[Version] = engine.view(at).versions
    return list(settled)


def pact_text(engine: Engine, first_bytes: bytes, now: int, version: int | None) -> tuple[bytes, str, int] | None:
    """(text, digest, version number) of version ``version`` of the pact (None: the one in force at ``now``), or
    None when the chain has no such version (yet)."""
    chain = settled_versions(engine, now)
    found = chain[-1] if version is None else next((v for v in chain if v.version == version), None)
    if found is None:
        return None
    return (first_bytes if found.text is None else found.text), found.digest, found.version


def version_named(engine: Engine, digest: str, now: int) -> Pact | None:
    """The version of the chain whose digest is ``digest`` (a status core names the version in force at its as_of)."""
    return next((v.pact for v in settled_versions(engine, now) if v.digest == digest), None)


def in_force_at(engine: Engine, t: int, now: int) -> Version:
    """The version in force at moment ``t`` (a state or status core as of ``t`` names it): the latest whose
    ``since`` is at or before ``t``."""
    chain = settled_versions(engine, max(now, t))
    return [v for v in chain if v.since is None or v.since <= t][-1]
