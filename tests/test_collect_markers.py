"""Default AI markers come from the package's data file, each with its source, and count on real repositories."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from pausepact.collect.aicode import PathFilter, collect
from pausepact.collect.markers import Markers

from .test_collect import commit, git, lines

HUMAN = "Ann Human <ann@lab.example>"
# (message, author): one commit per default marker, each must be counted as AI
MARKED = {
    "claude trailer": ("x\n\nCo-Authored-By: Claude <noreply@anthropic.com>", HUMAN),
    "claude trailer with model": ("x\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>", HUMAN),
    "claude code footer": ("x\n\n\U0001f916 Generated with [Claude Code](https://claude.com/claude-code)", HUMAN),
    "copilot 175728472": ("x\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>", HUMAN),
    "copilot 223556219": ("x\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>", HUMAN),
    "aider aider.chat": ("x\n\nCo-authored-by: aider (gpt-4o) <aider@aider.chat>", HUMAN),
    "aider noreply@aider.dev": ("x\n\nCo-authored-by: aider (claude-3-5-sonnet) <noreply@aider.dev>", HUMAN),
    "aider noreply@aider.chat": ("x\n\nCo-authored-by: aider (o1) <noreply@aider.chat>", HUMAN),
    "aider author suffix": ("x", "Ann Human (aider) <ann@lab.example>"),
    "aider subject": ("aider: add the parser", HUMAN),
    "cursor agent": ("x", "Cursor Agent <cursoragent@cursor.com>"),
    "codex": ("x\n\nCo-authored-by: Codex <noreply@openai.com>", HUMAN),
    "opencode": ("x\n\nCo-authored-by: opencode <noreply@opencode.ai>", HUMAN),
    "claude[bot]": ("x", "claude[bot] <209825114+claude[bot]@users.noreply.github.com>"),
    "copilot-swe-agent[bot]": ("x", "Copilot <198982749+copilot-swe-agent[bot]@users.noreply.github.com>"),
    "devin-ai-integration[bot]": ("x", "Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>"),
    "google-labs-jules[bot]": ("x", "google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>"),
}
NOT_AI = {
    "a person named Claude": ("x\n\nCo-authored-by: Claude Smith <claude@smith.example>", HUMAN),
    "a person named Devin": ("x", "Devin Jones <devin@lab.example>"),
    "claude in the subject": ("Claude: tidy the docs", "Claude Martin <claude.martin@lab.example>"),
    "dependabot": ("bump deps", "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>"),
    "aider in prose": ("x\n\nwe should try aider (aider) one day", HUMAN),
}


def one_commit_repo(tmp_path: Path, message: str, author: str) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    commit(r, "human start", {"a.py": lines("a", 10)}, "2027-01-05T10:00:00Z")
    commit(r, message, {"b.py": lines("b", 30)}, "2027-01-10T10:00:00Z", author=author)
    return r


@pytest.mark.parametrize("name", sorted(MARKED))
def test_each_default_marker_is_counted(tmp_path: Path, name: str) -> None:
    repo = one_commit_repo(tmp_path, *MARKED[name])
    w = collect(repo, "added", None, None, None, Markers(), PathFilter([], [])).details["windows"][-1]
    assert (w["ai_lines"], w["total_lines"], w["ai_commits"]) == (30, 40, 1), name


@pytest.mark.parametrize("name", sorted(NOT_AI))
def test_people_and_other_bots_are_not_counted(tmp_path: Path, name: str) -> None:
    repo = one_commit_repo(tmp_path, *NOT_AI[name])
    w = collect(repo, "added", None, None, None, Markers(), PathFilter([], [])).details["windows"][-1]
    assert (w["ai_lines"], w["ai_commits"]) == (0, 0), name


def test_all_three_aider_addresses_in_one_history(tmp_path: Path) -> None:
    """The issue's case: aider's history uses three trailer addresses; all of them are aider's lines."""
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    commit(r, "human", {"h.py": lines("h", 10)}, "2027-01-01T10:00:00Z")
    for i, addr in enumerate(["aider@aider.chat", "noreply@aider.dev", "noreply@aider.chat"]):
        commit(r, f"change {i}\n\nCo-authored-by: aider (gpt-4o) <{addr}>", {f"f{i}.py": lines(f"f{i}", 10)},
               f"2027-01-0{i + 2}T10:00:00Z")
    w = collect(r, "added", None, None, None, Markers(), PathFilter([], [])).details["windows"][-1]
    assert w["ai_lines"] == 30 and w["total_lines"] == 40 and w["by_agent"] == {"aider": 30}
    assert w["share"] == pytest.approx(0.75)


def test_every_default_marker_names_its_agent_and_source() -> None:
    data = json.loads(resources.files("pausepact.collect").joinpath("markers.json").read_text())
    entries = [m for kind in ("emails", "bots", "footers", "author_suffixes", "subject_prefixes") for m in data[kind]]
    assert len(entries) >= 16
    for m in entries:
        assert m["agent"] and len(m["source"]) > 20, m
    assert "dependabot[bot]" not in {m.get("login") for m in data["bots"]}
