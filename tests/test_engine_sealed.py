"""The engine on sealed reports (contract v2, section 8): verdicts, assessment, disputes, overdue, reveals."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.core.durations import format_time, parse_time
from pausepact.core.engine import Engine
from pausepact.core.engine.snapshot import dump, load
from pausepact.core.redlines import Report, doubling_word, window
from pausepact.core.statements import Rejection, SignedStatement

from .sealed_log import DAY, T0, SealedLog, sealed_pact

PACT, _ = sealed_pact()
PUBLIC, _ = sealed_pact(sealed=())
CODE = "ai_code_share"
MEETS = {"models-write-the-code": "meets", "all-code-by-models": "meets"}
MISSES = {"models-write-the-code": "misses", "all-code-by-models": "misses"}


def world(pact: Any = PACT) -> SealedLog:
    log = SealedLog(pact)
    for d in ("lab-a", "lab-b", "lab-c"):
        log.add(d, "sign", {}, T0)
    return log


def words(value: float) -> dict[str, str]:
    return {"models-write-the-code": "meets" if value >= 0.95 else "misses",
            "all-code-by-models": "meets" if value >= 0.99 else "misses"}


def disputes(state: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [d for d in state["disputes"] if d["kind"] == kind]


def test_two_agreeing_verdicts_assess_a_report_and_the_state_never_shows_its_value() -> None:
    log = world()
    d = log.sealed_report("lab-a", CODE, 0.987654321, T0 + DAY)
    log.verdict("aisi", d, words(0.987654321), T0 + DAY + 60)
    before = log.replay()
    assert before["sealed"][0]["state"] == "pending"
    log.verdict("eval-org", d, words(0.987654321), T0 + DAY + 120)
    state = log.replay()
    assert state["sealed"] == [{"index": 3, "party": "lab-a", "subject": "lab-a", "indicator": CODE,
                                "time": format_time(T0 + DAY), "state": "assessed", "verdicts": ["aisi", "eval-org"],
                                "value": None}]
    assert state["disputes"] == [] and state["void"] == [] and state["rejected"] == []
    assert "0.987654321" not in json.dumps(state) and "987654" not in json.dumps(state)


def test_a_threshold_holds_on_agreed_words_and_raises_at_assessment() -> None:
    log = world()
    d = log.sealed_report("lab-a", CODE, 0.995, T0 + DAY)
    for m in ("aisi", "civic-audit"):
        log.verdict(m, d, MEETS, T0 + DAY + 3600)
    state = log.replay()
    assert state["level"] == "heightened"
    assert state["reasons"][0]["red_line"] == "all-code-by-models"
    assert state["reasons"][0]["at"] == format_time(T0 + DAY + 3600)  # at assessment, not at the report's time


def test_a_later_report_assessed_first_never_hides_an_earlier_one() -> None:
    log = world()
    early = log.sealed_report("lab-a", CODE, 0.995, T0 + DAY)
    late = log.sealed_report("lab-a", CODE, 0.5, T0 + 2 * DAY)
    for m in ("aisi", "eval-org"):
        log.verdict(m, late, MISSES, T0 + 2 * DAY + 60)
    for m in ("aisi", "eval-org"):
        log.verdict(m, early, MEETS, T0 + 2 * DAY + 120)
    state = log.replay()
    assert state["level"] == "heightened"
    assert state["reasons"][0]["index"] == 3 and state["reasons"][0]["at"] == format_time(T0 + 2 * DAY + 120)


def test_differing_verdicts_are_named_and_an_undecidable_report_is_disputed_at_verdict_within() -> None:
    log = world()
    d = log.sealed_report("lab-a", CODE, 0.995, T0 + DAY)
    log.verdict("aisi", d, MEETS, T0 + DAY + 60)
    log.verdict("eval-org", d, MISSES, T0 + DAY + 120)
    log.verdict("civic-audit", d, None, T0 + DAY + 180)
    pending = log.replay(T0 + DAY + 3600)
    assert pending["sealed"][0]["state"] == "pending"  # civic-audit may still be answered by a share
    assert disputes(pending, "unopened") == [{"index": 3, "kind": "unopened", "monitors": ["civic-audit"],
                                              "at": format_time(T0 + DAY + 180)}]
    state = log.replay(T0 + 9 * DAY)
    assert state["sealed"][0]["state"] == "disputed"
    assert disputes(state, "verdicts-differ")[0]["monitors"] == ["aisi", "eval-org", "civic-audit"]
    assert disputes(state, "verdicts-differ")[0]["at"] == format_time(T0 + 8 * DAY)
    # both judges that opened never shared with the one that could not
    assert disputes(state, "share-missing")[0]["monitors"] == ["aisi", "eval-org"]
    assert state["level"] == "normal"  # a disputed report raises nothing


def test_a_share_lets_a_judge_that_could_not_open_give_a_further_verdict() -> None:
    log = world()
    d = log.sealed_report("lab-a", CODE, 0.995, T0 + DAY, members=None)
    log.verdict("aisi", d, None, T0 + DAY + 60)
    log.verdict("eval-org", d, MEETS, T0 + DAY + 120)
    log.add("eval-org", "share", {"statement": d, "to": "aisi", "sealed": "A" * 64}, T0 + DAY + 180)
    log.verdict("aisi", d, MEETS, T0 + DAY + 240)
    state = log.replay(T0 + 10 * DAY)
    assert state["void"] == []
    assert state["sealed"][0]["state"] == "assessed"
    assert state["level"] == "heightened" and state["reasons"][0]["at"] == format_time(T0 + DAY + 240)
    # civic-audit gave nothing: it is named as missing only while the report was pending
    assert disputes(state, "verdict-missing") == []
    assert disputes(state, "share-missing") == []


def test_a_further_verdict_without_a_share_and_a_second_opened_verdict_are_void() -> None:
    log = world()
    d = log.sealed_report("lab-a", CODE, 0.5, T0 + DAY)
    log.verdict("aisi", d, None, T0 + DAY + 60)
    log.verdict("aisi", d, MISSES, T0 + DAY + 120)  # no share to it
    log.verdict("eval-org", d, MISSES, T0 + DAY + 180)
    log.verdict("eval-org", d, MEETS, T0 + DAY + 240)  # a second opened verdict
    log.add("civic-audit", "share", {"statement": d, "to": "aisi", "sealed": "A" * 64}, T0 + DAY + 300)  # before its own
    reasons = [v["reason"] for v in log.replay()["void"]]
    assert len(reasons) == 3
    assert "needs a share" in reasons[0] and "already gave" in reasons[1] and "before its own" in reasons[2]


def test_a_silent_majority_leaves_the_lab_overdue_and_is_named() -> None:
    log = world()
    log.sealed_report("lab-a", CODE, 0.5, T0 + 20 * DAY)
    state = log.replay(T0 + 40 * DAY)
    # the pending report counted until verdict_within (T0 + 27d); then the duty counts from entry into force
    assert disputes(state, "verdict-missing") == [{"index": 3, "kind": "verdict-missing",
                                                   "monitors": ["aisi", "eval-org", "civic-audit"],
                                                   "at": format_time(T0 + 27 * DAY)}]
    assert state["parties"]["lab-a"]["level"] == "slowdown"
    assert state["reasons"][0]["red_line"] == "sealed-silent" and state["reasons"][0]["at"] == format_time(T0 + 37 * DAY)
    assert state["level"] == "normal"  # scope party: a lab's unjudged reports never raise the others


def test_a_report_judged_in_time_keeps_the_lab_from_overdue() -> None:
    log = world()
    d = log.sealed_report("lab-a", CODE, 0.5, T0 + 20 * DAY)
    log.verdict("aisi", d, MISSES, T0 + 21 * DAY)
    log.verdict("civic-audit", d, MISSES, T0 + 21 * DAY)
    state = log.replay(T0 + 40 * DAY)
    assert state["parties"]["lab-a"]["level"] == "normal"
    assert disputes(state, "verdict-missing") == []


def test_unopenable_reports_are_a_violation_by_their_author() -> None:
    log = world()
    d = log.sealed_report("lab-a", CODE, 0.5, T0 + DAY)
    for i, m in enumerate(("aisi", "eval-org", "civic-audit")):
        log.verdict(m, d, None, T0 + DAY + 60 * (i + 1))
    state = log.replay(T0 + 9 * DAY)
    assert state["sealed"][0]["state"] == "unopenable"
    assert state["violations"] == [{"party": "lab-a", "kind": "sealed-unopenable", "run": None, "index": 3,
                                    "at": format_time(T0 + 8 * DAY)}]


def test_a_replayed_commitment_is_void_and_a_verdict_naming_wrong_red_lines_is_rejected() -> None:
    log = world()
    d = log.sealed_report("lab-a", CODE, 0.5, T0 + DAY)
    body = json.loads(json.dumps(log.entries[-1].statement.body))
    log.add("lab-a", "sealed_report", body, T0 + DAY + 10)
    bad = log.add("aisi", "verdict", {"statement": d, "opened": True, "red_lines": {"models-write-the-code": "holds"}},
                  T0 + DAY + 20)
    assert isinstance(bad, SignedStatement)  # the envelope alone is fine; the log says which words it needs
    state = log.replay()
    assert state["void"][0]["index"] == 4 and "replayed" in state["void"][0]["reason"]
    assert state["rejected"] == [{"index": 5, "reason": "body", "detail": state["rejected"][0]["detail"]}]
    assert "all-code-by-models" in state["rejected"][0]["detail"]
    engine = Engine(PACT)
    for i, e in enumerate(log.entries[:5]):
        engine.apply(i, e)
    problem = engine.lookback_problem(bad)
    assert isinstance(problem, Rejection) and problem.code == "body"


def test_reveals_publish_the_value_and_catch_a_lying_monitor() -> None:
    log = world()
    d = log.sealed_report("lab-a", CODE, 0.995, T0 + DAY)
    log.verdict("aisi", d, MISSES, T0 + DAY + 60)  # a lie
    log.verdict("eval-org", d, MEETS, T0 + DAY + 60)
    log.verdict("civic-audit", d, MEETS, T0 + DAY + 60)
    value, salt = log.openings[d]
    log.add("lab-b", "reveal", {"statement": d, "value": value, "salt": salt}, T0 + 2 * DAY)  # not its report
    log.add("lab-a", "reveal", {"statement": d, "value": 0.5, "salt": salt}, T0 + 2 * DAY)  # does not open
    log.add("lab-a", "reveal", {"statement": d, "value": value, "salt": salt}, T0 + 2 * DAY)
    log.add("lab-a", "reveal", {"statement": d, "value": value, "salt": salt}, T0 + 2 * DAY + 1)  # again
    state = log.replay()
    assert [v["index"] for v in state["void"]] == [7, 8, 10]
    assert state["sealed"][0]["value"] == 0.995
    assert disputes(state, "reveal-contradicts") == [{"index": 3, "kind": "reveal-contradicts", "monitors": ["aisi"],
                                                      "at": format_time(T0 + 2 * DAY)}]
    assert disputes(state, "verdicts-differ")[0]["monitors"] == ["aisi"]


def test_a_snapshot_taken_mid_way_replays_to_the_same_state() -> None:
    log = world()
    d = log.sealed_report("lab-a", CODE, 0.995, T0 + DAY)
    log.verdict("aisi", d, None, T0 + DAY + 60)
    cut = len(log.entries)
    log.verdict("eval-org", d, MEETS, T0 + DAY + 120)
    log.add("eval-org", "share", {"statement": d, "to": "aisi", "sealed": "A" * 64}, T0 + DAY + 180)
    log.verdict("aisi", d, MEETS, T0 + DAY + 240)
    log.sealed_report("lab-b", CODE, 0.5, T0 + 3 * DAY)
    full = log.replay(T0 + 60 * DAY)
    engine = Engine(PACT)
    for i, e in enumerate(log.entries[:cut]):
        engine.apply(i, e)
    resumed = load(PACT, dump(engine))
    for i, e in enumerate(log.entries[cut:], start=cut):
        resumed.apply(i, e)
    assert resumed.state_at(T0 + 60 * DAY) == full


# ---------------------------------------------------------------------- sealed and public give the same levels

history = st.lists(st.tuples(st.integers(1, 40), st.sampled_from(["lab-a", "lab-b", "lab-c"]),
                             st.sampled_from([0.3, 0.96, 0.995])), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history, st.integers(0, 3600))
def test_threshold_lines_give_the_same_levels_sealed_or_public_raised_at_assessment(hist: list[Any], delay: int) -> None:
    public, sealed = world(PUBLIC), world(PACT)
    t, moments = T0, []
    for gap, lab, value in hist:
        t += gap * DAY
        public.add(lab, "report", {"indicator": CODE, "value": value, "measured_at": format_time(t)}, t)
        d = sealed.sealed_report(lab, CODE, value, t)
        for m in ("aisi", "eval-org"):
            sealed.verdict(m, d, words(value), t + delay)
        moments.append(t + delay)
    moments.append(t + 90 * DAY)
    assert _levels(public, moments) == _levels(sealed, moments)
    _same_raises(public.replay(moments[-1]), sealed.replay(moments[-1]), delay)


def _levels(log: SealedLog, moments: list[int]) -> list[Any]:
    """Every party's level at each moment (after that instant's statements and changes)."""
    engine, out, i = Engine(log.pact), [], 0
    for m in moments:
        while i < len(log.entries) and log.entries[i].statement.t <= m:
            engine.apply(i, log.entries[i])
            i += 1
        state = engine.state_at(m, light=True)
        out.append((state["level"], {p: s["level"] for p, s in state["parties"].items()}))
    return out


def _same_raises(public: dict[str, Any], sealed: dict[str, Any], delay: int) -> None:
    """Each sealed raise is a public raise moved by at most ``delay``; a public raise that the sealed history
    lacks was absorbed: a raise at the same instant by another red line already put its scope as high."""
    left = _keyed(public["reasons"])
    for rb in _keyed(sealed["reasons"]):
        match = next((ra for ra in left if ra[:4] == rb[:4] and 0 <= rb[4] - ra[4] <= delay), None)
        assert match is not None, (rb, left)
        left.remove(match)
    rank = {lv: n for n, lv in enumerate(PACT.levels)}
    for ra in left:  # absorbed: at one instant a public report raises before time-driven changes, a sealed one after
        red_line, party, level, scope, at = ra
        same = [rb for rb in _keyed(sealed["reasons"]) if ra[4] <= rb[4] <= ra[4] + delay and rank[rb[2]] >= rank[level]
                and (rb[3] == "all" or rb[1] == party)]
        assert same, ("a public raise the sealed history lacks", ra)


DOUBLING = "runaway-self-improvement"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(5, 60), st.sampled_from([1.0, 1.5, 3.0, 8.0])), min_size=3, max_size=12),
       st.integers(0, 3600))
def test_doubling_lines_give_the_same_levels_where_each_reports_own_fit_decides(hist: list[Any], delay: int) -> None:
    public, sealed = world(PUBLIC), world(PACT)
    engine = Engine(PACT)
    for i, e in enumerate(sealed.entries):
        engine.apply(i, e)
    rl = next(r for r in PACT.red_lines if r.id == DOUBLING)
    t, value, times = T0, 10.0, []
    for gap, factor in hist:
        t += gap * DAY
        value *= factor
        times.append(t)
        public.add("aisi", "report", {"indicator": "time_horizon_minutes", "value": value,
                                      "measured_at": format_time(t), "subject": "lab-a"}, t)
        d = sealed.sealed_report("aisi", "time_horizon_minutes", value, t, subject="lab-a")
        engine.apply(len(sealed.entries) - 1, sealed.entries[-1])
        rec = engine.sealed[d]
        reports = [Report(engine.sealed[x].time, engine.sealed[x].index, sealed.openings[x][0], "aisi")
                   for x in rec.windows[DOUBLING]]
        word = doubling_word(rl, window(rl, reports, t))
        for m in ("eval-org", "civic-audit"):
            sealed.verdict(m, d, {DOUBLING: word}, t + delay)
            engine.apply(len(sealed.entries) - 1, sealed.entries[-1])
    end = t + 30 * DAY
    a, b = public.replay(end), sealed.replay(end)
    doubling_raises = [r for r in a["reasons"] if r["red_line"] == DOUBLING]
    if any(parse_time(r["at"]) not in times for r in doubling_raises):
        return  # decided by a report leaving the window, not by a report's own fit: not comparable
    assert a["level"] == b["level"]
    _same_raises(a, b, delay)


def _keyed(reasons: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Reasons by what they say: at one instant a public report raises before that instant's time-driven
    changes, a sealed one after them (at its assessment), so their order may differ."""
    return sorted((r["red_line"], r["party"], r["level"], r["scope"], parse_time(r["at"])) for r in reasons)


def test_the_verifier_rejects_a_verdict_naming_the_wrong_red_lines_with_no_secret() -> None:
    from pausepact.log.verify import VerificationFailed, check_replayed

    log = world()
    d = log.sealed_report("lab-a", CODE, 0.5, T0 + DAY)
    log.verdict("aisi", d, MISSES, T0 + DAY + 10)
    envelopes = [dict(e.envelope) for e in log.entries]
    check_replayed(PACT, envelopes)  # a correct log passes
    log.add("eval-org", "verdict", {"statement": d, "opened": True, "red_lines": {"models-write-the-code": "misses"}},
            T0 + DAY + 20)
    try:
        check_replayed(PACT, [dict(e.envelope) for e in log.entries])
    except VerificationFailed as failed:
        assert failed.index == 5 and "body" in str(failed) and "all-code-by-models" in str(failed)
    else:
        raise AssertionError("a verdict that names the wrong red lines passed the verifier")


def test_replay_with_a_seal_key_shows_the_monitor_what_it_opens_and_the_public_nothing(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from pausepact.cli import app
    from pausepact.keyfiles import write_private_key

    from .factory import pact_text
    from .sealed_log import seal_private, sealed_pact_kw

    log = world()
    log.sealed_report("lab-a", CODE, 0.8123, T0 + DAY, real=True)
    log.sealed_report("lab-b", CODE, 0.6321, T0 + DAY + 5, members={m: "A" * 64 for m in PACT.seal_keys})  # garbage
    (tmp_path / "pact.yaml").write_text(pact_text(**sealed_pact_kw()))
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(dict(e.envelope)) + "\n" for e in log.entries))
    write_private_key(tmp_path / "aisi.seal.pem", seal_private("aisi"))
    write_private_key(tmp_path / "stranger.seal.pem", seal_private("stranger"))
    runner = CliRunner()
    args = ["replay", "--pact", str(tmp_path / "pact.yaml"), str(tmp_path / "log.jsonl")]
    mine = runner.invoke(app, [*args, "--json", "--seal-key", str(tmp_path / "aisi.seal.pem")])
    assert mine.exit_code == 0, mine.output
    assert json.loads(mine.output)["opened"] == [{"index": 3, "value": 0.8123}]
    table = runner.invoke(app, [*args, "--seal-key", str(tmp_path / "aisi.seal.pem")])
    assert "0.8123" in table.output and "not opened" in table.output
    public = runner.invoke(app, [*args, "--json"])
    assert "opened" not in json.loads(public.output) and "0.8123" not in public.output
    stranger = runner.invoke(app, [*args, "--seal-key", str(tmp_path / "stranger.seal.pem")])
    assert stranger.exit_code != 0 and "no monitor of the pact has this seal key" in str(stranger.exception)


def test_replay_and_timeline_show_sealed_reports_and_disputes_in_words(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from pausepact.cli import app

    from .factory import pact_text
    from .sealed_log import sealed_pact_kw

    log = world()
    d = log.sealed_report("lab-a", CODE, 0.4242, T0 + DAY)
    log.verdict("aisi", d, None, T0 + DAY + 10)
    log.verdict("eval-org", d, MISSES, T0 + DAY + 20)
    log.verdict("civic-audit", d, MISSES, T0 + DAY + 30)
    (tmp_path / "pact.yaml").write_text(pact_text(**sealed_pact_kw()))
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(dict(e.envelope)) + "\n" for e in log.entries))
    runner = CliRunner()
    shown = runner.invoke(app, ["replay", "--pact", str(tmp_path / "pact.yaml"), str(tmp_path / "log.jsonl")])
    assert shown.exit_code == 0, shown.output
    assert "Sealed reports" in shown.output and "assessed" in shown.output and "unopened" in shown.output
    line = runner.invoke(app, ["timeline", "--pact", str(tmp_path / "pact.yaml"), str(tmp_path / "log.jsonl")])
    assert "sealed report #3 assessed" in line.output and "dispute unopened" in line.output
    for output in (shown.output, line.output):
        assert "0.4242" not in output
