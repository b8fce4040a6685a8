"""A statement step turned into what a party would send, and sent.

``prepare`` resolves what a script writes for people into the contract's body: ``of: ID`` (a
countersign, verdict, share or reveal of an earlier step's statement) becomes the statement's payload
digest, a ``reveal`` takes the value and salt its author kept, a ``revoke`` names the key's public text,
an ``amend`` step becomes a ``propose`` with ``action: amend`` carrying the new version's bytes.
``submit`` signs with the version of the pact in force and sends; a ``report`` of an indicator that
version seals is sealed as ``pausepact submit`` seals it (``party.sealing.seal_report``: a fresh salt,
the commitment, one member per monitor) and its opening is kept in the rehearsal's folder
(``openings/PARTY.jsonl``, mode 0600), never printed.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from ..core.durations import format_time
from ..core.pact import Pact
from ..party.openings import Opening, OpeningStore
from ..party.sealing import seal_report
from .script import REFERS, Action
from .world import RehearsalError, World


@dataclass
class Submitted:
    """What the log accepted for one step: its index, payload digest, why it was void, a sealed report's opening
    (kept by its author), and the narration line (set by the driver)."""

    index: int
    statement: str
    type: str
    void: str | None = None
    opening: Opening | None = None
    says: str = ""


def prepare(a: Action, now: int, submitted: dict[str, Submitted]) -> tuple[str, dict[str, Any]]:
    """The statement type and body ``a`` sends at ``now``; RehearsalError when an ``of`` names no statement it can use."""
    if a.kind == "amend":
        spec = a.statement()
        assert a.amendment is not None
        body = {"id": spec["id"], "action": "amend", "pact": base64.b64encode(a.amendment).decode("ascii")}
        if "rationale" in spec:
            body["rationale"] = spec["rationale"]
        return "propose", body
    body = dict(a.statement())
    if a.kind == "report" and "measured_at" not in body:
        body["measured_at"] = format_time(now)
    if a.kind in REFERS and "of" in body:
        of = body.pop("of")
        sub = submitted.get(of) if isinstance(of, str) else None
        if sub is None:
            raise RehearsalError(f"of: {of!r} names no statement the log accepted")
        body["statement"] = sub.statement
        if a.kind == "reveal":
            if sub.opening is None:
                raise RehearsalError(f"of: {of!r} is not a sealed report made in this rehearsal: there is nothing to reveal")
            body.setdefault("value", sub.opening.value)  # another value rehearses a lie: void, it opens nothing
            body.setdefault("salt", sub.opening.salt)
    if a.kind == "revoke" and a.revoked is not None:
        body["key"] = a.revoked
    return a.kind, body


def submit(w: World, a: Action, pact: Pact, type_: str, body: dict[str, Any]) -> Submitted:
    """Sign ``body`` for ``pact`` as the step's party and key and submit it (ClientError when the log refuses;
    InputError, before anything is sent, for a value that cannot be sealed)."""
    step = a.step
    signer = w.signer(step.by, step.key, pact)
    indicator = pact.indicators.get(body.get("indicator", "")) if type_ == "report" else None
    if indicator is None or not indicator.sealed:
        receipt, env = w.client.submit_signed(signer, type_, body)
        return Submitted(int(receipt["index"]), _digest(env), type_, receipt.get("void"))
    sealed_body, opening = seal_report(pact, step.by, body)
    store = OpeningStore(w.openings / f"{step.by}.jsonl")
    store.add(opening)  # before sending, as pausepact submit does: a salt is never lost
    receipt, env = w.client.submit_signed(signer, "sealed_report", sealed_body)
    digest = _digest(env)
    opening = opening.accepted(digest, int(receipt["index"]))
    store.add(opening)
    return Submitted(int(receipt["index"]), digest, "sealed_report", receipt.get("void"), opening)


def _digest(envelope: dict[str, Any]) -> str:
    return hashlib.sha256(base64.b64decode(envelope["payload"])).hexdigest()
