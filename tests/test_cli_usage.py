"""Every usage error is one clear line and exit 2; no input prints a traceback; --version; flags have no <bool>."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from pausepact.cli import app, main


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``pausepact ARGS`` in-process, through the real entry point: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as e:
        main(list(args))
    code = e.value.code
    got = capsys.readouterr()
    return (code if isinstance(code, int) else 1), got.out, got.err


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pausepact", *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          env=dict(os.environ, **(env or {})))


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("Error:")]


@pytest.mark.parametrize("args, says", [
    (["no-such-command"], "No such command 'no-such-command'"),
    (["status"], "Missing option '--server'"),
    (["check", "--json", "true", "missing.yaml"], "unexpected extra argument"),
    (["check"], "Missing argument"),
    (["replay", "--pact"], "requires an argument"),
    (["append", "x.jsonl", "--pact", "p.yaml", "--key", "k.pem", "--batch", "many"], "Invalid value for '--batch'"),
    (["--no-such-flag"], "No such option: --no-such-flag"),
    (["log", "nope"], "No such command 'nope'"),
    (["collect", "ai-code"], "Missing argument"),
])
def test_usage_errors_are_one_line_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], says: str) -> None:
    code, out, err = run_main(capsys, *args)
    assert code == 2
    assert "Traceback" not in out + err
    [line] = error_lines(err)
    assert says in line


def test_a_usage_error_says_where_to_look_next(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "status")
    assert err.splitlines() == ["Usage: pausepact status [OPTIONS]", "Try 'pausepact status --help' for help.",
                                "Error: Missing option '--server'."]


def test_bare_pausepact_shows_help_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys)
    assert code == 2
    assert "Usage: pausepact" in err and "Commands:" in err and "Traceback" not in out + err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    code, out, err = run_main(capsys, "--version")
    assert (code, out, err) == (0, f"pausepact {version('pausepact')}\n", "")


def _commands(group: object, path: list[str]) -> list[list[str]]:
    """Every command path of the click tree Typer builds, groups included."""
    found = [path]
    for name, sub in getattr(group, "commands", {}).items():
        found += _commands(sub, [*path, name])
    return found


ALL_COMMANDS = _commands(typer.main.get_command(app), [])


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "(root)")
def test_help_of_every_command_shows_no_type_for_flags(capsys: pytest.CaptureFixture[str], path: list[str]) -> None:
    code, out, err = run_main(capsys, *path, "--help")
    assert code == 0 and out.startswith("Usage: pausepact"), err
    assert "<bool>" not in out
    assert "--help " in out or "--help\n" in out


def test_every_command_is_reached_by_the_help_test() -> None:
    names = {" ".join(p) for p in ALL_COMMANDS}
    assert {"check", "replay", "submit", "demo", "guard", "serve", "monitor", "log entries", "collect ai-code"} <= names


def test_an_internal_error_is_one_line_and_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import pausepact.cli.pact_cmds as pact_cmds

    def broken() -> dict[str, object]:
        raise ZeroDivisionError("a bug\nwith two lines \x1b[2K")

    monkeypatch.setattr(pact_cmds, "pact_json_schema", broken)
    monkeypatch.delenv("PAUSEPACT_DEBUG", raising=False)
    code, out, err = run_main(capsys, "schema")
    assert code == 1 and out == ""
    assert err == ("internal error: ZeroDivisionError: a bug with two lines \\x1b[2K — please report; "
                   "set PAUSEPACT_DEBUG=1 for the traceback\n")
    monkeypatch.setenv("PAUSEPACT_DEBUG", "1")
    code, out, err = run_main(capsys, "schema")
    assert code == 1
    assert "Traceback (most recent call last)" in err and "ZeroDivisionError" in err and err.rstrip().endswith("for the traceback")


def test_ctrl_c_exits_130_without_a_traceback(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import pausepact.cli.pact_cmds as pact_cmds

    def interrupted() -> dict[str, object]:
        raise KeyboardInterrupt

    monkeypatch.setattr(pact_cmds, "pact_json_schema", interrupted)
    code, out, err = run_main(capsys, "schema")
    assert code == 130 and "Traceback" not in out + err


@pytest.mark.parametrize("args", [[], ["no-such-command"], ["status"], ["check", "--json", "true", "missing.yaml"],
                                  ["--version"], ["check", "missing.yaml"]])
def test_the_pre_stop_check_from_an_empty_directory(tmp_path: Path, args: list[str]) -> None:
    """The installed entry point, as a person types it, in a folder with nothing in it."""
    r = cli(*args, cwd=tmp_path)
    assert "Traceback" not in r.stdout + r.stderr
    assert r.returncode in (0, 2) and (r.returncode == 0) == (args == ["--version"])
    assert list(tmp_path.iterdir()) == []  # nothing written: not even a default database
