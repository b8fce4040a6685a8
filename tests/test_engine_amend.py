"""The engine across versions (contract v2, section 9): amendments, their votes and timelocks, revocation."""

from __future__ import annotations

import base64
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.core.durations import format_time
from pausepact.core.engine import Engine
from pausepact.core.engine.snapshot import dump, load
from pausepact.core.pact import Pact
from pausepact.core.pactfile import parse_pact
from pausepact.keyfiles import public_text

from .factory import key, pact_text
from .sealed_log import DAY, T0, SealedLog

AMENDMENT = "amendment:\n  approval: all monitors and 2/3 of developers\n  timelock: 2d\n"
V1_TEXT = pact_text() + AMENDMENT


def parsed(text: str) -> Pact:
    pact, diags = parse_pact(text.encode())
    assert pact is not None, [d.render("pact") for d in diags]
    return pact


V1 = parsed(V1_TEXT)
TIGHTER = V1_TEXT.replace("version: 1", "version: 2").replace("at_least: 0.95", "at_least: 0.9")
V2 = parsed(TIGHTER)


def world() -> SealedLog:
    log = SealedLog(V1)
    for d in ("lab-a", "lab-b", "lab-c"):
        log.add(d, "sign", {}, T0)
    return log


def amend(log: SealedLog, text: str, t: int, pid: str = "a1", voters: tuple[str, ...] = ("aisi", "eval-org", "civic-audit",
                                                                                          "lab-a", "lab-b")) -> None:
    log.add("aisi", "propose", {"id": pid, "action": "amend", "pact": base64.b64encode(text.encode()).decode(),
                                "rationale": "tighten"}, t)
    for i, v in enumerate(voters):
        log.add(v, "vote", {"proposal": pid, "choice": "yes"}, t + i + 1)


def under(log: SealedLog, pact: Pact) -> None:
    """From now on the log's parties sign naming ``pact``'s digest (each key keeps its seq)."""
    for signer in log.parties._signers.values():
        signer.pact = pact


def test_an_approved_amendment_queues_for_its_timelock_then_is_the_version_in_force() -> None:
    log = world()
    amend(log, TIGHTER, T0 + DAY)
    queued = log.replay(T0 + DAY + 10)
    assert queued["proposals"][0]["state"] == "queued" and queued["proposals"][0]["action"] == "amend"
    assert queued["proposals"][0]["level"] is None and queued["proposals"][0]["version"] == 2
    assert queued["proposals"][0]["executes_at"] == format_time(T0 + 3 * DAY + 5)
    assert queued["pact_version"] == 1 and queued["pact_digest"] == V1.digest
    state = log.replay(T0 + 4 * DAY)
    assert state["pact_version"] == 2 and state["pact_digest"] == V2.digest
    assert state["versions"] == [{"version": 1, "digest": V1.digest, "since": None, "index": None},
                                 {"version": 2, "digest": V2.digest, "since": format_time(T0 + 3 * DAY + 5), "index": 3}]
    assert state["revoked"] == [] and state["proposals"][0]["state"] == "executed"


def test_after_executes_at_the_old_digest_is_wrong_pact_and_the_new_rules_apply() -> None:
    log = world()
    amend(log, TIGHTER, T0 + DAY)
    executes = T0 + 3 * DAY + 5
    log.add("lab-a", "report", {"indicator": "ai_code_share", "value": 0.5, "measured_at": format_time(executes)}, executes)
    log.add("lab-b", "report", {"indicator": "ai_code_share", "value": 0.92, "measured_at": format_time(executes + 1)},
            executes + 1)  # after executes_at, naming version 1
    log.parties("lab-b").seq -= 1  # a refused statement consumes no seq
    under(log, V2)
    log.add("lab-b", "report", {"indicator": "ai_code_share", "value": 0.92, "measured_at": format_time(executes + 2)},
            executes + 2)
    state = log.replay(executes + 70 * DAY)
    assert [r["index"] for r in state["void"]] == []
    assert state["rejected"] == [{"index": 10, "reason": "wrong-pact", "detail": state["rejected"][0]["detail"]}]
    # at executes_at a statement is still judged under the version before; the tightened line then holds
    tightened = [r for r in state["reasons"] if r["red_line"] == "models-write-the-code"]
    assert [(r["party"], r["index"], r["at"]) for r in tightened] == [("lab-b", 11, format_time(executes + 2 + 60 * DAY))]
    assert state["level"] == "slowdown"


def test_a_void_amendment_is_void_when_proposed_and_a_developer_votes_only_on_amendments() -> None:
    log = world()
    amend(log, V1_TEXT.replace("version: 1", "version: 3"), T0 + DAY, voters=())
    log.add("aisi", "propose", {"id": "r1", "action": "raise", "level": "heightened"}, T0 + DAY + 5)
    log.add("lab-a", "vote", {"proposal": "r1", "choice": "yes"}, T0 + DAY + 6)
    log.add("lab-b", "vote", {"proposal": "nothing", "choice": "yes"}, T0 + DAY + 7)
    state = log.replay()
    assert state["void"][0]["index"] == 3 and "next-version" in state["void"][0]["reason"]
    assert [(r["index"], r["reason"]) for r in state["rejected"]] == [(5, "role"), (6, "role")]


def test_monitors_cancel_a_queued_amendment() -> None:
    log = world()
    amend(log, TIGHTER, T0 + DAY)
    log.add("civic-audit", "cancel", {"proposal": "a1", "reason": "not what we agreed"}, T0 + 2 * DAY)
    log.add("civic-audit", "cancel", {"proposal": "a1", "reason": "again"}, T0 + 2 * DAY + 1)
    state = log.replay(T0 + 5 * DAY)
    assert state["proposals"][0]["state"] == "cancelled" and state["pact_version"] == 1
    assert [v["index"] for v in state["void"]] == [10]  # the first cancel closed it: nothing is queued to cancel


def test_a_key_revokes_itself_or_a_later_key_never_an_earlier_one_nor_the_last() -> None:
    log = world()
    k1 = public_text(key("lab-a", 1))
    k0 = public_text(key("lab-a", 0))
    log.add("lab-a", "revoke", {"key": k0, "reason": "leaked?"}, T0 + DAY, n=1)  # a later key against an earlier: void
    log.add("lab-a", "revoke", {"key": k1, "reason": "guard key leaked"}, T0 + DAY + 1, n=0)
    log.add("lab-a", "ack", {"level": "normal", "since": format_time(T0)}, T0 + DAY + 2, n=1)  # by the revoked key
    log.add("lab-a", "revoke", {"key": k0, "reason": "last"}, T0 + DAY + 3, n=0)  # would leave none: void
    log.add("lab-a", "ack", {"level": "normal", "since": format_time(T0)}, T0 + DAY + 4, n=0)  # still fine
    state = log.replay()
    assert state["revoked"] == [{"party": "lab-a", "key": k1, "index": 4, "at": format_time(T0 + DAY + 1)}]
    assert [v["index"] for v in state["void"]] == [3, 6]
    assert state["rejected"] == [{"index": 5, "reason": "unknown-key", "detail": state["rejected"][0]["detail"]}]


def test_an_amendment_listing_a_revoked_key_is_void() -> None:
    log = world()
    k1 = public_text(key("lab-a", 1))
    log.add("lab-a", "revoke", {"key": k1, "reason": "leaked"}, T0 + DAY)
    amend(log, TIGHTER, T0 + 2 * DAY, voters=())
    state = log.replay()
    assert state["void"][0]["index"] == 4 and "key-not-revoked" in state["void"][0]["reason"]


def test_a_snapshot_across_an_amendment_and_a_revocation_replays_the_same() -> None:
    log = world()
    amend(log, TIGHTER, T0 + DAY)
    cut = len(log.entries)
    log.parties("lab-a", 1)  # (a signer made now signs under the version given to under())
    under(log, V2)
    log.add("lab-a", "revoke", {"key": public_text(key("lab-a", 1)), "reason": "rotation"}, T0 + 4 * DAY)
    log.add("lab-b", "report", {"indicator": "ai_code_share", "value": 0.92, "measured_at": format_time(T0 + 4 * DAY)},
            T0 + 4 * DAY)
    log.add("lab-a", "ack", {"level": "normal", "since": format_time(T0)}, T0 + 5 * DAY, n=1)  # revoked: unknown-key
    full = log.replay(T0 + 80 * DAY)
    engine = Engine(V1)
    for i in range(cut):
        engine.apply(i, log.entries[i], log.envelopes[i])
    engine.settle(T0 + 3 * DAY + 5)  # the amendment has executed
    resumed = load(V1, dump(engine))
    assert resumed.pact.digest == V2.digest
    for i in range(cut, len(log.entries)):
        resumed.apply(i, log.entries[i], log.envelopes[i])
        if i == cut:  # and a snapshot after the revocation too
            resumed = load(V1, dump(resumed))
    assert resumed.state_at(T0 + 80 * DAY) == full
    assert [r["reason"] for r in full["rejected"]] == ["unknown-key"] and len(full["revoked"]) == 1


history = st.lists(st.tuples(st.integers(1, 30), st.sampled_from(["lab-a", "lab-b", "lab-c"]),
                             st.sampled_from([0.3, 0.96, 0.995])), min_size=1, max_size=12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history, st.integers(0, 40))
def test_an_amendment_that_changes_nothing_leaves_the_state_unchanged(hist: list[Any], when: int) -> None:
    same = parsed(V1_TEXT.replace("version: 1", "version: 2"))
    plain, amended = world(), world()
    t, done = T0, False
    for gap, lab, value in hist:
        t += gap * DAY
        if not done and t > T0 + when * DAY:
            amend(amended, V1_TEXT.replace("version: 1", "version: 2"), t - 3600)
            done = True
        if done and t > amended_at(amended):
            under(amended, same)
        body = {"indicator": "ai_code_share", "value": value, "measured_at": format_time(t)}
        plain.add(lab, "report", body, t)
        amended.add(lab, "report", body, t)
    end = t + 60 * DAY
    a, b = plain.replay(end), amended.replay(end)
    assert b["rejected"] == []
    for member in ("level", "since", "parties", "violations", "restrictions"):
        assert a[member] == b[member], member
    # (the amended log has more entries: the reasons' entry indices differ, nothing else)
    assert [{k: v for k, v in r.items() if k != "index"} for r in a["reasons"]] == \
           [{k: v for k, v in r.items() if k != "index"} for r in b["reasons"]]


def amended_at(log: SealedLog) -> int:
    engine = log.engine()
    queued = [p for p in engine.open.values() if p.action == "amend" and p.executes_at is not None]
    done = [v.since for v in engine.versions if v.since is not None]
    return (done or [queued[0].executes_at if queued else 2**62])[0]  # type: ignore[return-value]


def test_the_verifier_follows_the_chain_from_the_first_version_and_refuses_a_revoked_key() -> None:
    from pausepact.log.checking import EnvelopeChecker
    from pausepact.log.verify import VerificationFailed, check_entries, check_replayed

    log = world()
    amend(log, TIGHTER, T0 + DAY)
    log.parties("lab-a", 1)
    under(log, V2)
    log.add("lab-b", "report", {"indicator": "ai_code_share", "value": 0.92, "measured_at": format_time(T0 + 4 * DAY)},
            T0 + 4 * DAY)
    log.add("lab-a", "revoke", {"key": public_text(key("lab-a", 1)), "reason": "rotation"}, T0 + 5 * DAY)
    with EnvelopeChecker(V1, V1_TEXT.encode()) as checker:
        size, _ = check_entries(V1, log.envelopes, checker)
    engine = check_replayed(V1, log.envelopes)
    assert size == len(log.envelopes) and engine is not None and engine.pact.digest == V2.digest
    log.add("lab-a", "ack", {"level": "normal", "since": format_time(T0)}, T0 + 6 * DAY, n=1)
    try:
        check_replayed(V1, log.envelopes)
    except VerificationFailed as failed:
        assert failed.index == len(log.envelopes) - 1 and "unknown-key" in str(failed)
    else:
        raise AssertionError("a statement by a revoked key passed the verifier")


def test_two_amendments_chain_and_each_statement_is_judged_by_the_version_at_its_time() -> None:
    third_text = TIGHTER.replace("version: 2", "version: 3").replace("for: 60d", "for: 30d")
    v3 = parsed(third_text)
    log = world()
    amend(log, TIGHTER, T0 + DAY)
    log.parties("lab-b", 0)
    under(log, V2)
    amend(log, third_text, T0 + 5 * DAY, pid="a2")
    at_v3 = T0 + 7 * DAY + 5
    log.add("lab-b", "report", {"indicator": "ai_code_share", "value": 0.92, "measured_at": format_time(at_v3)}, at_v3)
    log.add("lab-c", "report", {"indicator": "ai_code_share", "value": 0.92, "measured_at": format_time(at_v3 + 1)},
            at_v3 + 1)  # names version 2 after version 3 took over
    log.parties("lab-c").seq -= 1
    under(log, v3)
    log.add("lab-c", "report", {"indicator": "ai_code_share", "value": 0.92, "measured_at": format_time(at_v3 + 2)},
            at_v3 + 2)
    state = log.replay(at_v3 + 40 * DAY)
    assert [v["version"] for v in state["versions"]] == [1, 2, 3] and state["pact_digest"] == v3.digest
    assert [(r["index"], r["reason"]) for r in state["rejected"]] == [(len(log.entries) - 2, "wrong-pact")]
    # version 3's `for: 30d` applies to the series carried over from version 2
    tightened = [r for r in state["reasons"] if r["red_line"] == "models-write-the-code"]
    assert tightened and tightened[0]["at"] == format_time(at_v3 + 30 * DAY)
