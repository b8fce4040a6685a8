"""Hand-built logs across pact versions, with their Merkle trees, checkpoints and statuses (for guards that chain).

``ChainLog`` wraps ``SealedLog`` (statements signed, checked and replayed by the engine) and adds what a
server would serve: RFC 6962 inclusion proofs, checkpoints signed by a version's log key and cosigned by
chosen monitor keys, status envelopes, and the ``core.chain.Step`` evidence for an amendment.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pausepact.core import merkle
from pausepact.core.canonical import canonical
from pausepact.core.chain import Included, Step
from pausepact.core.durations import format_time, parse_time
from pausepact.core.engine import Engine, status_core
from pausepact.core.notes import Checkpoint, Note, cosign, sign_note
from pausepact.core.pact import Pact
from pausepact.core.pactfile import parse_pact
from pausepact.core.status import status_envelope, status_signature
from pausepact.keyfiles import public_raw, public_text
from pausepact.party.signer import Signer

from .factory import key, pact_text
from .sealed_log import DAY, T0, SealedLog

AMENDMENT = "amendment:\n  approval: all monitors and 2/3 of developers\n  timelock: 2d\n"
V1_TEXT = pact_text() + AMENDMENT
ALL_VOTERS = ("aisi", "eval-org", "civic-audit", "lab-a", "lab-b")
NEW_AISI = 7  # the key aisi rotates to in version 2: key("aisi", 7)


def parsed(text: str) -> Pact:
    pact, diags = parse_pact(text.encode())
    assert pact is not None, [d.render("pact") for d in diags]
    return pact


def rotated(text: str, version: int = 2) -> str:
    """``text`` as version ``version`` with aisi's first key replaced by key("aisi", 7)."""
    return text.replace(f"version: {version - 1}", f"version: {version}").replace(
        public_text(key("aisi", 0)), public_text(key("aisi", NEW_AISI)))


def tightened(text: str, version: int) -> str:
    return text.replace(f"version: {version - 1}", f"version: {version}").replace("at_least: 0.95", "at_least: 0.9")


V1 = parsed(V1_TEXT)
V2_TEXT = rotated(V1_TEXT)
V2 = parsed(V2_TEXT)
V3_TEXT = tightened(V2_TEXT, 3)
V3 = parsed(V3_TEXT)


class ChainLog:
    """A log that begins under ``first``; ``amend`` proposes and votes, ``under`` moves its signers on."""

    def __init__(self, first: Pact = V1) -> None:
        self.log = SealedLog(first)
        for d in ("lab-a", "lab-b", "lab-c"):
            self.log.add(d, "sign", {}, T0)
        self.keys: dict[str, int] = {}  # party -> the key number it signs with now (0 unless rotated)

    @property
    def envelopes(self) -> list[dict[str, Any]]:
        return self.log.envelopes

    def add(self, party: str, type_: str, body: dict[str, Any], t: int) -> int:
        self.log.add(party, type_, body, t, n=self.keys.get(party, 0))
        return len(self.envelopes) - 1

    def amend(self, text: str, t: int, pid: str, voters: tuple[str, ...] = ALL_VOTERS, by: str = "aisi") -> tuple[int, list[int]]:
        """Propose ``text`` at ``t`` and have ``voters`` vote yes a second apart; (proposal index, vote indices)."""
        p = self.add(by, "propose", {"id": pid, "action": "amend", "pact": base64.b64encode(text.encode()).decode()}, t)
        votes = [self.add(v, "vote", {"proposal": pid, "choice": "yes"}, t + i + 1) for i, v in enumerate(voters)]
        return p, votes

    def under(self, pact: Pact, keys: dict[str, int] | None = None) -> None:
        """From now on every signer names ``pact``'s digest (each key keeps its seq); ``keys``: new key numbers."""
        self.keys.update(keys or {})
        for signer in self.log.parties._signers.values():
            signer.pact = pact
        for party, n in (keys or {}).items():
            self.log.parties._signers[(party, n)] = Signer(pact, party, key(party, n))

    # ------------------------------------------------------------ tree

    def leaves(self, size: int | None = None) -> list[bytes]:
        return [merkle.leaf_hash(canonical(e)) for e in self.envelopes[:size]]

    def root(self, size: int) -> bytes:
        return merkle.root_of(self.leaves(size))

    def proof(self, index: int, size: int) -> tuple[bytes, ...]:
        leaves = self.leaves(size)
        return tuple(merkle.inclusion_proof(lambda level, i: merkle.root_of(leaves[i << level:(i + 1) << level]), index, size))

    def checkpoint(self, size: int, pact: Pact, cosigners: dict[str, int] | None = None, log_key: int = 0, at: int = T0) -> str:
        """The checkpoint of ``size`` signed with log key ``log_key`` under ``pact``'s origin, cosigned by
        ``cosigners`` (party -> key number; default aisi and eval-org with key 0)."""
        text = Checkpoint(pact.origin, size, self.root(size)).text()
        lk = key("log", log_key)
        sigs = [sign_note(text, pact.origin, lk, public_raw(lk))]
        for m, n in (cosigners if cosigners is not None else {"aisi": 0, "eval-org": 0}).items():
            k = key(m, n)
            sigs.append(cosign(text, m, k, public_raw(k), at))
        return Note(text, tuple(sigs)).render()

    def included(self, index: int, size: int) -> Included:
        return Included(index, self.envelopes[index], self.proof(index, size))

    def step(self, text: str, proposal: int, votes: list[int], checkpoint: str | None = None, size: int | None = None,
             old: Pact | None = None, cosigners: dict[str, int] | None = None) -> Step:
        """The evidence for an amendment to ``text`` proposed at ``proposal``: a checkpoint just after the last vote."""
        size = size if size is not None else max([proposal, *votes]) + 1
        cp = checkpoint if checkpoint is not None else self.checkpoint(size, old or V1, cosigners)
        return Step(text.encode(), cp, self.included(proposal, size), tuple(self.included(v, size) for v in votes))

    # ------------------------------------------------------------ statuses

    def status(self, at: int, signers: dict[str, int], ttl: int = 600) -> dict[str, Any]:
        """The status of the entries timed up to ``at``, as of ``at`` (the engine follows the chain), signed by
        ``signers`` (party -> key number)."""
        size = sum(1 for e in self.envelopes if parse_time(json.loads(base64.b64decode(e["payload"]))["time"]) <= at)
        engine = Engine(self.log.pact)
        for i in range(size):
            engine.apply(i, self.log.entries[i], self.envelopes[i])
        core = status_core(engine.state_at(at, light=True), self.root(size), at, ttl)
        sigs = [status_signature(core, key(m, n), public_raw(key(m, n))) for m, n in signers.items()]
        return status_envelope(core, sigs)


def rotation_world() -> tuple[ChainLog, Step, int]:
    """Version 1 -> 2 (aisi's key rotated), approved by every monitor; (log, the step's evidence, executes_at).
    After it, lab-b reports under version 2 and aisi signs with its new key."""
    w = ChainLog()
    p, votes = w.amend(V2_TEXT, T0 + DAY, "rotate-aisi")
    step = w.step(V2_TEXT, p, votes)
    executes = T0 + 3 * DAY + 5  # approved at the fifth vote, + the 2d timelock
    w.under(V2, {"aisi": NEW_AISI})
    w.add("lab-b", "report", {"indicator": "ai_code_share", "value": 0.5, "measured_at": format_time(executes + 60)}, executes + 60)
    return w, step, executes
