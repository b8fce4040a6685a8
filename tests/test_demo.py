"""The README's main job, unattended: a year played on a real server and monitors, then verified."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pausepact.core.yamldoc import load_document

from .live import free_port
from .sealed_outputs import public_outputs, sealed_values_in

BUSY = "while True: pass"


def test_demo_fast_passes_under_cpu_load_at_any_speed(tmp_path: Path) -> None:
    """The year's outcome depends on neither the demo's speed nor the machine's load: at 100 virtual days a real
    second, with a CPU-bound process per core beside it, every expected transition happens and the log verifies.
    The year shows v2 too: a sealed indicator judged in the monitors' verdicts (its values nowhere public), a
    leaked key revoked, an amendment voted and executed, and verify following the chain of versions."""
    # one busy core beside the demo: load that starves its processes, without starving the rest of the suite
    hogs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(max(1, (os.cpu_count() or 2) - 1))]
    try:
        r = subprocess.run([sys.executable, "-m", "pausepact", "demo", "--fast", "--speed", "8640000", "--port", str(free_port()),
                            "--dir", str(tmp_path)], capture_output=True, text=True, timeout=900)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = r.stdout
    assert "the pact is in force" in out
    assert "raised to slowdown: red line models-write-the-code held for lab-b" in out
    assert "raised to pause: red line runaway-self-improvement held for lab-a" in out
    assert "violation: run-over-limit by lab-c" in out
    assert "2027-09-30  ▼ resumption resume-pause executed: pause → slowdown" in out
    assert "2027-10-17  ▼ resumption resume-slowdown executed: slowdown → normal" in out
    assert "2027-08-19  guard training (lab-a, run frontier-a-part1): forbidden: " in out
    assert "Lab A's guard restarts training as frontier-a-part2" in out
    assert "OK: " in out and "cosigned by" in out
    assert out.count("✓") == 16 and "✗" not in out
    # issue 15: what the public sees of a sealed report, and what only a monitor sees, labelled as such
    assert re.search(r"2027-04-02  #\d+ +Lab B reports its ai_code_share, sealed \(commitment sha256:[0-9a-f]{12}…\); "
                     r"verdicts by aisi, eval-org, civic-audit: models-write-the-code meets → assessed\n", out)
    assert "🔒 eval-org's private view (its own state file, mode 0600; never published): why it said meets for Lab B" in out
    assert re.search(r"🔒 eval-org opened #\d+: lab-b's ai_code_share = 0.961\n", out)
    # issue 13: a revocation after a leak, the leaked key refused, an amendment voted, queued and executed
    assert "2027-10-20  ⊘ lab-c's key lab-c-cluster (ed25519:" in out
    assert "2027-10-21  refused as expected (unknown-key): whoever holds the leaked key declares a 9e26 FLOP run" in out
    assert "rationale: Lab A's time horizon quadrupled in two months" in out
    assert "amendment tighten-rnd approved (yes: aisi, civic-audit, lab-a, lab-b, lab-c; no: eval-org): queued, " \
           "executes 2027-11-06 unless the monitors cancel it" in out
    assert "2027-11-06  ● amendment tighten-rnd executed: version 2 (sha256:" in out
    assert "Lab C stops frontier-8 (version 2)" in out
    assert re.search(r"it follows the chain of versions from the log: version 1 \(sha256:[0-9a-f]{12}…\) → version 2 "
                     r"\(sha256:[0-9a-f]{12}…, amend proposal #\d+, in force after 2027-11-06\)", out)
    # no sealed value anywhere public: narration (but the monitors' private views), logs, the log's statements, the state
    year, _ = load_document((tmp_path / "year.yaml").read_bytes())
    values = [s["report"]["value"] for s in year["steps"] if s.get("report", {}).get("indicator") == "ai_code_share"]
    assert len(values) == 52 and sealed_values_in(public_outputs(tmp_path, out), values) == []
    # the year is a script the folder keeps, with the version it proposes: pausepact rehearse plays it again
    assert (tmp_path / "year.yaml").read_text().startswith("# The demo's year as a rehearsal script")
    assert (tmp_path / "pact-v2.yaml").read_text().count("version: 2\n") == 1


def _processes_naming(text: str) -> list[str]:
    """Command lines of live processes that mention ``text`` (the test's own folder)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
            status = (cmdline.parent / "stat").read_text()
        except OSError:
            continue
        if status.split(") ")[-1].startswith("Z"):  # a zombie has ended
            continue
        if any(text.encode() in a for a in args):
            found.append(" ".join(a.decode(errors="replace") for a in args))
    return found


def _taken_port() -> tuple[socket.socket, int]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s, int(s.getsockname()[1])


def test_demo_with_its_port_taken_says_so_and_leaves_no_process(tmp_path: Path) -> None:
    holder, port = _taken_port()
    with holder:
        r = subprocess.run([sys.executable, "-m", "pausepact", "demo", "--fast", "--port", str(port), "--dir", str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"port {port} on 127.0.0.1 is not free (Address already in use): choose another with --port"]
    assert _processes_naming(str(tmp_path)) == []


def test_demo_whose_server_cannot_start_stops_its_monitors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The port is taken after the demo checked it (a race): the server dies, the monitors must not outlive the demo."""
    from pausepact.demo import year as demo

    monkeypatch.setattr(demo, "check_port_free", lambda port: None)
    monkeypatch.setattr("pausepact.rehearse.free_port", lambda port=0: port)
    holder, port = _taken_port()
    with holder, pytest.raises(demo.DemoError, match="did not start"):
        demo.run_demo(tmp_path, True, False, port)
    assert _processes_naming(str(tmp_path)) == []
    assert "address already in use" in (tmp_path / "logs" / "serve.log").read_text().lower()


def test_children_end_with_the_block_even_if_they_ignore_sigterm(tmp_path: Path) -> None:
    from pausepact.demo.children import Children

    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(600)"
    with pytest.raises(RuntimeError, match="expectation failed"), Children(grace=0.5) as children:
        procs = [children.spawn([sys.executable, "-c", stubborn, str(tmp_path)], tmp_path / f"{i}.log") for i in range(2)]
        deadline = time.monotonic() + 60
        while not all((tmp_path / f"{i}.log").read_text() for i in range(2)) and time.monotonic() < deadline:
            time.sleep(0.05)
        raise RuntimeError("expectation failed")
    assert all(p.returncode == -signal.SIGKILL for p in procs)
    assert _processes_naming(str(tmp_path)) == []
