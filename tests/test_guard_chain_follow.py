"""A guard follows its pact across amendments (contract v2 section 9), against a server it does not trust.

The server here is in process (``httpx.MockTransport``) and serves a hand-built log: the versions' texts,
where the evidence for each amendment is, entries, inclusion proofs and statuses. What it serves can be
made wrong in each way a guard must notice.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pausepact.clock import Clock
from pausepact.core.chain import Step
from pausepact.core.notes import parse_checkpoint, parse_note
from pausepact.core.pact import Pact
from pausepact.party.client import PactClient
from pausepact.party.guard import Guard
from pausepact.party.guard.state import GuardState, GuardStateError

from .chain_world import NEW_AISI, V1, V1_TEXT, V2, V2_TEXT, ChainLog, parsed, rotated, rotation_world
from .factory import key, pact_text
from .sealed_log import DAY, T0

ABOVE = 5e25  # above the pact's lowest limit: a guard fails closed by default
NEW_SIGNERS = {"aisi": NEW_AISI, "eval-org": 0}


class FixedClock(Clock):
    def __init__(self, now: int) -> None:
        super().__init__()
        self.at = now

    def now(self) -> int:
        return self.at


class FakeServer:
    """Serves ``texts`` (version -> bytes), ``steps`` (version -> evidence) and the entries of ``log``."""

    def __init__(self, log: ChainLog, texts: dict[int, bytes], steps: dict[int, Step]) -> None:
        self.log, self.texts, self.steps = log, texts, steps
        self.status: dict[str, Any] | None = None
        self.asked: list[str] = []
        self.garbled: Any = None  # when set, the answer to /v1/amendments

    def handle(self, request: httpx.Request) -> httpx.Response:
        path, q = request.url.path, request.url.params
        self.asked.append(path)
        if path == "/v1/status" and self.status is not None:
            return httpx.Response(200, json=self.status)
        if path == "/v1/pact" and int(q["version"]) in self.texts:
            return httpx.Response(200, content=self.texts[int(q["version"])], headers={"content-type": "application/yaml"})
        if path == "/v1/amendments" and self.garbled is not None:
            return httpx.Response(200, json=self.garbled)
        if path == "/v1/amendments" and int(q["version"]) in self.steps:
            step = self.steps[int(q["version"])]
            return httpx.Response(200, json={"version": int(q["version"]), "proposal": step.proposal.index,
                                             "votes": [v.index for v in step.votes], "checkpoint": step.checkpoint})
        if path == "/v1/entries":
            start, end = int(q["start"]), int(q["end"])
            return httpx.Response(200, json={"entries": [{"index": i, "envelope": self.log.envelopes[i]}
                                                         for i in range(start, min(end, len(self.log.envelopes)))]})
        if path == "/v1/proof/inclusion":
            proof = self.log.proof(int(q["index"]), int(q["size"]))
            return httpx.Response(200, json={"index": int(q["index"]), "size": int(q["size"]), "hashes": [h.hex() for h in proof]})
        return httpx.Response(404, json={"error": "not-found", "detail": f"{path} {dict(q)}"})


def guard(server: FakeServer, pact: Pact, folder: Path, now: int, fail: str | None = None) -> Guard:
    g = Guard("http://pact.test", pact, "lab-a", key("lab-a", 1), state_dir=folder, clock=FixedClock(now), chain_retry=0,
              fail=fail)  # type: ignore[arg-type]
    g.client = PactClient("http://pact.test", g.pact, transport=httpx.MockTransport(server.handle))
    return g


def rotation() -> tuple[ChainLog, FakeServer, int]:
    w, step, executes = rotation_world()
    return w, FakeServer(w, {1: V1_TEXT.encode(), 2: V2_TEXT.encode()}, {2: step}), executes


def test_a_guard_chains_through_a_monitor_key_rotation_and_keeps_the_new_version_pinned(tmp_path: Path) -> None:
    w, server, executes = rotation()
    before = T0 + DAY + 60
    g = guard(server, V1, tmp_path, before)
    assert g.offer(w.status(before, {"aisi": 0, "eval-org": 0})) and g.pact is V1
    at = executes + 120
    g.clock.at = at  # type: ignore[attr-defined]
    new = w.status(at, NEW_SIGNERS)  # aisi signs with the key version 2 gave it
    assert g.offer(new)
    assert g.pact.digest == V2.digest and g.signer.pact.digest == V2.digest and g.client.pact.digest == V2.digest
    assert g.status is not None and g.status.core["pact_digest"] == V2.digest and g.unfollowed is None
    assert not g.verdict(ABOVE).stop
    assert server.asked.count("/v1/amendments") == 1
    # a guard started later with the first version's file follows the pin: no evidence fetched again
    g2 = guard(server, V1, tmp_path, at + 5)
    assert g2.pact.digest == V2.digest
    server.asked.clear()
    assert g2.offer(w.status(at + 5, NEW_SIGNERS)) and "/v1/amendments" not in server.asked
    # the rollback memory still holds across versions: a first-version status is refused
    assert not g2.offer(w.status(before, {"aisi": 0, "eval-org": 0}))


def test_a_pin_that_is_not_a_pact_of_the_origin_refuses_the_guard(tmp_path: Path) -> None:
    state = GuardState(tmp_path, V1.pact, "lab-a")
    state.pin(V2, V2_TEXT.encode())
    assert state.pinned(V1) is not None and state.pinned(V2) is None  # as new as the file given: the file wins
    pin = next((tmp_path / "guards" / V1.pact).glob("lab-a.pin-*.json"))
    pin.write_text(json.dumps({"text": "bm90IGEgcGFjdA==", "digest": V2.digest}))
    with pytest.raises(GuardStateError, match="not a pin of pact 'test-pact'"):
        GuardState(tmp_path, V1.pact, "lab-a").pinned(V1)


def labs_only() -> tuple[ChainLog, FakeServer, Pact, Pact, int]:
    """An amendment the developers approve with one monitor's yes (the pact lets them): executed by the engine."""
    amendable = pact_text() + "amendment:\n  approval: 2/3 of developers\n  timelock: 2d\n"
    first, text = parsed(amendable), rotated(amendable)
    w = ChainLog(first)
    p, votes = w.amend(text, T0 + DAY, "by-labs", voters=("aisi", "lab-a", "lab-b"))
    executes = T0 + 3 * DAY + 3
    second = parsed(text)
    w.under(second, {"aisi": NEW_AISI})
    w.add("lab-b", "report", {"indicator": "ai_code_share", "value": 0.5, "measured_at": "2027-01-05T00:00:00Z"}, T0 + 4 * DAY)
    assert w.log.replay(T0 + 4 * DAY)["pact_digest"] == second.digest
    server = FakeServer(w, {1: amendable.encode(), 2: text.encode()}, {2: w.step(text, p, votes, old=first)})
    return w, server, first, second, executes


def _refused(g: Guard, status: dict[str, Any], *why: str) -> None:
    assert not g.offer(status)
    v = g.verdict(ABOVE)
    assert v.stop and v.kind == "no-status", v
    for part in ("cannot follow from version 1", "re-pinned by hand", "failing closed", *why):
        assert part in v.reason, (part, v.reason)


def test_a_guard_fails_closed_on_an_amendment_its_monitors_did_not_approve(tmp_path: Path) -> None:
    w, server, first, _, executes = labs_only()
    at = executes + DAY
    g = guard(server, first, tmp_path, at)
    _refused(g, w.status(at, NEW_SIGNERS), "proven yes votes of 1 monitor(s) of version 1 (aisi)", "status_quorum (2)")
    assert g.pact is first
    # failing open, it warns with the same reason and goes on
    g_open = guard(server, first, tmp_path / "open", at, fail="open")
    assert not g_open.offer(w.status(at, NEW_SIGNERS))
    v = g_open.verdict(ABOVE)
    assert not v.stop and "failing open" in v.reason and "proven yes votes of 1 monitor(s)" in v.reason
    # re-pinned by hand (the second version's file given), the guard accepts the new statuses
    repinned = guard(server, parsed(rotated(pact_text() + "amendment:\n  approval: 2/3 of developers\n  timelock: 2d\n")),
                     tmp_path / "by-hand", at)
    assert repinned.offer(w.status(at, NEW_SIGNERS)) and not repinned.verdict(ABOVE).stop


def test_a_guard_keeps_its_last_status_until_it_expires_then_fails_by_its_policy(tmp_path: Path) -> None:
    w, server, first, _, executes = labs_only()
    g = guard(server, first, tmp_path, executes - 60)
    assert g.offer(w.status(executes - 60, {"aisi": 0, "eval-org": 0}))
    g.clock.at = executes + 60  # type: ignore[attr-defined]
    assert not g.offer(w.status(executes + 60, NEW_SIGNERS))
    assert not g.verdict(ABOVE, now=executes + 60, mono=g.held.received).stop  # type: ignore[union-attr]
    later = g.verdict(ABOVE, now=executes - 60 + 600, mono=g.held.received)  # type: ignore[union-attr]
    assert later.stop and "expired" in later.reason and "cannot follow from version 1" in later.reason


@pytest.mark.parametrize("fault", ["text", "checkpoint-cosigners", "checkpoint-log-key", "no-checkpoint", "no-version",
                                   "votes-missing", "garbled", "not-json"])
def test_a_guard_refuses_a_status_for_a_version_it_cannot_chain_to(tmp_path: Path, fault: str) -> None:
    w, server, executes = rotation()
    step = server.steps[2]
    size = int(parse_checkpoint(parse_note(step.checkpoint).text).size)
    why = {
        "text": "carries another text than the one served as version 2",
        "checkpoint-cosigners": "cosigned by 1 monitor(s) of version 1 (aisi); witness_quorum is 2",
        "checkpoint-log-key": "is not signed by version 1's log key",
        "no-checkpoint": "no checkpoint cosigned by the witnesses of version 1",
        "no-version": "cannot fetch version 2 of the pact",
        "votes-missing": "proven yes votes of 0 monitor(s)",
        "garbled": "lacks proposal, votes or checkpoint",
        "not-json": "not a JSON object",
    }[fault]
    if fault == "text":  # a text with the same rules and other bytes: not the one the proposal carries
        server.texts[2] = V2_TEXT.replace("title: Test pact", "title: Test pact ").encode()
    elif fault == "checkpoint-cosigners":
        server.steps[2] = dataclasses.replace(step, checkpoint=w.checkpoint(size, V1, {"aisi": 0}))
    elif fault == "checkpoint-log-key":
        server.steps[2] = dataclasses.replace(step, checkpoint=w.checkpoint(size, V1, log_key=3))
    elif fault == "no-checkpoint":
        server.steps[2] = dataclasses.replace(step, checkpoint=None)  # type: ignore[arg-type]
    elif fault == "no-version":
        del server.texts[2]
    elif fault == "votes-missing":
        server.steps[2] = dataclasses.replace(step, votes=())
    else:
        server.garbled = {"proposal": "3", "votes": 5} if fault == "garbled" else ["not", "an", "object"]
    at = executes + 120
    g = guard(server, V1, tmp_path, at)
    _refused(g, w.status(at, NEW_SIGNERS), why)
    assert g.pact is V1 and GuardState(tmp_path, V1.pact, "lab-a").pinned(V1) is None
    # once the server serves the evidence, the guard follows (it retries after chain_retry seconds)
    server.texts[2], server.steps[2], server.garbled = V2_TEXT.encode(), step, None
    assert g.offer(w.status(at, NEW_SIGNERS)) and g.pact.digest == V2.digest and g.unfollowed is None
