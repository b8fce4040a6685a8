"""M10: party-controlled text is printed as text: never Rich markup, never a terminal escape sequence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pausepact.cli import main
from pausepact.cli.common import plain, shown
from pausepact.keyfiles import write_private_key
from pausepact.pactio import load_pact
from pausepact.party.client import PactClient

from .factory import Parties, key, make_pact, pact_text
from .scenario import T0

CLOSES = "x[/]"
LINK = "[link=https://evil.example/]p1[/link]"
ERASE = "p2\x1b[2K\rPROPOSAL p2 EXECUTED"
TITLE = "\x1b]0;owned\x07[bold red]cancelled by the log[/]\u202egnp.exe"
RAW_ESCAPES = ["\x1b[2K", "\x1b]0;", "\x07", "\r", "\u202e", "\x1b]8;"]  # \x1b]8; is a hyperlink


def hostile_log(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "pact.yaml").write_text(pact_text(overdue=False))
    pact, _ = make_pact(overdue=False)
    p = Parties(pact)
    envs = [p(d).sign("sign", {}, T0) for d in ("lab-a", "lab-b", "lab-c")]
    envs.append(p("aisi").sign("propose", {"id": CLOSES, "action": "raise", "level": "heightened"}, T0 + 1))
    envs.append(p("eval-org").sign("propose", {"id": LINK, "action": "raise", "level": "heightened"}, T0 + 2))
    envs.append(p("civic-audit").sign("propose", {"id": ERASE, "action": "raise", "level": "pause"}, T0 + 3))
    envs.append(p("aisi").sign("vote", {"proposal": ERASE, "choice": "yes"}, T0 + 4))
    envs.append(p("eval-org").sign("vote", {"proposal": ERASE, "choice": "yes"}, T0 + 5))
    envs.append(p("civic-audit").sign("cancel", {"proposal": CLOSES, "reason": TITLE}, T0 + 6))
    envs.append(p("lab-a").sign("run", {"run": TITLE, "event": "start", "flop": 5e25}, T0 + 7))
    (tmp_path / "log.jsonl").write_text("\n".join(json.dumps(e) for e in envs) + "\n")
    return tmp_path / "pact.yaml", tmp_path / "log.jsonl"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    # FORCE_COLOR: Rich writes as to a terminal, so a hyperlink or style would show as escape sequences
    env = dict(os.environ, COLUMNS="400", FORCE_COLOR="1")
    return subprocess.run([sys.executable, "-m", "pausepact", *args], capture_output=True, text=True, timeout=120, env=env)


def assert_no_raw_escapes(text: str) -> None:
    for seq in RAW_ESCAPES:
        assert seq not in text, (seq, text)
    assert "evil.example" not in text or LINK in text  # shown as text, never as a link


@pytest.mark.parametrize("command", ["replay", "timeline"])
def test_replay_and_timeline_print_hostile_ids_as_text(tmp_path: Path, command: str) -> None:
    pact, log = hostile_log(tmp_path)
    r = cli(command, "--pact", str(pact), str(log))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert_no_raw_escapes(r.stdout)
    state = json.loads(cli("replay", "--pact", str(pact), str(log), "--json").stdout)
    ids = {p["id"] for p in state["proposals"]}
    if CLOSES in ids:  # the engine took the id: the people's view shows it as typed
        assert CLOSES in r.stdout
    if LINK in ids:
        assert LINK in r.stdout
    if ERASE in ids:
        assert plain(ERASE) in r.stdout


def fake_server(routes: dict[str, Callable[[httpx.Request], httpx.Response]]) -> Callable[[str, Path], PactClient]:
    def handler(request: httpx.Request) -> httpx.Response:
        return routes[request.url.path](request)

    def client(server: str, pact: Path) -> PactClient:
        return PactClient(server, load_pact(pact), transport=httpx.MockTransport(handler))

    return client


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(list(args))
    got = capsys.readouterr()
    return (e.value.code if isinstance(e.value.code, int) else 1), got.out, got.err


def test_state_from_a_server_prints_hostile_text_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import pausepact.cli.party_cmds as party_cmds

    pact, log = hostile_log(tmp_path)
    state = json.loads(cli("replay", "--pact", str(pact), str(log), "--json").stdout)
    # a hostile server may say anything in any member; these are the ones people read
    state["pact"] = TITLE
    state["proposals"].append({"id": LINK, "action": ERASE, "level": CLOSES, "party": TITLE, "state": CLOSES, "yes": [ERASE],
                               "no": [LINK], "executes_at": TITLE})
    state["void"].append({"index": TITLE, "reason": LINK})
    state["rejected"].append({"index": 3, "reason": ERASE})
    monkeypatch.setattr(party_cmds, "_client", fake_server({"/v1/state": lambda r: httpx.Response(200, json=state)}))
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out, err = run_main(capsys, "state", "--server", "http://pact.test", "--pact", str(pact))
    assert code == 0, err
    assert_no_raw_escapes(out + err)
    assert LINK in out and CLOSES in out


def receipt(void: str | None = None) -> dict[str, Any]:
    r: dict[str, Any] = {"index": 7, "leaf_hash": "ab" * 32, "checkpoint": "pausepact.test/test-pact\n8\n" + "A" * 44 + "\n\n— x\n"}
    if void is not None:
        r["void"] = void
    return r


def submit_routes(answer: httpx.Response) -> dict[str, Callable[[httpx.Request], httpx.Response]]:
    return {"/v1/seq": lambda r: httpx.Response(200, json={"seq": 0, "log_time": "2027-01-01T00:00:00Z"}),
            "/v1/statements": lambda r: answer}


@pytest.fixture
def world(tmp_path: Path) -> Path:
    (tmp_path / "pact.yaml").write_text(pact_text(overdue=False))
    write_private_key(tmp_path / "aisi.pem", key("aisi"))
    return tmp_path


def submit(capsys: pytest.CaptureFixture[str], world: Path, *extra: str) -> tuple[int, str, str]:
    return run_main(capsys, "submit", "vote", "--server", "http://pact.test", "--pact", str(world / "pact.yaml"), "--as", "aisi",
                    "--key", str(world / "aisi.pem"), "--body", '{"proposal": "typo", "choice": "yes"}', *extra)


def test_submit_warns_when_the_entry_is_void(world: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import pausepact.cli.party_cmds as party_cmds

    why = "no such proposal: typo" + ERASE
    monkeypatch.setattr(party_cmds, "_client", fake_server(submit_routes(httpx.Response(201, json=receipt(why)))))
    code, out, err = submit(capsys, world)
    assert code == 0
    assert "accepted as entry 7" in out
    [warning] = [line for line in err.splitlines() if "void" in line]
    assert warning.startswith("warning: entry 7 is void") and plain(why) in warning
    assert_no_raw_escapes(out + err)
    code, out, err = submit(capsys, world, "--json")
    assert code == 0 and json.loads(out)["void"] == why


def test_submit_without_void_warns_nothing(world: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import pausepact.cli.party_cmds as party_cmds

    monkeypatch.setattr(party_cmds, "_client", fake_server(submit_routes(httpx.Response(201, json=receipt()))))
    code, out, err = submit(capsys, world)
    assert code == 0 and "accepted as entry 7" in out and err == ""


def test_a_servers_error_detail_reaches_the_terminal_as_text(world: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import pausepact.cli.party_cmds as party_cmds

    refusal = httpx.Response(409, json={"error": "body", "detail": TITLE + ERASE})
    monkeypatch.setattr(party_cmds, "_client", fake_server(submit_routes(refusal)))
    code, out, err = submit(capsys, world)
    assert code != 0 and "Traceback" not in out + err
    assert_no_raw_escapes(out + err)


@given(st.text())
def test_shown_text_prints_as_itself_without_control_characters(text: str) -> None:
    from rich.console import Console
    from rich.text import Text

    rendered = Text.from_markup(shown(text))  # never a MarkupError
    # rich doubles a trailing backslash so that it cannot escape a tag that may follow the text
    assert rendered.plain == plain(text) + ("\\" if plain(text).endswith("\\") else "")
    assert not rendered.spans  # no style, no link
    assert not any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                   for ch in plain(text))
    console = Console(file=open(os.devnull, "w"), force_terminal=True)
    console.print(shown(text))


def test_plain_keeps_readable_text_and_names_what_it_replaced() -> None:
    assert plain("lab-ä 研究所 🙂") == "lab-ä 研究所 🙂"
    assert plain("a\x1b[2K\rb\x07\u202ec\x9b") == "a\\x1b[2K\\x0db\\x07\\u202ec\\x9b"
    assert plain("two\nlines\tand tab") == "two\\x0alines\\x09and tab"
    assert plain("two\nlines", newlines=True) == "two\nlines"
    assert shown("x[/]") == "x\\[/]"
