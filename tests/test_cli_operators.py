"""The operators' CLI against a real server: submit by flags, --dry-run, log show/search/verify-inclusion, status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pausepact.cli import main

from .live import Server, serving, write_world


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(list(args))
    got = capsys.readouterr()
    code = e.value.code
    return (code if isinstance(code, int) else 1), got.out, got.err


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Server]]:
    folder = tmp_path_factory.mktemp("operators")
    write_world(folder, overdue=False)
    with serving(folder) as srv:
        yield folder, srv


def base(world: tuple[Path, Server], party: str) -> list[str]:
    folder, srv = world
    return ["--server", srv.url, "--pact", str(folder / "pact.yaml"), "--as", party, "--key", str(folder / f"{party}.pem")]


def reader(world: tuple[Path, Server]) -> list[str]:
    folder, srv = world
    return ["--server", srv.url, "--pact", str(folder / "pact.yaml")]


def test_a_year_of_operating_by_flags(world: tuple[Path, Server], capsys: pytest.CaptureFixture[str]) -> None:
    # three developers sign: in force
    for lab in ("lab-a", "lab-b", "lab-c"):
        code, out, err = run(capsys, "submit", "sign", *base(world, lab))
        assert code == 0, err
    # a report that needs a countersignature: measured_at defaults to the log's now; it waits
    code, out, err = run(capsys, "submit", "report", "--indicator", "ai_rnd_score", "--value", "0.7", *base(world, "lab-a"), "--json")
    assert code == 0, err
    report_index = json.loads(out)["index"]
    code, out, err = run(capsys, "log", "show", str(report_index), *reader(world), "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["party"] == "lab-a" and shown["type"] == "report" and shown["body"]["value"] == 0.7
    assert shown["effect"]["effect"] == "pending"
    assert len(shown["payload_sha256"]) == 64
    # the countersign, previewed: it would count and raise everyone to pause at once
    code, out, err = run(capsys, "submit", "countersign", "--entry", str(report_index), *base(world, "aisi"), "--dry-run", "--json")
    assert code == 0, err
    preview = json.loads(out)
    assert preview["body"] == {"statement": shown["payload_sha256"]}
    assert preview["outcome"]["effect"] == "counted"
    assert "coordinated level: normal -> pause" in preview["changes"]
    # nothing was sent
    code, out, err = run(capsys, "log", "search", *reader(world), "--party", "aisi", "--json")
    assert code == 0 and out == ""
    # the monitor countersigns for real
    code, out, err = run(capsys, "submit", "countersign", "--entry", str(report_index), *base(world, "aisi"))
    assert code == 0, err
    code, out, err = run(capsys, "log", "show", str(report_index + 1), *reader(world), "--json")
    assert json.loads(out)["effect"]["effect"] == "counted" and json.loads(out)["body"] == {"statement": shown["payload_sha256"]}
    # countersigning it again is refused before anything is signed: it would change nothing
    code, out, err = run(capsys, "submit", "countersign", "--entry", str(report_index), *base(world, "eval-org"))
    assert code == 2 and "would change nothing" in err
    # a vote on a misspelled proposal: the dry run says void, and the real submit says so too
    code, out, err = run(capsys, "submit", "vote", "--proposal", "typo", "--yes", *base(world, "eval-org"), "--dry-run")
    assert code == 0 and "would be void" in err and "'typo', which is unknown" in err
    code, out, err = run(capsys, "submit", "vote", "--proposal", "typo", "--yes", *base(world, "eval-org"))
    assert code == 0 and "is void" in err
    code, out, err = run(capsys, "log", "search", *reader(world), "--type", "vote", "--json")
    [vote] = [json.loads(line) for line in out.splitlines()]
    assert vote["effect"] == {"effect": "void", "code": None, "reason": "vote on proposal 'typo', which is unknown"}
    # a resumption: propose, then the dry run of the vote that completes nothing yet (clear is missing)
    code, out, err = run(capsys, "submit", "propose", "--id", "r1", "--action", "resume", "--level", "pause",
                         *base(world, "aisi"), "--rationale", "the score fell", "--json")
    assert code == 0, err
    assert json.loads(out)["rationale"] == "the score fell"
    code, out, err = run(capsys, "log", "search", *reader(world), "--type", "propose", "--json")
    assert "rationale" not in json.loads(out)["body"]  # v1 bodies are closed: the note is not sent
    code, out, err = run(capsys, "submit", "vote", "--proposal", "r1", "--yes", *base(world, "aisi"), "--dry-run", "--json")
    preview = json.loads(out)
    assert preview["outcome"]["effect"] == "counted"
    assert any(c.startswith("proposal r1: yes votes 0 -> 1") for c in preview["changes"])
    # the table form reads as a table
    code, out, err = run(capsys, "log", "search", *reader(world), "--since", "2000-01-01T00:00:00Z")
    assert code == 0 and "void:" in out and "counted" in out


def test_flags_that_do_not_apply_are_refused(world: tuple[Path, Server], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "submit", "vote", "--proposal", "p", "--yes", "--no", *base(world, "aisi"))
    assert code == 2 and "exactly one of --yes or --no" in err
    code, out, err = run(capsys, "submit", "vote", "--indicator", "x", "--proposal", "p", "--yes", *base(world, "aisi"))
    assert code == 2 and "--indicator does not apply" in err
    code, out, err = run(capsys, "submit", "vote", "--proposal", "p", "--yes", "--body", "{}", *base(world, "aisi"))
    assert code == 2 and "not both" in err
    code, out, err = run(capsys, "submit", "report", *base(world, "lab-a"))
    assert code == 2 and "--indicator, --value" in err
    code, out, err = run(capsys, "submit", "countersign", "--entry", "0", *base(world, "aisi"))
    assert code == 2 and "not a report" in err


def test_log_show_of_an_entry_past_the_end(world: tuple[Path, Server], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "log", "show", "100000", *reader(world))
    assert code == 2 and "the log has only" in err
