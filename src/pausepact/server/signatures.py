"""Signatures monitors send the server: status signatures and checkpoint cosignatures (contract sections 4, 5, 9).

Both count only for the monitors of the version of the pact they fall under (a core names the version in
force at its ``as_of``; a checkpoint falls under the version in force at its tree's last entry), and never
when made by a key revoked within their tree. Anonymous input: each request costs at most one signature
verification per monitor key, and anything malformed is an error message, never an exception.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from ..core import merkle
from ..core.durations import parse_time
from ..core.notes import Note, NoteError, parse_checkpoint, parse_note, verify_cosignature
from ..core.pact import Pact
from ..core.status import StatusError, decode_core, signing_monitors, status_envelope
from ..log.store.base import MAX_INDEX
from . import versions

if TYPE_CHECKING:
    from .service import LogService


def add_status_signature(service: LogService, envelope: Any) -> tuple[int, str | None]:
    """Merge one monitor's signature into its core's candidate; returns (signers, error).

    A core names the version in force at its ``as_of``: it is checked against that version, and signatures
    count for that version's monitors, never by a key revoked within its tree (section 9)."""
    try:
        core, payload = decode_core(envelope)
    except StatusError as e:
        return 0, str(e)
    if not isinstance(envelope["signatures"], list) or len(envelope["signatures"]) != 1:
        return 0, "send exactly one valid monitor signature"
    size = core["tree_size"]
    if not isinstance(size, int) or not 0 <= size <= min(MAX_INDEX, service.follow_store.size()):
        return 0, "core for a tree this log does not have"
    service.settle_to(size)
    as_of_text = core.get("as_of")
    try:
        named_at = parse_time(as_of_text) if isinstance(as_of_text, str) else None
    except ValueError:
        named_at = None
    with service.engine_lock:
        now = service.clock.now()
        pact = versions.version_named(service.engine, str(core["pact_digest"]), now)
        in_force = versions.in_force_at(service.engine, named_at, now) if named_at is not None else None
        revoked = versions.revoked_within(service.engine, size)
    if pact is None:
        return 0, "core names a pact_digest that is no version of this log's pact"
    if in_force is not None and in_force.digest != pact.digest:
        return 0, (f"core names version {pact.version}, but version {in_force.version} is in force at its as_of "
                   "(a status core names the version in force at its as_of)")
    try:
        core = decode_core(envelope, pact)[0]  # every member checked, types and formats included
    except StatusError as e:
        return 0, str(e)
    as_of = parse_time(core["as_of"])
    if core["root_hash"] != merkle.root(service.follow_store.node, size).hex():
        return 0, "core names a root this log does not have"
    signers = signing_monitors(versions.without_revoked(envelope, revoked), payload, pact)  # one verification
    if len(signers) != 1:
        return 0, "send exactly one valid monitor signature (of a monitor of the version the core names, by a key not revoked)"
    digest = hashlib.sha256(payload).hexdigest()
    with service.follow_store.write():
        existing = service.follow_store.status_candidate(digest)
        sigs = json.loads(existing)["signatures"] if existing else []
        if all(s["keyid"] != envelope["signatures"][0]["keyid"] for s in sigs):
            sigs.append(envelope["signatures"][0])
        merged = status_envelope(core, sigs)
        count = len(signing_monitors(versions.without_revoked(merged, revoked), payload, pact))
        text = json.dumps(merged, separators=(",", ":"))
        service.follow_store.put_status_candidate(digest, as_of, text)
        if count >= pact.oversight.status_quorum:
            service.follow_store.put_status(size, as_of, text)
    return count, None


def cosigning(service: LogService, size: int) -> tuple[Pact, frozenset[str]]:
    """The version whose monitors cosign the checkpoint of ``size`` entries (the one in force at its last
    entry) and the keyids revoked within that tree (they count for no cosignature)."""
    service.settle_to(size)
    last = service.follow_store.entries(size - 1, size) if size else []
    t = versions.leaf_time(last[0].leaf) if last else None
    with service.engine_lock:
        pact = versions.version_in_force(service.engine, t).pact if t is not None else service.first
        return pact, versions.revoked_within(service.engine, size)

def add_cosignature(service: LogService, body: bytes) -> tuple[int, str | None]:
    """Merge valid monitor cosignatures into the stored checkpoint of that size; returns (cosigners, error).

    At most one signature line per monitor party is verified, so a request costs at most one
    verification per monitor key, whatever it carries. The monitors are those of the version in force at
    the tree's last entry, their keys less those revoked within the tree.
    """
    try:
        note = parse_note(body)
        cp = parse_checkpoint(note.text)
    except NoteError as e:
        return 0, f"not a checkpoint note: {e}"
    if not 0 <= cp.size <= MAX_INDEX:
        return 0, f"no checkpoint of size {cp.size}"
    stored = service.follow_store.checkpoint(cp.size)
    if stored is None:
        return 0, f"no checkpoint of size {cp.size}"
    merged = parse_note(stored[1])
    if merged.text != note.text:
        return 0, "the cosigned checkpoint differs from this log's checkpoint of that size"
    pact, revoked = cosigning(service, cp.size)
    added = 0
    seen: set[str] = set()
    for sig in note.signatures:
        if sig.name not in pact.monitors or sig.name in seen or sig in merged.signatures:
            continue
        seen.add(sig.name)
        single = Note(note.text, (sig,))
        if any(verify_cosignature(single, sig.name, k) is not None for k in versions.monitor_keys(pact, sig.name, revoked)):
            merged = merged.with_signature(sig)
            added += 1
    cosigners = [m for m in pact.monitors
                 if any(verify_cosignature(merged, m, k) is not None for k in versions.monitor_keys(pact, m, revoked))]
    if not added:
        return len(cosigners), "no new valid monitor cosignature"
    with service.follow_store.write():
        service.follow_store.put_checkpoint(cp.size, merged.render(), len(cosigners))
    return len(cosigners), None
