"""The operators' CLI against a real server: submit by flags, --dry-run, log show/search/verify-inclusion, status."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
    propose = ("submit", "propose", "--id", "r1", "--action", "resume", "--level", "pause", *base(world, "aisi"))
    # statements of the raise's own second are judged before it (engine rule 2): the dry run says when it counts
    deadline = time.monotonic() + 60
    while json.loads(run(capsys, *propose, "--dry-run", "--json")[1])["outcome"]["effect"] != "counted":
        assert time.monotonic() < deadline
    code, out, err = run(capsys, *propose, "--rationale", "the score fell", "--json")
    assert code == 0, err
    code, out, err = run(capsys, "log", "search", *reader(world), "--type", "propose", "--json")
    assert json.loads(out)["body"]["rationale"] == "the score fell"  # v2's member, signed into the log
    assert json.loads(out)["effect"]["effect"] == "counted", out
    code, out, err = run(capsys, "submit", "vote", "--proposal", "r1", "--yes", *base(world, "aisi"), "--dry-run", "--json")
    preview = json.loads(out)
    assert preview["outcome"]["effect"] == "counted", preview["outcome"]
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


def _monitors_round(world: tuple[Path, Server], capsys: pytest.CaptureFixture[str]) -> None:
    folder, _ = world
    for m in ("aisi", "eval-org"):
        code, out, err = run(capsys, "monitor", *base(world, m), "--once", "--state", str(folder / f"{m}.state"))
        assert code == 0, err


def _until(check: Callable[[], bool], what: str, world: tuple[Path, Server], capsys: pytest.CaptureFixture[str]) -> None:
    deadline = time.monotonic() + 120  # generous: the machine is loaded
    while not check():
        assert time.monotonic() < deadline, what
        _monitors_round(world, capsys)


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[Path, Server]]:
    write_world(tmp_path, overdue=False)
    with serving(tmp_path) as srv:
        yield tmp_path, srv


def test_status_says_who_signed_and_when_it_expires_and_inclusion_is_checked_here(
        fresh: tuple[Path, Server], capsys: pytest.CaptureFixture[str]) -> None:
    world = fresh
    for lab in ("lab-a", "lab-b", "lab-c"):
        assert run(capsys, "submit", "sign", *base(world, lab))[0] == 0
    def status() -> tuple[int, dict[str, Any]]:
        code, out, err = run(capsys, "status", *reader(world), "--json")
        return code, json.loads(out) if out else {}

    _until(lambda: status()[1].get("state") == "valid", "a valid status", world, capsys)
    code, judged = status()
    assert code == 0 and sorted(judged["signed_by"]) == ["aisi", "eval-org"] and judged["expires_at"] > judged["now"]
    code, out, err = run(capsys, "status", *reader(world))
    assert "VALID" in out and "signed by" in out and "expires" in out
    # a new statement the status does not cover yet: stale, said plainly, still exit 0
    code, out, err = run(capsys, "submit", "ack", "--level", "normal", "--since", "2027-01-01T00:00:00Z", *base(world, "lab-b"))
    assert code == 0, err
    code, judged = status()
    assert code == 0 and judged["state"] == "stale" and "newer statements" in judged["problem"]
    # inclusion of entry 0 in the latest witnessed checkpoint, checked here
    _until(lambda: run(capsys, "log", "verify-inclusion", "1", *reader(world))[0] == 0, "a cosigned checkpoint", world, capsys)
    code, out, err = run(capsys, "log", "verify-inclusion", "1", *reader(world), "--json")
    got = json.loads(out)
    assert got["ok"] and got["index"] == 1 and len(got["cosigners"]) >= 2
    code, out, err = run(capsys, "log", "verify-inclusion", "100000", *reader(world))
    assert code == 2 and "not in the latest witnessed checkpoint" in err


def test_status_judged_here_expired_and_forged_are_said_plainly() -> None:
    from pausepact.cli.party_cmds import judge_status
    from pausepact.core.status import status_envelope, status_signature
    from pausepact.keyfiles import public_raw

    from .factory import key
    from .hostile_log import T0, HostileLog

    log = HostileLog()
    log.sign_all()
    core = log.core(3, T0 + 10)
    signed = status_envelope(core, [status_signature(core, key(m), public_raw(key(m))) for m in ("aisi", "eval-org")])
    ok = judge_status(signed, log.pact, T0 + 20, 3)
    assert ok["state"] == "valid" and ok["signed_by"] == ["aisi", "eval-org"]
    late = judge_status(signed, log.pact, T0 + 10 + log.pact.oversight.status_ttl, 3)
    assert late["state"] == "expired" and "expired at" in late["problem"]
    assert judge_status(signed, log.pact, T0 + 20, 5)["state"] == "stale"
    # signed by a developer and one monitor: not a status at all
    forged = status_envelope(core, [status_signature(core, key(p), public_raw(key(p))) for p in ("lab-a", "aisi")])
    bad = judge_status(forged, log.pact, T0 + 20, 3)
    assert bad["state"] == "invalid" and bad["signed_by"] == ["aisi"] and "status_quorum is 2" in bad["problem"]
    assert judge_status({"payload": "x"}, log.pact, T0, 3)["state"] == "invalid"
