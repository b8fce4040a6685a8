"""The operators' examples run as documented: the monthly reporting workflow and the countersigning routine."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

from .live import serving, write_world

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BIN = str(Path(sys.executable).parent)


def git(repo: Path, *args: str, when: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "ann@lab.example", "GIT_COMMITTER_NAME": "Ann",
           "GIT_COMMITTER_EMAIL": "ann@lab.example"}
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def last_months_repo(folder: Path) -> Path:
    """A repository with last month's work: 20 lines by Claude, 10 by a person (and older work outside the window)."""
    first = dt.datetime.now(dt.UTC).date().replace(day=1)
    before = (first - dt.timedelta(days=1)).replace(day=1)
    repo = folder / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name, n, message, day in [("old.py", 50, "old work", before - dt.timedelta(days=20)),
                                  ("ai.py", 20, "feat\n\nCo-Authored-By: Claude <noreply@anthropic.com>", before + dt.timedelta(days=3)),
                                  ("human.py", 10, "by hand", before + dt.timedelta(days=5))]:
        (repo / name).write_text("".join(f"{name} line {i}\n" for i in range(n)))
        git(repo, "add", name)
        git(repo, "commit", "-q", "-m", message, when=f"{day.isoformat()}T10:00:00Z")
    return repo


def workflow_steps() -> tuple[dict[str, str], list[dict[str, Any]]]:
    doc = yaml.safe_load((EXAMPLES / "monthly-reporting.yml").read_text())
    assert {"schedule", "workflow_dispatch"} <= set(doc[True] if True in doc else doc["on"])  # YAML 1.1 reads `on` as True
    job = doc["jobs"]["report"]
    return job["env"], job["steps"]


def test_the_monthly_workflow_submits_last_months_ai_code_share(tmp_path: Path) -> None:
    world = tmp_path / "pact"
    write_world(world)
    repo = last_months_repo(tmp_path)
    job_env, steps = workflow_steps()
    runner_temp, github_env = tmp_path / "runner", tmp_path / "github_env"
    runner_temp.mkdir()
    github_env.write_text("")
    with serving(world) as srv:
        env = {**os.environ, **job_env, "PATH": BIN + os.pathsep + os.environ["PATH"], "RUNNER_TEMP": str(runner_temp),
               "GITHUB_ENV": str(github_env), "PAUSEPACT_SERVER": srv.url, "PACT": str(world / "pact.yaml")}
        for who in ("lab-a", "lab-b", "lab-c"):  # the pact comes in force: the report counts
            subprocess.run(["pausepact", "submit", "sign", "--server", srv.url, "--pact", env["PACT"], "--as", who,
                            "--key", str(world / f"{who}.pem")], env=env, check=True, capture_output=True)
        ran = []
        for step in steps:
            if "run" not in step or step.get("id") == "install":  # `uses:` actions are GitHub's; pausepact is installed here
                continue
            step_env = {**env, **{k: v for k, v in step.get("env", {}).items()}}
            if step.get("id") == "key":  # the secret, as GitHub passes it
                step_env["PAUSEPACT_KEY"] = (world / f"{job_env['PARTY']}.pem").read_text()
            step_env |= dict(line.split("=", 1) for line in github_env.read_text().splitlines() if line)
            r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=repo, env=step_env,
                               capture_output=True, text=True, timeout=300)
            assert r.returncode == 0, (step.get("name"), r.stderr)
            ran.append(step["id"])
            if step["id"] == "key":
                key = runner_temp / "pausepact-key.pem"
                assert stat.S_IMODE(key.stat().st_mode) == 0o600
        state = httpx.get(srv.url + "/v1/state", timeout=30).json()
    assert ran == ["key", "window", "submit", "forget"]
    assert not (runner_temp / "pausepact-key.pem").exists()
    report = json.loads((runner_temp / "report.json").read_text())
    assert report["value"] == 20 / 30 and report["submitted"]["index"] == 3
    assert state["tree_size"] == 4 and state["void"] == []


def search(url: str, pact: Path, type_: str) -> list[dict[str, Any]]:
    r = subprocess.run(["pausepact", "log", "search", "--server", url, "--pact", str(pact), "--type", type_, "--json"],
                       env={**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]}, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def test_the_countersign_routine_countersigns_what_passes_its_check(tmp_path: Path) -> None:
    write_world(tmp_path)
    pact = tmp_path / "pact.yaml"
    # the monitor's own check: it accepts scores below 0.5 and refuses the rest
    check = tmp_path / "check.py"
    check.write_text("import json, sys\nr = json.load(sys.stdin)\n"
                     "sys.exit(0 if r['body']['value'] < 0.5 else 'not what our evaluation found')\n")
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"], "PACT": str(pact), "PARTY": "aisi",
           "KEY": str(tmp_path / "aisi.pem"), "CHECK": f"{sys.executable} {check}"}
    with serving(tmp_path) as srv:
        env["PAUSEPACT_SERVER"] = srv.url
        where = ["--server", srv.url, "--pact", str(pact)]
        for who, args in [("lab-a", ["sign"]), ("lab-b", ["sign"]), ("lab-c", ["sign"]),
                          ("lab-a", ["report", "--indicator", "ai_rnd_score", "--value", "0.2"]),
                          ("lab-b", ["report", "--indicator", "ai_rnd_score", "--value", "0.7"]),
                          ("lab-c", ["report", "--indicator", "ai_code_share", "--value", "0.3"]),  # needs no countersignature
                          ("lab-c", ["report", "--indicator", "ai_rnd_score", "--value", "0.1"])]:
            subprocess.run(["pausepact", "submit", *args, *where, "--as", who, "--key", str(tmp_path / f"{who}.pem")],
                           env=env, check=True, capture_output=True)
        # another monitor already countersigned lab-c's score: it awaits nobody
        subprocess.run(["pausepact", "submit", "countersign", *where, "--as", "eval-org", "--key", str(tmp_path / "eval-org.pem"),
                        "--entry", "6"], env=env, check=True, capture_output=True)
        routine = [sys.executable, str(EXAMPLES / "countersign-routine.py")]
        first = subprocess.run(routine, env=env, capture_output=True, text=True, timeout=300)
        again = subprocess.run(routine, env=env, capture_output=True, text=True, timeout=300)
        countersigns = search(srv.url, pact, "countersign")
        reports = {r["index"]: r["payload_sha256"] for r in search(srv.url, pact, "report")}
    assert first.returncode == 0, first.stderr
    assert "2 report(s) await aisi's countersignature" in first.stdout
    assert "countersigned entry 3: ai_rnd_score = 0.2 by lab-a" in first.stdout
    assert "refused entry 4: ai_rnd_score = 0.7 by lab-b: not what our evaluation found" in first.stdout
    mine = [c for c in countersigns if c["party"] == "aisi"]
    assert [c["body"]["statement"] for c in mine] == [reports[3]] and mine[0]["effect"]["effect"] == "counted"
    # a second run countersigns nothing twice; the refused report is checked again (our check may change its mind)
    assert again.returncode == 0 and "1 report(s) await" in again.stdout and "countersigned" not in again.stdout
