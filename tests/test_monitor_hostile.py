"""M2: a hostile server never crashes a monitor. Unusable answers are warnings (nothing signed that
round, the monitor carries on and signs again once the server behaves); malformed signed data is an
alarm. The `monitor` command never prints a traceback."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pausepact.clock import Clock
from pausepact.monitor import Alarm, Monitor, MonitorState, ServerFault

from .factory import key
from .hostile_log import T0, HostileLog
from .live import write_world

NOW = T0 + 20


def monitor(log: HostileLog, state: Path) -> Monitor:
    return Monitor(log.client(), "aisi", key("aisi"), Clock(start=NOW, speed=0.0), MonitorState.load(state))


def honest_log() -> HostileLog:
    log = HostileLog()
    log.sign_all(T0)
    log.propose(NOW)
    return log


def answer(status: int, content: bytes, content_type: str = "application/json") -> Callable[[httpx.Request], httpx.Response]:
    return lambda req: httpx.Response(status, content=content, headers={"content-type": content_type})


def entries_answer(items: object) -> Callable[[httpx.Request], httpx.Response]:
    return answer(200, json.dumps({"entries": items}).encode())


def with_core(core: dict[str, object], **changes: object) -> dict[str, object]:
    return dict(core, **changes)


# what a hostile server answers, and the path it answers it on; every one is a warning
UNUSABLE: dict[str, Callable[[HostileLog], None]] = {
    "core is not an object": lambda log: setattr(log, "proposed", "x"),
    "core tree_size is a string": lambda log: setattr(log, "proposed", with_core(log.proposed, tree_size="3")),
    "core max_training_flop is a string": lambda log: setattr(log, "proposed", with_core(
        log.proposed, parties={**log.proposed["parties"], "lab-a": {"level": "normal", "max_training_flop": "1e24",
                                                                      "new_deployments": True}})),
    "core holds a 400-digit number": lambda log: log.answers.update(
        {"/v1/status/core": answer(200, b'{"core": {"tree_size": 1' + b"0" * 400 + b"}}")}),
    "core answer is HTML": lambda log: log.answers.update({"/v1/status/core": answer(200, b"<html>hi</html>", "text/html")}),
    "checkpoint is HTML": lambda log: log.answers.update({"/v1/checkpoint": answer(200, b"<html>maintenance</html>", "text/html")}),
    "checkpoint signed by another key": lambda log: setattr(log, "log_key", key("aisi")),
    "checkpoint answer is 500 with an array": lambda log: log.answers.update({"/v1/checkpoint": answer(500, b"[]")}),
    "entries: a missing index": lambda log: log.answers.update(
        {"/v1/entries": entries_answer([{"envelope": e} for e in log.entries])}),
    "entries: wrong indices": lambda log: log.answers.update(
        {"/v1/entries": entries_answer([{"index": i + 1, "envelope": e} for i, e in enumerate(log.entries)])}),
    "entries: not a list": lambda log: log.answers.update({"/v1/entries": entries_answer({"0": log.entries[0]})}),
    "entries: index is a boolean": lambda log: log.answers.update(
        {"/v1/entries": entries_answer([{"index": False, "envelope": log.entries[0]}])}),
    "entries: an empty page although announced": lambda log: log.answers.update({"/v1/entries": entries_answer([])}),
    "entries: more than asked for": lambda log: log.answers.update(
        {"/v1/entries": entries_answer([{"index": i, "envelope": log.entries[i % 3]} for i in range(10)])}),
    "entries: a huge answer": lambda log: log.answers.update(
        {"/v1/entries": answer(200, b'{"entries": [' + b" " * (2 << 20) + b"]}")}),
    "entries: not JSON": lambda log: log.answers.update({"/v1/entries": answer(200, b"{\"entries\": [")}),
    "entries: refused": lambda log: log.answers.update({"/v1/entries": answer(503, b'{"error":"unavailable","detail":""}')}),
}


@pytest.mark.parametrize("case", list(UNUSABLE))
def test_m2_an_unusable_answer_is_a_warning_and_the_monitor_carries_on(tmp_path: Path, case: str) -> None:
    log = honest_log()
    UNUSABLE[case](log)
    m = monitor(log, tmp_path / "aisi.json")
    with pytest.raises(ServerFault) as e:
        m.step()
    assert "\n" not in e.value.diagnostics()
    assert log.status_signatures == []
    assert log.cosignatures == []
    assert MonitorState.load(tmp_path / "aisi.json").alarm is None
    fresh = honest_log()  # the server behaves again: the same monitor signs
    m.client = fresh.client()
    did = m.step()
    assert did == {"status": "signed status at 3", "checkpoint": "cosigned 3"}, did


def test_m2_a_non_hex_consistency_proof_is_a_warning(tmp_path: Path) -> None:
    log = honest_log()
    m = monitor(log, tmp_path / "aisi.json")
    assert m.step()["checkpoint"] == "cosigned 3"
    log.add("lab-d", "sign", {}, NOW + 5)
    log.answers["/v1/proof/consistency"] = answer(200, b'{"first": 3, "second": 4, "hashes": ["zz"]}')
    with pytest.raises(ServerFault, match="hex"):
        m.step()
    del log.answers["/v1/proof/consistency"]
    assert m.step()["checkpoint"] == "cosigned 4"


def _entry_with_payload(payload: bytes) -> dict[str, object]:
    return {"payloadType": "application/vnd.pausepact.statement+json", "payload": base64.b64encode(payload).decode(),
            "signatures": [{"keyid": "00" * 32, "sig": base64.b64encode(b"\0" * 64).decode()}]}


def test_m2_entry_payload_with_a_400_digit_integer_is_an_alarm(tmp_path: Path) -> None:
    log = honest_log()
    log.entries.append(_entry_with_payload(b'{"seq":' + b"1" * 400 + b"}"))
    with pytest.raises(Alarm):
        monitor(log, tmp_path / "aisi.json").step()
    assert (log.status_signatures, log.cosignatures) == ([], [])
    assert "fails Validity" in (MonitorState.load(tmp_path / "aisi.json").alarm or "")


def test_m2_an_envelope_with_no_canonical_form_is_an_alarm(tmp_path: Path) -> None:
    log = honest_log()
    page = json.dumps({"entries": [{"index": i, "envelope": e} for i, e in enumerate(log.entries)]})
    page = page[:-2] + ', {"index": 3, "envelope": {"payload": "\\ud800"}}]}'  # a lone surrogate
    log.answers["/v1/entries"] = answer(200, page.encode())
    log.answers["/v1/checkpoint"] = lambda req: httpx.Response(200, text=log.note(4, root=b"\1" * 32))
    with pytest.raises(Alarm):
        monitor(log, tmp_path / "aisi.json").step()
    assert (log.status_signatures, log.cosignatures) == ([], [])
    assert "canonical" in (MonitorState.load(tmp_path / "aisi.json").alarm or "")


@pytest.mark.parametrize("body", ["pausepact.test/test-pact\nbig\nAAAA\n", "pausepact.test/test-pact\n3\n",
                                  "other.example/log\n3\n" + base64.b64encode(b"\0" * 32).decode() + "\n"])
def test_m2_a_malformed_checkpoint_signed_by_the_log_is_an_alarm(tmp_path: Path, body: str) -> None:
    log = honest_log()
    log.answers["/v1/checkpoint"] = lambda req: httpx.Response(200, text=log.note(text=body))
    with pytest.raises(Alarm):
        monitor(log, tmp_path / "aisi.json").step()
    assert (log.status_signatures, log.cosignatures) == ([], [])
    assert MonitorState.load(tmp_path / "aisi.json").alarm


def test_checkpoints_that_go_backwards_below_the_mark_are_an_alarm(tmp_path: Path) -> None:
    log = honest_log()
    log.add("lab-d", "sign", {}, T0 + 5)
    m = monitor(log, tmp_path / "aisi.json")
    assert m.step()["checkpoint"] == "cosigned 4"
    log.answers["/v1/checkpoint"] = lambda req: httpx.Response(200, text=log.note(3))
    with pytest.raises(Alarm, match="smaller than"):
        m.step()


def test_a_mark_whose_root_the_replay_does_not_reach_is_an_alarm(tmp_path: Path) -> None:
    """A state file that cosigned root R at size 3; the log's entries recompute to another root there."""
    state = tmp_path / "aisi.json"
    st = MonitorState.load(state)
    st.cosigned_size, st.cosigned_root = 3, "ab" * 32
    st.save()
    log = honest_log()
    log.answers["/v1/checkpoint"] = lambda req: httpx.Response(200, text=log.note(3, root=bytes.fromhex("ab" * 32)))
    with pytest.raises(Alarm, match="not consistent"):
        monitor(log, state).step()
    assert log.status_signatures == []


# ---------------------------------------------------------------- the command: never a traceback

def run_monitor(folder: Path, url: str, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pausepact", "monitor", "--server", url, "--pact", str(folder / "pact.yaml"),
                           "--as", "aisi", "--key", str(folder / "aisi.pem"), "--once", *extra],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("case", ["core is not an object", "entries: wrong indices", "checkpoint is HTML"])
def test_the_monitor_command_warns_in_one_line_and_continues(tmp_path: Path, case: str) -> None:
    write_world(tmp_path)
    log = HostileLog()
    log.sign_all(Clock().now() - 60)
    UNUSABLE[case](log)
    url, stop = log.serve_http()
    try:
        r = run_monitor(tmp_path, url, "--state", str(tmp_path / "state.json"))
    finally:
        stop()
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert "WARNING" in r.stderr
    assert json.loads((tmp_path / "state.json").read_text())["incidents"], "the problem is recorded in the state file"


def test_the_monitor_command_exits_3_on_an_alarm_in_one_line(tmp_path: Path) -> None:
    write_world(tmp_path)
    log = HostileLog()
    log.sign_all(Clock().now() - 60)
    log.entries.append(log.entries[2])
    url, stop = log.serve_http()
    try:
        r = run_monitor(tmp_path, url, "--state", str(tmp_path / "state.json"))
        again = run_monitor(tmp_path, url, "--state", str(tmp_path / "state.json"))
    finally:
        stop()
    assert (r.returncode, again.returncode) == (3, 3), r.stderr
    assert "Traceback" not in r.stderr + again.stderr
    assert again.stderr.strip().splitlines()[-1].startswith("monitor aisi holds an alarm")
    assert "--clear-alarm" in again.stderr
    assert log.status_signatures == [] and log.cosignatures == []


# ---------------------------------------------------------------- any answer at all

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=12)
PATHS = ["/v1/status/core", "/v1/entries", "/v1/checkpoint", "/v1/proof/consistency"]


@settings(max_examples=150, deadline=None)
@given(path=st.sampled_from(PATHS), body=JSON | st.binary(max_size=64),
       status=st.sampled_from([200, 200, 201, 400, 404, 500]))
def test_any_answer_is_a_warning_or_an_alarm_never_a_crash(path: str, body: object, status: int) -> None:
    log = honest_log()
    m = Monitor(log.client(), "aisi", key("aisi"), Clock(start=NOW, speed=0.0), MonitorState(None))
    assert m.step()["checkpoint"] == "cosigned 3"
    log.status_signatures.clear()
    log.add("lab-d", "sign", {}, NOW + 5)
    log.propose(NOW + 5)
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    log.answers[path] = answer(status, content)
    try:
        m.step()
    except (ServerFault, Alarm):
        pass
    signed = [json.loads(base64.b64decode(s["payload"])) for s in log.status_signatures]
    assert all(c == log.proposed for c in signed), "only the honest core may be signed"


def test_a_server_trickling_its_answer_ends_the_round_by_the_deadline() -> None:
    """A byte every 0.2 s keeps each socket read alive; the round still ends by its total deadline."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from pausepact.party.client import PactClient

    class Trickle(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            try:
                self.send_response(200)
                self.send_header("content-length", "100000")
                self.end_headers()
                for _ in range(600):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    log = honest_log()
    try:
        with PactClient(f"http://127.0.0.1:{srv.server_address[1]}", log.pact) as c:
            m = Monitor(c, "aisi", key("aisi"), Clock(start=NOW, speed=0.0), MonitorState(None), request_deadline=2)
            began = time.monotonic()
            with pytest.raises(ServerFault):
                m.step()
            assert time.monotonic() - began < 60  # two seconds asked; generous for a loaded machine
    finally:
        srv.shutdown()
        srv.server_close()
