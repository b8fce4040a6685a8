"""Text from parties and servers reaches terminals and logs as visible escapes, never as control sequences."""

from __future__ import annotations

import io
import json
import logging
import unicodedata
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pausepact.clock import Clock
from pausepact.monitor import Monitor, MonitorState, ServerFault
from pausepact.printable import PlainFormatter, plain

from .factory import key
from .hostile_log import T0, HostileLog

HOSTILE = "\x1b]0;PWNED\x07\x1b[2K\rfake: all good\u202e"


def test_a_servers_refusal_reaches_the_monitors_diagnostics_as_escapes(tmp_path: Path) -> None:
    log = HostileLog()
    log.sign_all(T0)
    log.propose(T0 + 20)
    body = json.dumps({"error": "x", "detail": HOSTILE}).encode()
    log.answers["/v1/status/core"] = lambda req: httpx.Response(500, content=body, headers={"content-type": "application/json"})
    m = Monitor(log.client(), "aisi", key("aisi"), Clock(start=T0 + 20, speed=0.0), MonitorState.load(tmp_path / "aisi.json"))
    with pytest.raises(ServerFault) as e:
        m.step()
    said = e.value.diagnostics()
    assert "PWNED" in said and "\\x1b" in said
    assert not any(ch in said for ch in "\x1b\x07\r\u202e")


def test_every_logged_line_is_plain() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PlainFormatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("pausepact.test-printable")
    logger.addHandler(handler)
    try:
        logger.warning("refused: %s", HOSTILE)
    finally:
        logger.removeHandler(handler)
    line = stream.getvalue()
    assert line.startswith("WARNING refused: \\x1b]0;PWNED\\x07")
    assert not any(ch in line.rstrip("\n") for ch in "\x1b\x07\r\u202e")


@given(st.text())
def test_plain_leaves_no_control_character_and_keeps_printable_text(text: str) -> None:
    shown = plain(text)
    hidden = [ch for ch in shown if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")
              or (unicodedata.category(ch) == "Cf" and ch not in "\u200c\u200d")]
    assert hidden == []
    if text.isprintable():
        assert shown == text
