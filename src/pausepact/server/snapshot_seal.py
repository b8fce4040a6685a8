"""Engine snapshots sealed with the log party's key: a database alone cannot choose the state a restart serves.

A stored snapshot is trusted in place of replaying (and re-verifying) the
entries it covers, so it must be as hard to forge as those entries. ``seal``
prefixes the engine's bytes with an Ed25519 signature by the log key over

    b"pausepact/v1/engine-snapshot\\n" + sha256(engine bytes) + size (8 bytes, big-endian)
    + root (32 bytes) + pact digest (ASCII)

and ``unseal`` gives the engine's bytes back only when one of the pact's log
keys verifies that signature for this pact, size and root. Someone who can
write the database but does not hold the log key can only make a restart
replay the whole log.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..core.pact import Pact
from ..log.store import Snapshot

DOMAIN = b"pausepact/v1/engine-snapshot\n"
MAGIC = b"pausepact-sealed-snapshot/1\n"  # ahead of the signature: tells a sealed snapshot from an older bare one
SIGNATURE = 64


def _message(pact_digest: str, size: int, root: bytes, engine_bytes: bytes) -> bytes:
    return DOMAIN + hashlib.sha256(engine_bytes).digest() + size.to_bytes(8, "big") + root + pact_digest.encode("ascii")


def seal(key: Ed25519PrivateKey, pact_digest: str, size: int, root: bytes, engine_bytes: bytes) -> Snapshot:
    """The snapshot to store for the engine's bytes covering the first ``size`` entries of the tree with ``root``."""
    signature = key.sign(_message(pact_digest, size, root, engine_bytes))
    return Snapshot(size, pact_digest, root, MAGIC + signature + engine_bytes)


def log_keys(pact: Pact) -> list[bytes]:
    """The raw Ed25519 public keys of the pact's log party."""
    party = pact.log_party.id
    return [raw for owner, raw in pact.key_owner.values() if owner == party]


def unseal(keys: list[bytes], snap: Snapshot) -> bytes | None:
    """The engine's bytes of ``snap`` if one of ``keys`` signed them for its pact, size and root; else None."""
    if not snap.data.startswith(MAGIC) or len(snap.data) < len(MAGIC) + SIGNATURE:
        return None
    signature = snap.data[len(MAGIC):len(MAGIC) + SIGNATURE]
    engine_bytes = snap.data[len(MAGIC) + SIGNATURE:]
    try:
        message = _message(snap.pact_digest, snap.size, snap.root, engine_bytes)
    except (UnicodeEncodeError, OverflowError):
        return None
    for raw in keys:
        try:
            Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
            return engine_bytes
        except (InvalidSignature, ValueError):
            continue
    return None
