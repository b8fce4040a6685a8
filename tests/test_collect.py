"""Collectors on small real git repositories with known answers, and on the shared real eval logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pausepact.collect import CollectorError
from pausepact.collect.aicode import PathFilter, collect
from pausepact.collect.evals import inspect_log, lm_eval, metr
from pausepact.collect.markers import Markers


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    e = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_SYSTEM="/dev/null", **(env or {}))
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=e).stdout


def commit(repo: Path, message: str, files: dict[str, str | bytes], date: str, author: str = "Ann Human <ann@lab.example>",
           committer: str | None = None) -> str:
    for name, content in files.items():
        p = repo / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode())
    git(repo, "add", "-A")
    an, ae = author.rsplit(" <", 1)
    cn, ce = (committer or author).rsplit(" <", 1)
    env = {"GIT_AUTHOR_NAME": an, "GIT_AUTHOR_EMAIL": ae[:-1], "GIT_COMMITTER_NAME": cn, "GIT_COMMITTER_EMAIL": ce[:-1],
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    git(repo, "commit", "-q", "--allow-empty", "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


def lines(prefix: str, n: int) -> str:
    return "".join(f"{prefix}_line_{i} = compute_{prefix}_value_{i}(alpha_parameter, beta_parameter, gamma_{i})\n" for i in range(n))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    commit(r, "human start", {"a.py": lines("a", 10)}, "2027-01-05T10:00:00Z")
    git(r, "tag", "v0")
    commit(r, "feat: b\n\nCo-Authored-By: Claude <noreply@anthropic.com>", {"b.py": lines("b", 20), "logo.png": b"\x89PNG\x00\x01\x02"},
           "2027-01-10T10:00:00Z")
    commit(r, "a person named Claude\n\nCo-authored-by: Claude Smith <claude@smith.example>", {"c.py": lines("c", 5)},
           "2027-01-20T10:00:00Z")
    commit(r, "bump deps", {"requirements.txt": "x==1\ny==2\nz==3\n"}, "2027-02-02T10:00:00Z",
           author="dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>")
    commit(r, "agent work", {"vendor/x.js": lines("v", 100), "d.py": lines("d", 10)}, "2027-02-10T10:00:00Z",
           author="Copilot <198982749+copilot-swe-agent[bot]@users.noreply.github.com>")
    git(r, "mv", "b.py", "src_b.py")
    commit(r, "move b unchanged", {}, "2027-02-15T10:00:00Z")
    git(r, "checkout", "-q", "-b", "side")
    commit(r, "side work", {"side.py": lines("s", 4)}, "2027-02-16T10:00:00Z")
    git(r, "checkout", "-q", "main")
    env = {"GIT_AUTHOR_DATE": "2027-02-17T10:00:00Z", "GIT_COMMITTER_DATE": "2027-02-17T10:00:00Z", "GIT_AUTHOR_NAME": "Ann",
           "GIT_AUTHOR_EMAIL": "ann@lab.example", "GIT_COMMITTER_NAME": "Ann", "GIT_COMMITTER_EMAIL": "ann@lab.example"}
    git(r, "merge", "-q", "--no-ff", "side", "-m", "merge side", env=env)
    git(r, "tag", "v1")
    return r


def test_added_counts_markers_not_names(repo: Path) -> None:
    m = collect(repo, "added", None, None, None, Markers(), PathFilter([], []))
    w = m.details["windows"][0]
    # AI: b.py 20 (Claude trailer) + d.py 10 (Copilot agent bot); human: a 10, c 5 (a person called Claude), deps 3, side 4
    assert (w["ai_lines"], w["total_lines"]) == (30, 52)
    assert m.value == pytest.approx(30 / 52)
    assert w["by_agent"] == {"claude": 20, "copilot": 10}
    assert w["skipped"] == {"binary files": 1, "vendored or generated (lines)": 100}
    assert w["commits"] == 7  # the merge is not counted; its side commit is


def test_added_globs_and_window(repo: Path) -> None:
    m = collect(repo, "added", "2027-02-01", "2027-02-28", None, Markers(), PathFilter(["*.py"], ["d*"]))
    w = m.details["windows"][0]
    assert (w["ai_lines"], w["total_lines"]) == (0, 4)  # only side.py: d.py excluded, requirements not included
    m = collect(repo, "added", None, None, None, Markers(), PathFilter([], []), progress=None)
    assert m.evidence["digest"].startswith("sha256:")


def test_monthly_series(repo: Path) -> None:
    m = collect(repo, "added", None, None, "month", Markers(), PathFilter([], []))
    by = {w["window"]: (w["ai_lines"], w["total_lines"]) for w in m.details["windows"]}
    assert by == {"2027-01": (20, 35), "2027-02": (10, 17)}


def test_blame_keeps_origins_of_moved_and_copied_lines(repo: Path) -> None:
    commit(repo, "copy ten AI lines into e.py unchanged", {"e.py": lines("b", 10)}, "2027-02-20T10:00:00Z")
    m = collect(repo, "blame", "v0", None, None, Markers(), PathFilter([], []), workers=2)
    w = m.details["windows"][0]
    # after v0: src_b.py 20 AI (moved, origin kept), e.py 10 AI (copied, origin kept), d.py 10 AI, c 5, deps 3, side 4
    assert (w["ai_lines"], w["total_lines"]) == (40, 52)


def test_release_series(repo: Path) -> None:
    m = collect(repo, "blame", None, None, "release", Markers(), PathFilter([], []), workers=2)
    assert [(w["window"], w["ai_lines"], w["total_lines"]) for w in m.details["windows"]] == [("v0", 0, 10), ("v1", 30, 42)]


def test_custom_markers(repo: Path) -> None:
    mk = Markers().extend({"emails": {"claude@smith.example": "in-house-agent"}})
    w = collect(repo, "added", None, None, None, mk, PathFilter([], [])).details["windows"][0]
    assert w["by_agent"]["in-house-agent"] == 5


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(CollectorError):
        collect(tmp_path, "added", None, None, None, Markers(), PathFilter([], []))


def test_inspect_logs(shared: Path) -> None:
    d = shared / "data" / "inspect"
    for name in ("log_formats.json", "log_formats.eval"):
        m = inspect_log(d / name)
        assert m.value == 0.0 and m.details["task"] == "popularity" and m.details["completed_samples"] == 1
        assert m.evidence["digest"].startswith("sha256:") and m.details["metric"] == "accuracy"
    assert inspect_log(d / "log_formats.json", metric="stderr").details["metric"] == "stderr"
    with pytest.raises(CollectorError, match="cancelled"):
        inspect_log(d / "2025-05-12T20-28-13-04-00_no-samples.json")
    with pytest.raises(CollectorError, match="no scores"):
        inspect_log(d / "2025-02-11T15-17-00-05-00_popularity_dPiJifoWeEQBrfWsAopzWr.eval")
    with pytest.raises(CollectorError, match="no metric"):
        inspect_log(d / "log_formats.json", metric="f1")


def test_lm_eval(tmp_path: Path) -> None:
    data = {"results": {"hellaswag": {"alias": "hellaswag", "acc,none": 0.5712, "acc_stderr,none": 0.0049, "acc_norm,none": 0.7523}},
            "configs": {}, "versions": {"hellaswag": 1.0}, "n-shot": {"hellaswag": 0}, "config": {"model": "hf"}, "date": 1.7e9}
    f = tmp_path / "results_2027-01-01T00-00-00.json"
    f.write_text(json.dumps(data))
    m = lm_eval(f, metric="acc_norm")
    assert m.value == 0.7523 and m.details["task"] == "hellaswag"
    with pytest.raises(CollectorError, match="has no numeric 'f1,none'"):
        lm_eval(f, metric="f1")


def test_metr_series(shared: Path) -> None:
    m = metr(shared / "data" / "metr" / "benchmark_results_1_1.yaml")
    series = m.details["series"]
    assert len(series) > 10
    assert [s["release_date"] for s in series] == sorted(s["release_date"] for s in series)
    assert m.value == max(s["p50_minutes"] for s in series if s["is_sota"])


def test_cli_json_contract(repo: Path, shared: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "pausepact", "collect", "ai-code", str(repo), "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    w = json.loads(r.stdout)["windows"][0]
    assert {"ai_lines", "total_lines", "share"} <= set(w)
    r = subprocess.run([sys.executable, "-m", "pausepact", "collect", "inspect", str(shared / "data" / "inspect" / "log_formats.eval"),
                        "--json"], capture_output=True, text=True)
    out = json.loads(r.stdout)
    assert out["value"] == 0.0 and out["evidence"]["digest"].startswith("sha256:")
    r = subprocess.run([sys.executable, "-m", "pausepact", "collect", "inspect",
                        str(shared / "data" / "inspect" / "2025-05-12T20-28-13-04-00_no-samples.json")], capture_output=True, text=True)
    assert r.returncode == 1 and "cancelled" in r.stderr and "Traceback" not in r.stderr


def test_submit_signs_and_sends_the_report(repo: Path, tmp_path: Path) -> None:
    from pausepact.pactio import load_pact
    from pausepact.party.client import PactClient

    from .live import serving, write_world

    folder = tmp_path / "pact"
    write_world(folder)
    with serving(folder) as srv:
        r = subprocess.run([sys.executable, "-m", "pausepact", "collect", "ai-code", str(repo), "--json", "--submit", "--server", srv.url,
                            "--pact", str(folder / "pact.yaml"), "--as", "lab-a", "--key", str(folder / "lab-a.pem")],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert out["submitted"]["index"] == 0
        with PactClient(srv.url, load_pact(folder / "pact.yaml")) as c:
            import base64

            st = json.loads(base64.b64decode(c.entries(0, 1)[0]["envelope"]["payload"]))
        assert st["type"] == "report" and st["body"]["indicator"] == "ai_code_share"
        assert st["body"]["value"] == pytest.approx(30 / 52) and st["body"]["evidence"] == out["evidence"]
