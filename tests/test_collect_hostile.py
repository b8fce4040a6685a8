"""Hostile inputs to collectors: a clear one-line error from `pausepact collect`, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pausepact.collect import CollectorError
from pausepact.collect.evals import inspect_log, lm_eval

from .test_collect import git


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pausepact", "collect", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def one_line_error(r: subprocess.CompletedProcess[str], needle: str) -> None:
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr, r.stderr


def test_a_folder_that_is_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    one_line_error(cli("ai-code", "plain", cwd=tmp_path), "plain: not a git repository")


def test_a_file_given_as_a_repository(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    one_line_error(cli("ai-code", "f.txt", cwd=tmp_path), "f.txt: not a folder")


@pytest.mark.parametrize("method", ["added", "blame"])
def test_an_empty_repository(tmp_path: Path, method: str) -> None:
    (tmp_path / "empty").mkdir()
    git(tmp_path / "empty", "init", "-q")
    one_line_error(cli("ai-code", "empty", "--method", method, cwd=tmp_path), "empty: the repository has no commits yet")


@pytest.mark.parametrize("content", [b"garbage", b"PK\x03\x04not really a zip", b"[1, 2, 3]", b"{}", b"\xff\xfe\x00"])
@pytest.mark.parametrize("suffix", [".eval", ".json"])
def test_corrupt_inspect_logs(tmp_path: Path, content: bytes, suffix: str) -> None:
    p = tmp_path / f"log{suffix}"
    p.write_bytes(content)
    with pytest.raises(CollectorError, match="log"):
        inspect_log(p)


def test_corrupt_inspect_log_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "bad.eval").write_bytes(b"garbage")
    one_line_error(cli("inspect", "bad.eval", cwd=tmp_path), "bad.eval: not a readable Inspect log")


LM_EVAL = {
    "array": (b"[1, 2]", "no 'results'"),
    "results an array": (b'{"results": []}', "no 'results'"),
    "task not an object": (b'{"results": {"t": 5}}', "results.t is not an object of metrics"),
    "no metrics": (b'{"results": {"t": {}}}', "has no numeric 'acc,none'; it has no metrics"),
    "huge value": (b'{"results": {"t": {"acc,none": 1e400}}}', "is not a finite number"),
    "string value": (b'{"results": {"t": {"acc,none": "0.5"}}}', "is not a finite number"),
    "not JSON": (b"{results", "not JSON"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
}


@pytest.mark.parametrize("name", sorted(LM_EVAL))
def test_hostile_lm_eval_results(tmp_path: Path, name: str) -> None:
    content, needle = LM_EVAL[name]
    (tmp_path / "results.json").write_bytes(content)
    one_line_error(cli("lm-eval", "results.json", cwd=tmp_path), needle)


def test_lm_eval_with_odd_optional_members_still_reads_the_value(tmp_path: Path) -> None:
    p = tmp_path / "results.json"
    p.write_bytes(b'{"results": {"t": {"acc,none": 0.5}}, "config": [1], "n-shot": 3, "versions": "x"}')
    m = lm_eval(p)
    assert m.value == 0.5 and m.details["model"] == "unknown" and m.details["n_shot"] is None
