"""replay and timeline from an exported log, for scripts (--json) and for people."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pausepact.core.canonical import canonical

from .factory import pact_text
from .scenario import T0, Parties, at, make_pact  # noqa: F401


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="250")  # tables are read whole, not wrapped
    return subprocess.run([sys.executable, "-m", "pausepact", *args], capture_output=True, text=True, timeout=120, env=env)


def write_log(tmp_path: Path) -> tuple[Path, Path]:
    text = pact_text(overdue=False)
    (tmp_path / "pact.yaml").write_text(text)
    pact, _ = make_pact(overdue=False)
    p = Parties(pact)
    envs = [p(d).sign("sign", {}, T0) for d in ("lab-a", "lab-b", "lab-c")]
    envs.append(p("lab-a").sign("report", {"indicator": "ai_code_share", "value": 0.99, "measured_at": "2027-01-01T00:00:00Z"}, T0 + 1))
    envs.append(p("lab-a").sign("report", {"indicator": "ai_code_share", "value": 0.99, "measured_at": "2027-03-01T00:00:00Z"}, at("+60d")))
    envs.append(p("lab-b").sign("run", {"run": "r", "event": "start", "flop": 5e26}, at("+61d")))
    (tmp_path / "log.jsonl").write_text("\n".join(json.dumps(e) for e in envs) + "\n")
    return tmp_path / "pact.yaml", tmp_path / "log.jsonl"


def test_replay_json_is_byte_identical_and_follows_time(tmp_path: Path) -> None:
    pact, log = write_log(tmp_path)
    a = cli("replay", "--pact", str(pact), str(log), "--json")
    b = cli("replay", "--pact", str(pact), str(log), "--json")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    state = json.loads(a.stdout)
    assert canonical(state).decode() == a.stdout.strip()
    # the 60-day run of reports began at +1s, so it completes at +60d+1s, before the last statement
    assert state["level"] == "slowdown" and state["since"] == "2027-03-02T00:00:01Z" and state["as_of"] == "2027-03-03T00:00:00Z"
    over = {"party": "lab-b", "kind": "run-over-limit", "run": "r", "index": 5, "at": "2027-03-03T00:00:00Z"}
    assert state["violations"] == [over]
    # time alone moves the state past the last statement: the run's grace (1h) runs out
    later = json.loads(cli("replay", "--pact", str(pact), str(log), "--json", "--at", "2027-03-05T00:00:00Z").stdout)
    assert later["violations"] == [over, dict(over, kind="run-not-stopped", at="2027-03-03T01:00:00Z")]
    before = json.loads(cli("replay", "--pact", str(pact), str(log), "--json", "--at", "2027-03-02T00:00:00Z").stdout)
    assert before["level"] == "normal" and before["tree_size"] == 5
    early = json.loads(cli("replay", "--pact", str(pact), str(log), "--json", "--at", "2027-01-01T00:00:00Z").stdout)
    assert early["tree_size"] == 3 and early["in_force"]


def test_replay_and_timeline_for_people(tmp_path: Path) -> None:
    pact, log = write_log(tmp_path)
    r = cli("replay", "--pact", str(pact), str(log), "--at", "2027-03-05T00:00:00Z")
    assert r.returncode == 0, r.stderr
    assert "coordinated level slowdown since 2027-03-02T00:00:01Z" in r.stdout
    assert "red line models-write-the-code, subject lab-a, entry 4" in r.stdout
    assert "violation run-not-stopped by lab-b" in r.stdout
    t = cli("timeline", "--pact", str(pact), str(log), "--at", "2027-03-05T00:00:00Z")
    assert "raise everyone: normal -> slowdown, by red line models-write-the-code (subject lab-a)" in t.stdout
    assert "pact in force" in t.stdout
