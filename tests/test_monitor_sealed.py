"""Monitors judge sealed reports (contract v2 section 8) against a real server, in-process rounds: verdicts that
assess a lab's report, shares that answer garbled members, retired seal keys, doubling words that wait for
their window, restarts that repeat nothing, refusals that are one line and retried; no value in any log."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import stat
from pathlib import Path
from typing import Any

import pytest

from pausepact.core.canonical import canonical
from pausepact.core.durations import parse_time
from pausepact.core.redlines import Report, doubling_word, window
from pausepact.core.sealing import Opened, open_sealed, seal, seal_info
from pausepact.keyfiles import seal_public_raw
from pausepact.monitor import MonitorState, StateFileError
from pausepact.party.client import ClientError, PactClient

from .live import serving
from .sealed_log import seal_private
from .sealed_monitors import (
    monitors,
    retired_seal_key,
    round_of,
    sealed_body,
    sealed_state,
    submit,
    until,
    write_sealed_world,
)

VALUE = 0.99618033  # distinctive: it must appear in no log line, only in the monitors' state files
MEETS = {"models-write-the-code": "meets", "all-code-by-models": "meets"}


def statements(client: PactClient) -> list[dict[str, Any]]:
    """Every entry's statement in log order."""
    size = int(client.state()["tree_size"])
    return [json.loads(base64.b64decode(e["envelope"]["payload"])) for e in client.entries(0, size)]


def by(entries: list[dict[str, Any]], type_: str, digest: str) -> list[tuple[str, dict[str, Any]]]:
    return [(e["party"], e["body"]) for e in entries if e["type"] == type_ and e["body"].get("statement") == digest]


def digest_of(client: PactClient, index: int) -> str:
    """The digest a verdict names: hex SHA-256 of the entry's DSSE payload bytes."""
    env = client.entries(index, index + 1)[0]["envelope"]
    return hashlib.sha256(base64.b64decode(env["payload"])).hexdigest()


def digest_of_entries(log: list[dict[str, Any]], index: int) -> str:
    """The same, from a statement as ``statements`` decoded it (payloads are canonical JSON)."""
    return hashlib.sha256(canonical(log[index])).hexdigest()


def test_a_lab_sealed_report_is_assessed_by_the_monitors_verdicts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    pact = write_sealed_world(tmp_path)
    with serving(tmp_path) as srv, PactClient(srv.url, pact) as c, monitors(tmp_path, srv.url, pact) as ms:
        for lab in ("lab-a", "lab-b", "lab-c"):
            submit(c, lab, "sign", {})  # in force: the assessment raises
        r = submit(c, "lab-a", "sealed_report", sealed_body(pact, VALUE))
        until(lambda: sealed_state(c, r["index"])["state"] == "assessed", round_of(ms))
        step = round_of(ms)
        for _ in range(3):
            step()  # more rounds add nothing
        log = statements(c)
        state = c.state()
        served = (tmp_path / f"serve-{srv.port}.log").read_text()
    d = digest_of_entries(log, r["index"])
    verdicts = by(log, "verdict", d)
    # every judge gave one verdict, all opened with the same words; nothing else was sent
    assert sorted(p for p, _ in verdicts) == ["aisi", "civic-audit", "eval-org"]
    assert all(b == {"statement": d, "opened": True, "red_lines": MEETS} for _, b in verdicts)
    assert by(log, "share", d) == [] and state["disputes"] == [] and state["void"] == []
    assert state["level"] == "heightened" and state["reasons"][0]["red_line"] == "all-code-by-models"
    # the value lives only in each monitor's state file, which only its owner can read
    for m in ms:
        path = tmp_path / f"{m}-state.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert MonitorState.load(path).openings[d]["value"] == VALUE
    for text in (caplog.text, json.dumps(state), json.dumps(log), served):
        assert "0.996180" not in text and "99618033" not in text


def test_garbled_members_are_answered_by_a_share_and_further_verdicts(tmp_path: Path) -> None:
    pact = write_sealed_world(tmp_path)
    with serving(tmp_path) as srv, PactClient(srv.url, pact) as c, monitors(tmp_path, srv.url, pact) as ms:
        r = submit(c, "lab-a", "sealed_report", sealed_body(pact, 0.2, garble=("aisi", "eval-org")))
        d = digest_of(c, r["index"])

        def answered() -> bool:
            vs = by(statements(c), "verdict", d)
            return sum(1 for p, b in vs if p in ("aisi", "eval-org") and b["opened"]) == 2

        until(answered, round_of(ms))
        log, state = statements(c), c.state()
        assessed = sealed_state(c, r["index"])["state"]
    verdicts = by(log, "verdict", d)
    for m in ("aisi", "eval-org"):  # could not open, then opened the share and judged
        assert [b["opened"] for p, b in verdicts if p == m] == [False, True]
    words = {"models-write-the-code": "misses", "all-code-by-models": "misses"}
    assert all(b["red_lines"] == words for _, b in verdicts if b["opened"])
    # the judge that opened shared with both, once each, and nobody else shared
    assert sorted((p, b["to"]) for p, b in by(log, "share", d)) == [("civic-audit", "aisi"), ("civic-audit", "eval-org")]
    assert assessed == "assessed"
    assert sorted((x["kind"], tuple(x["monitors"])) for x in state["disputes"]) == \
        [("unopened", ("aisi",)), ("unopened", ("eval-org",))]
    assert state["void"] == []


def test_a_retired_seal_key_still_opens_older_reports(tmp_path: Path) -> None:
    pact = write_sealed_world(tmp_path)
    body = sealed_body(pact, 0.3)
    # aisi's member sealed to the key it held before (as a report made under an earlier version would be)
    got = open_sealed(body["sealed"]["civic-audit"], seal_private("civic-audit"), seal_info(pact.digest, body["commitment"]),
                      "ratio", body["indicator"], body["measured_at"], "lab-a", body["commitment"])
    assert isinstance(got, Opened)
    body["sealed"]["aisi"] = base64.b64encode(seal(got.value, base64.b64decode(got.salt),
                                                   seal_public_raw(retired_seal_key("aisi")),
                                                   seal_info(pact.digest, body["commitment"]))).decode()
    keys = {"aisi": [seal_private("aisi"), retired_seal_key("aisi")]}
    with serving(tmp_path) as srv, PactClient(srv.url, pact) as c, monitors(tmp_path, srv.url, pact, keys) as ms:
        d = digest_of(c, submit(c, "lab-a", "sealed_report", body)["index"])
        until(lambda: len(by(statements(c), "verdict", d)) == 3, round_of(ms))
        verdicts = dict(by(statements(c), "verdict", d))
    assert verdicts["aisi"]["opened"] is True


def test_doubling_words_wait_for_every_value_of_the_window(tmp_path: Path) -> None:
    """aisi reports lab-a's time horizon three times; eval-org cannot open the first report until civic-audit
    shares it, so it gives no words on the later ones before that; all words are the public fit's."""
    pact = write_sealed_world(tmp_path)
    values = [10.0, 20.0, 400.0]
    with serving(tmp_path) as srv, PactClient(srv.url, pact) as c, monitors(tmp_path, srv.url, pact) as ms:
        ds = []
        for i, v in enumerate(values):
            body = sealed_body(pact, v, indicator="time_horizon_minutes", subject="lab-a", author="aisi",
                               garble=("eval-org",) if i == 0 else ())
            ds.append(digest_of(c, submit(c, "aisi", "sealed_report", body)["index"]))
        until(lambda: all(len([p for p, b in by(statements(c), "verdict", d) if b["opened"]]) == 2 for d in ds),
              round_of(ms))
        log = statements(c)
        state = c.state()
    rl = next(x for x in pact.red_lines if x.id == "runaway-self-improvement")
    times = [_t(log, d) for d in ds]
    reports = [Report(t, i, v, "aisi") for i, (t, v) in enumerate(zip(times, values, strict=True))]
    for i, d in enumerate(ds):
        want = {rl.id: doubling_word(rl, window(rl, reports[:i + 1], times[i]))}
        assert [b["red_lines"] for p, b in by(log, "verdict", d) if b["opened"]] == [want, want]
    # eval-org's words on the later reports came only after the share let it open the first
    order = [(e["party"], e["type"], e["body"].get("statement"), e["body"].get("opened")) for e in log]
    further = order.index(("eval-org", "verdict", ds[0], True))
    for d in ds[1:]:
        assert order.index(("eval-org", "verdict", d, True)) > further
    assert [s["state"] for s in state["sealed"]] == ["assessed"] * 3


def _t(log: list[dict[str, Any]], digest: str) -> int:
    return next(parse_time(e["time"]) for i, e in enumerate(log) if digest_of_entries(log, i) == digest)


def test_a_restart_repeats_no_verdict_and_a_refusal_is_one_line_retried(tmp_path: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    pact = write_sealed_world(tmp_path)
    with serving(tmp_path) as srv, PactClient(srv.url, pact) as c:
        with monitors(tmp_path, srv.url, pact) as ms:
            first = submit(c, "lab-a", "sealed_report", sealed_body(pact, VALUE))
            until(lambda: sealed_state(c, first["index"])["state"] == "assessed", round_of(ms))
            before = statements(c)
        # restarted from their state files: a fresh replay; nothing is sent again
        with monitors(tmp_path, srv.url, pact) as ms:
            step = round_of(ms)
            for _ in range(3):
                step()
            assert statements(c) == before
            # a refused submission: one line, no traceback, and the next round sends it
            second = submit(c, "lab-a", "sealed_report", sealed_body(pact, 0.97))
            judge = ms["aisi"].judge
            assert judge is not None
            real = judge.client.submit

            def refuse(*a: Any, **kw: Any) -> Any:
                raise ClientError("POST /v1/statements: 503 unavailable: a test refusal", "unavailable", 503)

            judge.client.submit = refuse  # type: ignore[method-assign]
            caplog.clear()
            with caplog.at_level(logging.INFO, logger="pausepact.monitor"):
                ms["aisi"].step()
            judge.client.submit = real  # type: ignore[method-assign]
            refused = [r for r in caplog.records if "test refusal" in r.getMessage()]
            assert len(refused) == 1 and "\n" not in refused[0].getMessage() and refused[0].exc_info is None
            assert "tried again next round" in refused[0].getMessage()
            d2 = digest_of(c, second["index"])
            until(lambda: "aisi" in dict(by(statements(c), "verdict", d2)), step)
            until(lambda: sealed_state(c, second["index"])["state"] == "assessed", step)
        log = statements(c)
    for d in (digest_of_entries(log, first["index"]), digest_of_entries(log, second["index"])):
        assert sorted(p for p, _ in by(log, "verdict", d)) == ["aisi", "civic-audit", "eval-org"]
    assert "0.996180" not in caplog.text and "99618033" not in caplog.text


@pytest.mark.parametrize("content", [
    {"openings": []}, {"openings": {"ab": {"index": 1, "value": 0.5, "salt": "x"}}},
    {"openings": {"ab" * 32: {"index": 1, "value": "0.5", "salt": "x"}}},
    {"openings": {"ab" * 32: {"index": 1, "value": 0.5}}}, {"sealed_sent": {}},
    {"sealed_sent": [{"statement": "ab", "type": "vote", "to": None, "index": 3}]}])
def test_a_state_file_with_malformed_openings_is_refused_in_one_line(tmp_path: Path, content: dict[str, Any]) -> None:
    (tmp_path / "aisi.json").write_text(json.dumps(content))
    with pytest.raises(StateFileError, match="not a monitor state file") as e:
        MonitorState.load(tmp_path / "aisi.json")
    assert "\n" not in str(e.value)
    good = MonitorState.load(tmp_path / "new.json")
    good.openings["ab" * 32] = {"index": 1, "value": 0.5, "salt": "x"}
    good.sealed_sent.append({"statement": "ab" * 32, "type": "share", "to": "eval-org", "index": 4})
    good.save()
    again = MonitorState.load(tmp_path / "new.json")
    assert (again.openings, again.sealed_sent) == (good.openings, good.sealed_sent)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o600
