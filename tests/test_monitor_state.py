"""L9 and "wrong by design": monitor state per log origin in the user's data directory, written
atomically, refused when it belongs to another log; kill -9 of a monitor mid-round loses nothing."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pausepact.clock import Clock
from pausepact.core.notes import parse_checkpoint, parse_note
from pausepact.monitor import Alarm, Monitor, MonitorState, StateFileError
from pausepact.monitor.state import default_state_path
from pausepact.pactio import load_pact
from pausepact.party.client import PactClient
from pausepact.party.signer import Signer

from .factory import key, pact_text
from .hostile_log import HostileLog
from .live import serving, write_world

OTHER_ORIGIN = "pausepact.test/other-pact"


def run_monitor(folder: Path, url: str, *extra: str, env: dict[str, str] | None = None,
                pact: str = "pact.yaml") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pausepact", "monitor", "--server", url, "--pact", str(folder / pact),
                           "--as", "aisi", "--key", str(folder / "aisi.pem"), "--once", *extra],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}, cwd=folder)


def test_state_is_written_atomically_and_names_its_log(tmp_path: Path) -> None:
    st = MonitorState.load(tmp_path / "deep" / "aisi.json")
    assert st.first_start
    st.bind("pausepact.test/test-pact", "test-pact", "aisi")
    st.cosigned_size, st.cosigned_root = 7, "ab" * 32
    st.save()
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["aisi.json"]  # no temporary file left behind
    data = json.loads((tmp_path / "deep" / "aisi.json").read_text())
    assert (data["origin"], data["pact"], data["party"], data["cosigned_size"]) == ("pausepact.test/test-pact", "test-pact", "aisi", 7)
    again = MonitorState.load(tmp_path / "deep" / "aisi.json")
    assert not again.first_start and again.cosigned_root == "ab" * 32


def test_a_state_of_another_log_is_refused(tmp_path: Path) -> None:
    st = MonitorState.load(tmp_path / "aisi.json")
    st.bind(OTHER_ORIGIN, "other-pact", "aisi")
    st.save()
    with pytest.raises(StateFileError, match="belongs to the log 'pausepact.test/other-pact'"):
        Monitor(HostileLog().client(), "aisi", key("aisi"), Clock(), MonitorState.load(tmp_path / "aisi.json"))


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"cosigned_size": "7"}', b'{"cosigned_root": "xyz"}',
                                     b'{"status_issued_at": "yesterday"}', b"\xff\xfe"])
def test_an_unreadable_state_is_a_clear_error_never_a_fresh_start(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "aisi.json").write_bytes(content)
    with pytest.raises(StateFileError, match="not a monitor state file"):
        MonitorState.load(tmp_path / "aisi.json")


def test_cli_state_defaults_to_the_data_directory_per_origin_and_refuses_another_log(tmp_path: Path) -> None:
    write_world(tmp_path)
    (tmp_path / "other.yaml").write_text(pact_text().replace("origin: pausepact.test/test-pact", f"origin: {OTHER_ORIGIN}"))
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    log = HostileLog()
    log.sign_all(Clock().now() - 60)
    other = HostileLog(load_pact(tmp_path / "other.yaml"))
    other.sign_all(Clock().now() - 60)
    url, stop = log.serve_http()
    other_url, other_stop = other.serve_http()
    try:
        first = run_monitor(tmp_path, url, env=env)
        second = run_monitor(tmp_path, url, env=env)
        # a monitor of another pact started in the same directory keeps its own state
        third = run_monitor(tmp_path, other_url, env=env, pact="other.yaml")
        # and the first log's state file given to it explicitly is refused in one line
        mixed = run_monitor(tmp_path, other_url, "--state", str(tmp_path / "data" / "pausepact" / "monitors"
                                                                / default_state_path("pausepact.test/test-pact", "aisi").parent.name
                                                                / "aisi.json"), env=env, pact="other.yaml")
    finally:
        stop()
        other_stop()
    assert first.returncode == 0 and "first start" in first.stderr, first.stderr
    assert second.returncode == 0 and "first start" not in second.stderr, second.stderr
    assert third.returncode == 0 and "first start" in third.stderr, third.stderr
    assert log.cosignatures and len(other.cosignatures) == 1  # both logs cosigned: no shared state
    files = sorted((tmp_path / "data" / "pausepact" / "monitors").glob("*/aisi.json"))
    assert len(files) == 2
    assert {json.loads(f.read_text())["origin"] for f in files} == {"pausepact.test/test-pact", OTHER_ORIGIN}
    assert not list(tmp_path.glob("monitor-*.json")), "nothing is written to the current directory"
    assert mixed.returncode == 2 and "belongs to the log" in mixed.stderr and "Traceback" not in mixed.stderr


def test_cli_clear_alarm(tmp_path: Path) -> None:
    write_world(tmp_path)
    st = MonitorState.load(tmp_path / "s.json")
    st.bind("pausepact.test/test-pact", "test-pact", "aisi")
    st.alarm = "a test alarm"
    st.save()
    log = HostileLog()
    log.sign_all(Clock().now() - 60)
    url, stop = log.serve_http()
    try:
        refused = run_monitor(tmp_path, url, "--state", str(tmp_path / "s.json"))
        cleared = run_monitor(tmp_path, url, "--state", str(tmp_path / "s.json"), "--clear-alarm")
    finally:
        stop()
    assert refused.returncode == 3 and "a test alarm" in refused.stderr
    assert cleared.returncode == 0 and "clearing alarm: a test alarm" in cleared.stdout
    assert MonitorState.load(tmp_path / "s.json").alarm is None and len(log.cosignatures) == 1


# ---------------------------------------------------------------- fault: kill -9 in a round, restart

def _spawn(folder: Path, url: str, state: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "pausepact", "monitor", "--server", url, "--pact", str(folder / "pact.yaml"),
                             "--as", "aisi", "--key", str(folder / "aisi.pem"), "--state", str(state), "--interval", "0"],
                            stdout=subprocess.DEVNULL, stderr=open(folder / "monitor.log", "ab"), start_new_session=True)


def _wait(what: str, ok: object, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ok():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _mark(state: Path) -> int:
    try:
        return int(json.loads(state.read_text())["cosigned_size"])
    except (OSError, ValueError, KeyError):
        return -1


def test_kill9_mid_round_keeps_the_state_and_a_restarted_monitor_alarms_on_an_older_prefix(tmp_path: Path) -> None:
    write_world(tmp_path)
    state = tmp_path / "aisi.json"
    pact = load_pact(tmp_path / "pact.yaml")
    rng = random.Random(11)
    with serving(tmp_path) as srv, PactClient(srv.url, pact) as c:
        devs = [Signer(pact, d, key(d)) for d in ("lab-a", "lab-b", "lab-c")]
        for s in devs:
            c.submit(s, "sign", {})
        marks = []
        for _ in range(4):  # kill -9 at a random moment while rounds run and entries arrive
            proc = _spawn(tmp_path, srv.url, state)
            before = max(_mark(state), 0)
            c.submit(devs[0], "ack", {"level": "normal", "since": "2026-01-01T00:00:00Z"})
            size = int(parse_checkpoint(parse_note(c.checkpoint(latest=True)).text).size)
            _wait("a cosignature of the new checkpoint", lambda size=size: _mark(state) >= size)
            time.sleep(rng.uniform(0, 0.3))
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            data = json.loads(state.read_text())  # intact: valid JSON, never a half-written file
            assert data["origin"] == pact.origin and data["cosigned_size"] >= max(before, size)
            marks.append(data["cosigned_size"])
        assert marks == sorted(marks)
        # restarted, it continues cosigning the honest log
        proc = _spawn(tmp_path, srv.url, state)
        try:
            c.submit(devs[1], "ack", {"level": "normal", "since": "2026-01-01T00:00:00Z"})
            size = int(parse_checkpoint(parse_note(c.checkpoint(latest=True)).text).size)
            _wait("a cosignature after the restart", lambda: _mark(state) >= size)
            _wait("the server holding the cosignature",
                  lambda: "aisi" in {s.name for s in parse_note(httpx.get(srv.url + "/v1/checkpoint?latest=1").text).signatures})
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        entries = [e["envelope"] for e in c.entries(0, size)]
    # restarted once more, against the same log's operator showing an older prefix with the checkpoint it signed then
    log = HostileLog(pact)
    log.entries = entries
    log.shown = 3
    log.propose(Clock().now())
    with pytest.raises(Alarm):
        Monitor(log.client(), "aisi", key("aisi"), Clock(), MonitorState.load(state)).step()
    assert log.status_signatures == [] and log.cosignatures == []
    after = json.loads(state.read_text())
    assert after["alarm"] and after["cosigned_size"] == _mark(state) >= size
    with pytest.raises(Alarm):  # the alarm persists across restarts
        Monitor(log.client(), "aisi", key("aisi"), Clock(), MonitorState.load(state))
