"""Submitting a report as the pact says: in public, or sealed when its indicator is sealed (contract v2 section 8).

``submit_report`` is what ``pausepact submit report|sealed_report`` and every
collector's ``--submit`` call, so a lab never needs to know which of its
indicators are sealed: the pact decides. A sealed report's opening is kept
(``party.openings``) before anything is sent and again, with its statement
digest, once the log accepted it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.pact import Pact
from ..errors import PausepactError
from .client import PactClient
from .openings import Opening, OpeningStore, default_openings_path
from .sealing import seal_report
from .signer import Signer


@dataclass(frozen=True)
class SubmittedReport:
    """What the log accepted: the server's receipt, the statement's type and payload digest, and for a sealed
    report its opening (value, salt, commitment) and the file that keeps it."""

    receipt: dict[str, Any]
    type: str
    statement: str
    opening: Opening | None = None
    openings: Path | None = None
    monitors: tuple[str, ...] = ()

    def sealed_json(self) -> dict[str, Any] | None:
        """What the lab that ran it may see of a sealed report: the commitment, the statement, the monitors it was
        sealed to, the openings file (never the salt: with the value, it opens the commitment)."""
        if self.opening is None:
            return None
        return {"commitment": self.opening.commitment, "statement": self.statement, "index": self.receipt.get("index"),
                "monitors": list(self.monitors), "openings": str(self.openings)}


def payload_digest(envelope: Mapping[str, Any]) -> str:
    """Lowercase hex SHA-256 of an envelope's DSSE payload bytes (what ``verdict``, ``share`` and ``reveal`` name)."""
    return hashlib.sha256(base64.b64decode(envelope["payload"])).hexdigest()


def openings_store(client: PactClient, party: str, path: Path | None) -> OpeningStore:
    return OpeningStore(path if path is not None else default_openings_path(client.pact.origin, party))


def submit_report(client: PactClient, signer: Signer, body: Mapping[str, Any], openings: Path | None = None,
                  salt: bytes | None = None, time: int | None = None) -> SubmittedReport:
    """Sign and submit ``body`` (a ``report`` body) as a ``report``, or as a ``sealed_report`` when the pinned pact
    says its indicator is sealed (sealed, committed and its opening kept; see the module).

    The body is sealed once: should the client re-sign (a lagging clock, a seq race), it is the same commitment
    and the same members, under a new ``time`` and ``seq``. ``salt``: the report's salt, drawn fresh unless given
    (a caller that binds it into the evidence gives it). Raises InputError before anything is sent for a value
    that cannot be sealed, ClientError when the log refuses.
    """
    name = body.get("indicator")
    ind = client.pact.indicators.get(name) if isinstance(name, str) else None
    if ind is None or not ind.sealed:
        receipt, env = client.submit_signed(signer, "report", dict(body), time)
        return SubmittedReport(receipt, "report", payload_digest(env))
    revoked = _revoked_seal_keys(client)
    sealed_body, opening = seal_report(client.pact, signer.party, body, salt, revoked)
    store = openings_store(client, signer.party, openings)
    store.add(opening)  # before sending: a salt is never lost to a crash
    kept_salt = base64.b64decode(opening.salt)

    def resealed(pact: Pact) -> dict[str, Any]:
        """After following an amendment: the same commitment (same salt), members sealed under the new digest."""
        nonlocal opening
        again, opening = seal_report(pact, signer.party, body, kept_salt, revoked)
        store.add(opening)
        return again

    receipt, env = client.submit_signed(signer, "sealed_report", sealed_body, time, rebuild=resealed)
    statement = payload_digest(env)
    kept = opening.accepted(statement, int(receipt["index"]))
    store.add(kept)
    return SubmittedReport(receipt, "sealed_report", statement, kept, store.path, tuple(sealed_body["sealed"]))


def _revoked_seal_keys(client: PactClient) -> frozenset[str]:
    """The seal keys revoked on the log (section 9: a revoked seal key gets no more members). A pact whose
    monitors have no seal key needs none; a log that cannot say is asked nothing more (the log refuses a report
    sealed to a revoked key, and the lab hears why)."""
    if not client.pact.seal_keys:
        return frozenset()
    try:
        revoked = client.state().get("revoked", [])
    except PausepactError:
        return frozenset()
    return frozenset(r["key"] for r in revoked if isinstance(r, dict) and str(r.get("key", "")).startswith("x25519:"))


__all__ = ["SubmittedReport", "openings_store", "payload_digest", "submit_report"]
