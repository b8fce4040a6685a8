"""An independent monitor: follows a log it does not trust, cosigns, signs statuses.

Each ``step()``:

1. reads the status core the server proposes and the newest checkpoint (whose log
   signature must verify under the pinned pact);
2. fetches new entries and replays them itself: every entry checked (Validity),
   the tree recomputed leaf by leaf, the engine applied;
3. signs the status core only when it equals the core of its own replay of the
   first ``tree_size`` entries (same root), and ``issued_at`` is within
   ``max_skew`` of its own clock;
4. checks the checkpoint's root against its own tree and its consistency with the
   checkpoint it cosigned last (an RFC 6962 consistency proof from the server),
   then cosigns it (C2SP tlog-cosignature v1).

A checkpoint inconsistent with one it already cosigned (a split view or a
rewrite) raises ``ForkDetected``; the alarm is written to the monitor's state
file, and a monitor with an alarm on file refuses to run until a person clears
it (``--clear-alarm``), so the refusal is loud and persistent.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .checking import check_one
from .client import ClientError, PactClient
from .clock import Clock
from .core import merkle
from .core.canonical import canonical
from .core.durations import parse_time
from .core.engine import Engine, status_core
from .core.notes import Note, cosign, parse_checkpoint, parse_note
from .core.statements import Rejection
from .core.status import status_envelope, status_signature
from .errors import PausepactError
from .keyfiles import public_raw

log = logging.getLogger("pausepact.monitor")


class ForkDetected(PausepactError):
    """The log showed this monitor a history inconsistent with one it cosigned."""

    exit_code = 3


@dataclass
class MonitorState:
    """What a monitor keeps across restarts: the last checkpoint it cosigned, and any alarm."""

    path: Path | None
    cosigned_size: int = 0
    cosigned_root: str = ""
    alarm: str | None = None
    _extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> MonitorState:
        if path is None or not path.exists():
            return cls(path)
        data = json.loads(path.read_text())
        return cls(path, data.get("cosigned_size", 0), data.get("cosigned_root", ""), data.get("alarm"))

    def save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"cosigned_size": self.cosigned_size, "cosigned_root": self.cosigned_root, "alarm": self.alarm}))
        tmp.replace(self.path)


class Monitor:
    def __init__(self, client: PactClient, party: str, key: Ed25519PrivateKey, clock: Clock,
                 state: MonitorState, max_skew: int = 300) -> None:
        self.client, self.pact, self.party, self.key, self.clock = client, client.pact, party, key, clock
        self.public = public_raw(key)
        self.state = state
        self.max_skew = max_skew
        self.engine = Engine(self.pact)
        self.tree = merkle.CompactRange()
        self.roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
        self.signed_cores: set[bytes] = set()
        self.cosigned: set[int] = set()
        if state.alarm:
            raise ForkDetected(f"monitor {party} holds an alarm and refuses to continue: {state.alarm}\n"
                               "Investigate, then restart with --clear-alarm.")

    # ------------------------------------------------------------------ syncing

    def _sync(self, upto: int) -> None:
        """Fetch and replay entries up to ``upto`` (exclusive), recomputing the tree."""
        while self.engine.size < upto:
            got = self.client.entries(self.engine.size, min(upto, self.engine.size + 1000))
            if not got:
                raise ClientError(f"server has no entries from {self.engine.size} although it announced {upto}", "malformed")
            for e in got:
                if e["index"] != self.engine.size:
                    raise ClientError("server sent entries out of order", "malformed")
                checked = check_one(e["envelope"], self.pact)
                if isinstance(checked, Rejection):
                    log.error("%s: the log contains an invalid entry %d: %s", self.party, e["index"], checked)
                self.engine.apply(e["index"], checked)
                self.tree.append(merkle.leaf_hash(canonical(e["envelope"])))
                self.roots[self.tree.size] = self.tree.root()
            if len(self.roots) > 4096:  # keep recent roots only: enough to judge recent cores and checkpoints
                for k in sorted(self.roots)[:-2048]:
                    del self.roots[k]

    # ------------------------------------------------------------------ one round

    def step(self) -> dict[str, Any]:
        """One round of following; returns what it did (for logs and tests)."""
        did: dict[str, Any] = {}
        proposal = self.client.proposed_core()
        note_text = self.client.checkpoint(latest=True)
        if proposal is not None:
            did["status"] = self._consider_core(proposal["core"])
        note = parse_note(note_text)
        cp = parse_checkpoint(note.text)
        if cp.origin != self.pact.origin:
            raise ForkDetected(self._alarm(f"checkpoint for origin {cp.origin!r}, not {self.pact.origin!r}"))
        if cp.size >= self.engine.size:
            self._sync(cp.size)
        did["checkpoint"] = self._consider_checkpoint(note, cp.size, cp.root)
        return did

    def _alarm(self, what: str) -> str:
        self.state.alarm = what
        self.state.save()
        log.critical("%s: REFUSING TO COSIGN: %s", self.party, what)
        return what

    def _consider_checkpoint(self, note: Note, size: int, root: bytes) -> str:
        if size in self.cosigned or size == 0:
            return "already cosigned"
        mine = self.roots.get(size)
        if mine is None:
            return "not judged (older than what this monitor keeps)"
        if mine != root:
            raise ForkDetected(self._alarm(f"checkpoint of size {size} has root {root.hex()}, but the entries served "
                                           f"recompute to {mine.hex()}: the log shows different histories"))
        last_size, last_root = self.state.cosigned_size, bytes.fromhex(self.state.cosigned_root) if self.state.cosigned_root else b""
        if last_size:
            if size < last_size:
                return "older than the last cosigned checkpoint"
            try:
                proof = self.client.consistency_proof(last_size, size)
                merkle.verify_consistency(last_size, size, last_root, root, proof)
            except merkle.ProofError as e:
                raise ForkDetected(self._alarm(f"checkpoint of size {size} is not consistent with the one of size "
                                               f"{last_size} this monitor cosigned: {e}")) from None
        sig = cosign(note.text, self.party, self.key, self.public, self.clock.now())
        self.client.post_cosignature(Note(note.text, note.signatures).with_signature(sig).render())
        self.cosigned.add(size)
        self.state.cosigned_size, self.state.cosigned_root = size, root.hex()
        self.state.save()
        return f"cosigned {size}"

    def _consider_core(self, core: dict[str, Any]) -> str:
        payload = canonical(core)
        if payload in self.signed_cores:
            return "already signed"
        size = core.get("tree_size")
        if not isinstance(size, int) or size < self.engine.size:
            return "not judged (for a tree this monitor has passed)"
        self._sync(size)
        try:
            issued = parse_time(core["issued_at"])
        except (KeyError, TypeError, ValueError):
            return "refused: malformed core"
        if abs(issued - self.clock.now()) > self.max_skew:
            return "refused: issued_at is not within max-skew of this monitor's clock"
        own = status_core(self.engine.state_at(issued, light=True), self.roots[size], issued, self.pact.oversight.status_ttl)
        if canonical(own) != payload:
            log.error("%s: refusing a status core that differs from its own replay: %s vs %s", self.party, core, own)
            return "refused: differs from this monitor's replay"
        self.client.post_status_signature(status_envelope(core, [status_signature(core, self.key, self.public)]))
        self.signed_cores.add(payload)
        return f"signed status at {size}"
