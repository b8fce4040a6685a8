"""A real server for a pact that can be amended: versions with short timelocks, the CLI run in-process, monitors."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pausepact.cli import main
from pausepact.clock import Clock
from pausepact.core.pact import Pact
from pausepact.core.pactfile import parse_pact
from pausepact.keyfiles import public_text, write_private_key
from pausepact.monitor.follow import Monitor, ServerFault
from pausepact.monitor.state import MonitorState
from pausepact.party.client import PactClient

from .factory import MONITORS, key, pact_text

AMENDABLE = [["oversight:\n", "amendment:\n  approval: 2 of monitors and 2 of developers\n  timelock: 2s\noversight:\n"],
             ["status_ttl: 10m", "status_ttl: 4s"]]
"""Edits that make the test pact amendable with short durations: a timelock of 2 s, statuses for 4 s."""


def parsed(text: str) -> Pact:
    pact, diags = parse_pact(text.encode())
    assert pact is not None, [d.render("pact") for d in diags]
    return pact


V1_TEXT = pact_text(replace=AMENDABLE)
V1 = parsed(V1_TEXT)
TIGHTER_TEXT = V1_TEXT.replace("version: 1", "version: 2").replace("at_least: 0.95", "at_least: 0.9")
TIGHTER = parsed(TIGHTER_TEXT)
NEW_LOG = (5, 6)  # version 2 of NEW_LOG_TEXT gives the log party key("log", 5) and key("log", 6)
NEW_LOG_TEXT = V1_TEXT.replace("version: 1", "version: 2").replace(public_text(key("log", 0)), public_text(key("log", 5))) \
    .replace(public_text(key("log", 1)), public_text(key("log", 6)))
NEW_LOG_PACT = parsed(NEW_LOG_TEXT)


def write_amendable(folder: Path) -> Path:
    """The amendable pact as pact.yaml (its first version) and every party's keys (n = 0 and 1) as PEM files."""
    from .live import write_world

    path = write_world(folder, replace=AMENDABLE)
    assert path.read_text() == V1_TEXT
    for pid in ("lab-a", "aisi"):
        write_private_key(folder / f"{pid}-1.pem", key(pid, 1))
    for n in NEW_LOG:
        write_private_key(folder / f"log-{n}.pem", key("log", n))
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``pausepact ARGV`` in this process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    got = capsys.readouterr()
    code = e.value.code
    return (code if isinstance(code, int) else 1), got.out, got.err


def until(what: Callable[[], bool], step: Callable[[], object] = lambda: time.sleep(0.2), deadline: float = 90.0) -> None:
    """Run ``step`` until ``what()`` holds; fail after ``deadline`` seconds (generous: the machine is shared)."""
    end = time.monotonic() + deadline
    while not what():
        if time.monotonic() > end:
            raise AssertionError("not reached in time")
        step()


def state(url: str) -> dict[str, Any]:
    got: dict[str, Any] = httpx.get(f"{url}/v1/state", timeout=30).json()
    return got


def export(url: str, path: Path) -> Path:
    """The log's entries as JSON Lines (what ``pausepact export`` writes)."""
    entries = httpx.get(f"{url}/v1/entries", params={"start": 0}, timeout=30).json()["entries"]
    path.write_text("".join(json.dumps(e["envelope"]) + "\n" for e in entries))
    return path


def monitors(folder: Path, url: str, keys: dict[str, int] | None = None) -> dict[str, Monitor]:
    """In-process monitors of the first version (state files in ``folder``); ``keys`` picks a monitor's key n."""
    return {m: Monitor(PactClient(url, V1), m, key(m, (keys or {}).get(m, 0)), Clock(),
                       MonitorState.load(folder / f"{m}-state.json")) for m in MONITORS}


def rounds(ms: dict[str, Monitor]) -> list[dict[str, Any]]:
    """One round of every monitor; what each did (a server fault is a round without signatures)."""
    did = []
    for m in ms.values():
        try:
            did.append(m.step())
        except ServerFault as e:
            did.append({"fault": str(e)})
    return did


def witnessed(url: str, size: int) -> bool:
    r = httpx.get(f"{url}/v1/checkpoint", timeout=30)
    return r.status_code == 200 and int(r.text.split("\n")[1]) >= size
