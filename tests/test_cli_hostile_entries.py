"""L2: `verify` names the first bad entry and `replay` lists it in `rejected`; neither ever ends in a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pausepact.core.statements import sign_statement

from .factory import Parties, make_pact, pact_text
from .scenario import T0


def _year_zero() -> str:
    pact, _ = make_pact(overdue=False)
    signer = Parties(pact)("lab-a")
    st = signer.statement("report", {"indicator": "ai_code_share", "value": 0.5, "measured_at": "0000-01-01T00:00:00Z"}, T0 + 1, seq=2)
    st["time"] = "0000-01-01T00:00:00Z"
    return json.dumps(sign_statement(st, signer.key))  # validly signed: only its time is wrong


BAD_LINES = {
    "400 digits": '{"payloadType":"x","payload":' + "9" * 400 + ',"signatures":[]}',
    "1e999": '{"payloadType":"x","payload":1e999,"signatures":[]}',
    "year 0000": _year_zero(),
    "not JSON": "this is not json",
    "JSON array": "[1, 2, 3]",
    "JSON string": '"an envelope?"',
    "binary": "\x00\x01garbage\udcff\x1b[2K",
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "huge line": json.dumps({"payloadType": "x", "payload": "A" * (20 * 1024 * 1024), "signatures": []}),
}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pausepact", *args], capture_output=True, text=True, timeout=300)


def world(tmp_path: Path, bad: str | None) -> tuple[Path, Path, Path]:
    """pact.yaml, a log of three signatures then ``bad`` (entry 3), and a checkpoint note (not matching: entries fail first)."""
    (tmp_path / "pact.yaml").write_text(pact_text(overdue=False))
    pact, _ = make_pact(overdue=False)
    p = Parties(pact)
    lines = [json.dumps(p(d).sign("sign", {}, T0)) for d in ("lab-a", "lab-b", "lab-c")]
    if bad is not None:
        lines.append(bad)
    (tmp_path / "log.jsonl").write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    (tmp_path / "checkpoint").write_text("pausepact.test/test-pact\n4\n" + "A" * 43 + "=\n\n— log AAAA\n")
    return tmp_path / "pact.yaml", tmp_path / "log.jsonl", tmp_path / "checkpoint"


@pytest.mark.parametrize("bad", list(BAD_LINES), ids=list(BAD_LINES))
def test_verify_names_the_bad_entry(tmp_path: Path, bad: str) -> None:
    pact, log, cp = world(tmp_path, BAD_LINES[bad])
    r = cli("verify", "--pact", str(pact), "--entries", str(log), "--checkpoint", str(cp))
    assert r.returncode == 1, r.stdout
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert r.stderr.startswith("entry 3: "), r.stderr
    assert "\x1b" not in r.stderr
    j = cli("verify", "--pact", str(pact), "--entries", str(log), "--checkpoint", str(cp), "--json")
    assert j.returncode == 1 and json.loads(j.stdout)["index"] == 3 and "Traceback" not in j.stderr


@pytest.mark.parametrize("bad", list(BAD_LINES), ids=list(BAD_LINES))
def test_replay_lists_the_bad_entry_in_rejected(tmp_path: Path, bad: str) -> None:
    pact, log, _ = world(tmp_path, BAD_LINES[bad])
    r = cli("replay", "--pact", str(pact), str(log), "--json")
    assert r.returncode == 0, r.stderr
    state = json.loads(r.stdout)
    assert [x["index"] for x in state["rejected"]] == [3]
    assert state["in_force"]  # the good entries still count
    people = cli("replay", "--pact", str(pact), str(log))
    assert people.returncode == 0 and "1 rejected entries" in people.stdout and "#3" in people.stdout
    assert "\x1b" not in people.stdout
    t = cli("timeline", "--pact", str(pact), str(log))
    assert t.returncode == 0 and "Traceback" not in t.stderr


def test_an_empty_log(tmp_path: Path) -> None:
    pact, log, cp = world(tmp_path, None)
    log.write_text("")
    r = cli("verify", "--pact", str(pact), "--entries", str(log), "--checkpoint", str(cp))
    assert r.returncode == 1 and r.stderr.startswith("checkpoint: ") and "Traceback" not in r.stderr
    r = cli("replay", "--pact", str(pact), str(log), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["tree_size"] == 0
    r = cli("timeline", "--pact", str(pact), str(log))
    assert r.returncode == 0 and "Traceback" not in r.stderr


def test_the_far_future_and_a_year_zero_as_of(tmp_path: Path) -> None:
    from pausepact.core.durations import parse_time

    pact, log, _ = world(tmp_path, None)
    p = Parties(make_pact(overdue=False)[0])
    end = parse_time("9999-12-31T23:59:59Z")
    lines = log.read_text().splitlines()
    lines.append(json.dumps(p("lab-a").sign("report", {"indicator": "ai_code_share", "value": 0.99, "measured_at": "2027-01-01T00:00:00Z"},
                                            T0 + 1)))
    lines.append(json.dumps(p("lab-a").sign("report", {"indicator": "ai_code_share", "value": 0.99, "measured_at": "9999-12-31T23:59:58Z"},
                                            end)))
    lines.append(json.dumps(p("lab-b").sign("run", {"run": "r", "event": "start", "flop": 5e26}, end)))
    log.write_text("\n".join(lines) + "\n")
    for command in ("replay", "timeline"):
        r = cli(command, "--pact", str(pact), str(log))
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    r = cli("replay", "--pact", str(pact), str(log), "--at", "0000-01-01T00:00:00Z")
    assert r.returncode == 2 and r.stderr.startswith("--at: ") and "Traceback" not in r.stderr
