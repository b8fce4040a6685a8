"""The operators' tools without a server: the dry-run preview (core.effects), explain's rules, timeline --until."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pausepact.cli import main
from pausepact.core.durations import format_time
from pausepact.core.effects import outcome, preview, replayed, unsigned
from pausepact.explain import explain
from pausepact.log.checking import check_one

from .factory import make_pact, pact_text
from .hostile_log import T0, HostileLog

DAY = 86400


def checked(log: HostileLog) -> list:  # type: ignore[type-arg]
    return [check_one(e, log.pact) for e in log.entries]


def would(log: HostileLog, party: str, type_: str, body: dict, t: int):  # type: ignore[no-untyped-def,type-arg]
    signer = log.parties(party)
    seq = sum(1 for e in checked(log) if getattr(e, "keyid", None) == signer.keyid) + 1
    return preview(log.pact, checked(log), unsigned(signer.statement(type_, body, t, seq=seq), signer.keyid, log.pact), t)


def test_a_report_that_starts_a_for_run_says_when_it_raises() -> None:
    log = HostileLog()
    log.sign_all()
    t = T0 + DAY
    p = would(log, "lab-a", "report", {"indicator": "ai_code_share", "value": 0.97, "measured_at": format_time(t)}, t)
    assert p.outcome["effect"] == "counted" and p.changes == []
    [raise_] = [e for e in p.happens if e["event"] == "raise" and e["scope"] == "all"]
    # lab-a's own overdue raise moves a day later: it reported
    assert [e["at"] for e in p.no_longer if e["event"] == "raise" and e["scope"] == "lab-a"] == [format_time(T0 + 44 * DAY + 2)]  # in force at T0+2
    assert raise_["red_line"] == "models-write-the-code" and raise_["to"] == "slowdown" and raise_["at"] == format_time(t + 60 * DAY)
    # and a report below the threshold changes nothing, now or later
    p = would(log, "lab-a", "report", {"indicator": "ai_code_share", "value": 0.5, "measured_at": format_time(t)}, t)
    assert not [e for e in p.happens if e["event"] == "raise" and e["scope"] == "all"]


def test_the_vote_that_completes_the_quorum_executes_the_resumption() -> None:
    log = HostileLog()
    log.sign_all()
    t = T0 + 45 * DAY  # lab-a never reported: gone-silent raised its own level to heightened at day 44
    log.add("aisi", "propose", {"id": "r1", "action": "resume", "level": "heightened", "party": "lab-a"}, t)
    p = would(log, "aisi", "vote", {"proposal": "r1", "choice": "yes"}, t + 1)
    assert p.outcome["effect"] == "counted"
    assert "level of lab-a: heightened -> normal" in p.changes
    assert any(c.startswith("proposal r1: active -> executed") for c in p.changes), p.changes
    # the same vote twice is void, and the preview says why
    log.add("aisi", "vote", {"proposal": "r1", "choice": "yes"}, t + 1)
    p = would(log, "aisi", "vote", {"proposal": "r1", "choice": "yes"}, t + 2)
    assert p.outcome == {"effect": "void", "code": None, "reason": "vote on proposal 'r1', which is executed"}
    assert p.changes == [] and p.happens == [] and p.no_longer == []


def test_a_statement_the_log_would_refuse_is_said_to_be_rejected() -> None:
    log = HostileLog()
    log.sign_all()
    p = would(log, "lab-a", "vote", {"proposal": "x", "choice": "yes"}, T0 + 10)
    assert p.outcome["effect"] == "rejected" and p.outcome["code"] == "role"
    engine = replayed(log.pact, checked(log))
    assert outcome(engine, 0) == {"effect": "counted", "code": None, "reason": None}


def test_explain_states_the_rules_a_party_can_trip_on() -> None:
    rules = dict(explain(make_pact()[0]))["Rules a party can trip on"]
    text = "\n".join(rules)
    assert "Proposals expire 30 days after they are made" in text
    assert "Leaving 'pause' or 'slowdown' needs runaway-self-improvement (doubling) clear" in text
    assert "Leaving 'slowdown' needs models-write-the-code (threshold) clear" in text  # not needed to leave pause
    assert "ai_code_share report is due every 30 days; 44 days after its last one" in text
    assert "Grace at 'pause'" in text and "run-not-stopped" in text


def test_timeline_runs_past_the_last_statement(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = HostileLog()
    log.sign_all()
    log.add("aisi", "propose", {"id": "r9", "action": "resume", "level": "normal"}, T0 + 10)  # void: normal cannot be left
    log.add("lab-a", "report", {"indicator": "ai_code_share", "value": 0.97, "measured_at": format_time(T0 + DAY)}, T0 + DAY)
    (tmp_path / "pact.yaml").write_text(pact_text())
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log.entries))
    args = ["timeline", "--pact", str(tmp_path / "pact.yaml"), str(tmp_path / "log.jsonl"), "--json"]

    def events(*extra: str) -> list[dict]:  # type: ignore[type-arg]
        with pytest.raises(SystemExit) as e:
            main([*args, *extra])
        assert e.value.code in (0, None)
        return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]

    assert not [e for e in events() if e["event"] == "raise"]
    later = events("--until", format_time(T0 + 70 * DAY))
    assert {(e["at"], e["to"]) for e in later if e["event"] == "raise" and e["scope"] == "all"} == {(format_time(T0 + 61 * DAY), "slowdown")}
    assert events("--at", format_time(T0 + 70 * DAY)) == later


def test_log_show_and_search_of_a_hostile_log_print_text_not_escapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = HostileLog(make_pact(overdue=False)[0])
    log.sign_all()
    log.add("aisi", "cancel", {"proposal": "p\x1b]8;;http://x\x07", "reason": "\x1b[2Kgone\u202e"}, T0 + 5)
    log.entries.append({"payloadType": "x", "payload": "\x1b[31m", "signatures": []})  # not a statement at all
    (tmp_path / "pact.yaml").write_text(pact_text(overdue=False))
    url, stop = log.serve_http()
    try:
        args = ["--server", url, "--pact", str(tmp_path / "pact.yaml")]
        for argv in (["log", "show", "3", *args], ["log", "show", "4", *args], ["log", "search", *args]):
            with pytest.raises(SystemExit) as e:
                main(argv)
            got = capsys.readouterr()
            assert e.value.code in (0, None), got.err
            assert "\x1b" not in got.out + got.err and "\u202e" not in got.out + got.err
        with pytest.raises(SystemExit):
            main(["log", "show", "3", *args, "--json"])
        shown = json.loads(capsys.readouterr().out)
        assert shown["effect"]["effect"] == "void" and shown["body"]["reason"] == "\x1b[2Kgone\u202e"
        with pytest.raises(SystemExit):
            main(["log", "show", "4", *args, "--json"])
        assert json.loads(capsys.readouterr().out)["effect"]["effect"] == "rejected"
    finally:
        stop()
