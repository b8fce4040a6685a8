"""Engine invariants over generated histories (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.core.canonical import canonical
from pausepact.core.engine import Engine, replay
from pausepact.core.statements import Rejection, sign_statement
from pausepact.log.checking import check_one

from .factory import Parties, key, make_pact

PACT, _ = make_pact(replace=[["  heightened:\n    to: normal\n    approval: 1 of monitors\n",
                              "  heightened:\n    to: normal\n    approval: 2/3 of monitors\n    timelock: 1d\n"]])
T0 = 1798761600
DEVS = ["lab-a", "lab-b", "lab-c", "lab-d"]
MONS = ["aisi", "eval-org", "civic-audit"]
LEVELS = PACT.levels
IDS = ["p1", "p2", "p3"]

step = st.one_of(
    st.tuples(st.just("sign"), st.sampled_from(DEVS + MONS)),
    st.tuples(st.just("code"), st.sampled_from(DEVS), st.sampled_from([0.1, 0.5, 0.94, 0.95, 0.99])),
    st.tuples(st.just("rnd"), st.sampled_from(DEVS), st.sampled_from([0.2, 0.5, 0.9])),
    st.tuples(st.just("horizon"), st.sampled_from(MONS), st.sampled_from(DEVS), st.sampled_from([1.0, 10.0, 60.0, 500.0])),
    st.tuples(st.just("countersign"), st.sampled_from(MONS), st.integers(0, 40)),
    st.tuples(st.just("propose"), st.sampled_from(MONS + DEVS), st.sampled_from(IDS), st.sampled_from(["raise", "resume"]),
              st.sampled_from(LEVELS), st.sampled_from([None, None, *DEVS])),
    st.tuples(st.just("vote"), st.sampled_from(MONS), st.sampled_from(IDS), st.sampled_from(["yes", "no"])),
    st.tuples(st.just("cancel"), st.sampled_from(MONS), st.sampled_from(IDS)),
    st.tuples(st.just("attest"), st.sampled_from(DEVS), st.sampled_from(["safeguards-adequate", "security-level-4"]),
              st.sampled_from(LEVELS)),
    st.tuples(st.just("run"), st.sampled_from(DEVS), st.sampled_from(["r1", "r2"]), st.sampled_from(["start", "heartbeat", "stop"]),
              st.sampled_from([1e23, 5e25, 1e27])),
    st.tuples(st.just("forged"), st.sampled_from(DEVS)),
    # a resume proposal and its votes at one instant: makes executions common enough to test
    st.tuples(st.just("resume"), st.sampled_from(IDS), st.sampled_from(LEVELS[1:]), st.sampled_from([None, *DEVS]),
              st.lists(st.sampled_from(MONS), min_size=2, max_size=3, unique=True)),
)
gap = st.sampled_from([0, 0, 1, 3600, 86400, 7 * 86400, 20 * 86400])
history = st.lists(st.tuples(gap, step), min_size=1, max_size=60)


def build(hist: list[tuple[int, tuple[Any, ...]]]) -> list[Any]:
    parties = Parties(PACT)
    t = T0
    out: list[Any] = []
    digests: list[str] = []
    if len(hist) % 4:  # most histories start in force; some must earn it
        hist = [(0, ("sign", d)) for d in DEVS[:3]] + hist
    for dt, s in hist:
        t += dt
        kind = s[0]
        if kind == "resume":
            _, pid, level, party, voters = s
            body = {"id": pid, "action": "resume", "level": level, **({"party": party} if party else {})}
            out.append(check_one(parties(voters[0]).sign("propose", body, t), PACT))
            out.extend(check_one(parties(v).sign("vote", {"proposal": pid, "choice": "yes"}, t), PACT) for v in voters)
            continue
        if kind == "forged":
            signer = parties(s[1])
            env = sign_statement(signer.statement("sign", {}, t, seq=signer.seq + 1), key("stranger"))
            env["signatures"][0]["keyid"] = signer.keyid
            out.append(check_one(env, PACT))
            continue
        who, type_, body = s[1], kind, {}
        now = f"{t}"
        if kind == "code":
            type_, body = "report", {"indicator": "ai_code_share", "value": s[2]}
        elif kind == "rnd":
            type_, body = "report", {"indicator": "ai_rnd_score", "value": s[2]}
        elif kind == "horizon":
            type_, body = "report", {"indicator": "time_horizon_minutes", "value": s[3], "subject": s[2]}
        elif kind == "countersign":
            if not digests:
                continue
            body = {"statement": digests[s[2] % len(digests)]}
        elif kind == "propose":
            body = {"id": s[2], "action": s[3], "level": s[4]}
            if s[5] is not None and s[3] == "resume":
                body["party"] = s[5]
        elif kind == "vote":
            body = {"proposal": s[2], "choice": s[3]}
        elif kind == "cancel":
            body = {"proposal": s[2], "reason": "test"}
        elif kind == "attest":
            body = {"claim": s[2], "level": s[3]}
        elif kind == "run":
            body = {"run": s[2], "event": s[3], "flop": s[4]}
        if type_ == "report":
            from pausepact.core.durations import format_time

            body["measured_at"] = format_time(t)
        del now
        c = check_one(parties(who).sign(type_, body, t), PACT)
        if isinstance(c, Rejection):
            continue  # e.g. a developer's vote: not a history we care to generate
        out.append(c)
        if type_ == "report":
            digests.append(c.digest)
    return out


def last_time(entries: list[Any]) -> int:
    times = [e.statement.t for e in entries if not isinstance(e, Rejection)]
    return (max(times) if times else T0) + 40 * 86400


settings.register_profile("engine", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(history)
def test_incremental_equals_full_replay_and_is_byte_identical(hist: list[Any]) -> None:
    entries = build(hist)
    end = last_time(entries)
    engine = Engine(PACT)
    for i, e in enumerate(entries):
        engine.apply(i, e)
        if i % 3 == 0:
            engine.state_at()  # a view at the last statement must not disturb later application
    a = canonical(engine.state_at(end))
    b = canonical(replay(PACT, entries, end))
    assert a == b
    assert canonical(replay(PACT, entries, end)) == b


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(history)
def test_levels_drop_only_by_executed_resumption_and_votes_count_once(hist: list[Any]) -> None:
    entries = build(hist)
    engine = Engine(PACT)
    for i, e in enumerate(entries):
        engine.apply(i, e)
    end = last_time(entries)
    state = engine.state_at(end)
    engine = engine.view(end)
    executed = {p["id"] for p in state["proposals"] if p["state"] == "executed" and p["action"] == "resume"}
    for ev in engine.timeline:
        if ev["event"] == "drop":
            assert ev.get("proposal") in executed, ev
    for p in state["proposals"]:
        assert len(set(p["yes"])) == len(p["yes"]) and len(set(p["no"])) == len(p["no"])
        assert not set(p["yes"]) & set(p["no"])
        assert set(p["yes"]) | set(p["no"]) <= set(MONS)
    # levels only go up between consecutive raises, and every raise has a reason
    raises = [ev for ev in engine.timeline if ev["event"] == "raise"]
    assert len(raises) == len(state["reasons"])
    for ev in raises:
        assert LEVELS.index(ev["to"]) > LEVELS.index(ev["from"])


def _projection(state: dict[str, Any]) -> Any:
    return (state["in_force"], state["level"], state["since"],
            {d: (p["level"], p["since"]) for d, p in state["parties"].items()},
            [(p["id"], p["state"], p["yes"], p["no"], p["executes_at"]) for p in state["proposals"]],
            [(v["party"], v["kind"], v["run"], v["at"]) for v in state["violations"]])


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(history, st.integers(0, 60))
def test_a_rejected_entry_never_changes_the_state(hist: list[Any], where: int) -> None:
    entries = build(hist)
    end = last_time(entries)
    bad = Rejection("bad-signature", "forged")
    pos = where % (len(entries) + 1)
    with_bad = entries[:pos] + [bad] + entries[pos:]
    s1, s2 = replay(PACT, entries, end), replay(PACT, with_bad, end)
    assert _projection(s1) == _projection(s2)
    assert s2["tree_size"] == s1["tree_size"] + 1
    assert {"index": pos, "reason": "bad-signature", "detail": "forged"} in s2["rejected"]
