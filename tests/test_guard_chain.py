"""Following a chain of pact versions from evidence alone (core.chain; contract v2 section 9, Statuses across versions).

Logs are built by hand (``chain_world``) and replayed by the engine, so every amendment here is one the
engine really executed (or, for the refusals, really executed without what a guard needs to follow it).
"""

from __future__ import annotations

import base64
import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.core.chain import ChainError, Included, Step, accept_status, checkpoint_problem, follow, named_digest, verify_step
from pausepact.core.status import StatusError, verify_status

from .chain_world import AMENDMENT, NEW_AISI, V1, V1_TEXT, V2, V2_TEXT, V3, V3_TEXT, ChainLog, parsed, rotated, rotation_world
from .factory import pact_text
from .sealed_log import DAY, T0

NEW_SIGNERS = {"aisi": NEW_AISI, "eval-org": 0}


def test_a_guard_pinned_to_version_1_follows_a_monitor_key_rotation_and_accepts_the_new_keys_statuses() -> None:
    w, step, executes = rotation_world()
    at = executes + 120
    status = w.status(at, NEW_SIGNERS)
    assert named_digest(status) == V2.digest
    with pytest.raises(StatusError):  # pinned to version 1 alone: another digest, and aisi's new key is unknown
        verify_status(status, V1, at)
    accepted, pact = accept_status(status, V1, [step], at)
    assert pact.digest == V2.digest and pact.version == 2
    assert accepted.tree_size == len(w.envelopes) and accepted.core["pact_digest"] == V2.digest


def test_a_status_of_the_pinned_version_needs_no_evidence() -> None:
    w, _, _ = rotation_world()
    status = w.status(T0 + DAY + 60, {"aisi": 0, "eval-org": 0})  # as of before the amendment executed
    accepted, pact = accept_status(status, V1, [], T0 + DAY + 60)
    assert pact is V1 and accepted.core["pact_digest"] == V1.digest


def test_two_amendments_each_proven_by_the_monitors_and_witnesses_of_the_version_it_amends() -> None:
    w, step1, executes = rotation_world()
    p, votes = w.amend(V3_TEXT, executes + DAY, "tighten")  # aisi proposes and votes with its new key
    step2 = w.step(V3_TEXT, p, votes, old=V2, cosigners={"aisi": NEW_AISI, "civic-audit": 0})
    executes3 = executes + 3 * DAY + 5
    assert [v["version"] for v in w.log.replay(executes3 + 10)["versions"]] == [1, 2, 3]
    w.under(V3)
    w.add("lab-c", "report", {"indicator": "ai_code_share", "value": 0.2, "measured_at": "2027-01-09T00:00:00Z"}, T0 + 8 * DAY)
    status = w.status(T0 + 8 * DAY + 5, NEW_SIGNERS)
    assert [p.version for p in follow(V1, [step1, step2], V3.digest)] == [2, 3]
    assert accept_status(status, V1, [step1, step2], T0 + 8 * DAY + 5)[1].digest == V3.digest
    # the second step's checkpoint cosigned with aisi's old key does not count under version 2
    old_keys = dataclasses.replace(step2, checkpoint=w.checkpoint(_size(step2), V2,
                                                                  {"aisi": 0, "civic-audit": 0}))
    with pytest.raises(ChainError, match=r"cosigned by 1 monitor\(s\) of version 2 \(civic-audit\); witness_quorum is 2"):
        follow(V1, [step1, old_keys], V3.digest)
    with pytest.raises(ChainError, match="ends at version 2"):  # a chain that stops short of the status's version
        follow(V1, [step1], V3.digest)


def _size(step: Step) -> int:
    return int(step.checkpoint.split("\n")[1])


def test_an_amendment_approved_without_status_quorum_of_the_guards_monitors_cannot_be_followed() -> None:
    # the developers alone may amend this pact: the engine executes it with one monitor's yes
    first = parsed(pact_text() + "amendment:\n  approval: 2/3 of developers\n  timelock: 2d\n")
    text = rotated(pact_text() + "amendment:\n  approval: 2/3 of developers\n  timelock: 2d\n")
    w = ChainLog(first)
    p, votes = w.amend(text, T0 + DAY, "by-labs", voters=("aisi", "lab-a", "lab-b"))
    assert w.log.replay(T0 + 4 * DAY)["versions"][-1]["version"] == 2  # executed
    step = w.step(text, p, votes, old=first)
    with pytest.raises(ChainError, match=r"proven yes votes of 1 monitor\(s\) of version 1 \(aisi\); a guard follows an amendment only "
                                         r"with yes votes of status_quorum \(2\) monitors"):
        follow(first, [step], parsed(text).digest)
    # nor do developers' yes votes, nor a monitor's no, nor a vote on another proposal count
    w.add("eval-org", "vote", {"proposal": "by-labs", "choice": "no"}, T0 + DAY + 9)
    w.add("civic-audit", "vote", {"proposal": "something-else", "choice": "yes"}, T0 + DAY + 10)
    more = w.step(text, p, [*votes, len(w.envelopes) - 2, len(w.envelopes) - 1], old=first)
    with pytest.raises(ChainError, match=r"proven yes votes of 1 monitor\(s\)"):
        follow(first, [more], parsed(text).digest)


def test_a_text_that_does_not_match_the_digest_the_next_step_names_is_refused() -> None:
    w, step, executes = rotation_world()
    status = w.status(executes + 120, NEW_SIGNERS)
    other = V2_TEXT.replace("title: Test pact", "title: Test pact ")  # same rules, other bytes: another digest
    with pytest.raises(ChainError, match="carries another text than the one served as version 2"):
        accept_status(status, V1, [dataclasses.replace(step, text=other.encode())], executes + 120)
    # a status naming a digest the chain does not reach
    with pytest.raises(ChainError, match="not at the status's"):
        follow(V1, [step], "sha256:" + "0" * 64)
    # a text that breaks a chain rule, even when a proposal carries it: another origin
    moved = V2_TEXT.replace("origin: pausepact.test/test-pact", "origin: pausepact.test/elsewhere")
    w2 = ChainLog()
    p, votes = w2.amend(moved, T0 + DAY, "move")
    with pytest.raises(ChainError, match="same-origin"):
        verify_step(V1, w2.step(moved, p, votes))
    with pytest.raises(ChainError, match="is not a valid pact"):
        verify_step(V1, dataclasses.replace(step, text=b"pact: [unclosed"))


def test_a_checkpoint_without_enough_cosignatures_or_not_signed_by_the_log_is_refused() -> None:
    w, step, _ = rotation_world()
    size = _size(step)
    cases = {
        "cosigned by 1 monitor": w.checkpoint(size, V1, {"aisi": 0}),
        "cosigned by 0 monitor": w.checkpoint(size, V1, {"lab-a": 0, "log": 0}),  # non-monitors never count
        "cosigned by 1 monitor(s) of version 1 (eval-org)": w.checkpoint(size, V1, {"aisi": NEW_AISI, "eval-org": 0}),
        "not signed by version 1's log key": w.checkpoint(size, V1, log_key=3),
        "not a signed checkpoint note": "hello\n",
    }
    for why, note in cases.items():
        with pytest.raises(ChainError, match=why.replace("(", r"\(").replace(")", r"\)")):
            verify_step(V1, dataclasses.replace(step, checkpoint=note))
    assert checkpoint_problem(V1, step.checkpoint)[1] is None


def test_entries_must_be_proven_in_the_checkpoint_and_signed_with_the_amended_versions_keys() -> None:
    w, step, _ = rotation_world()
    early = w.checkpoint(6, V1)  # before civic-audit's vote (entry 6) and the labs'
    cut = Step(step.text, early, w.included(step.proposal.index, 6), tuple(w.included(v.index, 6) if v.index < 6 else v
                                                                         for v in step.votes))
    assert verify_step(V1, cut).digest == V2.digest  # aisi's and eval-org's votes are enough
    short = dataclasses.replace(cut, votes=cut.votes[1:])
    with pytest.raises(ChainError, match=r"of 1 monitor\(s\) of version 1 \(eval-org\).*; civic-audit's vote \(entry 6\) is not "
                                         "in the checkpoint's tree of size 6"):
        verify_step(V1, short)
    wrong = dataclasses.replace(step, proposal=Included(step.proposal.index, step.proposal.envelope, step.votes[0].proof))
    with pytest.raises(ChainError, match="amend proposal .entry 3. is not proven"):
        verify_step(V1, wrong)
    forged = dict(step.votes[1].envelope, signatures=step.votes[0].envelope["signatures"])
    fewer = dataclasses.replace(step, votes=(step.votes[0], Included(step.votes[1].index, forged, step.votes[1].proof)))
    with pytest.raises(ChainError, match=r"proven yes votes of 1 monitor\(s\) of version 1 \(aisi\)"):
        verify_step(V1, fewer)
    not_proposal = dataclasses.replace(step, proposal=step.votes[0])
    with pytest.raises(ChainError, match="is not an amend proposal"):
        verify_step(V1, not_proposal)
    swapped = dataclasses.replace(step, votes=(step.proposal,))
    with pytest.raises(ChainError, match="proven yes votes of 0"):
        verify_step(V1, swapped)


def test_a_status_for_the_new_version_still_needs_its_status_quorum_and_the_rollback_memory() -> None:
    w, step, executes = rotation_world()
    at = executes + 120
    with pytest.raises(StatusError, match="status for version 2: signed by 1 monitor"):
        accept_status(w.status(at, {"aisi": 0, "eval-org": 0}), V1, [step], at)  # aisi's retired key no longer counts
    first, _ = accept_status(w.status(at, NEW_SIGNERS), V1, [step], at)
    with pytest.raises(StatusError, match="rollback"):
        accept_status(w.status(at - 30, NEW_SIGNERS), V1, [step], at, previous=first)


def test_the_chain_is_refused_when_too_long_or_out_of_order() -> None:
    w, step, _ = rotation_world()
    with pytest.raises(ChainError, match="at most 64"):
        follow(V1, [step] * 65, V2.digest)
    with pytest.raises(ChainError, match="is not after the previous one"):
        follow(V1, [step, step], V3.digest)
    with pytest.raises(ChainError, match="no evidence"):
        follow(V1, [], V2.digest)


# ---------------------------------------------------------------- property: tampering never leads anywhere else

W, STEP, EXECUTES = rotation_world()
STATUS = W.status(EXECUTES + 120, NEW_SIGNERS)


def _flip(text: bytes, at: int) -> bytes:
    i = at % len(text)
    return text[:i] + bytes([text[i] ^ 0x01]) + text[i + 1:]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["text", "checkpoint", "proposal", "vote", "proof"]), st.integers(0, 10**6))
def test_evidence_altered_anywhere_is_refused_or_still_proves_only_the_honest_version(part: str, at: int) -> None:
    step = STEP
    if part == "text":
        step = dataclasses.replace(step, text=_flip(step.text, at))
    elif part == "checkpoint":
        step = dataclasses.replace(step, checkpoint=_flip(step.checkpoint.encode(), at).decode("utf-8", "replace"))
    elif part in ("proposal", "vote"):
        entry = step.proposal if part == "proposal" else step.votes[at % len(step.votes)]
        payload = base64.b64decode(entry.envelope["payload"])
        changed = Included(entry.index, dict(entry.envelope, payload=base64.b64encode(_flip(payload, at)).decode()), entry.proof)
        step = dataclasses.replace(step, proposal=changed) if part == "proposal" else \
            dataclasses.replace(step, votes=tuple(changed if v is entry else v for v in step.votes))
    else:
        entry = step.votes[at % len(step.votes)]
        proof = list(entry.proof)
        proof[at % len(proof)] = _flip(proof[at % len(proof)], at)
        step = dataclasses.replace(step, votes=tuple(Included(v.index, v.envelope, tuple(proof)) if v is entry else v
                                                     for v in step.votes))
    try:
        accepted, pact = accept_status(STATUS, V1, [step], EXECUTES + 120)
    except (ChainError, StatusError):
        return
    assert pact.digest == V2.digest and accepted.core == accept_status(STATUS, V1, [STEP], EXECUTES + 120)[0].core


def test_the_amendment_fixture_is_what_the_engine_executes() -> None:
    assert V1_TEXT.endswith(AMENDMENT) and V2.version == 2 and V3.version == 3
    state = W.log.replay(EXECUTES + 200)
    assert state["pact_digest"] == V2.digest and state["rejected"] == [] and state["void"] == []


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                    max_leaves=12),
       st.sampled_from(["as-is", "payload-b64", "payload-json"]))
def test_the_digest_a_status_names_is_read_from_anything_without_raising(value: object, how: str) -> None:
    import json

    envelope: object = value
    if how == "payload-b64":
        envelope = {"payload": base64.b64encode(json.dumps(value).encode()).decode()}
    elif how == "payload-json":
        envelope = {"payload": base64.b64encode(json.dumps({"pact_digest": value}).encode()).decode()}
    digest = named_digest(envelope)
    assert digest is None or isinstance(digest, str)
    assert named_digest(STATUS) == V2.digest
